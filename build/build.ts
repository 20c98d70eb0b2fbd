/**
 * Carrying out builds (DESIGN.md "Build"): the whole map, or some of its pages (the runtime's
 * misses, the watcher's changes), through one entry point. buildPlan.ts decides from data;
 * this module gathers that data (the rows, what earlier builds recorded, a synchronous stat of
 * every source and output — a promise per file would cost more than the stat), then does what
 * the plan says: removes, renders (in worker threads: renderPool.ts), copies, records. For the
 * whole map it also writes the Apache configuration.
 *
 * A build may be killed at any moment. Before it writes, it records the files it is about to
 * create and journals the folders it writes into (recordIntent); the next build removes what
 * a dead build left: its temp files, and any file no row owns.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { boundedMemo } from '../core/boundedMemo.js';
import type { Config } from '../core/config.js';
import { isAbsent } from '../core/errors.js';
import type { OutputRecord } from '../core/outputRecord.js';
import type { PageMapStore } from '../core/pageMap.js';
import type { ValidRow } from '../core/pageRow.js';
import { SourceLocator, joinUnder, signatureOf } from '../core/sourceFiles.js';
import { type ApacheRows, type ApacheState, writeApacheConfig } from './apacheConfig.js';
import { copyFileAtomic, isProcessAlive, removeDeadTempFiles } from './atomicWrite.js';
import { type BuildPlan, type Jobs, type Observation, type Observe, type OutputJob, type PlannedWork, type SourceRef, RecordedOutputs, outputsForMap, pageJob, planBuild } from './buildPlan.js';
import type { ProduceRequest } from './pageRenderer.js';
import { type RenderLimits, type RenderService, keptPool, poolFor } from './renderPool.js';
import { type SiteFilesOutcome, addPageDate, pageDatesFromRecords, releaseTakenSiteFiles, sitemapPages, writeSiteFiles, writtenSiteFiles } from './siteFiles.js';
import { ROBOTS_FILE, planSiteFiles } from './sitemap.js';
import { type SiteTemplate, loadTemplate } from './template.js';

export const OUTCOMES = ['written', 'unchanged', 'removed', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface BuildFailure {
  path: string;
  message: string;
  /** The source does not exist: the page is absent (404), not broken (500). */
  isMissingSource: boolean;
}

export interface BuildReport {
  pages: number;
  counts: Record<Outcome, number>;
  /** Of the pages written, those re-wrapped in a changed template from the page written before, their Markdown not rendered again. */
  rewrapped: number;
  failures: BuildFailure[];
  /** Worth telling, not failures (e.g. a slower Apache map). */
  warnings: string[];
  /** sitemap.xml and robots.txt written or removed by this build (relative to public/), when it looked at them. */
  siteFiles?: { written: string[]; removed: string[] };
  elapsedMs: number;
}

/** A report as people read it: one line per failure and warning, then the summary. */
export function describeBuild(report: BuildReport): string[] {
  const { counts } = report;
  const pages = `${report.pages} page${report.pages === 1 ? '' : 's'}`;
  return [
    ...report.failures.map((failure) => `failed: ${failure.path}: ${failure.message}`),
    ...report.warnings.map((warning) => `warning: ${warning}`),
    `built ${pages} in ${(report.elapsedMs / 1000).toFixed(2)}s: ${counts.written} written${report.rewrapped ? ` (${report.rewrapped} re-wrapped, not re-rendered)` : ''}, ${counts.unchanged} unchanged, ${counts.removed} removed, ${counts.failed} failed`,
  ];
}

export interface BuildOptions {
  /** Only these page paths (and the ancestors they move into folders); absent: the whole map. */
  paths?: Iterable<string>;
  /** Ignore the record of earlier builds and write every output again. */
  full?: boolean;
  /** Called as work finishes, for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** Called for every page handed to the renderer (the runtime counts renders with it). */
  onRender?: (path: string) => void;
  /**
   * With `paths`: bring sitemap.xml and robots.txt up to date too (the watcher's edits). A
   * whole build always does; the runtime's misses leave it to the next build.
   */
  siteFiles?: boolean;
}

