/**
 * The build benchmark: pagemap against Hugo and Eleventy on the same generated Markdown,
 * every run a fresh process. The Markdown is the synthetic corpus (bench/corpus.ts, `--pages`
 * uniform pages) or, with `--shape wiki`, one shaped like the Python wiki (bench/wikiCorpus.ts);
 * either way every tool reads the same files and writes the same .html paths. Rounds
 * interleave the tools (pagemap, Hugo, Eleventy, then again), so a noisy neighbour on the
 * shared machine hits every tool alike rather than one.
 *
 * pagemap "cold" means a first build of a new site: an empty public/ and a database that
 * holds the imported map but no record of earlier outputs. The import is done once, not
 * timed, and the database copied back before each cold run: Hugo and Eleventy have no such
 * step, and the map is state a pagemap site keeps (its import cost is reported separately).
 *
 * Old outputs are moved aside, not deleted, before a cold run, and only deleted when the
 * benchmark ends: on an ext4 without a journal (this machine's) the kernel will not reuse an
 * inode freed in the last 30 seconds and scans past each one, so creating 5,000 files right
 * after deleting 5,000 measured 12.1 s instead of 6.7 s for the same pagemap build.
 */
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT, resolveConfig } from '../core/config.js';
import { TEMP_PREFIX } from '../build/atomicWrite.js';
import { CLI, importedSite } from './benchSite.js';
import { type Competitor, setUpEleventy, setUpHugo, firstLineOf } from './competitors.js';
import { writeCorpus } from './corpus.js';
import type { Corpus, CorpusShape } from './corpusFiles.js';
import { BenchError, countFiles, describeDisk, formatMs, formatRatio, markdownTable, meanFileSize, median, min, timeProcess } from './measure.js';
import { removeWhenDone } from './scratch.js';
import { writeWikiCorpus } from './wikiCorpus.js';

export const TOOLS = ['pagemap', 'hugo', 'eleventy'] as const;
export type Tool = (typeof TOOLS)[number];

export interface BuildBenchOptions {
  /** Which corpus: `synthetic` (`pages` uniform pages) or `wiki` (shaped like the Python wiki; its size is fixed). */
  shape: CorpusShape;
  /** Pages of the synthetic corpus; the wiki shape has its own number. */
  pages: number;
  runs: number;
  /** Rounds run first and thrown away (file cache, first-run work). */
  warmup: number;
  tools: ReadonlySet<Tool>;
  /** Keep the temp folder (corpus and outputs) for inspection. */
  keep: boolean;
  log: (line: string) => void;
}

/** What a scenario compares with: pagemap's cold build, its no-op rebuild, or nothing. */
type Against = 'cold' | 'noop' | undefined;

export interface ScenarioResult {
  tool: string;
  scenario: string;
  samples: number[];
  /** pagemap's own "built … in Xs" figure: the build without process start-up and exit. */
  inProcess?: number[];
  against: Against;
  isBaseline: boolean;
  /** Whether pages/s means something for this row (not for start-up). */
  hasRate: boolean;
}

export interface BuildBenchResult {
  markdown: string;
  json: unknown;
}

const FLOOR = join(PACKAGE_ROOT, 'dist', 'bench', 'floor.js');
/** Output size for the write floor when pagemap did not run to show its own. */
const FALLBACK_OUTPUT_BYTES = 7200;
/** The floor rows cold builds are held against (see targetLines). */
const RENDER_WRITE_FLOOR = 'read + render + write the bodies';
const REPORT = /built (\d+) pages in ([\d.]+)s: (\d+) written, (\d+) unchanged, (\d+) removed, (\d+) failed/;

interface PagemapSite {
  dir: string;
  configFile: string;
  publicDir: string;
  apacheDir: string;
  database: string;
  pristine: string;
  importMs: number;
}

async function setUpPagemap(root: string, corpus: Corpus): Promise<PagemapSite> {
  const dir = join(root, 'pagemap');
  await mkdir(dir, { recursive: true });
  const { configFile, importMs } = await importedSite(dir, corpus);
  const site = { dir, configFile, publicDir: join(dir, 'public'), apacheDir: join(dir, 'state', 'apache'), database: join(dir, 'state', 'pagemap.db'), pristine: join(dir, 'pristine.db') };
  await copyDatabase(site.database, site.pristine);
  return { ...site, importMs };
}

