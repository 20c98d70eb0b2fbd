/**
 * What a build must do, decided as plain data (no disk access here; build.ts gathers the
 * observations and carries the plan out). First the outputs the map calls for — a job says
 * what to write and from what: the file, its page, its source, whether it is rendered or
 * copied; then, given what the last builds recorded and what is on disk now, the plan: which
 * jobs to run and why, which are current, which have no source, and which recorded files no
 * job claims any more and why they go.
 */
import { ASSET_PREFIX, outputFileFor } from '../core/pagePath.js';
import { type OutputRecord, outputFingerprint } from '../core/outputRecord.js';
import { type PageRow, parseSource } from '../core/pageRow.js';
import { hashParts } from './hashParts.js';
import { type HasPage, type NavSection, breadcrumbShape } from './template.js';

/** Where a job's source lives: a tree of the site, and the file in it. */
export interface SourceRef {
  tree: 'wiki' | 'legacy' | 'templates' | 'assets';
  /** Relative to the tree, / separated. */
  rel: string;
}

/** How a rendered job is rendered (besides its source): all of it data, so it can cross to a worker. */
export interface RenderSpec {
  /** The title when neither front matter nor a leading h1 gives one. */
  fallbackTitle: string;
  /** The breadcrumbs with the title left open (breadcrumbShape). */
  crumbs: string;
  /** Whether the footer says when the source last changed. */
  isDated: boolean;
}

/** One file the build produces. */
export interface OutputJob {
  /** Relative to public/, / separated. */
  file: string;
  /** The page path that owns it; empty for the error pages and assets. */
  path: string;
  source: SourceRef;
  /** Present: rendered from Markdown into the template. Absent: the source is copied as is. */
  render?: RenderSpec;
  /** Hash of everything besides the source bytes that shapes the file (row, template, crumbs). */
  inputKey: string;
}

/** Why a job runs. */
export const REASONS = ['new', 'forced', 'inputs changed', 'output changed', 'source changed'] as const;
export type Reason = (typeof REASONS)[number];

/** What is on disk now for one job: its source (absent: missing) and its current output's signature. */
export interface Observation {
  source: { absolute: string; sig: string; mtimeMs: number } | undefined;
  /** size:mtime of the output now; undefined when there is none (or it was not looked at). */
  outputSig: string | undefined;
}

export interface PlannedWork {
  job: OutputJob;
  reason: Reason;
  source: NonNullable<Observation['source']>;
  /** The source hash recorded with the output, when only the source may have changed: equal → nothing to write. */
  previousHash?: string;
  /** The output's signature now, kept when the hash turns out unchanged. */
  outputSig?: string;
  /** The source hash recorded with an intact output whose inputs changed (a template): equal → re-wrap it. */
  rewrapHash?: string;
}

export interface Removal {
  file: string;
  path: string;
  reason: 'its page moved' | 'no 200 row owns it';
}

export interface BuildPlan {
  work: PlannedWork[];
  /** How many jobs are current (not kept: a whole build's are most of its jobs). */
  unchanged: number;
  missing: OutputJob[];
  removals: Removal[];
  /** The records of the files that run, are missing or go: all the build needs of the records besides the fingerprints. */
  recorded: Map<string, OutputRecord>;
}

/**
 * What earlier builds recorded, as planning reads it: each file's fingerprint
 * (outputFingerprint), which is all a current output needs, and whole records only for the
 * files that are not current, read in one go once planning knows them. At 100,000 pages the
 * whole records, read up front, were half a no-op's reading and most of what its young
 * collections copied.
 */
export class RecordedOutputs {
  constructor(
    private readonly fingerprints: ReadonlyMap<string, string>,
    private readonly readRecords: (files: readonly string[]) => Iterable<OutputRecord>,
  ) {}

  /** From whole records at hand (a partial build's few, a test's). */
  static of(records: Iterable<OutputRecord>): RecordedOutputs {
    const byFile = new Map<string, OutputRecord>();
    for (const record of records) byFile.set(record.file, record);
    const fingerprints = new Map(Array.from(byFile.values(), (record) => [record.file, outputFingerprint(record)]));
    return new RecordedOutputs(fingerprints, (files) => files.flatMap((file) => byFile.get(file) ?? []));
  }

  get size(): number {
    return this.fingerprints.size;
  }

  has(file: string): boolean {
    return this.fingerprints.has(file);
  }