/** What a whole build apart (wholeBuildProcess.ts) is sent. */
export interface WholeBuildRequest {
  config: Config;
  template: SiteTemplate;
  full: boolean;
  sitemapMaxUrls: number | undefined;
}

/** What it answers: progress, then its report or its error. */
export type WholeBuildAnswer = { progress: [done: number, total: number] } | { report: BuildReport } | { error: string };

/** Pages put in p-limit's queue at a time (it runs `concurrency` of them at once). */
const WORK_SLICE = 4096;

/** Pages a first build plans at a time (executeFirstBuild). */
const PLAN_SLICE = 512;

/** What execute() did. */
interface Executed {
  report: BuildReport;
  written: OutputRecord[];
  removedFiles: string[];
}

/** How execute() carries a plan out. */
type ExecuteOptions = BuildOptions & {
  renderer?: RenderService;
  /** Jobs finished so far in this build, for onProgress (a first build's slices share it). */
  finished: { count: number };
};

/** The executions of one build (a first build's slices) as one. */
function joinExecuted(executions: readonly Executed[]): Executed {
  const counts: Record<Outcome, number> = { written: 0, unchanged: 0, removed: 0, failed: 0 };
  for (const { report } of executions) for (const outcome of Object.keys(counts) as Outcome[]) counts[outcome] += report.counts[outcome];
  const failures = executions.flatMap(({ report }) => report.failures).sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    report: {
      pages: 0,
      counts,
      rewrapped: executions.reduce((sum, { report }) => sum + report.rewrapped, 0),
      failures,
      warnings: executions.flatMap(({ report }) => report.warnings),
      elapsedMs: 0,
    },
    written: executions.flatMap(({ written }) => written),
    removedFiles: executions.flatMap(({ removedFiles }) => removedFiles),
  };
}

/** The build state key under which the Apache files last written are recorded. */
const APACHE_STATE_KEY = 'apache';

let builds = 0;

/** Names one build in the journal: unique within the process, and the process is in it. */
function newOwner(): string {
  return `${process.pid}:${builds++}`;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function signatureOfFileSync(file: string): string | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? signatureOf(stats) : undefined;
}

/** Every ancestor folder path of a page path: /a/b/c → /a, /a/b. */
function ancestorsOf(path: string): string[] {
  const result: string[] = [];
  for (let cut = path.indexOf('/', 1); cut > 0; cut = path.indexOf('/', cut + 1)) result.push(path.slice(0, cut));
  return result;
}

/** Remove a file the build wrote, then any folders that leaves empty (never public/ itself). */
async function removeOutput(publicDir: string, file: string): Promise<void> {
  try {
    await unlink(join(publicDir, file));
  } catch (error) {
    // Gone already, or a folder by now (a page that became a folder of pages, its files
    // written by a build killed before it recorded them): nothing of this record's is left.
    const code = (error as NodeJS.ErrnoException).code;
    const isFolder = code === 'EISDIR' || (code === 'EPERM' && (await stat(join(publicDir, file)).catch(() => undefined))?.isDirectory());
    if (!isAbsent(error) && !isFolder) throw error;
  }
  for (let dir = dirname(file); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    try {
      await rmdir(join(publicDir, dir));
    } catch {
      return; // not empty (or gone): someone else's files live there
    }
  }
}

/**
 * Remove what builds killed before they finished left behind: their temp files, in the
 * folders they journaled (their half-made pages are already recorded as stale, so planning
 * rewrites or removes them), and temp files in the Apache folder. Returns how many files went.
 */
