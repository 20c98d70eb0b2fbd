/**
 * The scale curve (issue 11, item 4): the synthetic corpus at growing sizes, each page with
 * nine redirect rows beside it (100,000 pages → 900,000 redirects, 1,000,000 rows, the shape
 * of a big old site), and at each size, every step a fresh process timed with its peak
 * memory: `map import`, a cold build, a no-op rebuild, a one-page edit, and `serve` — how long
 * until it answers, and how much memory it holds once it does. Time per page across the
 * sizes shows whether the build stays linear.
 *
 * Every size keeps its files until the end (see buildBench.ts: this ext4 is slow to create
 * files right after deleting many).
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/apacheHarness.js';
import { CLI, writeSiteConfig } from './benchSite.js';
import { pagePath, writeCorpus } from './corpus.js';
import { BenchError, formatMs, markdownTable } from './measure.js';

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

interface PeakRun {
  ms: number;
  stderr: string;
  /** VmHWM, the resident high-water mark (all threads), in MB; undefined where /proc is not. */
  peakMb: number | undefined;
}

/** The kB figure of one line of /proc/PID/status (VmHWM, VmRSS), in MB. */
async function statusMb(pid: number, key: string): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status && new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
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
}

/** `pagemap serve` on a built site: until its first 200, until its start-up build is done, and its memory then. */
async function measureServe(cwd: string, probe: string): Promise<ServeFigures> {
  // serve listens before its start-up build, but says where only after: it is given a port free a moment ago.
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const serving = new Promise<number>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new BenchError(`serve did not start within ${SERVE_TIMEOUT_MS / 1000} s:\n${stderr}`)), SERVE_TIMEOUT_MS);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('pagemap: serving')) (clearTimeout(timer), resolve(performance.now() - started));
      });
      child.once('exit', (code) => (clearTimeout(timer), reject(new BenchError(`serve exited with ${code}:\n${stderr}`))));
    });
    serving.catch(() => undefined); // awaited below; a failure meanwhile ends the polling too
    let firstAnswerMs: number | undefined;
    while (firstAnswerMs === undefined && child.exitCode === null && performance.now() - started < SERVE_TIMEOUT_MS) {
      const response = await fetch(`http://127.0.0.1:${port}${probe}`).catch(() => undefined);
      await response?.text();
      if (response?.status === 200) firstAnswerMs = performance.now() - started;
      else await new Promise((wake) => setTimeout(wake, POLL_MS));
    }
    const servingMs = await serving;
    if (firstAnswerMs === undefined) throw new BenchError(`serve never answered 200 for ${probe}`);
    // Settled: the start-up build's garbage has had a second to go.
    await new Promise((wake) => setTimeout(wake, 1000));
    return { firstAnswerMs, servingMs, rssMb: await statusMb(child.pid!, 'VmRSS'), peakMb: await statusMb(child.pid!, 'VmHWM') };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
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
  cold: PeakRun & { inBuildMs: number };
  noop: PeakRun & { inBuildMs: number };
  edit: PeakRun & { inBuildMs: number };
  serve: ServeFigures;
}

function inBuild(run: PeakRun, expectWritten: (written: number) => boolean, what: string): PeakRun & { inBuildMs: number } {
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
  log('scale: no-op rebuild');
  const noop = inBuild(await runWithPeak([CLI, 'build'], dir), (written) => written === 0, 'no-op rebuild');
  await appendFile(corpus.pageFile(Math.floor(pages / 2)), '\nEdited by the scale benchmark.\n');
  log('scale: one-page edit');
  const edit = inBuild(await runWithPeak([CLI, 'build'], dir), (written) => written === 1, 'one-page edit');
  log('scale: serve');
  const serve = await measureServe(dir, pagePath(Math.floor(pages / 3)));
  return { pages, rows, importMs: imported.ms, importPeak: imported.peakMb, cold, noop, edit, serve };
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
    options.log(`scale: removing ${root}`);
    await rm(root, { recursive: true, force: true });
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
    `${mb(r.serve.rssMb)} (${mb(r.serve.peakMb)})`,
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
    if (last.serve.rssMb !== undefined) targets.push(`- the runtime ≤ 200 MB RSS ${at}: ${mb(last.serve.rssMb)} MB, ${verdict(last.serve.rssMb <= 200)}`);
  }
  return [
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${load(loadBefore)} before, ${load(loadavg())} after`,
    `Corpus: the synthetic one (bench/corpus.ts) at each size, ${REDIRECTS_PER_PAGE} redirect rows per page besides; sitemap off. Each step once, a fresh process; wall seconds with peak RSS in MB in brackets.`,
    '',
    markdownTable(['pages', 'rows', 'import s (MB)', 'cold build s (MB)', 'cold µs/page', 'no-op s (MB)', 'no-op / cold (in build / wall)', 'one-page edit s (× no-op)', 'serve: first answer / serving s', 'serve RSS MB (peak)'], rows),
    '',
    'Targets (issue 11):',
    '',
    ...targets,
  ].join('\n');
}
