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
import { type PlannedPage, PathIndex, assetFile, hashParts, planPages, planRemovals } from './buildPlan.js';
import type { Config } from './config.js';
import { SourceError, isAbsent } from './errors.js';
import { createMarkdown, renderWiki } from './markdown.js';
import type { OutputRecord, PageMapStore } from './pageMap.js';
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

function pageJob(config: Config, renderer: PageRenderer, page: PlannedPage, index: PathIndex): OutputJob {
  const hasPage: HasPage = (path) => index.has(path);
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
async function siteJobs(config: Config, renderer: PageRenderer, index: PathIndex): Promise<OutputJob[]> {
  const jobs: OutputJob[] = [];
  const hasPage: HasPage = (path) => index.has(path);
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

/**
 * Bring public/ and the Apache configuration in line with the map. Never throws for a bad
 * row: each failure is reported with its path and the rest carry on.
 */
export async function runBuild(config: Config, store: PageMapStore, options: BuildOptions = {}): Promise<BuildReport> {
  const started = performance.now();
  const template = await loadTemplate(config.templatesDir);
  const renderer = new PageRenderer(template);
  const rows = store.all();
  const { pages, index } = planPages(rows);
  const jobs = [...pages.map((page) => pageJob(config, renderer, page, index)), ...(await siteJobs(config, renderer, index))];
  const recorded = options.full ? new Map<string, OutputRecord>() : store.outputs();
  const everRecorded = options.full ? store.outputs() : recorded;

  const counts: Record<Outcome, number> = { written: 0, unchanged: 0, removed: 0, failed: 0 };
  const failures: BuildFailure[] = [];
  const written: OutputRecord[] = [];
  const removedFiles: string[] = [];

  // Removals first: a page that moves into a folder (it became a prefix) frees its old name.
  const planned = new Set(jobs.map((job) => job.file));
  for (const file of planRemovals(everRecorded.keys(), planned)) {
    await removeOutput(config.publicDir, file);
    removedFiles.push(file);
    counts.removed++;
  }

  await mkdir(config.publicDir, { recursive: true });
  const limit = pLimit(config.concurrency);
  let done = 0;
  const runJob = async (job: OutputJob): Promise<void> => {
    const target = join(config.publicDir, job.file);
    const previous = recorded.get(job.file);
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
  await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        try {
          await runJob(job);
        } catch (error) {
          counts.failed++;
          failures.push({ path: job.path || '/' + job.file, message: (error as Error).message });
          // A page whose source is gone or broken must not keep serving its old copy.
          if (recorded.has(job.file) || everRecorded.has(job.file)) {
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

  try {
    await writeApacheConfig(config, rows);
  } catch (error) {
    counts.failed++;
    failures.push({ path: config.apacheDir, message: `cannot write the Apache configuration: ${(error as Error).message}` });
  }
  failures.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { pages: pages.length, counts, failures, elapsedMs: performance.now() - started };
}