export async function clearLeftovers(config: Config, store: PageMapStore): Promise<number> {
  const dead = store.journal().filter((entry) => !isProcessAlive(entry.pid));
  let removed = await removeDeadTempFiles(config.apacheDir);
  for (const dir of new Set(dead.map((entry) => entry.dir))) removed += await removeDeadTempFiles(join(config.publicDir, dir));
  if (dead.length) store.closeJournal(new Set(dead.map((entry) => entry.owner)));
  return removed;
}

/** The names of the template's assets, relative to assets/. */
async function assetNames(templatesDir: string): Promise<string[]> {
  const assetsDir = join(templatesDir, 'assets');
  const entries = await readdir(assetsDir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if (isAbsent(error)) return [];
    throw error;
  });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(assetsDir.length + 1).split('\\').join('/'));
}

export interface SiteBuilderOptions {
  /**
   * Keep render workers between builds (the runtime's misses, the watcher's edits): starting
   * one costs ~50 ms. Default: a pool per build, stopped when it ends.
   */
  keepRenderer?: boolean;
  /**
   * Make whole builds in a child process (see buildApart), for a process that lives on after
   * them: the runtime, the watcher. Partial builds (an edit, a miss) stay in the process.
   */
  wholeBuildsApart?: boolean;
  /** @internal The URLs one sitemap file holds before an index is needed (tests lower it); default the protocol's 50,000. */
  sitemapMaxUrls?: number;
  /** @internal The template, already loaded (a whole build apart wears its parent's, which keeps the old one when a new one is broken). */
  template?: SiteTemplate;
}

/**
 * Builds a site, whole or in part. Holds the loaded template (reloadTemplate() after it
 * changes) and, for a long-running process, the render workers.
 */
export class SiteBuilder {
  readonly config: Config;
  readonly store: PageMapStore;
  private template: SiteTemplate;
  private readonly keepRenderer: boolean;
  private readonly wholeBuildsApart: boolean;
  private readonly limits: RenderLimits;
  /** Each source tree's folder (looked up for every page a build plans). */
  private readonly roots: Readonly<Record<SourceRef['tree'], string>>;
  private readonly sitemapMaxUrls: number | undefined;
  /**
   * Page path → its source's mtime, for every page built, as the records say: set by a whole
   * build, kept current by partial ones, so the watcher's sitemap refresh reads no table.
   */
  private pageDates: Map<string, number> | undefined;
  /** The renderer kept between builds, when keepRenderer is set. */
  private kept: RenderService | undefined;

  private constructor(config: Config, store: PageMapStore, template: SiteTemplate, options: SiteBuilderOptions) {
    this.config = config;
    this.store = store;
    this.template = template;
    this.keepRenderer = options.keepRenderer ?? false;
    this.wholeBuildsApart = options.wholeBuildsApart ?? false;
    this.limits = { timeoutMs: config.renderTimeoutSeconds * 1000, memoryMb: config.renderMemoryMb };
    this.roots = { wiki: config.wikiDir, legacy: config.legacyDir, templates: config.templatesDir, assets: join(config.templatesDir, 'assets') };
    this.sitemapMaxUrls = options.sitemapMaxUrls;
  }

  /** Load the template and clear what a killed build left behind. */
  static async open(config: Config, store: PageMapStore, options: SiteBuilderOptions = {}): Promise<SiteBuilder> {
    const builder = new SiteBuilder(config, store, options.template ?? (await loadTemplate(config.templatesDir)), options);
    await clearLeftovers(config, store);
    return builder;
  }

  /** The site's template as last loaded (the runtime's own pages wear it too). */
  get siteTemplate(): SiteTemplate {
    return this.template;
  }

  async reloadTemplate(): Promise<void> {
    this.template = await loadTemplate(this.config.templatesDir);
    const kept = this.kept;
    this.kept = undefined;
    await kept?.close();
  }

  /** Stop the kept render workers. */
  async close(): Promise<void> {
    await this.kept?.close();
    this.kept = undefined;
  }

