#!/usr/bin/env node
/**
 * The `pagemap` command. Thin by design (house style 7): parse arguments, call the library,
 * print, set the exit code. It lives in build/ because every command starts from the page
 * map and the build; `serve` reaches into runtime/.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileAtomic } from '../build/atomicWrite.js';
import { type BuildReport, SiteBuilder } from '../build/build.js';
import { type Config, resolveConfig } from '../core/config.js';
import { PagemapError } from '../core/errors.js';
import { formatOf, readMapFile, serialiseMap } from '../core/mapTransfer.js';
import { type PageMapStore, databaseProblem } from '../core/pageMap.js';
import { pathForExport } from '../core/pagePath.js';
import { type Origin, type Status, type ValidRow, isOrigin, isStatus, parseSource } from '../core/pageRow.js';
import { initSite, openPageMap } from '../core/site.js';
import { SourceLocator } from '../core/sourceFiles.js';

class UsageError extends PagemapError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

const GLOBAL_HELP = `pagemap — migrate a legacy website page by page without breaking a URL

Usage: pagemap <command> [options]

Commands:
  init [DIR]                      start a site of your own: config, wiki, legacy folder, a first page
  map list [--status N] [--search TEXT] [--origin O] [--json]   list rows of the page map
  map set PATH STATUS [SOURCE]    add or change a row (200 wiki:Name | file:rel/path, 301/302 URL, 404, 410)
  map rm PATH                     remove a row
  map import FILE [--replace]     import a .tsv or .json map, all or nothing
  map export [FILE] [--json]      export the map (to FILE, format by extension; else TSV on stdout)
  map discover                    add a row for every legacy file that has none
  build [--full]                  render every 200 page into public/ and write the Apache rules
  serve [--host H] [--port N] [--no-watch] [--no-build] [--access-log FILE]
                                  build, then serve the site and watch it (the runtime)
  watch                           build, then keep public/ up to date as sources and the map change
  misses [--top N] [--json]       the most requested paths that found no page

Every command takes --config FILE (default: the nearest pagemap.config.json in this folder
or above, else the shipped sample site) and --help.`;

const COMMAND_HELP: Record<string, string> = {
  init: `Usage: pagemap init [DIR]
Start a site of your own in DIR (default: the current folder): pagemap.config.json, an empty
wiki/ with a first page (FrontPage.md), an empty legacy/ for the old site's files, and a page
map whose one row serves the first page at /. Nothing that exists is overwritten.`,
  'map list': `Usage: pagemap map list [--status N] [--search TEXT] [--origin manual|import|discovered] [--json]
List rows ordered by path: status, path, source. --search matches text anywhere in the path.
--json prints an array of {path, status, source, created, updated, origin}.`,
  'map set': `Usage: pagemap map set PATH STATUS [SOURCE]
Add or change the row at PATH. STATUS is 200, 301, 302, 404 or 410.
SOURCE: for 200, wiki:Name or file:rel/path; for 301/302, an http(s):// URL or a site path
starting with /; for 404/410, nothing. PATH may be written with %XX escapes; /doc/ means /doc/index.html.`,
  'map rm': `Usage: pagemap map rm PATH
Remove the row at PATH. Exits non-zero when there is none.`,
  'map import': `Usage: pagemap map import FILE [--replace]
Import rows from FILE (.tsv: path<TAB>status<TAB>source with an optional header line;
.json: an array of {path, status, source}). Existing rows at the same paths are updated.
With --replace, rows not in FILE are removed. Every bad row is reported with its line and
nothing is imported.`,
  'map export': `Usage: pagemap map export [FILE] [--json]
Write the whole map to FILE (format by extension, .tsv or .json) or, without FILE, to
standard output as TSV (--json for JSON). Importing the export gives the same map.`,
  'map discover': `Usage: pagemap map discover
Walk the legacy root and add a row for every file that has none: 200 file:rel/path, or
302 to /data/rel/path for data resources (see dataExtensions, dataMinBytes). Hidden files
(names starting with .) are left out. Existing rows are never changed.`,
  build: `Usage: pagemap build [--full]
Render every 200 wiki page and copy every 200 file into public/, remove outputs no row owns,
write the 404/410 pages, assets and the Apache configuration. Unchanged pages are skipped;
--full rewrites everything. Exits non-zero if any page failed.`,
  serve: `Usage: pagemap serve [--host H] [--port N] [--no-watch] [--no-build] [--access-log FILE]
Build (incrementally), then serve the site on the config's runtime address
(default 127.0.0.1:8080; HOST and PORT in the environment, then --host and --port, override
it). Misses are rendered into public/, legacy files without a row are discovered, and the
wiki, templates, legacy tree and map are watched (--no-watch turns that off). Requests are
logged in Apache's combined format on stdout, or appended to FILE with --access-log FILE.
SIGINT/SIGTERM stop it gracefully.`,
  watch: `Usage: pagemap watch
Build (incrementally), then watch the wiki, templates, legacy tree and the map, and re-render
exactly what each change affects, until SIGINT/SIGTERM.`,
  misses: `Usage: pagemap misses [--top N] [--json]
The paths the runtime answered 404 for and that still have no row, most requested first
(default top 20): the list of what still needs a row.`,
};

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(args: string[], options: ParseArgsConfig['options']): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...options } });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function expectPositionals(parsed: Parsed, min: number, max: number, command: string): void {
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    throw new UsageError(`${command}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n} (see pagemap ${command} --help)`);
  }
}

/** "1 page", "2 pages". */
function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function configFrom(parsed: Parsed): Config {
  const config = resolveConfig({ configFile: parsed.values.config as string | undefined });
  if (config.notice) process.stderr.write(`pagemap: ${config.notice}\n`);
  return config;
}

