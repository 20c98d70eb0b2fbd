/**
 * Shared test fixtures, the one place tests get a site: a throwaway site in a fresh temp
 * directory (real files, a real SQLite map, rows, optionally built and served by a real
 * runtime on port 0), the CLI run as a real process, a recording logger, a seeded PRNG.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { runBuild } from '../build/build.js';
import { type Config, PACKAGE_ROOT, resolveConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { PageMapStore } from '../core/pageMap.js';
import { pathForExport } from '../core/pagePath.js';
import { type RowInput, validateRow } from '../core/pageRow.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../runtime/server.js';

/** The compiled CLI entry point. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
/** Real data from elsewhere (read-only), beside the checkout. */
export const SHARED_DATA = join(PACKAGE_ROOT, '..', 'shared', 'data');

export interface TempSite {
  dir: string;
  config: Config;
  /** The site's pagemap.config.json. */
  configFile: string;
  /** Write files relative to the site folder (creating folders). */
  write: (files: Record<string, string | Uint8Array>) => Promise<void>;
  remove: () => Promise<void>;
}

/**
 * A site in a fresh temp folder: wiki/, legacy/, public/, a database, the shipped templates
 * (unless `templatesDir` says otherwise), no seed map. `files` are written first.
 */
export async function makeTempSite(files: Record<string, string | Uint8Array> = {}, settings: Record<string, unknown> = {}): Promise<TempSite> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-test-'));
  const write = async (more: Record<string, string | Uint8Array>) => {
    for (const [rel, content] of Object.entries(more)) {
      const file = join(dir, rel);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  };
  await mkdir(join(dir, 'wiki'), { recursive: true });
  await mkdir(join(dir, 'legacy'), { recursive: true });
  await write(files);
  const configFile = join(dir, 'pagemap.config.json');
  const settingsWithDefaults = {
    wikiDir: 'wiki',
    legacyDir: 'legacy',
    publicDir: 'public',
    database: 'state/pagemap.db',
    apacheDir: 'state/apache',
    templatesDir: join(PACKAGE_ROOT, 'templates'),
    concurrency: 4,
    ...settings,
  };
  await writeFile(configFile, JSON.stringify(settingsWithDefaults, null, 2));
  const config = resolveConfig({ configFile, env: {} });
  return { dir, config, configFile, write, remove: () => rm(dir, { recursive: true, force: true }) };
}

export type Files = Record<string, string | Uint8Array>;

/** A fresh empty temp folder for the length of `use`. */
export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-test-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A bare site (files and config, no database yet) for the length of `use`: what CLI tests start from. */
export async function withTempSite(files: Files, use: (site: TempSite) => Promise<void>, settings: Record<string, unknown> = {}): Promise<void> {
  const site = await makeTempSite(files, settings);
  try {
    await use(site);
  } finally {
    await site.remove();
  }
}

/** What a test's site holds. */
export interface SiteSpec {
  files?: Files;
  /** Rows put in the map before the test runs: paths in stored (canonical) form, checked as an import checks them. */
  rows?: readonly RowInput[];
  /** Config settings beside the defaults of makeTempSite. */
  settings?: Record<string, unknown>;
  /** Build it before the test runs. */
  build?: boolean;
  /** A copy of the shipped templates in the site's templates/, for tests that edit them. */
  ownTemplates?: boolean;
  /** Runs once the files are there, before the rows, the build and any runtime (to make symbolic links, say). */
  prepare?: (site: TempSite) => Promise<void>;
}

export interface Site extends TempSite {
  store: PageMapStore;
}

/** A site made from `spec`, its page map open, for the length of `use`; then all of it goes. */
export async function withSite(spec: SiteSpec, use: (site: Site) => Promise<void>): Promise<void> {
  let temp = await makeTempSite(spec.files ?? {}, spec.settings ?? {});
  if (spec.ownTemplates) {
    const templatesDir = join(temp.dir, 'templates');
    await cp(temp.config.templatesDir, templatesDir, { recursive: true });
    temp = { ...temp, config: resolveConfig({ configFile: temp.configFile, overrides: { templatesDir }, env: {} }) };
  }
  const store = new PageMapStore(temp.config.database);
  try {
    await spec.prepare?.(temp);
    if (spec.rows?.length) store.applyRows(spec.rows.map((row) => validateRow({ ...row, path: pathForExport(row.path) })), 'import');
    if (spec.build) await runBuild(temp.config, store);
    await use({ ...temp, store });
  } finally {
    store.close();
    await temp.remove();
  }
}

export interface ServedSite extends Site {
  runtime: Runtime;
  url: string;
  /** What the runtime logged. */
  log: ReturnType<typeof recordingLogger>;
}

/** withSite, with a real runtime serving it on 127.0.0.1, port 0 (no watcher unless asked for). */
export async function withRuntime(spec: SiteSpec & { runtime?: Omit<RuntimeOptions, 'logger'> }, use: (site: ServedSite) => Promise<void>): Promise<void> {
  await withSite(spec, async (site) => {
    const log = recordingLogger();
    const runtime = await startRuntime(site.config, site.store, { port: 0, host: '127.0.0.1', watch: false, ...spec.runtime, logger: log.logger });
    try {
      await use({ ...site, runtime, url: runtime.url, log });
    } finally {
      await runtime.close();
    }
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `pagemap ARGS` as a real process in `cwd`; never throws for a non-zero exit. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A CLI result, for assertion messages. */
export function describe(result: CliResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** Asserts stderr is exactly one line, starting `error:`, and returns it. */
export function assertOneErrorLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.is(lines.length, 1, `expected one stderr line, got:\n${result.stderr}`);
  assert.ok(lines[0]!.startsWith('error: '), lines[0]);
  return lines[0]!;
}

/** mulberry32: a small seeded PRNG (numbers in [0, 1)), so a failure reproduces. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A logger that keeps what it is told: access lines, and messages (info and errors, in order). */
export function recordingLogger(): { logger: Logger; access: string[]; messages: string[]; errors: string[] } {
  const access: string[] = [];
  const messages: string[] = [];
  const errors: string[] = [];
  return {
    logger: { access: (line) => access.push(line), info: (message) => messages.push(message), error: (message) => (messages.push(message), errors.push(message)) },
    access,
    messages,
    errors,
  };
}

/** Poll until `check` returns a value other than undefined/false, or fail after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