  fingerprint(file: string): string | undefined {
    return this.fingerprints.get(file);
  }

  files(): IterableIterator<string> {
    return this.fingerprints.keys();
  }

  /** The whole records of those of `files` that have one, by file. */
  read(files: readonly string[]): Map<string, OutputRecord> {
    return new Map(Array.from(this.readRecords(files.filter((file) => this.has(file))), (record) => [record.file, record]));
  }
}

/**
 * Jobs that may be iterated more than once: an array, or a whole map's jobs, made anew each
 * time, so a build keeps none of the jobs it finds current (at 100,000 pages they were most of
 * what every young collection copied).
 */
export interface Jobs extends Iterable<OutputJob> {
  readonly length: number;
}

/** The public/ file of one of pagemap's own assets. */
export function assetFile(name: string): string {
  return `${ASSET_PREFIX.slice(1)}/${name}`;
}

/** A sorted list of paths: "is this one of them?" and "does any lie below this one?", each a binary search. */
export class PathIndex implements PageIndex {
  private readonly sorted: string[];
  constructor(paths: Iterable<string>) {
    // Sorted by code unit, as the searches compare (the store's order is by UTF-8 byte).
    this.sorted = [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The index of the first path that sorts at or after `key`. */
  private firstAtOrAfter(key: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sorted[mid]! < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  // Arrow properties: they are handed around as plain functions (HasPage). `has` asks of
  // folders only, once each a build (no Set of 100,000 paths made for that).
  readonly has = (path: string): boolean => this.sorted[this.firstAtOrAfter(path)] === path;
  /** Whether some path starts with `path + "/"`. */
  readonly hasBelow = (path: string): boolean => {
    const prefix = path + '/';
    return this.sorted[this.firstAtOrAfter(prefix)]?.startsWith(prefix) === true;
  };
}

/** The template, as far as planning needs it. */
export interface TemplateShape {
  hash: string;
  nav: readonly NavSection[];
}

/** What answers "is there a 200 page at this path?" and "does one lie below it?". */
export interface PageIndex {
  has: HasPage;
  hasBelow: (path: string) => boolean;
}

/** The job of one 200 row. `folderCrumbs`: shared by the calls of one plan (see breadcrumbShape). */
export function pageJob(row: Pick<PageRow, 'path' | 'status' | 'source'>, template: TemplateShape, pages: PageIndex, folderCrumbs?: Map<string, string>): OutputJob {
  const file = outputFileFor(row.path, pages.hasBelow(row.path));
  const source = parseSource(200, row.source);
  if (source.kind === 'wiki') {
    const crumbs = breadcrumbShape(template.nav, row.path, pages.has, folderCrumbs);
    return {
      file,
      path: row.path,
      source: { tree: 'wiki', rel: source.name + '.md' },
      render: { fallbackTitle: source.name.slice(source.name.lastIndexOf('/') + 1), crumbs, isDated: true },
      inputKey: hashParts('wiki', template.hash, row.path, row.status, row.source, crumbs),
    };
  }
  const rel = source.kind === 'file' ? source.rel : '';
  return { file, path: row.path, source: { tree: 'legacy', rel }, inputKey: hashParts('file', row.source) };
}

/** pagemap's own files: the styled 404 and 410 pages and the template's assets (`assets`: their names). */
export function siteJobs(template: TemplateShape, assets: readonly string[]): OutputJob[] {
  const jobs: OutputJob[] = [404, 410].map((status) => {
    // It answers at any path, so its crumbs lead home only, not through /_pagemap.
    const crumbs = breadcrumbShape(template.nav, `/${status}.html`, () => false);
    return {
      file: assetFile(`${status}.html`),
      path: '',
      source: { tree: 'templates', rel: `${status}.md` },
      render: { fallbackTitle: String(status), crumbs, isDated: false },
      inputKey: hashParts('error', template.hash, status, crumbs),
    };
  });
  for (const rel of assets) jobs.push({ file: assetFile(rel), path: '', source: { tree: 'assets', rel }, inputKey: hashParts('asset', rel) });
  return jobs;
}

/** Every output the map calls for: a job per 200 row, and pagemap's own files. */
export function outputsForMap(rows: readonly Pick<PageRow, 'path' | 'status' | 'source'>[], template: TemplateShape, assets: readonly string[]): { jobs: Jobs; pages: PathIndex } {
  const served = rows.filter((row) => row.status === 200);
  const pages = new PathIndex(served.map((row) => row.path));
  const folderCrumbs = new Map<string, string>();
  const ownJobs = siteJobs(template, assets);
  const jobs: Jobs = {
    length: served.length + ownJobs.length,
    *[Symbol.iterator]() {
      for (const row of served) yield pageJob(row, template, pages, folderCrumbs);
      yield* ownJobs;
    },
  };
  return { jobs, pages };
}

/** Whether a job's output is current: recorded with the inputs, output and source the job has now (reasonToRun finds no reason). */
export function isCurrent(job: OutputJob, seen: Observation, recorded: RecordedOutputs, full: boolean): boolean {
  if (full || !seen.outputSig || !seen.source) return false;
  return recorded.fingerprint(job.file) === outputFingerprint({ inputKey: job.inputKey, outputSig: seen.outputSig, sourceSig: seen.source.sig });
}

/** Why a job whose source is there must run, or undefined when its output is current. */
export function reasonToRun(job: OutputJob, previous: OutputRecord | undefined, seen: Observation, full: boolean): Reason | undefined {
  return full
    ? 'forced'
    : !previous || previous.outputSig === ''
      ? 'new'
      : previous.inputKey !== job.inputKey
        ? 'inputs changed'
        : previous.outputSig !== seen.outputSig
          ? 'output changed'
          : previous.sourceSig !== seen.source?.sig
            ? 'source changed'
            : undefined;
}

/**
 * What is on disk now for a job (the build stats it; tests answer from a map). Asked once per
 * job, in the jobs' order, so what it finds for a current job is garbage at once instead of
 * held with every other job's until the plan is made.
 */
export type Observe = (job: OutputJob) => Observation | undefined;

/**
 * Decide: each job runs (with its reason), is current, or has no source; each recorded file
 * no job claims is removed. `recorded` is what earlier builds wrote (for a partial build, the
 * records of the paths in scope only); `observe` what is on disk now; `full` runs every job
 * whatever the records say; `onRun` hears of each job that will run as soon as it is found
 * (the build starts a render worker at the first page).
 */
export function planBuild(jobs: Jobs, recorded: RecordedOutputs, observe: Observe, options: { full?: boolean; onRun?: (job: OutputJob) => void } = {}): BuildPlan {
  const full = options.full === true;
  const plan: BuildPlan = { work: [], unchanged: 0, missing: [], removals: [], recorded: new Map() };
  const claimed = new Set<string>();
  // Those neither missing nor current: their records are read once all are known.
  const toRun: { job: OutputJob; seen: Observation; source: NonNullable<Observation['source']> }[] = [];
  for (const job of jobs) {
    claimed.add(job.file);
    const seen = observe(job);
    if (!seen?.source) plan.missing.push(job);
    else if (isCurrent(job, seen, recorded, full)) plan.unchanged++;
    else (toRun.push({ job, seen, source: seen.source }), options.onRun?.(job));
  }
  const unclaimed: string[] = [];
  for (const file of recorded.files()) if (!claimed.has(file)) unclaimed.push(file);
  plan.recorded = recorded.read([...toRun.map(({ job }) => job.file), ...plan.missing.map((job) => job.file), ...unclaimed]);

  for (const { job, seen, source } of toRun) {
    const previous = plan.recorded.get(job.file);
    const reason = reasonToRun(job, previous, seen, full);
    if (reason === undefined) plan.unchanged++;
    else if (reason === 'source changed') plan.work.push({ job, reason, source, previousHash: previous!.sourceHash, outputSig: seen.outputSig });
    else if (reason === 'inputs changed' && previous!.outputSig === seen.outputSig) plan.work.push({ job, reason, source, rewrapHash: previous!.sourceHash });
    else plan.work.push({ job, reason, source });
  }
  if (unclaimed.length) {
    // The jobs again (a whole map's are made anew): only a build that removes something pays.
    const pathsPlanned = new Set(Array.from(jobs, (job) => job.path));
    // Removed last-first, so a folder's files go before the folder could be wanted as a file
    // (only the unclaimed are sorted: usually none, where sorting every record took a no-op's time).
    for (const file of unclaimed.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))) {
      const { path } = plan.recorded.get(file)!;
      plan.removals.push({ file, path, reason: path && pathsPlanned.has(path) ? 'its page moved' : 'no 200 row owns it' });
    }
  }
  return plan;
}