/** Open the page map for one command; SQLite's complaints become one line naming the file. */
async function withStore<T>(config: Config, use: (store: PageMapStore) => Promise<T> | T): Promise<T> {
  const store = await openPageMap(config);
  try {
    return await use(store);
  } catch (error) {
    throw databaseProblem(store.file, error) ?? error;
  } finally {
    store.close();
  }
}

function printReport(report: BuildReport): void {
  const { counts } = report;
  for (const failure of report.failures) process.stderr.write(`failed: ${failure.path}: ${failure.message}\n`);
  for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stderr.write(
    `built ${plural(report.pages, 'page')} in ${(report.elapsedMs / 1000).toFixed(2)}s: ${counts.written} written, ${counts.unchanged} unchanged, ${counts.removed} removed, ${counts.failed} failed\n`,
  );
}

async function buildSite(builder: SiteBuilder, full: boolean): Promise<BuildReport> {
  const isTty = process.stderr.isTTY;
  let lastShown = 0;
  const report = await builder.buildAll({
    full,
    onProgress: isTty
      ? (done, total) => {
          const now = Date.now();
          if (now - lastShown < 100 && done < total) return;
          lastShown = now;
          process.stderr.write(`\rbuilding ${done}/${total}`);
          if (done === total) process.stderr.write('\r\x1b[K');
        }
      : undefined,
  });
  printReport(report);
  return report;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The access log destination: a file appended to, or "-" for stdout. */
function openAccessLog(target: string): { write: (line: string) => void; close: () => Promise<void> } {
  if (target === '-') return { write: (line) => void process.stdout.write(line), close: async () => undefined };
  const stream = createWriteStream(target, { flags: 'a' });
  stream.on('error', (error) => process.stderr.write(`pagemap: access log ${target}: ${error.message}\n`));
  return { write: (line) => void stream.write(line), close: () => new Promise((resolve) => stream.end(() => resolve())) };
}

/** One row as `map list` prints it. */
function formatRow(row: ValidRow): string {
  return `${row.status}  ${pathForExport(row.path)}${row.source ? '  ' + row.source : ''}\n`;
}

/**
 * What is worth knowing about a row just written: a page whose source is not there (yet:
 * the row may come first, so it is written) answers 404; a 404/410 row keeps no source.
 */
function warningsForRow(config: Config, row: ValidRow, givenSource: string | undefined): string[] {
  if ((row.status === 404 || row.status === 410) && givenSource) return [`a ${row.status} row has no source: ${JSON.stringify(givenSource)} was not stored`];
  if (row.status !== 200) return [];
  const source = parseSource(200, row.source);
  const [root, rel, what] = source.kind === 'wiki' ? [config.wikiDir, source.name + '.md', 'wiki page'] : source.kind === 'file' ? [config.legacyDir, source.rel, 'legacy file'] : [];
  if (!root || new SourceLocator().findIfSafe(root, rel!)) return [];
  return [`${what} ${join(root, rel!)} does not exist (yet): ${pathForExport(row.path)} answers 404 until it does`];
}

async function mapCommand(sub: string | undefined, rest: string[]): Promise<number> {
  const command = `map ${sub}`;
  if (sub === undefined && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(Object.entries(COMMAND_HELP).filter(([name]) => name.startsWith('map ')).map(([, help]) => help).join('\n\n'));
    return 0;
  }
  if (!sub || !(command in COMMAND_HELP)) throw new UsageError(`unknown map command ${JSON.stringify(sub ?? '')} (see pagemap --help)`);
  const optionsFor: Record<string, ParseArgsConfig['options']> = {
    'map list': { status: { type: 'string' }, search: { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' } },
    'map import': { replace: { type: 'boolean' } },
    'map export': { json: { type: 'boolean' } },
  };
  const parsed = parse(rest, optionsFor[command] ?? {});
  if (parsed.values.help) return (console.log(COMMAND_HELP[command]), 0);
  const config = configFrom(parsed);

  switch (command) {
    case 'map list': {
      expectPositionals(parsed, 0, 0, command);
      const { status, search, origin, json } = parsed.values;
      if (status !== undefined && !isStatus(Number(status))) throw new UsageError(`--status ${status}: not one of 200, 301, 302, 404, 410`);
      if (origin !== undefined && !isOrigin(origin)) throw new UsageError(`--origin ${origin}: not one of manual, import, discovered`);
      const rows = await withStore(config, (store) =>
        store.list({ status: status === undefined ? undefined : (Number(status) as Status), search: search as string | undefined, origin: origin as Origin | undefined }),
      );
      if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(rows.map(formatRow).join(''));
      if (!json && process.stderr.isTTY) process.stderr.write(`${plural(rows.length, 'row')}\n`);
      return 0;
    }
    case 'map set': {
      expectPositionals(parsed, 2, 3, command);
      const [path, status, source] = parsed.positionals as [string, string, string | undefined];
      const [outcome, row] = await withStore(config, (store) => [store.set({ path, status, source }), store.get(path)!] as const);
      process.stderr.write(`${outcome}: ${path}\n`);
      for (const warning of warningsForRow(config, row, source)) process.stderr.write(`warning: ${warning}\n`);
      return 0;
    }
    case 'map rm': {
      expectPositionals(parsed, 1, 1, command);
      const path = parsed.positionals[0]!;
      const removed = await withStore(config, (store) => store.remove(path));
      if (!removed) throw new PagemapError('ENOROW', `no row at ${path}`);
      process.stderr.write(`removed: ${path}\n`);
      return 0;
    }
    case 'map import': {
      expectPositionals(parsed, 1, 1, command);
      const file = parsed.positionals[0]!;
      const rows = await readMapFile(file);
      const summary = await withStore(config, (store) => store.applyRows(rows, 'import', { replace: parsed.values.replace === true }));
      process.stderr.write(`imported ${file}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed\n`);
      return 0;
    }
    case 'map export': {
      expectPositionals(parsed, 0, 1, command);
      const file = parsed.positionals[0];
      const format = file ? formatOf(file) : parsed.values.json ? 'json' : 'tsv';
      const rows = await withStore(config, (store) => store.all());
      const text = serialiseMap(rows, format);
      if (!file) return (process.stdout.write(text), 0);
      await writeFileAtomic(file, text);
      process.stderr.write(`exported ${plural(rows.length, 'row')} to ${file}\n`);
      return 0;
    }
    case 'map discover': {
      expectPositionals(parsed, 0, 0, command);
      const { discoverAll } = await import('../core/discovery.js');
      const summary = await withStore(config, (store) => discoverAll(config, store));
      for (const line of summary.skipped) process.stderr.write(`skipped: ${line}\n`);
      process.stdout.write(summary.added.map(formatRow).join(''));
      process.stderr.write(`discovered ${summary.added.length} new of ${plural(summary.scanned, 'legacy file')}\n`);
      return 0;
    }
  }
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return (console.log(GLOBAL_HELP), command === undefined ? 2 : 0);
  if (command === 'map') return rest[0]?.startsWith('-') ? mapCommand(undefined, rest) : mapCommand(rest[0], rest.slice(1));
  if (command === 'build') {
    const parsed = parse(rest, { full: { type: 'boolean' } });
    if (parsed.values.help) return (console.log(COMMAND_HELP.build), 0);
    expectPositionals(parsed, 0, 0, 'build');
    const config = configFrom(parsed);
    const report = await withStore(config, async (store) => buildSite(await SiteBuilder.open(config, store), parsed.values.full === true));
    return report.counts.failed > 0 ? 1 : 0;
  }
  if (command === 'init') {
    const parsed = parse(rest, {});
    if (parsed.values.help) return (console.log(COMMAND_HELP.init), 0);
    expectPositionals(parsed, 0, 1, 'init');
    const made = await initSite(parsed.positionals[0] ?? '.');
    process.stderr.write(`created ${made.created.join(', ')}\n`);
    process.stderr.write(`next: put the old site's files in ${made.legacyDir} (or point legacyDir at them), then run pagemap map discover and pagemap serve in ${made.dir}\n`);
    return 0;
  }
  if (command === 'serve') {
    const parsed = parse(rest, { host: { type: 'string' }, port: { type: 'string' }, 'no-build': { type: 'boolean' }, 'no-watch': { type: 'boolean' }, 'access-log': { type: 'string' } });
    if (parsed.values.help) return (console.log(COMMAND_HELP.serve), 0);
    expectPositionals(parsed, 0, 0, 'serve');
    const config = configFrom(parsed);
    const port = parsed.values.port === undefined ? undefined : Number(parsed.values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port ${parsed.values.port}: not a port number`);
    const { startRuntime } = await import('../runtime/server.js');
    const accessLog = openAccessLog((parsed.values['access-log'] as string | undefined) ?? '-');
    const store = await openPageMap(config);
    let runtime;
    try {
      // Listen first: a port in use fails at once, before minutes of building.
      runtime = await startRuntime(config, store, { host: parsed.values.host as string | undefined, port, watch: !parsed.values['no-watch'], accessLog: accessLog.write });
    } catch (error) {
      store.close();
      await accessLog.close();
      throw error;
    }
    const { host: apacheHost, port: apachePort } = config.runtimeAddress;
    const bound = new URL(runtime.url);
    if (Number(bound.port) !== apachePort || (parsed.values.host !== undefined && parsed.values.host !== apacheHost)) {
      process.stderr.write(
        `warning: Apache's pagemap.conf sends misses to ${apacheHost}:${apachePort} (runtime in ${config.configFile ?? 'the defaults'}); this server listens on ${bound.host}, so Apache does not reach it\n`,
      );
    }
    if (!parsed.values['no-build']) await buildSite(runtime.builder, false);
    process.stderr.write(`pagemap: serving ${config.publicDir} on ${runtime.url}/${parsed.values['no-watch'] ? '' : ', watching for changes'}\n`);
    await untilSignal();
    process.stderr.write('pagemap: stopping\n');
    await runtime.close();
    await accessLog.close();
    store.close();
    return 0;
  }
  if (command === 'watch') {
    const parsed = parse(rest, {});
    if (parsed.values.help) return (console.log(COMMAND_HELP.watch), 0);
    expectPositionals(parsed, 0, 0, 'watch');
    const config = configFrom(parsed);
    const { SiteWatcher } = await import('../runtime/watch.js');
    const store = await openPageMap(config);
    const builder = await SiteBuilder.open(config, store, { keepRenderer: true });
    await buildSite(builder, false);
    const watcher = new SiteWatcher(builder);
    await watcher.start();
    process.stderr.write(`pagemap: watching ${config.wikiDir}, ${config.templatesDir}, ${config.legacyDir} and the map\n`);
    await untilSignal();
    await watcher.close();
    await builder.close();
    store.close();
    return 0;
  }
  if (command === 'misses') {
    const parsed = parse(rest, { top: { type: 'string' }, json: { type: 'boolean' } });
    if (parsed.values.help) return (console.log(COMMAND_HELP.misses), 0);
    expectPositionals(parsed, 0, 0, 'misses');
    const top = parsed.values.top === undefined ? 20 : Number(parsed.values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${parsed.values.top}: not a positive whole number`);
    const config = configFrom(parsed);
    const misses = await withStore(config, (store) => store.topMisses(top));
    if (parsed.values.json) process.stdout.write(JSON.stringify(misses, null, 2) + '\n');
    else process.stdout.write(misses.map((m) => `${String(m.count).padStart(7)}  ${pathForExport(m.path)}  (last ${m.lastSeen})\n`).join(''));
    return 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)} (see pagemap --help)`);
}

let isFinished = false;
// A task that never settles would let Node exit with 0 when nothing else is left to run: a
// build that did not finish must never look like one that did.
process.on('exit', () => {
  if (isFinished) return;
  process.stderr.write('error: pagemap stopped before finishing its work (nothing was left running to finish it); this is a bug in pagemap\n');
  process.exitCode = 1;
});
// `pagemap map list | head -1`: the reader has all it wants; stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  isFinished = true;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    isFinished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    isFinished = true;
    const isUsage = error instanceof UsageError;
    // One line, whatever happened; the stack only when asked for.
    const detail = process.env.PAGEMAP_DEBUG ? `\n${(error as Error)?.stack ?? ''}` : '';
    const message = error instanceof PagemapError ? error.message : `${(error as Error)?.message ?? String(error)} (internal error; PAGEMAP_DEBUG=1 shows where)`;
    process.stderr.write(`error: ${message.replace(/\n(?!  )/g, ' ')}${detail}\n`);
    process.exitCode = isUsage ? 2 : 1;
  },
);
