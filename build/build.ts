/**
 * The full build (DESIGN.md "Build"): every 200 row rendered or copied into public/, files
 * no row owns any more removed, error pages, assets and the Apache configuration written.
 * Work is skipped by signature and content hash, so a rebuild with nothing changed reads
 * no sources and writes nothing.
 *
 * Two phases: first a synchronous pass stats every source and output and drops what is
 * current (cheap: no promise per file); then the rest is read, hashed, rendered (in worker
 * threads: renderPool.ts) and written, with bounded concurrency.
 *
 * A build may be killed at any moment. Before it writes, it records the files it is about to
 * create and journals the folders it writes into (recordIntent); the next build removes what
 * a dead build left: its temp files, and any file no row owns.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { type ApacheState, writeApacheConfig } from './apacheConfig.js';
import { copyFileAtomic, isProcessAlive, removeDeadTempFiles } from './atomicWrite.js';
import { type PlannedPage, assetFile, hashParts, outputFileFor, planPages, planRemovals } from './buildPlan.js';
import type { Config } from '../core/config.js';
import { MissingSourceError, isAbsent } from '../core/errors.js';
import type { OutputRecord, PageMapStore } from '../core/pageMap.js';
import { type ProduceRequest, breadcrumbShape } from './pageRenderer.js';
import { parseSource } from '../core/pageRow.js';
import { POOL_THRESHOLD, type RenderLimits, type RenderService, keptPool, poolFor } from './renderPool.js';
import { type SourceFile, SourceLocator, signatureOf } from '../core/sourceFiles.js';
import { type HasPage, type SiteTemplate, loadTemplate } from './template.js';

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
  failures: BuildFailure[];
  /** Worth telling, not failures (e.g. a slower Apache map). */
  warnings: string[];
  elapsedMs: number;
}

/** A report as people read it: one line per failure and warning, then the summary. */
export function describeBuild(report: BuildReport): string[] {
  const { counts } = report;
  const pages = `${report.pages} page${report.pages === 1 ? '' : 's'}`;
  return [
    ...report.failures.map((failure) => `failed: ${failure.path}: ${failure.message}`),
    ...report.warnings.map((warning) => `warning: ${warning}`),
    `built ${pages} in ${(report.elapsedMs / 1000).toFixed(2)}s: ${counts.written} written, ${counts.unchanged} unchanged, ${counts.removed} removed, ${counts.failed} failed`,
  ];
}

export interface BuildOptions {
  /** Ignore the record of earlier builds and write every output again. */
  full?: boolean;
  /** Called as work finishes, for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** Called for every page handed to the renderer (the runtime counts renders with it). */
  onRender?: (path: string) => void;
}

