/**
 * The scale curve (issue 11, item 4): the synthetic corpus at growing sizes, each page with
 * nine redirect rows beside it (100,000 pages → 900,000 redirects, 1,000,000 rows, the shape
 * of a big old site), and at each size, every step a fresh process timed with its peak
 * memory: `map import`, a cold build, a no-op rebuild, a one-page edit, and `serve` — how long
 * until it answers, and how much memory it holds once it does — then the rate at which the
 * runtime renders distinct pages on a miss. Time per page across the sizes shows whether the
 * build stays linear.
 *
 * Every size keeps its files until the end (see buildBench.ts: this ext4 is slow to create
 * files right after deleting many).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rename } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/apacheHarness.js';
import { CLI, writeSiteConfig } from './benchSite.js';
import { PAGES_PER_SECTION, pagePath, writeCorpus } from './corpus.js';
import { BenchError, describeDisk, formatMs, markdownTable, median } from './measure.js';
import { removeWhenDone } from './scratch.js';
import { pathsScript, wrkVersion } from './wrk.js';

export interface ScaleBenchOptions {
  /** Page counts, smallest first. */
  sizes: readonly number[];
  log: (line: string) => void;
}

/** Redirect rows per page: 900,000 beside 100,000 pages. */
const REDIRECTS_PER_PAGE = 9;
const REPORT = /built (\d+) pages in ([\d.]+)s: (\d+) written/;
/** How often a child's peak memory is read; its last rise before exit may be missed by this much. */
const POLL_MS = 20;
const SERVE_TIMEOUT_MS = 120_000;
/** Distinct pages the render-on-miss rate is measured over (at most half the site), and the requests in flight. */
const MISS_PAGES = 6_000;
const MISS_CONNECTIONS = 32;
const MISS_TIMEOUT_MS = 60_000;

interface PeakRun {
  ms: number;
  stderr: string;
  /** VmHWM, the resident high-water mark (all threads), in MB; undefined where /proc is not. */
  peakMb: number | undefined;
}

/** A build run, with the time its own report gives ("built … in"). */
type TimedBuild = PeakRun & { inBuildMs: number };

/** The kB figure of one line of /proc/PID/status (VmHWM, VmRSS), in MB. */
async function statusMb(pid: number, key: string): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status && new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** A process's resident memory with its children's (serve's whole build runs in one), in MB. */
async function treeRssMb(pid: number): Promise<number | undefined> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const figures = await Promise.all([pid, ...children.trim().split(/\s+/).filter(Boolean).map(Number)].map((each) => statusMb(each, 'VmRSS')));
  return figures[0] === undefined ? undefined : figures.reduce<number>((sum, mb) => sum + (mb ?? 0), 0);
}

/** Seconds of CPU a process has used, user and system, all threads. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: in USER_HZ, 100 on Linux
}

/** Run a command to completion, timed, reading its peak memory as it goes. */
async function runWithPeak(args: readonly string[], cwd: string): Promise<PeakRun> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakMb: number | undefined;
  const poll = setInterval(() => void statusMb(child.pid!, 'VmHWM').then((mb) => mb !== undefined && (peakMb = Math.max(peakMb ?? 0, mb))), POLL_MS);
  const code = await new Promise<number | null>((resolve, reject) => (child.once('error', reject), child.once('exit', resolve)));
  clearInterval(poll);
  const ms = performance.now() - started;
  if (code !== 0) throw new BenchError(`pagemap ${args.slice(1).join(' ')} exited with ${code}:\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
  return { ms, stderr, peakMb };
}

interface ServeFigures {
  /** Start until the first 200 (serve answers while its start-up build runs). */
  firstAnswerMs: number;
  /** Start until it says it is serving: the start-up build (a no-op here) done. */
  servingMs: number;
  rssMb: number | undefined;
  peakMb: number | undefined;
  /** The highest resident memory of serve and its children together (the start-up build's process among them). */
  treePeakMb: number | undefined;
}

interface StartedServe {
  child: ChildProcess;
  url: string;
  /** When it was started (performance.now()). */
  started: number;
  /** Resolves with the milliseconds from start until it said it was serving (its start-up build done). */
  serving: Promise<number>;
  stop: () => Promise<void>;
}

/** Start `pagemap serve` with these options. */
async function startServe(cwd: string, args: readonly string[]): Promise<StartedServe> {
  // serve listens before its start-up build, but says where only after: it is given a port free a moment ago.
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const serving = new Promise<number>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new BenchError(`serve did not start within ${SERVE_TIMEOUT_MS / 1000} s:\n${stderr}`)), SERVE_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('pagemap: serving')) (clearTimeout(timer), resolve(performance.now() - started));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new BenchError(`serve exited with ${code}:\n${stderr}`))));
  });
  serving.catch(() => undefined); // the caller awaits it; a failure meanwhile ends its polling too
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  };
  return { child, url: `http://127.0.0.1:${port}`, started, serving, stop };
}

