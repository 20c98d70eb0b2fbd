/**
 * The CLI as a new user meets it: run from a subfolder, started on a site of their own
 * (`pagemap init`), piped into `head`, fed a damaged database, told about rows whose page is
 * not there yet. Real processes, real files.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_ROOT } from '../core/config.js';
import { CLI, assertOneErrorLine, describe, runCli, withTempSite } from './helpers.js';

async function withTempDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-use-'));
  try {
    await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A TSV map of `count` redirects. */
function manyRows(count: number): string {
  const lines = ['path\tstatus\tsource'];
  for (let i = 0; i < count; i++) lines.push(`/old/page-number-${i}.html\t301\t/new/${i}`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------

const Finding = suite('cli: finding the config');

Finding('from a folder inside the site, the nearest pagemap.config.json above is used, and nothing is left in the working folder', async () => {
  await withTempSite({ 'wiki/deep/er/Page.md': '# Page\n' }, async (site) => {
    const inside = join(site.dir, 'wiki', 'deep', 'er');
    const set = await runCli(['map', 'set', '/page.html', '200', 'wiki:deep/er/Page'], { cwd: site.dir });
    assert.is(set.code, 0, describe(set));
    const listed = await runCli(['map', 'list'], { cwd: inside });
    assert.is(listed.code, 0, describe(listed));
    assert.is(listed.stdout, '200  /page.html  wiki:deep/er/Page\n');
    assert.is(listed.stderr, '', 'no notice: a config was found');
    assert.not.ok(existsSync(join(inside, '.pagemap')), 'no stray .pagemap/ in the working folder');
  });
});

Finding('with no config anywhere above, it says what it uses instead: the shipped sample', async () => {
  await withTempDir(async (dir) => {
    const result = await runCli(['map', 'list', '--status', '410'], { cwd: dir });
    assert.is(result.code, 0, describe(result));
    assert.is(
      result.stderr.split('\n')[0],
      `pagemap: no pagemap.config.json in ${dir} or above: using the shipped sample site in ${join(PACKAGE_ROOT, 'content')} (pagemap init makes a site of your own)`,
    );
    assert.not.ok(existsSync(join(dir, '.pagemap')), 'nothing is written where it was run');
  });
});

Finding.run();

// ---------------------------------------------------------------------------------------

const Init = suite('cli: pagemap init');

Init('lays out a site that builds and serves its first page, and never overwrites one', async () => {
  await withTempDir(async (dir) => {
    const made = await runCli(['init', 'mysite'], { cwd: dir });
    assert.is(made.code, 0, describe(made));
    const site = join(dir, 'mysite');
    assert.equal(JSON.parse(await readFile(join(site, 'pagemap.config.json'), 'utf8')), {
      wikiDir: 'wiki',
      legacyDir: 'legacy',
      publicDir: 'public',
      database: '.pagemap/pagemap.db',
      apacheDir: '.pagemap/apache',
      runtime: '127.0.0.1:8080',
    });
    assert.ok((await stat(join(site, 'legacy'))).isDirectory());
    assert.match(made.stderr, /^created mysite\/pagemap\.config\.json, mysite\/wiki\/, mysite\/legacy\/, mysite\/wiki\/FrontPage\.md, mysite\/\.pagemap\/pagemap\.db \(one row: \/ serves wiki:FrontPage\)\n/);

    const built = await runCli(['build'], { cwd: site });
    assert.is(built.code, 0, describe(built));
    assert.match(await readFile(join(site, 'public', 'index.html'), 'utf8'), /<h1>Welcome<\/h1>/);

    const again = await runCli(['init'], { cwd: site });
    assert.is(again.code, 1, describe(again));
    assert.ok(assertOneErrorLine(again).includes(join(site, 'pagemap.config.json')));
  });
});

Init('map discover on a legacy root that does not exist is one error line naming it', async () => {
  await withTempSite({}, async (site) => {
    await rm(site.config.legacyDir, { recursive: true });
    const result = await runCli(['map', 'discover'], { cwd: site.dir });
    assert.is(result.code, 1, describe(result));
    assert.is(
      assertOneErrorLine(result),
      `error: the legacy root ${site.config.legacyDir} (legacyDir in ${site.configFile}) is not a folder: create it, or point legacyDir at the old site's files`,
    );
  });
});

Init.run();

// ---------------------------------------------------------------------------------------

const Damaged = suite('cli: a damaged database');

Damaged('garbage, or a database cut in half, is one error line naming the file and what to do', async () => {
  await withTempSite({ 'map.tsv': manyRows(3000) }, async (site) => {
    const imported = await runCli(['map', 'import', 'map.tsv'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    const advice = 'the file is damaged or not a page map: restore it from a backup, or move it aside and import your last map export (pagemap map import FILE)';

    await truncate(site.config.database, Math.floor((await stat(site.config.database)).size / 2));
    const halved = await runCli(['map', 'list'], { cwd: site.dir });
    assert.is(halved.code, 1, describe(halved));
    assert.is(assertOneErrorLine(halved), `error: page map ${site.config.database}: database disk image is malformed (SQLITE_CORRUPT); ${advice}`);

    await writeFile(site.config.database, 'this is not a database, just some text that is long enough\n'.repeat(100));
    for (const args of [['map', 'list'], ['build'], ['misses']]) {
      const result = await runCli(args, { cwd: site.dir });
      assert.is(result.code, 1, describe(result));
      assert.is(assertOneErrorLine(result), `error: page map ${site.config.database}: file is not a database (SQLITE_NOTADB); ${advice}`);
    }
  });
});

Damaged.run();

// ---------------------------------------------------------------------------------------

const Pipes = suite('cli: output into a pipe that closes');

/** Run the CLI, read its first chunk of stdout, then close the pipe as `head -1` does. */
function readFirstChunk(args: string[], cwd: string): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.once('data', (chunk) => {
      first = String(chunk);
      child.stdout.destroy();
    });
    child.on('exit', (code) => resolve({ code, stderr, first }));
  });
}

Pipes('map list, --json and export stop quietly when the reader has had enough', async () => {
  await withTempSite({ 'map.tsv': manyRows(5000) }, async (site) => {
    const imported = await runCli(['map', 'import', 'map.tsv'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    for (const args of [['map', 'list'], ['map', 'list', '--json'], ['map', 'export']]) {
      const result = await readFirstChunk(args, site.dir);
      assert.ok(result.first.length > 0, 'it wrote something first');
      assert.is(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.is(result.stderr, '', args.join(' '));
    }
  });
});

Pipes.run();

// ---------------------------------------------------------------------------------------

const RealImports = suite('cli: imports a real migration can live with');

RealImports('a JSON import of 10,000 rows with three paths in mojibake goes in whole; a bad row is named with its C1 character escaped', async () => {
  await withTempSite({}, async (site) => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ path: `/wiki/Page${i}`, status: 301, source: `/new/${i}` }));
    rows[10] = { path: '/wiki/Caf\u00c3\u0083\u00a9', status: 410, source: '' };
    rows[5000] = { path: '/wiki/\u00c3\u0084rger', status: 301, source: '/new/aerger' };
    rows[9999] = { path: '/wiki/Ma%C3%83%C2%9Fe', status: 301, source: '/new/masse' };
    await writeFile(join(site.dir, 'big.json'), JSON.stringify(rows));
    const imported = await runCli(['map', 'import', 'big.json'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    assert.is(imported.stderr, 'imported big.json (json): 10000 rows (10000 exact, 0 prefix, 0 pattern); 10000 added, 0 updated, 0 unchanged, 0 removed\n');
    const listed = await runCli(['map', 'list', '--search', 'wiki/Caf'], { cwd: site.dir });
    assert.is(listed.stdout, '410  /wiki/Caf\u00c3%C2%83\u00a9\n', 'listed re-readably, the C1 character percent-encoded');

    await writeFile(join(site.dir, 'bad.tsv'), 'path\tstatus\tsource\n/ok\t301\t/x\n/Caf\u00c3\u0083\u00a9\t999\t/y\n');
    const bad = await runCli(['map', 'import', 'bad.tsv'], { cwd: site.dir });
    assert.is(bad.code, 1, describe(bad));
    assert.ok(bad.stderr.includes('/Caf\u00c3\\u0083\u00a9: status "999"'), bad.stderr);
    assert.not.match(bad.stderr, /[\u0080-\u009f]/, 'no raw C1 in a message');
  });
});

RealImports('--keep-going imports every valid row and leaves the refused ones, with line and reason, in a file that imports once fixed', async () => {
  await withTempSite({}, async (site) => {
    const good = Array.from({ length: 20 }, (_, i) => `/ok/${i}\t301\t/new/${i}`);
    const lines = ['path\tstatus\tsource', ...good.slice(0, 10), 'no-slash\t301\t/x', ...good.slice(10), '/bad-status\t999\t/y', '/ok/3\t410\t', '/ctl\t301\t/a\rb'];
    await writeFile(join(site.dir, 'map.tsv'), lines.join('\n') + '\n');
    const strict = await runCli(['map', 'import', 'map.tsv'], { cwd: site.dir });
    assert.is(strict.code, 1, 'all or nothing by default');
    assert.is((await runCli(['map', 'list'], { cwd: site.dir })).stdout, '');

    const kept = await runCli(['map', 'import', 'map.tsv', '--keep-going'], { cwd: site.dir });
    assert.is(kept.code, 0, describe(kept));
    assert.is(kept.stderr.split('\n')[0], 'imported map.tsv (tsv): 20 rows (20 exact, 0 prefix, 0 pattern); 20 added, 0 updated, 0 unchanged, 0 removed');
    assert.ok(kept.stderr.includes('warning: 4 rows refused, each with its place and reason in map.rejects.tsv'), kept.stderr);
    const rejects = await readFile(join(site.dir, 'map.rejects.tsv'), 'utf8');
    const rejectLines = rejects.split('\n');
    assert.is(rejectLines[0], 'path\tstatus\tsource');
    assert.ok(rejectLines[1]!.startsWith('# line 12: path "no-slash" must start with /'), rejects);
    assert.is(rejectLines[2], 'no-slash\t301\t/x');
    assert.ok(rejectLines[3]!.startsWith('# line 23: /bad-status: status "999"'), rejects);
    assert.ok(rejectLines[5]!.startsWith('# line 24: /ok/3 is already given at line 5'), rejects);
    assert.ok(rejectLines[7]!.startsWith('# line 25: /ctl: has a control character'), rejects);

    // The team fixes the rejects file and imports it, as it is.
    const fixed = rejects.replace('no-slash\t', '/no-slash\t').replace('\t999\t', '\t302\t').replace('/ok/3\t410\t', '/ok/3-old\t410\t').replace('/a\rb', '/ab');
    await writeFile(join(site.dir, 'map.rejects.tsv'), fixed);
    const second = await runCli(['map', 'import', 'map.rejects.tsv'], { cwd: site.dir });
    assert.is(second.code, 0, describe(second));
    assert.is(second.stderr, 'imported map.rejects.tsv (tsv): 4 rows (4 exact, 0 prefix, 0 pattern); 4 added, 0 updated, 0 unchanged, 0 removed\n');

    const both = await runCli(['map', 'import', 'map.tsv', '--keep-going', '--replace'], { cwd: site.dir });
    assert.is(both.code, 2, describe(both));
  });
});

RealImports('--keep-going with JSON: the rejects are the items themselves, marked, and import once fixed', async () => {
  await withTempSite({}, async (site) => {
    await writeFile(join(site.dir, 'map.json'), JSON.stringify([{ path: '/a', status: 301, source: '/b' }, { path: '/c', status: 301, source: 'ftp://x' }]));
    const kept = await runCli(['map', 'import', 'map.json', '--keep-going'], { cwd: site.dir });
    assert.is(kept.code, 0, describe(kept));
    const rejects = JSON.parse(await readFile(join(site.dir, 'map.rejects.json'), 'utf8')) as { rejected: string; path: string; source: string }[];
    assert.is(rejects.length, 1);
    assert.match(rejects[0]!.rejected, /^item 2: \/c: has target "ftp:\/\/x"/);
    rejects[0]!.source = 'https://x.example/';
    await writeFile(join(site.dir, 'map.rejects.json'), JSON.stringify(rejects));
    const second = await runCli(['map', 'import', 'map.rejects.json'], { cwd: site.dir });
    assert.is(second.code, 0, describe(second));
  });
});

RealImports.run();

// ---------------------------------------------------------------------------------------

const Messages = suite('cli: warnings and summaries');

Messages('map set warns of a page whose source is not there yet, and of a source a 404/410 row cannot keep', async () => {
  await withTempSite({ 'wiki/Here.md': '# Here\n', 'legacy/old.html': 'old' }, async (site) => {
    const missing = await runCli(['map', 'set', '/x', '200', 'wiki:DoesNotExist'], { cwd: site.dir });
    assert.is(missing.code, 0, describe(missing));
    assert.is(missing.stderr, `added: /x\nwarning: wiki page ${join(site.config.wikiDir, 'DoesNotExist.md')} does not exist (yet): /x answers 404 until it does\n`);
    const missingFile = await runCli(['map', 'set', '/y', '200', 'file:nope/old.html'], { cwd: site.dir });
    assert.is(missingFile.stderr, `added: /y\nwarning: legacy file ${join(site.config.legacyDir, 'nope/old.html')} does not exist (yet): /y answers 404 until it does\n`);
    const gone = await runCli(['map', 'set', '/z', '410', 'file:old.html'], { cwd: site.dir });
    assert.is(gone.code, 0, describe(gone));
    assert.is(gone.stderr, 'added: /z\nwarning: a 410 row has no source: "file:old.html" was not stored\n');
    for (const args of [['/h', '200', 'wiki:Here'], ['/o', '200', 'file:old.html'], ['/r', '301', '/h'], ['/n', '404']]) {
      const quiet = await runCli(['map', 'set', ...args], { cwd: site.dir });
      assert.is(quiet.stderr, `added: ${args[0]}\n`, 'nothing to warn of');
    }
  });
});

Messages('summaries count right: one page, files removed, rows exported', async () => {
  await withTempSite({ 'wiki/One.md': '# One\n' }, async (site) => {
    await runCli(['map', 'set', '/one.html', '200', 'wiki:One'], { cwd: site.dir });
    const first = await runCli(['build'], { cwd: site.dir });
    // The page, the 404 and 410 pages and the assets.
    const written = Number(/^built 1 page in [\d.]+s: (\d+) written, 0 unchanged, 0 removed, 0 failed\n$/.exec(first.stderr)?.[1]);
    assert.ok(written > 3, first.stderr);
    // The source goes: the page fails, and its old output is removed, and said to be.
    await rm(join(site.config.wikiDir, 'One.md'));
    const second = await runCli(['build'], { cwd: site.dir });
    assert.is(second.code, 1, describe(second));
    assert.ok(second.stderr.endsWith(`: 0 written, ${written - 1} unchanged, 1 removed, 1 failed\n`), second.stderr);
    assert.not.ok(existsSync(join(site.config.publicDir, 'one.html')));

    const file = join(site.dir, 'out', 'map.tsv');
    await mkdir(join(site.dir, 'out'));
    const exported = await runCli(['map', 'export', file], { cwd: site.dir });
    assert.is(exported.code, 0, describe(exported));
    assert.is(exported.stderr, `exported 1 row to ${file}\n`);
    // A site with its address: nothing to warn of (without siteUrl the first build says there is no sitemap).
  }, { siteUrl: 'https://www.example.org' });
});

Messages.run();
