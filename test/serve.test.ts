import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, makeTempSite } from './helpers.js';

const Serve = suite('pagemap serve');

Serve('builds, serves on the asked port, logs in combined format, and stops gracefully on SIGTERM', async () => {
  const site = await makeTempSite(
    { 'wiki/Home.md': '# Home\n', 'seed.tsv': 'path\tstatus\tsource\n/index.html\t200\twiki:Home\n' },
    { seedMap: 'seed.tsv' },
  );
  const logFile = join(site.dir, 'access.log');
  const child = spawn(process.execPath, [CLI, 'serve', '--config', site.configFile, '--port', '0', '--no-watch', '--access-log', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address after 10 s; stderr: ${stderr}`)), 10_000);
      child.stderr.on('data', () => {
        const match = /serving .* on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
        if (match) (clearTimeout(timer), resolve(match[1]!));
      });
    });
    assert.match(stderr, /built 1 page in/);
    // Apache is pointed at the config's runtime address, not at this one.
    assert.ok(
      stderr.includes(`warning: Apache's pagemap.conf sends misses to 127.0.0.1:8080 (runtime in ${site.configFile}); this server listens on ${new URL(url).host}, so Apache does not reach it\n`),
      stderr,
    );
    const res = await fetch(url + '/');
    assert.is(res.status, 200);
    assert.ok((await res.text()).includes('<h1>Home</h1>'));
    child.kill('SIGTERM');
    assert.is(await exited, 0, stderr);
    assert.match(await readFile(logFile, 'utf8'), /^127\.0\.0\.1 - - \[.+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "node"\n$/);
    const leftovers = (await readdir(site.config.publicDir, { recursive: true })).filter((f) => String(f).includes('.pagemap-tmp-'));
    assert.equal(leftovers, []);
  } finally {
    child.kill('SIGKILL');
    await site.remove();
  }
});

Serve('on the config\'s own runtime address there is nothing to warn of', async () => {
  const free = (await import('node:net')).createServer().listen(0, '127.0.0.1');
  await new Promise((r) => free.once('listening', r));
  const port = (free.address() as { port: number }).port;
  await new Promise((r) => free.close(r));
  // With its address too: without siteUrl the first build would say there is no sitemap.
  const site = await makeTempSite({ 'wiki/Home.md': '# Home\n' }, { runtime: `127.0.0.1:${port}`, siteUrl: 'https://www.example.org' });
  const child = spawn(process.execPath, [CLI, 'serve', '--config', site.configFile, '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: '' } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not serving after 10 s; stderr: ${stderr}`)), 10_000);
      child.stderr.on('data', () => stderr.includes('serving') && (clearTimeout(timer), resolve()));
    });
    assert.ok(stderr.includes(`on http://127.0.0.1:${port}/`), stderr);
    assert.not.ok(stderr.includes('warning:'), stderr);
  } finally {
    child.kill('SIGKILL');
    await site.remove();
  }
});

Serve('a port in use is one error line naming it, and the process exits 1 (watching or not)', async () => {
  const site = await makeTempSite({ 'wiki/Home.md': '# Home\n' });
  const blocker = (await import('node:net')).createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    for (const flags of [['--no-watch'], []]) {
      const child = spawn(process.execPath, [CLI, 'serve', '--config', site.configFile, '--port', String(port), ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(timer);
      assert.is(code, 1, `exits by itself (${flags.join(' ') || 'watching'}): ${stderr}`);
      const errors = stderr.split('\n').filter((line) => line.startsWith('error:'));
      assert.equal(errors, [`error: 127.0.0.1:${port} is in use: pick another port with --port N or PORT=N (or "runtime" in pagemap.config.json)`]);
      assert.not.match(stderr, /^\s+at /m, 'no stack trace');
    }
  } finally {
    blocker.close();
    await site.remove();
  }
});

Serve.run();