/** `pagemap serve` on a built site: until its first 200, until its start-up build is done, and its memory then. */
async function measureServe(cwd: string, probe: string): Promise<ServeFigures> {
  const { child, url, started, serving, stop } = await startServe(cwd, []);
  let treePeakMb: number | undefined;
  const poll = setInterval(() => void treeRssMb(child.pid!).then((mb) => mb !== undefined && (treePeakMb = Math.max(treePeakMb ?? 0, mb))), POLL_MS);
  try {
    let firstAnswerMs: number | undefined;
    while (firstAnswerMs === undefined && child.exitCode === null && performance.now() - started < SERVE_TIMEOUT_MS) {
      const response = await fetch(url + probe).catch(() => undefined);
      await response?.text();
      if (response?.status === 200) firstAnswerMs = performance.now() - started;
      else await new Promise((wake) => setTimeout(wake, POLL_MS));
    }
    const servingMs = await serving;
    if (firstAnswerMs === undefined) throw new BenchError(`serve never answered 200 for ${probe}`);
    // Settled: the start-up build's garbage has had a second to go.
    await new Promise((wake) => setTimeout(wake, 1000));
    return { firstAnswerMs, servingMs, rssMb: await statusMb(child.pid!, 'VmRSS'), peakMb: await statusMb(child.pid!, 'VmHWM'), treePeakMb };
  } finally {
    clearInterval(poll);
    await stop();
  }
}

interface MissFigures {
  pages: number;
  pagesPerSecond: number;
  /** The runtime's CPU time (all its threads) per page rendered. */
  cpuMsPerPage: number;
}

/**
 * Render on a miss: the last sections' folders moved out of public/ (a new section, a public/
 * made afresh), `serve --no-build --no-watch`, and wrk (lighter than a Node client on the same
 * two cores) asking for each of those pages in turn, 32 at a time; timed until every one of
 * them is back in public/. Undefined without wrk.
 */
async function measureMisses(dir: string, pages: number): Promise<MissFigures | undefined> {
  try {
    wrkVersion();
  } catch {
    return undefined;
  }
  const count = Math.min(MISS_PAGES, Math.floor(pages / 2 / PAGES_PER_SECTION) * PAGES_PER_SECTION);
  const first = Math.floor(pages / PAGES_PER_SECTION) * PAGES_PER_SECTION - count;
  const publicDir = join(dir, 'public');
  const folders = [...new Set(Array.from({ length: count }, (_, i) => pagePath(first + i).split('/')[1]!))];
  const aside = join(dir, `public-aside-${Date.now()}`);
  await mkdir(aside);
  for (const folder of folders) await rename(join(publicDir, folder), join(aside, folder));
  const script = pathsScript(dir, 'misses', Array.from({ length: count }, (_, i) => pagePath(first + i)));
  const serve = await startServe(dir, ['--no-build', '--no-watch', '--access-log', '/dev/null']);
  let wrk: ChildProcess | undefined;
  try {
    await serve.serving;
    wrk = spawn('wrk', ['-t', '1', '-c', String(MISS_CONNECTIONS), '-d', `${MISS_TIMEOUT_MS / 1000}s`, '-s', script, serve.url], { stdio: 'ignore' });
    const cpuBefore = await cpuSeconds(serve.child.pid!);
    const started = performance.now();
    const rendered = async () => {
      let n = 0;
      for (const folder of folders) n += (await readdir(join(publicDir, folder)).catch(() => [])).filter((name) => name.endsWith('.html') && !name.startsWith('.')).length;
      return n;
    };
    while ((await rendered()) < count) {
      if (performance.now() - started > MISS_TIMEOUT_MS || wrk.exitCode !== null) throw new BenchError(`render on a miss: ${await rendered()} of ${count} pages back after ${((performance.now() - started) / 1000).toFixed(0)} s`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await cpuSeconds(serve.child.pid!)) - cpuBefore;
    return { pages: count, pagesPerSecond: count / seconds, cpuMsPerPage: (cpu * 1000) / count };
  } finally {
    wrk?.kill();
    await serve.stop();
  }
}

/** Nine old paths per page, each redirected to it, in folders of their own. */
async function appendRedirects(mapFile: string, pages: number): Promise<number> {
  const total = pages * REDIRECTS_PER_PAGE;
  for (let start = 0; start < total; start += 50_000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(total, start + 50_000); i++) lines.push(`/old/area-${i % 500}/item-${i}.html\t301\t${pagePath(i % pages)}`);
    await appendFile(mapFile, lines.join('\n') + '\n');
  }
  return total;
}

