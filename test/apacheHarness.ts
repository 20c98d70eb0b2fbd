/**
 * A real Apache 2.4 for tests: its own ServerRoot, PidFile, logs and configuration in a temp
 * folder, listening on a free loopback port, run in the foreground as a child process and
 * stopped by the test. Nothing global is read or touched besides the module binaries. The
 * benchmarks use it too (bench/apacheBench.ts), and its port helpers (bench/runtimeBench.ts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const MODULES_DIR = '/usr/lib/apache2/modules';
// mod_log_config is built into Debian's apache2.
const MODULES = ['mpm_event', 'authz_core', 'mime', 'dir', 'alias', 'rewrite', 'proxy', 'proxy_http'] as const;

/** The apache2 binary, or undefined when Apache is not installed. */
export function findApache(): string | undefined {
  for (const candidate of ['/usr/sbin/apache2', '/usr/local/sbin/apache2', '/usr/sbin/httpd']) if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * The apache2 binary for the Apache tests, or undefined — with a loud warning — when it is not
 * installed. Test files then skip their tests, except under CI=true, where requireApache()
 * fails: CI must install Apache.
 */
export function apacheOrSkip(what: string): string | undefined {
  const binary = findApache();
  if (!binary) console.warn(`\n!!! ${what}: Apache 2.4 (apache2) is not installed${process.env.CI === 'true' ? ' — FAILING under CI=true' : ' — SKIPPED'}. Install it with: apt-get install -y apache2 apache2-utils\n`);
  return binary;
}

/** Throws under CI=true when Apache is missing: the Apache tests must never pass by skipping in CI. */
export function requireApacheInCi(binary: string | undefined): void {
  if (!binary && process.env.CI === 'true') throw new Error('Apache 2.4 (apache2) is not installed; CI must install it (apt-get install -y apache2 apache2-utils)');
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolve once something accepts connections on the loopback `port`; reject if `child` exits first or 15 s pass. */
export function waitForPort(port: number, child: ChildProcess, log: () => Promise<string> = async () => ''): Promise<void> {
  const deadline = Date.now() + 15_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return void log().then((text) => reject(new Error(`${child.spawnfile} exited with ${child.exitCode}:\n${text}`)));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve()));
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) return void log().then((text) => reject(new Error(`${child.spawnfile} did not listen on ${port}:\n${text}`)));
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface RunningApache {
  url: string;
  /** The configuration file it runs with. */
  configFile: string;
  /** Request lines Apache logged ("GET /x HTTP/1.1 200"). */
  accessLog: () => Promise<string[]>;
  errorLog: () => Promise<string>;
  stop: () => Promise<void>;
}

/**
 * The httpd.conf for one test server: a vhost that only includes `include` (pagemap's
 * generated configuration sets the DocumentRoot; `documentRoot`, when given, is set first).
 */
export function serverConfig(dir: string, port: number, documentRoot: string | undefined, include: string): string {
  const isRoot = process.getuid?.() === 0;
  return [
    `ServerRoot "${dir}"`,
    `Listen 127.0.0.1:${port}`,
    `PidFile "${join(dir, 'httpd.pid')}"`,
    `DefaultRuntimeDir "${dir}"`,
    `ErrorLog "${join(dir, 'error.log')}"`,
    'LogLevel warn',
    ...MODULES.map((name) => `LoadModule ${name}_module ${MODULES_DIR}/mod_${name}.so`),
    // Apache will not serve as root; the files it reads are made world-readable.
    ...(isRoot ? ['User www-data', 'Group www-data'] : []),
    'TypesConfig /etc/mime.types',
    'ServerName 127.0.0.1',
    'LogFormat "%r %>s" line',
    `CustomLog "${join(dir, 'access.log')}" line`,
    '<Directory />',
    '    AllowOverride None',
    '    Require all denied',
    '</Directory>',
    `<VirtualHost 127.0.0.1:${port}>`,
    ...(documentRoot ? [`    DocumentRoot "${documentRoot}"`] : []),
    `    Include "${include}"`,
    '</VirtualHost>',
    '',
  ].join('\n');
}

/** `apache2 -t` on a configuration; throws with Apache's words when it is not valid. */
export function checkConfig(binary: string, configFile: string): void {
  execFileSync(binary, ['-t', '-f', configFile], { stdio: 'pipe' });
}

/**
 * Start Apache for `documentRoot` with `include` (pagemap's generated configuration).
 * `readable` lists folders Apache (as www-data) must be able to read: they are opened up.
 */
export async function startApache(binary: string, dir: string, documentRoot: string | undefined, include: string, readable: string[]): Promise<RunningApache> {
  for (const folder of [dir, ...readable]) await chmod(folder, 0o755);
  const port = await freePort();
  const configFile = join(dir, 'httpd.conf');
  await writeFile(configFile, serverConfig(dir, port, documentRoot, include));
  checkConfig(binary, configFile);
  const child = spawn(binary, ['-f', configFile, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => output);
  await waitForPort(port, child, async () => output + (await errorLog()));
  return {
    url: `http://127.0.0.1:${port}`,
    configFile,
    accessLog: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    errorLog,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