/** One file the build produces: where it goes, what decides whether it changed, how to make it. */
interface OutputJob {
  file: string;
  path: string;
  /** Hash of everything besides the source bytes that shapes the output. */
  inputKey: string;
  locate: (locator: SourceLocator) => SourceFile | undefined;
  /** The error when the source is not there. */
  missing: string;
  /** For a rendered page: what the renderer needs, given its source. Absent: the source is copied. */
  render?: (source: SourceFile) => Omit<ProduceRequest, 'target' | 'previousHash'>;
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

function wikiJob(config: Config, template: SiteTemplate, page: PlannedPage & { source: { kind: 'wiki' } }, hasPage: HasPage): OutputJob {
  const { name } = page.source;
  const crumbs = breadcrumbShape(template.nav, page.path, hasPage);
  return {
    file: page.file,
    path: page.path,
    inputKey: hashParts('wiki', template.hash, page.row.path, page.row.status, page.row.source, crumbs),
    locate: (locator) => locator.find(config.wikiDir, name + '.md', 'wiki page'),
    missing: `wiki page ${name} not found (${join(config.wikiDir, name + '.md')})`,
    render: (source) => ({
      source: source.absolute,
      mtimeMs: source.mtimeMs,
      path: page.path,
      fallbackTitle: name.slice(name.lastIndexOf('/') + 1),
      isDated: true,
      crumbs,
      what: `wiki:${name} (${source.absolute})`,
    }),
  };
}

function pageJob(config: Config, template: SiteTemplate, page: PlannedPage, hasPage: HasPage): OutputJob {
  if (page.source.kind === 'wiki') return wikiJob(config, template, page as PlannedPage & { source: { kind: 'wiki' } }, hasPage);
  const rel = page.source.rel;
  return {
    file: page.file,
    path: page.path,
    inputKey: hashParts('file', page.row.source),
    locate: (locator) => locator.find(config.legacyDir, rel, 'legacy file'),
    missing: `legacy file ${rel} not found under ${config.legacyDir}`,
  };
}

/** The styled 404/410 pages and the template's assets: owned by the build like pages. */
async function siteJobs(config: Config, template: SiteTemplate): Promise<OutputJob[]> {
  const jobs: OutputJob[] = [];
  for (const status of [404, 410] as const) {
    const name = `${status}.md`;
    const file = assetFile(`${status}.html`);
    // It answers at any path, so its crumbs lead home only, not through /_pagemap.
    const crumbs = breadcrumbShape(template.nav, `/${status}.html`, () => false);
    jobs.push({
      file,
      path: '',
      inputKey: hashParts('error', template.hash, status, crumbs),
      locate: (locator) => locator.find(config.templatesDir, name, 'error page'),
      missing: `error page template ${join(config.templatesDir, name)} not found`,
      render: (source) => ({ source: source.absolute, mtimeMs: source.mtimeMs, path: '/' + file, fallbackTitle: String(status), crumbs, isDated: false, what: source.absolute }),
    });
  }
  const assetsDir = join(config.templatesDir, 'assets');
  const names = await readdir(assetsDir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if (isAbsent(error)) return [];
    throw error;
  });
  for (const entry of names) {
    if (!entry.isFile()) continue;
    const rel = join(entry.parentPath ?? entry.path, entry.name).slice(assetsDir.length + 1).split('\\').join('/');
    jobs.push({
      file: assetFile(rel),
      path: '',
      inputKey: hashParts('asset', rel),
      locate: (locator) => locator.find(assetsDir, rel, 'asset'),
      missing: `asset ${rel} vanished`,
    });
  }
  return jobs;
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

interface Execution {
  counts: Record<Outcome, number>;
  failures: BuildFailure[];
}

/** A job that phase one could not rule out. `previous` is set when only the source may have changed. */
interface Work {
  job: OutputJob;
  source: SourceFile;
  target: string;
  previous: OutputRecord | undefined;
  outputSig: string | undefined;
}

/** Where the pages come from: the renderer to use for `count` renders, and whether to close it after. */
type RendererSource = (count: number) => { renderer: RenderService | Promise<RenderService>; isKept: boolean };

/**
 * Carry out jobs: remove the `removable` files first (a page that moves into a folder frees
 * its old name), then run the jobs, skipping what `recorded` shows to be current. Records
 * the result in one transaction. A failing job is reported and its old output removed, so a
 * page whose source is gone or broken is never served stale.
 */
async function execute(
  config: Config,
  store: PageMapStore,
  jobs: readonly OutputJob[],
  recorded: ReadonlyMap<string, OutputRecord>,
  removable: Iterable<string>,
  options: BuildOptions & { rendererFor: RendererSource },
): Promise<Execution> {
  const counts: Record<Outcome, number> = { written: 0, unchanged: 0, removed: 0, failed: 0 };
  const failures: BuildFailure[] = [];
  const written: OutputRecord[] = [];
  const removedFiles: string[] = [];
  const intended = new Set<string>();
  const remove = async (file: string) => {
    await removeOutput(config.publicDir, file);
    removedFiles.push(file);
    counts.removed++;
  };
  for (const file of removable) {
    await remove(file).catch((error: unknown) => {
      counts.failed++;
      failures.push({ path: '/' + file, message: `cannot remove ${join(config.publicDir, file)}, which no row owns any more: ${(error as Error).message}`, isMissingSource: false });
    });
  }
  const trust = options.full ? new Map<string, OutputRecord>() : recorded;
  let done = 0;
  const progress = () => options.onProgress?.(++done, jobs.length);
  const fail = async (job: OutputJob, error: unknown) => {
    counts.failed++;
    failures.push({ path: job.path || '/' + job.file, message: (error as Error).message, isMissingSource: error instanceof MissingSourceError });
    // An old output is removed (and counted); a file this build was about to create may be half there.
    if (recorded.has(job.file)) await remove(job.file).catch(() => undefined);
    else if (intended.has(job.file)) (await removeOutput(config.publicDir, job.file).catch(() => undefined), removedFiles.push(job.file));
  };

  // Phase one: synchronous stats rule out everything whose source and output are as recorded.
  const locator = new SourceLocator();
  const work: Work[] = [];
  for (const job of jobs) {
    try {
      const source = job.locate(locator);
      if (!source) throw new MissingSourceError(job.missing);
      const target = join(config.publicDir, job.file);
      const previous = trust.get(job.file);
      const outputSig = previous && signatureOfFileSync(target);
      const isIntact = previous !== undefined && previous.inputKey === job.inputKey && previous.outputSig === outputSig;
      if (isIntact && previous.sourceSig === source.sig) {
        counts.unchanged++;
        progress();
        continue;
      }
      work.push({ job, source, target, previous: isIntact ? previous : undefined, outputSig });
    } catch (error) {
      await fail(job, error);
      progress();
    }
  }

  // Before writing: what is about to be created, and where (see recordIntent).
  const owner = newOwner();
  if (work.length) {
    const newFiles = work.filter((w) => !recorded.has(w.job.file)).map(({ job }) => ({ file: job.file, path: job.path }));
    for (const { file } of newFiles) intended.add(file);
    const dirs = new Set(work.map(({ job }) => dirname(job.file)));
    store.recordIntent(newFiles, [...dirs].map((dir) => ({ dir: dir === '.' ? '' : dir, owner, pid: process.pid })));
  }

  // Phase two: read and hash; render (in worker threads) or copy; write.
  const renders = work.filter((w) => w.job.render).length;
  const supply = renders === 0 ? undefined : options.rendererFor(renders);
  const renderer = await supply?.renderer;
  const limit = pLimit(config.concurrency);
  const run = async ({ job, source, target, previous, outputSig }: Work): Promise<void> => {
    let sourceHash: string;
    let newSig: string | undefined;
    if (job.render) {
      options.onRender?.(job.path);
      ({ sourceHash, outputSig: newSig } = await renderer!.produce({ ...job.render(source), target, previousHash: previous?.sourceHash }));
    } else {
      sourceHash = await hashFile(source.absolute);
      if (sourceHash !== previous?.sourceHash) {
        await copyFileAtomic(source.absolute, target);
        newSig = signatureOf(await stat(target));
      }
    }
    written.push({ file: job.file, path: job.path, inputKey: job.inputKey, sourceSig: source.sig, sourceHash, outputSig: newSig ?? outputSig! });
    counts[newSig ? 'written' : 'unchanged']++;
  };
  try {
    await Promise.all(work.map((w) => limit(() => run(w).catch((error: unknown) => fail(w.job, error)).finally(progress))));
  } finally {
    if (!supply?.isKept) await renderer?.close();
  }
  store.recordOutputs(written, removedFiles, owner);
  failures.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { counts, failures };
}

/** Every ancestor folder path of a page path: /a/b/c → /a, /a/b. */
function ancestorsOf(path: string): string[] {
  const result: string[] = [];
  for (let cut = path.indexOf('/', 1); cut > 0; cut = path.indexOf('/', cut + 1)) result.push(path.slice(0, cut));
  return result;
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

export interface SiteBuilderOptions {
  /**
   * Keep render workers between builds (the runtime's misses, the watcher's edits): starting
   * one costs ~50 ms. Default: a pool per build, stopped when it ends.
   */
  keepRenderer?: boolean;
}

/**
 * Builds a site: everything (the full build) or just some pages (the runtime's misses and
 * the watcher's changes). Holds the loaded template; reloadTemplate() after it changes.
 */
export class SiteBuilder {
  readonly config: Config;
  readonly store: PageMapStore;
  private template: SiteTemplate;
  private readonly keepRenderer: boolean;
  private readonly limits: RenderLimits;
  /** The renderer kept between builds, when keepRenderer is set. */
  private kept: RenderService | undefined;

  private constructor(config: Config, store: PageMapStore, template: SiteTemplate, options: SiteBuilderOptions) {
    this.config = config;
    this.store = store;
    this.template = template;
    this.keepRenderer = options.keepRenderer ?? false;
    this.limits = { timeoutMs: config.renderTimeoutSeconds * 1000, memoryMb: config.renderMemoryMb };
  }

  /** Load the template and clear what a killed build left behind. */
  static async open(config: Config, store: PageMapStore, options: SiteBuilderOptions = {}): Promise<SiteBuilder> {
    const builder = new SiteBuilder(config, store, await loadTemplate(config.templatesDir), options);
    await clearLeftovers(config, store);
    return builder;
  }

  async reloadTemplate(): Promise<void> {
    this.template = await loadTemplate(this.config.templatesDir);
    await this.dropKeptRenderer();
  }

  /** The renderer for `count` pages: the kept one, or a pool of its own for this build. */
  private readonly rendererFor: RendererSource = (count) => {
    if (!this.keepRenderer) return { renderer: poolFor(this.template, count, this.limits), isKept: false };
    this.kept ??= keptPool(this.template, this.limits);
    return { renderer: this.kept, isKept: true };
  };

  private async dropKeptRenderer(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    await kept?.close();
  }

  /** Stop the kept render workers. */
  close(): Promise<void> {
    return this.dropKeptRenderer();
  }

  /**
   * Bring public/ and the Apache configuration in line with the whole map. Never throws for
   * a bad row: each failure is reported with its path and the rest carry on.
   */
  async buildAll(options: BuildOptions = {}): Promise<BuildReport> {
    const started = performance.now();
    const { config, store, template } = this;
    await clearLeftovers(config, store);
    const rows = store.all();
    const recorded = store.outputs();
    const { pages, index } = planPages(rows);
    // A first (or --full) build renders everything: start the workers now, so loading their
    // modules overlaps the planning and the stat pass instead of following them.
    const isEarly = !this.keepRenderer && (options.full || recorded.size === 0) && pages.length >= POOL_THRESHOLD;
    const early = isEarly ? poolFor(template, pages.length, this.limits) : undefined;
    const hasPage: HasPage = (path) => index.has(path);
    const jobs = [...pages.map((page) => pageJob(config, template, page, hasPage)), ...(await siteJobs(config, template))];
    const removable = planRemovals(recorded.keys(), new Set(jobs.map((job) => job.file)));
    let execution: Execution;
    try {
      const rendererFor: RendererSource = early ? () => ({ renderer: early, isKept: true }) : this.rendererFor;
      execution = await execute(config, store, jobs, recorded, removable, { ...options, rendererFor });
    } finally {
      await early?.close();
    }
    const { counts, failures } = execution;
    const warnings: string[] = [];
    try {
      const previous = store.getState(APACHE_STATE_KEY);
      const { state, warning } = await writeApacheConfig(config, rows, previous === undefined ? undefined : (JSON.parse(previous) as ApacheState));
      store.setState(APACHE_STATE_KEY, JSON.stringify(state));
      if (warning) warnings.push(warning);
    } catch (error) {
      counts.failed++;
      failures.push({ path: config.apacheDir, message: `cannot write the Apache configuration: ${(error as Error).message}`, isMissingSource: false });
    }
    return { pages: pages.length, counts, failures, warnings, elapsedMs: performance.now() - started };
  }

  /**
   * Bring the given page paths up to date: render or copy those with a 200 row, remove the
   * outputs of those without. Ancestor pages come along, since a new page below one moves
   * it into its folder (see outputFileFor).
   */
  async buildPaths(paths: Iterable<string>, options: BuildOptions = {}): Promise<BuildReport> {
    const started = performance.now();
    const { config, store, template } = this;
    const hasPage: HasPage = (path) => store.getCanonical(path)?.status === 200;
    const targets = new Set<string>();
    for (const path of paths) {
      targets.add(path);
      for (const ancestor of ancestorsOf(path)) if (hasPage(ancestor)) targets.add(ancestor);
    }
    const jobs: OutputJob[] = [];
    const recorded = new Map<string, OutputRecord>();
    const removable: string[] = [];
    for (const path of targets) {
      const records = store.outputsFor(path);
      for (const record of records) recorded.set(record.file, record);
      const row = store.getCanonical(path);
      const file = row?.status === 200 ? outputFileFor(path, store.hasPageBelow(path)) : undefined;
      if (row && file) jobs.push(pageJob(config, template, { path, file, row, source: parseSource(200, row.source) as PlannedPage['source'] }, hasPage));
      removable.push(...records.filter((record) => record.file !== file).map((record) => record.file));
    }
    const { counts, failures } = await execute(config, store, jobs, recorded, removable.sort().reverse(), { ...options, rendererFor: this.rendererFor });
    return { pages: jobs.length, counts, failures, warnings: [], elapsedMs: performance.now() - started };
  }
}

/** The full build: `pagemap build`. */
export async function runBuild(config: Config, store: PageMapStore, options: BuildOptions = {}): Promise<BuildReport> {
  return (await SiteBuilder.open(config, store)).buildAll(options);
}