interface SizeResult {
  pages: number;
  rows: number;
  importMs: number;
  importPeak: number | undefined;
  cold: TimedBuild;
  noop: TimedBuild;
  edit: TimedBuild;
  serve: ServeFigures;
  misses: MissFigures | undefined;
}

/** No-op rebuilds and one-page edits made at each size, alternating; the table gives their medians. */
const REBUILD_ROUNDS = 3;

/** The median wall and in-build times of some runs, with the highest peak. */
function medianRun(runs: readonly TimedBuild[]): TimedBuild {
  const peaks = runs.map((run) => run.peakMb).filter((mb) => mb !== undefined);
  return {
    ms: median(runs.map((run) => run.ms)),
    inBuildMs: median(runs.map((run) => run.inBuildMs)),
    peakMb: peaks.length ? Math.max(...peaks) : undefined,
    stderr: runs.at(-1)!.stderr,
  };
}

function inBuild(run: PeakRun, expectWritten: (written: number) => boolean, what: string): TimedBuild {
  const match = REPORT.exec(run.stderr);
  if (!match) throw new BenchError(`${what}: no build report:\n${run.stderr}`);
  if (!expectWritten(Number(match[3]))) throw new BenchError(`${what}: unexpected count written:\n${run.stderr}`);
  return { ...run, inBuildMs: Number(match[2]) * 1000 };
}

async function measureSize(root: string, pages: number, log: (line: string) => void): Promise<SizeResult> {
  const dir = join(root, String(pages));
  await mkdir(dir, { recursive: true });
  log(`scale: writing ${pages.toLocaleString('en')} pages`);
  const corpus = await writeCorpus(dir, { pages });
  const redirects = await appendRedirects(corpus.mapFile, pages);
  const rows = corpus.pages + corpus.legacyFiles + redirects;
  await writeSiteConfig(dir, corpus, { sitemap: false });
  log(`scale: ${pages.toLocaleString('en')} pages, ${rows.toLocaleString('en')} rows: import`);
  const imported = await runWithPeak([CLI, 'map', 'import', corpus.mapFile], dir);
  log('scale: cold build');
  const expected = corpus.pages + corpus.legacyFiles;
  const cold = inBuild(await runWithPeak([CLI, 'build'], dir), (written) => written >= expected, 'cold build');
  // The no-op and the edit are short enough to repeat, alternating: their ratios to each other
  // and to the cold build are targets, and one run of each is at the mercy of this machine's load.
  const noops: TimedBuild[] = [];
  const edits: TimedBuild[] = [];
  for (let round = 1; round <= REBUILD_ROUNDS; round++) {
    log(`scale: no-op rebuild (${round} of ${REBUILD_ROUNDS})`);
    noops.push(inBuild(await runWithPeak([CLI, 'build'], dir), (written) => written === 0, 'no-op rebuild'));
    await appendFile(corpus.pageFile(Math.floor((pages * round) / (REBUILD_ROUNDS + 1))), '\nEdited by the scale benchmark.\n');
    log(`scale: one-page edit (${round} of ${REBUILD_ROUNDS})`);
    edits.push(inBuild(await runWithPeak([CLI, 'build'], dir), (written) => written === 1, 'one-page edit'));
  }
  const noop = medianRun(noops);
  const edit = medianRun(edits);
  log('scale: serve');
  const serve = await measureServe(dir, pagePath(Math.floor(pages / 3)));
  log('scale: render on a miss');
  const misses = await measureMisses(dir, pages);
  return { pages, rows, importMs: imported.ms, importPeak: imported.peakMb, cold, noop, edit, serve, misses };
}

const mb = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

