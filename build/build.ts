/**
 * The full build (DESIGN.md "Build"): every 200 row rendered or copied into public/, files
 * no row owns any more removed, error pages, assets and the Apache configuration written.
 * Work is skipped by signature and content hash, so a rebuild with nothing changed reads
 * no sources and writes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { writeApacheConfig } from './apacheConfig.js';
import { copyFileAtomic, writeFileAtomic } from './atomicWrite.js';
import { type PlannedPage, assetFile, hashParts, outputFileFor, planPages, planRemovals } from './buildPlan.js';
import type { Config } from './config.js';
import { SourceError, isAbsent } from './errors.js';
import { createMarkdown, renderWiki } from './markdown.js';
import type { OutputRecord, PageMapStore } from './pageMap.js';
import { parseSource } from './pageRow.js';
import { type SourceFile, findInside, findWikiPage, signatureOf } from './sourceFiles.js';
import { type HasPage, type SiteTemplate, fillTemplate, loadTemplate, renderBreadcrumbs } from './template.js';

export const OUTCOMES = ['written', 'unchanged', 'removed', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface BuildFailure {
  path: string;
  message: string;
}

export interface BuildReport {
  pages: number;
  counts: Record<Outcome, number>;
  failures: BuildFailure[];
  elapsedMs: number;
}

export interface BuildOptions {
  /** Ignore the record of earlier builds and write every output again. */
  full?: boolean;
  /** Called as work finishes, for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

/** One file the build produces: where it goes, what decides whether it changed, how to make it. */
interface OutputJob {
  file: string;
  path: string;
  inputKey: string;
  locate: () => Promise<SourceFile | undefined>;
  missing: string;
  /** Reads the source: its hash (with anything else read from it) and a way to write the output. */
  produce: (source: SourceFile) => Promise<{ sourceHash: string; write: (target: string) => Promise<void> }>;
}

const DATE_DAY = 10; // YYYY-MM-DD