/** Clears `path` by renaming it into the trash folder, which goes when the benchmark ends. */
class Trash {
  private count = 0;
  constructor(readonly dir: string) {}
  async moveAside(path: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await rename(path, join(this.dir, String(this.count++))).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

async function copyDatabase(from: string, to: string): Promise<void> {
  for (const suffix of ['-wal', '-shm']) await rm(to + suffix, { force: true });
  await copyFile(from, to);
  // The importing process has exited, so SQLite has folded the WAL into the file; copy it anyway if not.
  await copyFile(from + '-wal', to + '-wal').catch(() => undefined);
}

function parseReport(stderr: string): { pages: number; ms: number; written: number; unchanged: number; failed: number } {
  const match = REPORT.exec(stderr);
  if (!match) throw new BenchError(`pagemap build printed no report:\n${stderr}`);
  return { pages: Number(match[1]), ms: Number(match[2]) * 1000, written: Number(match[3]), unchanged: Number(match[4]), failed: Number(match[6]) };
}

async function expectHtmlFiles(tool: string, dir: string, expected: number): Promise<void> {
  const { matching, temp } = await countFiles(dir, '.html', TEMP_PREFIX);
  if (matching !== expected) throw new BenchError(`${tool} produced ${matching} HTML files in ${dir}, expected ${expected}: the benchmark would measure the wrong thing`);
  if (temp) throw new BenchError(`${tool} left ${temp} temp files in ${dir}`);
}

/** The probe page must hold its title and its table: each tool really rendered the Markdown. */
async function expectProbe(tool: string, dir: string, corpus: Corpus): Promise<void> {
  const html = await readFile(join(dir, corpus.probe.path.slice(1)), 'utf8').catch(() => '');
  if (!html.includes(corpus.probe.title) || !html.includes('<table') || !html.includes('<code')) {
    throw new BenchError(`${tool}: ${corpus.probe.path} lacks its title, table or code block`);
  }
}

class Recorder {
  readonly results: ScenarioResult[] = [];
  isRecording = false;
  add(tool: string, scenario: string, ms: number, options: { inProcess?: number; against?: Against; isBaseline?: boolean; hasRate?: boolean } = {}): void {
    if (!this.isRecording) return;
    let result = this.results.find((r) => r.tool === tool && r.scenario === scenario);
    if (!result) {
      result = { tool, scenario, samples: [], against: options.against, isBaseline: options.isBaseline ?? false, hasRate: options.hasRate ?? !options.isBaseline };
      if (options.inProcess !== undefined) result.inProcess = [];
      this.results.push(result);
    }
    result.samples.push(ms);
    if (options.inProcess !== undefined) result.inProcess!.push(options.inProcess);
  }
}

/** The checkout's commit, marked when the code the build runs has uncommitted changes. */
function commitOf(): string {
  const commit = firstLineOf('git', ['-C', PACKAGE_ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = firstLineOf('git', ['-C', PACKAGE_ROOT, 'status', '--porcelain', '--', 'build', 'runtime', 'templates', 'package.json']);
  return dirty === 'unknown' || dirty === '' ? commit : `${commit} + uncommitted changes`;
}

export async function runBuildBench(options: BuildBenchOptions): Promise<BuildBenchResult> {
  const { log } = options;
  const root = await mkdtemp(join(tmpdir(), 'pagemap-bench-'));
  const loadBefore = loadavg();
  const trash = new Trash(join(root, 'trash'));
  try {
    log(`corpus: ${options.shape === 'wiki' ? 'wiki-shaped' : `${options.pages} synthetic pages`} in ${root}`);
    const corpus = options.shape === 'wiki' ? await writeWikiCorpus(root) : await writeCorpus(root, { pages: options.pages });
    const expectedPagemapHtml = corpus.pages + corpus.legacyHtmlFiles + 2; // + the styled 404 and 410 pages
    const expectedOtherHtml = corpus.pages + corpus.legacyHtmlFiles;
    const site = await setUpPagemap(root, corpus);
    const competitors: Competitor[] = [];
    if (options.tools.has('hugo')) competitors.push(await setUpHugo(root, corpus));
    if (options.tools.has('eleventy')) competitors.push(await setUpEleventy(root, corpus, log));
    const recorder = new Recorder();
    const pagemapBuild = () => timeProcess(process.execPath, [CLI, 'build', '--config', site.configFile], { cwd: site.dir });
    const mapRows = corpus.pages + corpus.legacyFiles;
    const floorDir = join(root, 'floor-out');
    let outputBytes = FALLBACK_OUTPUT_BYTES;

    for (let round = 0; round < options.warmup + options.runs; round++) {
      recorder.isRecording = round >= options.warmup;
      log(`${recorder.isRecording ? 'round' : 'warm-up'} ${recorder.isRecording ? round - options.warmup + 1 : round + 1}/${recorder.isRecording ? options.runs : options.warmup}`);
      recorder.add('node', 'start-up (`node -e ""`)', timeProcess(process.execPath, ['-e', '']).ms, { isBaseline: true });

      if (options.tools.has('pagemap')) {
        recorder.add('pagemap', 'start-up + module load (`--help`)', timeProcess(process.execPath, [CLI, '--help']).ms, { isBaseline: true });
        await trash.moveAside(site.publicDir);
        await trash.moveAside(site.apacheDir);
        await copyDatabase(site.pristine, site.database);
        const cold = pagemapBuild();
        const coldReport = parseReport(cold.stderr);
        if (coldReport.pages !== mapRows || coldReport.failed || coldReport.unchanged || coldReport.written < mapRows) {
          throw new BenchError(`pagemap cold build did not write every page: ${cold.stderr}`);
        }
        await expectHtmlFiles('pagemap', site.publicDir, expectedPagemapHtml);
        if (round === 0) {
          await expectProbe('pagemap', site.publicDir, corpus);
          outputBytes = await meanFileSize(site.publicDir, '.html');
        }
        recorder.add('pagemap', 'cold build', cold.ms, { inProcess: coldReport.ms, against: 'cold' });

        const noop = pagemapBuild();
        const noopReport = parseReport(noop.stderr);
        if (noopReport.written || noopReport.failed) throw new BenchError(`pagemap no-op rebuild wrote or failed something: ${noop.stderr}`);
        await expectHtmlFiles('pagemap', site.publicDir, expectedPagemapHtml);
        recorder.add('pagemap', 'no-op rebuild', noop.ms, { inProcess: noopReport.ms, against: 'noop' });

        const edited = corpus.pageFile((round * 7919 + 13) % corpus.pages);
        await appendFile(edited, `\nEdited by the benchmark in round ${round}.\n`);
        const edit = pagemapBuild();
        const editReport = parseReport(edit.stderr);
        if (editReport.written !== 1 || editReport.failed) throw new BenchError(`pagemap one-page edit did not write exactly one page: ${edit.stderr}`);
        recorder.add('pagemap', 'one-page edit rebuild', edit.ms, { inProcess: editReport.ms });
      }

      for (const tool of competitors) {
        await trash.moveAside(tool.outDir);
        const cold = timeProcess(tool.command, tool.args, { cwd: tool.cwd });
        await expectHtmlFiles(tool.name, tool.outDir, expectedOtherHtml);
        if (round === 0) await expectProbe(tool.name, tool.outDir, corpus);
        recorder.add(tool.name, 'cold build', cold.ms, { against: 'cold' });
        const rerun = timeProcess(tool.command, tool.args, { cwd: tool.cwd });
        await expectHtmlFiles(tool.name, tool.outDir, expectedOtherHtml);
        recorder.add(tool.name, 'rerun, nothing changed (full rebuild)', rerun.ms, { against: 'noop' });
      }

      await trash.moveAside(floorDir);
      const written = timeProcess(process.execPath, [FLOOR, 'write', floorDir, String(mapRows), String(outputBytes)]);
      recorder.add('floor', `write ${mapRows.toLocaleString('en')} files of ${(outputBytes / 1024).toFixed(1)} KiB (sync, no rendering)`, written.ms, { isBaseline: true, hasRate: true });
      const rendered = timeProcess(process.execPath, [FLOOR, 'render', corpus.wikiDir]);
      if (Number(rendered.stdout.trim()) !== corpus.pages) throw new BenchError(`the render floor rendered ${rendered.stdout.trim()} pages, expected ${corpus.pages}`);
      recorder.add('floor', "pagemap's Markdown step alone (read + render, no template, no writes)", rendered.ms, { isBaseline: true, hasRate: true });
      // Read + render + write split over threads: the least a build can take. Thread counts
      // around the core count, to choose the build's from a measurement; and at the build's
      // count with V8's collector kept on each isolate's own thread, to see whether its helper
      // threads take the second core.
      const buildThreads = availableParallelism();
      const splits: [number, string[], string][] = [...Array.from({ length: buildThreads + 1 }, (_, i) => [i + 1, [], ''] as [number, string[], string]), [buildThreads, ['--single-threaded-gc'], ', --single-threaded-gc']];
      for (const [threads, flags, label] of splits) {
        await trash.moveAside(floorDir);
        const split = timeProcess(process.execPath, [...flags, FLOOR, 'render-split', corpus.wikiDir, String(threads), floorDir]);
        if (Number(split.stdout.trim()) !== corpus.pages) throw new BenchError(`the render + write floor rendered ${split.stdout.trim()} pages, expected ${corpus.pages}`);
        recorder.add('floor', `${RENDER_WRITE_FLOOR} over ${threads} thread${threads === 1 ? '' : 's'}${label}`, split.ms, { isBaseline: true, hasRate: true });
      }
    }

    const meta = {
      date: new Date().toISOString(),
      command: `node dist/bench/run.js --only build ${options.shape === 'wiki' ? '--shape wiki' : `--pages ${options.pages}`} --runs ${options.runs} --warmup ${options.warmup} --tools ${[...options.tools].join(',')}`,
      machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, loadBefore, loadAfter: loadavg(), disk: describeDisk(tmpdir()) },
      versions: {
        node: process.version,
        pagemap: `${(JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version} (${commitOf()})`,
        ...Object.fromEntries(competitors.map((c) => [c.name, c.version])),
      },
      corpus: {
        shape: corpus.shape,
        pages: corpus.pages,
        markdownBytes: corpus.markdownBytes,
        largestPageBytes: corpus.largestPageBytes,
        legacyFiles: corpus.legacyFiles,
        legacyHtmlFiles: corpus.legacyHtmlFiles,
        redirects: corpus.redirects,
        attachments: corpus.attachments,
        attachmentBytes: corpus.attachmentBytes,
        description: corpus.description,
        pagemapImportMs: site.importMs,
      },
      pagemapConcurrency: resolveConfig({ configFile: site.configFile, env: {} }).concurrency,
    };
    const markdown = report(meta, recorder.results, corpus);
    if (options.keep) log(`kept ${root}`);
    return { markdown, json: { meta, results: recorder.results.map((r) => ({ ...r, median: median(r.samples), min: min(r.samples) })) } };
  } finally {
    removeWhenDone(options.keep ? trash.dir : root);
  }
}

type Meta = {
  date: string;
  command: string;
  machine: { nproc: number; cpu: string; memory: string; loadBefore: number[]; loadAfter: number[]; disk: string };
  versions: Record<string, string>;
  corpus: {
    shape: CorpusShape;
    pages: number;
    markdownBytes: number;
    largestPageBytes: number;
    legacyFiles: number;
    legacyHtmlFiles: number;
    redirects: number;
    attachments: number;
    attachmentBytes: number;
    description: string;
    pagemapImportMs: number;
  };
  pagemapConcurrency: number;
};

/** A scenario's median, wall time or (`inProcess`) pagemap's own figure; undefined when it did not run. */
function medianOf(results: readonly ScenarioResult[], tool: string, scenario: string, inProcess = false): number | undefined {
  const found = results.find((r) => r.tool === tool && r.scenario === scenario);
  const samples = inProcess ? found?.inProcess : found?.samples;
  return samples?.length ? median(samples) : undefined;
}

/** Issue 11's build targets, each measured in this run: met or missed, with the figures. */
function targetLines(results: readonly ScenarioResult[]): string[] {
  const pagemap = (scenario: string, inProcess = false) => medianOf(results, 'pagemap', scenario, inProcess);
  const cold = pagemap('cold build');
  const noop = pagemap('no-op rebuild');
  const edit = pagemap('one-page edit rebuild');
  const floors = results.filter((r) => r.tool === 'floor' && r.scenario.startsWith(RENDER_WRITE_FLOOR)).map((r) => ({ scenario: r.scenario, ms: median(r.samples) }));
  const best = floors.sort((a, b) => a.ms - b.ms)[0];
  const verdict = (isMet: boolean) => (isMet ? 'met' : '**missed**');
  const lines: string[] = [];
  if (cold !== undefined && best) {
    lines.push(`- cold build ${formatMs(cold)} ms = ${(cold / best.ms).toFixed(2)}× the best render + write floor (${formatMs(best.ms)} ms, ${best.scenario.slice(RENDER_WRITE_FLOOR.length + 1)}); target ≤ 1.5×: ${verdict(cold <= 1.5 * best.ms)}`);
  }
  for (const tool of ['hugo', 'eleventy']) {
    const theirs = medianOf(results, tool, 'cold build');
    if (cold !== undefined && theirs !== undefined) lines.push(`- cold build vs ${tool}: ${formatRatio(theirs / cold)} faster${tool === 'eleventy' ? `; target ≥ 3×: ${verdict(theirs >= 3 * cold)}` : ''}`);
  }
  // In the build, as the issue measured it: Node's start and module loading alone are 5–6% of a small site's cold build.
  const coldIn = pagemap('cold build', true);
  const noopIn = pagemap('no-op rebuild', true);
  if (cold !== undefined && noop !== undefined && coldIn !== undefined && noopIn !== undefined) {
    lines.push(`- no-op rebuild ${((100 * noopIn) / coldIn).toFixed(1)}% of the cold build in the build (${formatMs(noopIn)} of ${formatMs(coldIn)} ms), ${((100 * noop) / cold).toFixed(1)}% in wall time; target ≤ 5%: ${verdict(noopIn <= 0.05 * coldIn)}`);
  }
  if (noop !== undefined && edit !== undefined) lines.push(`- one-page edit ${formatMs(edit)} ms = ${(edit / noop).toFixed(2)}× the no-op; target ≤ 1.10×: ${verdict(edit <= 1.1 * noop)}`);
  return lines.length ? ['Targets (issue 11), medians of this run:', '', ...lines] : [];
}

function report(meta: Meta, results: readonly ScenarioResult[], corpus: Corpus): string {
  const reference = { cold: medianOf(results, 'pagemap', 'cold build'), noop: medianOf(results, 'pagemap', 'no-op rebuild') };
  const ordered = [...results.filter((r) => r.isBaseline), ...results.filter((r) => !r.isBaseline)];
  const rows = ordered.map((r) => {
    const m = median(r.samples);
    const base = r.against ? reference[r.against] : undefined;
    return [
      r.tool,
      r.scenario,
      formatMs(m),
      formatMs(min(r.samples)),
      r.hasRate ? Math.round(corpus.pages / (m / 1000)).toLocaleString('en') : '—',
      base === undefined || r.isBaseline ? '—' : formatRatio(m / base),
    ];
  });
  const split = results
    .filter((r) => r.inProcess)
    .map((r) => [r.scenario, formatMs(median(r.samples)), formatMs(median(r.inProcess!)), formatMs(median(r.samples) - median(r.inProcess!))]);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const c = meta.corpus;
  return [
    `Command: \`${meta.command}\``,
    `Date: ${meta.date}`,
    `Machine: ${meta.machine.nproc} cores (${meta.machine.cpu}), ${meta.machine.memory}; load average ${load(meta.machine.loadBefore)} before, ${load(meta.machine.loadAfter)} after; disk: ${meta.machine.disk}`,
    `Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join('; ')}; pagemap concurrency ${meta.pagemapConcurrency} (its default)`,
    `Corpus (shape ${c.shape}): ${c.pages.toLocaleString('en')} Markdown pages (${(c.markdownBytes / 1e6).toFixed(1)} MB, ${(c.markdownBytes / 2 ** 20).toFixed(1)} MiB; largest ${(c.largestPageBytes / 1000).toFixed(1)} kB), ${c.legacyFiles} legacy files (${c.legacyHtmlFiles} .html) copied by every tool, ${c.redirects.toLocaleString('en')} redirect rows, ${c.attachments ? `${c.attachments} attachments without rows (${(c.attachmentBytes / 1e6).toFixed(1)} MB, copied by no tool)` : 'no attachments'}; pagemap map import of it (once, not in the table): ${formatMs(c.pagemapImportMs)} ms`,
    `Corpus shape: ${c.description}`,
    `Samples: ${results[0]?.samples.length ?? 0} runs of each, fresh process each, wall time; tools interleaved per round`,
    '',
    markdownTable(['tool', 'scenario', 'median ms', 'min ms', 'pages/s', 'time vs pagemap'], rows),
    '',
    '"time vs pagemap": the tool\'s median over pagemap\'s median for the same job (cold build vs cold build; a rerun with nothing changed vs pagemap\'s no-op rebuild); above 1× means pagemap is faster. Hugo and Eleventy keep no state between processes, so their rerun rebuilds everything.',
    '',
    ...targetLines(results),
    '',
    'Where pagemap\'s wall time goes (medians, ms): its own "built … in" figure vs the rest (Node start-up, module load, opening SQLite, exit):',
    '',
    markdownTable(['scenario', 'wall', 'in build', 'outside build'], split),
  ].join('\n');
}