export async function runScaleBench(options: ScaleBenchOptions): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pagemap-bench-scale-'));
  const loadBefore = loadavg();
  const results: SizeResult[] = [];
  try {
    for (const pages of options.sizes) results.push(await measureSize(root, pages, options.log));
  } finally {
    removeWhenDone(root);
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const rows = results.map((r) => [
    r.pages.toLocaleString('en'),
    r.rows.toLocaleString('en'),
    `${seconds(r.importMs)} (${mb(r.importPeak)})`,
    `${seconds(r.cold.ms)} (${mb(r.cold.peakMb)})`,
    formatMs((r.cold.inBuildMs * 1000) / r.pages),
    `${seconds(r.noop.ms)} (${mb(r.noop.peakMb)})`,
    `${((100 * r.noop.inBuildMs) / r.cold.inBuildMs).toFixed(1)}% / ${((100 * r.noop.ms) / r.cold.ms).toFixed(1)}%`,
    `${seconds(r.edit.ms)} (${(r.edit.ms / r.noop.ms).toFixed(2)}×)`,
    `${seconds(r.serve.firstAnswerMs)} / ${seconds(r.serve.servingMs)}`,
    `${mb(r.serve.rssMb)} (${mb(r.serve.peakMb)}; ${mb(r.serve.treePeakMb)} with its build)`,
    r.misses ? `${r.misses.pagesPerSecond.toFixed(0)} (${r.misses.cpuMsPerPage.toFixed(2)} ms CPU a page)` : '— (no wrk)',
  ]);
  const first = results[0];
  const last = results.at(-1);
  const verdict = (isMet: boolean) => (isMet ? 'met' : '**missed**');
  const targets: string[] = [];
  if (first && last && last !== first) {
    const growth = last.cold.inBuildMs / last.pages / (first.cold.inBuildMs / first.pages);
    targets.push(`- linear build: a page costs ${growth.toFixed(2)}× as much at ${last.pages.toLocaleString('en')} pages as at ${first.pages.toLocaleString('en')} (in-build time per page)`);
  }
  if (last) {
    const at = `at ${last.pages.toLocaleString('en')} pages`;
    if (last.cold.peakMb !== undefined) targets.push(`- build peak RSS ≤ 500 MB ${at}: ${mb(Math.max(last.cold.peakMb, last.noop.peakMb ?? 0))} MB, ${verdict(Math.max(last.cold.peakMb, last.noop.peakMb ?? 0) <= 500)}`);
    targets.push(`- no-op ≤ 5% of cold ${at}: ${((100 * last.noop.inBuildMs) / last.cold.inBuildMs).toFixed(1)}% in the build (${((100 * last.noop.ms) / last.cold.ms).toFixed(1)}% wall), ${verdict(last.noop.inBuildMs <= 0.05 * last.cold.inBuildMs)}`);
    targets.push(`- one-page edit within 10% of the no-op ${at}: ${(last.edit.ms / last.noop.ms).toFixed(2)}×, ${verdict(last.edit.ms <= 1.1 * last.noop.ms)}`);
    targets.push(`- the runtime answers within 5 s of start ${at}: ${seconds(last.serve.firstAnswerMs)} s (its start-up build done after ${seconds(last.serve.servingMs)} s), ${verdict(last.serve.firstAnswerMs <= 5000)}`);
    if (last.serve.rssMb !== undefined) targets.push(`- the runtime ≤ 200 MB RSS ${at}: ${mb(last.serve.rssMb)} MB (${mb(last.serve.treePeakMb)} MB at most with its start-up build's process), ${verdict(last.serve.rssMb <= 200)}`);
    if (last.misses) targets.push(`- render-on-miss ≥ 1,000 distinct pages/s ${at}: ${last.misses.pagesPerSecond.toFixed(0)} pages/s over ${last.misses.pages.toLocaleString('en')} pages, ${verdict(last.misses.pagesPerSecond >= 1000)}`);
  }
  return [
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${load(loadBefore)} before, ${load(loadavg())} after; disk: ${describeDisk(tmpdir())}`,
    `Corpus: the synthetic one (bench/corpus.ts) at each size, ${REDIRECTS_PER_PAGE} redirect rows per page besides; sitemap off. Import and cold build once, no-op rebuild and one-page edit ${REBUILD_ROUNDS} times each, alternating (medians; the highest peak), each a fresh process; wall seconds with peak RSS in MB in brackets.`,
    '',
    markdownTable(['pages', 'rows', 'import s (MB)', 'cold build s (MB)', 'cold µs/page', 'no-op s (MB)', 'no-op / cold (in build / wall)', 'one-page edit s (× no-op)', 'serve: first answer / serving s', 'serve RSS MB (peak)', 'render on a miss, pages/s'], rows),
    '',
    'Targets (issue 11):',
    '',
    ...targets,
  ].join('\n');
}