function dayOf(mtimeMs: number): string {
  return new Date(mtimeMs).toISOString().slice(0, DATE_DAY);
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function signatureOfFile(file: string): Promise<string | undefined> {
  try {
    return signatureOf(await stat(file));
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

/** Renders wiki pages into the template; shared by the build and the runtime. */
export class PageRenderer {
  readonly template: SiteTemplate;
  private readonly md = createMarkdown();
  constructor(template: SiteTemplate) {
    this.template = template;
  }

  /** What, besides the source bytes, decides a wiki page's HTML. */
  inputKeyFor(page: Pick<PlannedPage, 'path' | 'row'>, hasPage: HasPage): string {
    const crumbShape = renderBreadcrumbs(this.template.nav, page.path, '', hasPage);
    return hashParts('wiki', this.template.hash, page.row.path, page.row.status, page.row.source, crumbShape);
  }

  render(path: string, text: string, name: string, mtimeMs: number, hasPage: HasPage, what: string): string {
    const document = renderWiki(this.md, text, name.slice(name.lastIndexOf('/') + 1), what);
    return fillTemplate(this.template, {
      path,
      title: document.title,
      content: document.html,
      lastModified: dayOf(mtimeMs),
      breadcrumbs: renderBreadcrumbs(this.template.nav, path, document.title, hasPage),
    });
  }
}

function pageJob(config: Config, renderer: PageRenderer, page: PlannedPage, hasPage: HasPage): OutputJob {
  if (page.source.kind === 'wiki') {
    const name = page.source.name;
    return {
      file: page.file,
      path: page.path,
      inputKey: renderer.inputKeyFor(page, hasPage),
      locate: () => findWikiPage(config.wikiDir, name),
      missing: `wiki page ${name} not found (${join(config.wikiDir, name + '.md')})`,
      produce: async (source) => {
        const text = await readFile(source.absolute, 'utf8');
        const sourceHash = hashParts(text, dayOf(source.mtimeMs));
        return {
          sourceHash,
          write: (target) => {
            const html = renderer.render(page.path, text, name, source.mtimeMs, hasPage, `wiki:${name} (${source.absolute})`);
            return writeFileAtomic(target, html);
          },
        };
      },
    };
  }
  const rel = page.source.rel;
  return {
    file: page.file,
    path: page.path,
    inputKey: hashParts('file', page.row.source),
    locate: () => findInside(config.legacyDir, rel, 'legacy file'),
    missing: `legacy file ${rel} not found under ${config.legacyDir}`,
    produce: async (source) => ({ sourceHash: await hashFile(source.absolute), write: (target) => copyFileAtomic(source.absolute, target) }),
  };
}

/** The styled 404/410 pages and the template's assets: owned by the build like pages. */
async function siteJobs(config: Config, renderer: PageRenderer, hasPage: HasPage): Promise<OutputJob[]> {
  const jobs: OutputJob[] = [];
  for (const status of [404, 410] as const) {
    const name = `${status}.md`;
    const file = assetFile(`${status}.html`);
    jobs.push({
      file,
      path: '',
      inputKey: hashParts('error', renderer.template.hash, status),
      locate: () => findInside(config.templatesDir, name, 'error page'),
      missing: `error page template ${join(config.templatesDir, name)} not found`,
      produce: async (source) => {
        const text = await readFile(source.absolute, 'utf8');
        return {
          sourceHash: hashParts(text, dayOf(source.mtimeMs)),
          write: (target) => writeFileAtomic(target, renderer.render('/' + file, text, String(status), source.mtimeMs, hasPage, source.absolute)),
        };
      },
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
      locate: () => findInside(assetsDir, rel, 'asset'),
      missing: `asset ${rel} vanished`,
      produce: async (source) => ({ sourceHash: await hashFile(source.absolute), write: (target) => copyFileAtomic(source.absolute, target) }),
    });
  }
  return jobs;
}

/** Remove a file the build wrote, then any folders that leaves empty (never public/ itself). */
async function removeOutput(publicDir: string, file: string): Promise<void> {
  await rm(join(publicDir, file), { force: true });
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

/**
 * Carry out jobs: remove the `removable` files first (a page that moves into a folder frees
 * its old name), then run the jobs with bounded concurrency, skipping what `recorded` shows
 * to be current. Records the result in one transaction. A failing job is reported and its
 * old output removed, so a page whose source is gone or broken is never served stale.
 */
async function execute(
  config: Config,
  store: PageMapStore,
  jobs: readonly OutputJob[],
  recorded: ReadonlyMap<string, OutputRecord>,
  removable: Iterable<string>,
  options: BuildOptions,
): Promise<Execution> {
  const counts: Record<Outcome, number> = { written: 0, unchanged: 0, removed: 0, failed: 0 };
  const failures: BuildFailure[] = [];
  const written: OutputRecord[] = [];
  const removedFiles: string[] = [];
  for (const file of removable) {
    await removeOutput(config.publicDir, file);
    removedFiles.push(file);
    counts.removed++;
  }
  const trust = options.full ? new Map<string, OutputRecord>() : recorded;

  const runJob = async (job: OutputJob): Promise<void> => {
    const target = join(config.publicDir, job.file);
    const previous = trust.get(job.file);
    const source = await job.locate();
    if (!source) throw new SourceError(job.missing);
    const outputSig = await signatureOfFile(target);
    const isIntact = previous !== undefined && previous.inputKey === job.inputKey && previous.outputSig === outputSig;
    if (isIntact && previous.sourceSig === source.sig) return void counts.unchanged++;
    const product = await job.produce(source);
    const record = { file: job.file, path: job.path, inputKey: job.inputKey, sourceSig: source.sig, sourceHash: product.sourceHash };
    if (isIntact && previous.sourceHash === product.sourceHash) {
      written.push({ ...record, outputSig: outputSig! });
      return void counts.unchanged++;
    }
    await product.write(target);
    written.push({ ...record, outputSig: (await signatureOfFile(target))! });
    counts.written++;
  };

  await mkdir(config.publicDir, { recursive: true });
  const limit = pLimit(config.concurrency);
  let done = 0;
  await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        try {
          await runJob(job);
        } catch (error) {
          counts.failed++;
          failures.push({ path: job.path || '/' + job.file, message: (error as Error).message });
          if (recorded.has(job.file)) {
            await removeOutput(config.publicDir, job.file).catch(() => undefined);
            removedFiles.push(job.file);
          }
        } finally {
          options.onProgress?.(++done, jobs.length);
        }
      }),
    ),
  );
  store.recordOutputs(written, removedFiles);
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
 * Builds a site: everything (the full build) or just some pages (the runtime's misses and
 * the watcher's changes). Holds the loaded template; reloadTemplate() after it changes.
 */
export class SiteBuilder {
  readonly config: Config;
  readonly store: PageMapStore;
  private renderer: PageRenderer;

  private constructor(config: Config, store: PageMapStore, renderer: PageRenderer) {
    this.config = config;
    this.store = store;
    this.renderer = renderer;
  }

  static async open(config: Config, store: PageMapStore): Promise<SiteBuilder> {
    return new SiteBuilder(config, store, new PageRenderer(await loadTemplate(config.templatesDir)));
  }

  async reloadTemplate(): Promise<void> {
    this.renderer = new PageRenderer(await loadTemplate(this.config.templatesDir));
  }

  /**
   * Bring public/ and the Apache configuration in line with the whole map. Never throws for
   * a bad row: each failure is reported with its path and the rest carry on.
   */
  async buildAll(options: BuildOptions = {}): Promise<BuildReport> {
    const started = performance.now();
    const { config, store, renderer } = this;
    const rows = store.all();
    const { pages, index } = planPages(rows);
    const hasPage: HasPage = (path) => index.has(path);
    const jobs = [...pages.map((page) => pageJob(config, renderer, page, hasPage)), ...(await siteJobs(config, renderer, hasPage))];
    const recorded = store.outputs();
    const removable = planRemovals(recorded.keys(), new Set(jobs.map((job) => job.file)));
    const { counts, failures } = await execute(config, store, jobs, recorded, removable, options);
    try {
      await writeApacheConfig(config, rows);
    } catch (error) {
      counts.failed++;
      failures.push({ path: config.apacheDir, message: `cannot write the Apache configuration: ${(error as Error).message}` });
    }
    return { pages: pages.length, counts, failures, elapsedMs: performance.now() - started };
  }

  /**
   * Bring the given page paths up to date: render or copy those with a 200 row, remove the
   * outputs of those without. Ancestor pages come along, since a new page below one moves
   * it into its folder (see outputFileFor).
   */
  async buildPaths(paths: Iterable<string>, options: BuildOptions = {}): Promise<BuildReport> {
    const started = performance.now();
    const { config, store, renderer } = this;
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
      if (row && file) jobs.push(pageJob(config, renderer, { path, file, row, source: parseSource(200, row.source) as PlannedPage['source'] }, hasPage));
      removable.push(...records.filter((record) => record.file !== file).map((record) => record.file));
    }
    const { counts, failures } = await execute(config, store, jobs, recorded, removable.sort().reverse(), options);
    return { pages: jobs.length, counts, failures, elapsedMs: performance.now() - started };
  }
}

/** The full build: `pagemap build`. */
export async function runBuild(config: Config, store: PageMapStore, options: BuildOptions = {}): Promise<BuildReport> {
  return (await SiteBuilder.open(config, store)).buildAll(options);
}