  /**
   * Bring public/ in line with the map: all of it (and then the Apache configuration too), or
   * only `options.paths`. Never throws for a bad row: each failure is reported with its path
   * and the rest carry on.
   */
  async build(options: BuildOptions = {}): Promise<BuildReport> {
    const started = performance.now();
    const isWhole = options.paths === undefined;
    if (isWhole && this.wholeBuildsApart) return { ...(await this.buildApart(options)), elapsedMs: performance.now() - started };
    // The pages' rows, records and plan (~100 MB at 100,000 pages) are gone by
    // the time the site files and the Apache map are made: buildPages keeps them to itself.
    const report = await this.buildPages(options, isWhole);
    const siteFiles = isWhole || options.siteFiles ? await this.writeSiteFiles(report, options, isWhole) : undefined;
    if (isWhole || siteFiles?.isSetChanged) await this.writeApache(report);
    report.elapsedMs = performance.now() - started;
    return report;
  }

  /**
   * A whole build in a child process (wholeBuildProcess.ts), with this builder's template. A
   * whole build holds ~170 MB at 100,000 pages, and a process that made one keeps most of that
   * (V8's heap, glibc's arenas): the runtime sat at 364 MB after its start-up build. A child
   * gives it all back when it exits.
   */
  private async buildApart(options: BuildOptions): Promise<BuildReport> {
    const child = fork(fileURLToPath(new URL('./wholeBuildProcess.js', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      return await new Promise<BuildReport>((resolve, reject) => {
        let report: BuildReport | undefined;
        child.on('message', (message: WholeBuildAnswer) => {
          if ('progress' in message) options.onProgress?.(...message.progress);
          else if ('report' in message) report = message.report;
          else reject(new Error(`the build process failed: ${message.error}`));
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => (report ? resolve(report) : reject(new Error(`the build process stopped before it finished (${signal ?? `exit code ${code}`})`))));
        const request: WholeBuildRequest = { config: this.config, template: this.template, full: options.full === true, sitemapMaxUrls: this.sitemapMaxUrls };
        child.send(request);
      });
    } finally {
      // It changed the records: the sitemap's dates are read from them again when next needed.
      this.pageDates = undefined;
    }
  }

  /** The pages' part of build(): plan, remove, render, copy, record. */
  private async buildPages(options: BuildOptions, isWhole: boolean): Promise<BuildReport> {
    const { config, store, template } = this;
    if (isWhole) await clearLeftovers(config, store);
    // The pages only: the redirects (most of a big map) matter to the Apache files alone.
    const rows = isWhole ? store.pageRows() : [];
    const { jobs, recorded } = isWhole ? this.scopeWhole(rows, await assetNames(config.templatesDir)) : this.scopePaths(options.paths!);
    // Start the workers before the stat pass ends, so loading their modules (~0.15 s) overlaps
    // it instead of following it: all of them now when a first (or --full) whole build renders
    // everything; else one as soon as planning finds a page to render (more start if many).
    const renderAll = isWhole && !this.keepRenderer && (options.full || recorded.size === 0);
    let early = renderAll ? poolFor(template, jobs.length, this.limits) : undefined;
    const onRun = isWhole && !this.keepRenderer ? (job: OutputJob) => job.render && (early ??= keptPool(template, this.limits)) : undefined;
    let report: BuildReport;
    try {
      // A site file whose path the map now claims goes first: a page may be written there.
      const release = isWhole ? await releaseTakenSiteFiles(config.publicDir, store, (path) => this.isTaken(path)).then(() => undefined, (error: unknown) => error as Error) : undefined;
      const observe = this.observer(recorded, options.full === true);
      const finished = { count: 0 };
      let done: Executed;
      if (early && recorded.size === 0) {
        done = await this.executeFirstBuild(jobs, recorded, observe, { ...options, renderer: early, finished });
        this.notePageDates(isWhole, new Map(), done.written, done.removedFiles);
      } else {
        const plan = planBuild(jobs, recorded, observe, { full: options.full, onRun });
        // `early` read after planning: planning starts a worker when it finds a page to render.
        done = await this.execute(plan, jobs.length, { ...options, renderer: early, finished });
        this.notePageDates(isWhole, plan.recorded, done.written, done.removedFiles);
      }
      report = done.report;
      if (release) {
        report.counts.failed++;
        report.failures.push({ path: '/sitemap.xml', message: `cannot remove a site file the map now claims: ${release.message}`, isMissingSource: false });
      }
    } finally {
      await early?.close();
    }
    report.pages = isWhole ? rows.length : jobs.length;
    return report;
  }

  /** The whole map: every output it calls for, against everything earlier builds recorded. */
  private scopeWhole(rows: readonly ValidRow[], assets: readonly string[]): { jobs: Jobs; recorded: RecordedOutputs } {
    return { jobs: outputsForMap(rows, this.template, assets).jobs, recorded: new RecordedOutputs(this.store.outputFingerprints(), (files) => this.store.outputRecords(files)) };
  }

  /**
   * Some page paths: the outputs of those with a 200 row, against the records of those paths
   * only (nothing else is removed). Ancestor pages come along, since a new page below one moves
   * it into its folder.
   */
  private scopePaths(paths: Iterable<string>): { jobs: OutputJob[]; recorded: RecordedOutputs } {
    const { store } = this;
    // A batch of misses is often one folder's pages: each row and each folder's crumbs are looked
    // up once a build (a batch's paths and their ancestors: no bound needed).
    const rowAt = boundedMemo((path: string) => store.getCanonical(path), Number.POSITIVE_INFINITY);
    const has = (path: string) => rowAt(path)?.status === 200;
    const pages = { has, hasBelow: (path: string) => store.hasPageBelow(path) };
    const folderCrumbs = new Map<string, string>();
    const targets = new Set<string>();
    for (const path of paths) {
      targets.add(path);
      for (const ancestor of ancestorsOf(path)) if (has(ancestor)) targets.add(ancestor);
    }
    const jobs: OutputJob[] = [];
    const records: OutputRecord[] = [];
    for (const path of targets) {
      records.push(...store.outputsFor(path));
      const row = rowAt(path);
      if (row?.status === 200) jobs.push(pageJob(row, this.template, pages, folderCrumbs));
    }
    return { jobs, recorded: RecordedOutputs.of(records) };
  }

  private rootOf(source: SourceRef): string {
    return this.roots[source.tree];
  }

  /**
   * What is on disk for a job now: its source (located safely inside its root) and, where a
   * record may be trusted, its output.
   */
  private observer(recorded: RecordedOutputs, full: boolean): Observe {
    const locator = new SourceLocator();
    return (job) => {
      let source: Observation['source'];
      try {
        const found = locator.find(this.rootOf(job.source), job.source.rel, job.source.tree === 'wiki' ? 'wiki page' : 'file');
        source = found && { absolute: found.absolute, sig: found.sig, mtimeMs: found.mtimeMs };
      } catch {
        source = undefined; // outside its root: no source this build may read
      }
      // An output is only compared with its record; with no record (or --full) it is not looked at.
      const outputSig = !full && recorded.has(job.file) ? signatureOfFileSync(joinUnder(this.config.publicDir, job.file)) : undefined;
      return { source, outputSig };
    };
  }

  /** Why a job's source is not there, in words that name it. */
  private missingMessage(job: OutputJob): string {
    const root = this.rootOf(job.source);
    const where = join(root, job.source.rel);
    switch (job.source.tree) {
      case 'wiki':
        return `wiki page ${job.source.rel.slice(0, -3)} not found (${where}), or outside the wiki`;
      case 'legacy':
        return `legacy file ${job.source.rel} not found under ${root}, or outside it`;
      case 'templates':
        return `error page template ${where} not found`;
      case 'assets':
        return `asset ${job.source.rel} vanished`;
    }
  }

  /** The renderer for `count` pages: `given`, the kept one, or a pool of its own for this build. */
  private rendererFor(count: number, given: RenderService | undefined): { renderer: RenderService; isOwn: boolean } {
    if (given) return { renderer: given, isOwn: false };
    if (!this.keepRenderer) return { renderer: poolFor(this.template, count, this.limits), isOwn: true };
    this.kept ??= keptPool(this.template, this.limits);
    return { renderer: this.kept, isOwn: false };
  }

  /**
   * A first build (nothing recorded: nothing to compare or remove) planned a slice at a time,
   * each slice carried out while the next is planned, at most two ahead of the workers: they
   * render from the first slice on instead of waiting for the whole plan (~45 µs a page at
   * 4,000 pages, where they sat idle ~0.2 s), and nothing is queued wholesale.
   */
  private async executeFirstBuild(jobs: Jobs, recorded: RecordedOutputs, observe: Observe, options: ExecuteOptions): Promise<Executed> {
    const pending = jobs[Symbol.iterator]();
    const executions: Promise<Executed>[] = [];
    let inFlight = 0;
    let wake: (() => void) | undefined;
    for (;;) {
      const slice: OutputJob[] = [];
      for (let next = pending.next(); !next.done; next = pending.next()) if (slice.push(next.value) === PLAN_SLICE) break;
      if (slice.length === 0) break;
      inFlight++;
      const execution = this.execute(planBuild(slice, recorded, observe, { full: options.full }), jobs.length, options).finally(() => (inFlight--, wake?.()));
      execution.catch(() => undefined); // awaited below with the rest; a failure meanwhile is not unhandled
      executions.push(execution);
      while (inFlight >= 2) await new Promise<void>((resolve) => (wake = resolve));
      // Two turns: in the first the slice's pages reach the pool, which posts them at the end of it.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    }
    return joinExecuted(await Promise.all(executions));
  }

  /**
   * Carry the plan out: removals first (a page that moves into a folder frees its old name),
   * then the work, bounded by p-limit, and the result recorded in one transaction. A failing
   * job is reported and its old output removed, so a page whose source is gone or broken is
   * never served stale.
   */
  private async execute(plan: BuildPlan, total: number, options: ExecuteOptions): Promise<Executed> {
    const { config, store } = this;
    const counts: Record<Outcome, number> = { written: 0, unchanged: plan.unchanged, removed: 0, failed: 0 };
    const failures: BuildFailure[] = [];
    const written: OutputRecord[] = [];
    const removedFiles: string[] = [];
    const { finished } = options;
    finished.count += plan.unchanged;
    const progress = () => options.onProgress?.(++finished.count, total);
    const remove = async (file: string) => {
      await removeOutput(config.publicDir, file);
      removedFiles.push(file);
      counts.removed++;
    };
    for (const removal of plan.removals) {
      await remove(removal.file).catch((error: unknown) => {
        counts.failed++;
        failures.push({ path: '/' + removal.file, message: `cannot remove ${join(config.publicDir, removal.file)} (${removal.reason}): ${(error as Error).message}`, isMissingSource: false });
      });
    }
    const intended = new Set<string>();
    const fail = async (job: OutputJob, error: Error, isMissingSource: boolean) => {
      counts.failed++;
      failures.push({ path: job.path || '/' + job.file, message: error.message, isMissingSource });
      // An old output is removed (and counted); one a build was about to create may be half there.
      const record = plan.recorded.get(job.file);
      if (record?.outputSig) await remove(job.file).catch(() => undefined);
      else if (record || intended.has(job.file)) (await removeOutput(config.publicDir, job.file).catch(() => undefined), removedFiles.push(job.file));
    };
    for (const job of plan.missing) {
      await fail(job, new Error(this.missingMessage(job)), true);
      progress();
    }

    // Before writing: what is about to be created, and where (see recordIntent).
    const owner = newOwner();
    if (plan.work.length) {
      // Every file without a record, whatever the reason it runs (a --full build's new pages too).
      const newFiles = plan.work.filter((w) => !plan.recorded.has(w.job.file)).map(({ job }) => ({ file: job.file, path: job.path }));
      for (const { file } of newFiles) intended.add(file);
      const dirs = new Set(plan.work.map(({ job }) => dirname(job.file)));
      store.recordIntent(newFiles, [...dirs].map((dir) => ({ dir: dir === '.' ? '' : dir, owner, pid: process.pid })));
    }

    const renders = plan.work.filter((w) => w.job.render).length;
    const supply = renders === 0 ? undefined : this.rendererFor(renders, options.renderer);
    const limit = pLimit(config.concurrency);
    let rewrapped = 0;
    const run = async ({ job, source, previousHash, outputSig, rewrapHash }: PlannedWork): Promise<void> => {
      const target = joinUnder(config.publicDir, job.file);
      let sourceHash: string;
      let newSig: string | undefined;
      if (job.render) {
        options.onRender?.(job.path);
        const what = job.source.tree === 'wiki' ? `wiki:${job.source.rel.slice(0, -3)} (${source.absolute})` : source.absolute;
        const request: ProduceRequest = { ...job.render, source: source.absolute, mtimeMs: source.mtimeMs, path: job.path || '/' + job.file, what, target, previousHash, rewrapHash };
        let isRewrapped: boolean | undefined;
        ({ sourceHash, outputSig: newSig, isRewrapped } = await supply!.renderer.produce(request));
        if (isRewrapped) rewrapped++;
      } else {
        sourceHash = await hashFile(source.absolute);
        if (sourceHash !== previousHash) {
          await copyFileAtomic(source.absolute, target);
          newSig = signatureOf(await stat(target));
        }
      }
      written.push({ file: job.file, path: job.path, inputKey: job.inputKey, sourceSig: source.sig, sourceHash, outputSig: newSig ?? outputSig! });
      counts[newSig ? 'written' : 'unchanged']++;
    };
    try {
      // Handed to p-limit a slice at a time: a promise per page for 100,000 pages at once held
      // tens of megabytes for the whole build.
      for (let start = 0; start < plan.work.length; start += WORK_SLICE) {
        const slice = plan.work.slice(start, start + WORK_SLICE);
        await Promise.all(slice.map((w) => limit(() => run(w).catch((error: unknown) => fail(w.job, error as Error, false)).finally(progress))));
      }
    } finally {
      if (supply?.isOwn) await supply.renderer.close();
    }
    store.recordOutputs(written, removedFiles, owner);
    failures.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { report: { pages: 0, counts, rewrapped, failures, warnings: [], elapsedMs: 0 }, written, removedFiles };
  }

  /**
   * Keep pageDates in line with the records a build just made: a whole build's are read again
   * when a sitemap needs them; a partial build's are changed where it wrote or removed
   * (`recorded`: the records of what it removed, among others).
   */
  private notePageDates(isWhole: boolean, recorded: ReadonlyMap<string, OutputRecord>, written: readonly OutputRecord[], removedFiles: readonly string[]): void {
    if (isWhole) this.pageDates = undefined;
    const dates = this.pageDates;
    if (!dates) return;
    for (const file of removedFiles) {
      const path = recorded.get(file)?.path;
      if (path) dates.delete(path);
    }
    for (const record of written) addPageDate(dates, record);
  }

  /** Whether the map claims `path` for itself: a row there (any status), or pages below it. */
  private isTaken(path: string): boolean {
    return this.store.getCanonical(path) !== undefined || this.store.hasPageBelow(path);
  }

  /**
   * Bring sitemap.xml and robots.txt in line with the pages built (pageDates). A failure is
   * reported like a page's; it never stops the build.
   */
  private async writeSiteFiles(report: BuildReport, options: BuildOptions, isWhole: boolean): Promise<SiteFilesOutcome | undefined> {
    const { config, store } = this;
    try {
      const plan = planSiteFiles({
        siteUrl: config.siteUrl,
        isEnabled: config.sitemap,
        pages: () => sitemapPages((this.pageDates ??= pageDatesFromRecords(store.outputDates()))),
        isTaken: (path) => this.isTaken(path),
        hasLegacyRobots: config.sitemap && new SourceLocator().findIfSafe(config.legacyDir, ROBOTS_FILE) !== undefined,
        maxUrls: this.sitemapMaxUrls,
      });
      const outcome = await writeSiteFiles(config.publicDir, store, plan, { full: options.full === true, isWhole, owner: newOwner() });
      report.warnings.push(...outcome.warnings);
      report.siteFiles = { written: outcome.written, removed: outcome.removed };
      return outcome;
    } catch (error) {
      report.counts.failed++;
      report.failures.push({ path: '/sitemap.xml', message: `cannot write sitemap.xml or robots.txt in ${config.publicDir}: ${(error as Error).message}`, isMissingSource: false });
      return undefined;
    }
  }

  /** Write the Apache map and configuration unless the database shows them current. */
  private async writeApache(report: BuildReport): Promise<void> {
    const { config, store } = this;
    try {
      const siteFiles = writtenSiteFiles(store);
      // The rows are read a piece at a time, not in one statement: rows changed meanwhile (by
      // another process) could leave a map of both, so it is made again from what is there now.
      for (let attempt = 1; ; attempt++) {
        const recorded = store.getState(APACHE_STATE_KEY);
        const previous = recorded === undefined ? undefined : (JSON.parse(recorded) as ApacheState);
        // Read before the rows: a change in between leaves a key that the next build will not find current.
        const mapRevision = store.mapRevision();
        const { state, warnings } = await writeApacheConfig(config, () => apacheRowsFrom(store, siteFiles), previous, { mapRevision, siteFiles });
        if (state !== previous) store.setState(APACHE_STATE_KEY, JSON.stringify(state));
        if (store.mapRevision() === mapRevision || attempt === APACHE_ATTEMPTS) {
          report.warnings.push(...warnings);
          break;
        }
      }
    } catch (error) {
      report.counts.failed++;
      report.failures.push({ path: config.apacheDir, message: `cannot write the Apache configuration: ${(error as Error).message}`, isMissingSource: false });
    }
  }
}

/** Rows the Apache map reads at a time, and paths it remembers looking up (targets repeat: nine old paths to a page). */
const APACHE_PIECE_ROWS = 10_000;
const APACHE_LOOKUPS_KEPT = 100_000;
/** Makings of the Apache files while the rows keep changing under them, before leaving it to the next build. */
const APACHE_ATTEMPTS = 3;

/** The map's rows for the Apache files, read from the store a piece at a time. pagemap's site files answer like pages: under a prefix or pattern row, the map must say so. */
function apacheRowsFrom(store: PageMapStore, siteFiles: readonly string[]): ApacheRows {
  const siteFileRows = new Map(siteFiles.map((path) => [path, { path, status: 200 as const, source: '' }]));
  const rowAt = boundedMemo((path) => store.rowAt(path), APACHE_LOOKUPS_KEPT);
  return {
    *pieces() {
      for (let piece = store.rowsAfter('', APACHE_PIECE_ROWS); piece.length > 0; piece = store.rowsAfter(piece.at(-1)!.path, APACHE_PIECE_ROWS)) yield piece;
      yield [...siteFileRows.values()];
    },
    get: (path) => siteFileRows.get(path) ?? rowAt(path),
    prefixRows: store.prefixRows(),
    patternRows: store.patternRows(),
  };
}

/** The whole build: `pagemap build`. */
export async function runBuild(config: Config, store: PageMapStore, options: BuildOptions = {}): Promise<BuildReport> {
  return (await SiteBuilder.open(config, store)).build(options);
}
