/**
 * Writing pagemap's root files, sitemap.xml and robots.txt (build/sitemap.ts decides them):
 * atomically, and only when their text changed or the file was changed behind the build's
 * back. What was written is recorded in the database (build_state: each file's text hash and
 * size:mtime), so a no-op build writes nothing, the runtime knows which of these names to
 * serve, and a file pagemap no longer wants (the setting turned off, the map claiming the
 * path) is removed — only ever pagemap's own.
 */
import { statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbsent } from '../core/errors.js';
import type { OutputRecord } from '../core/outputRecord.js';
import type { PageMapStore } from '../core/pageMap.js';
import { mtimeOfSignature, signatureOf } from '../core/sourceFiles.js';
import { writeFileAtomic } from './atomicWrite.js';
import { hashParts } from './hashParts.js';
import { SITE_FILE_PATH, type SiteFilesPlan, type SitemapPage } from './sitemap.js';

/** The build state key under which the site files last written are recorded. */
export const SITE_FILES_STATE_KEY = 'site-files';

interface SiteFilesState {
  /** File (relative to public/) → hash of its text and its size:mtime once written; both '' while it is being written. */
  files: Record<string, { hash: string; sig: string }>;
  /** The warnings last told: each is told once, not at every build. */
  warnings: string[];
}

function readState(store: PageMapStore): SiteFilesState {
  const text = store.getState(SITE_FILES_STATE_KEY);
  return text === undefined ? { files: {}, warnings: [] } : (JSON.parse(text) as SiteFilesState);
}

/** The files of `state` that are written (not merely about to be), sorted. */
function writtenFiles(state: SiteFilesState): string[] {
  return Object.keys(state.files)
    .filter((file) => state.files[file]!.sig !== '')
    .sort();
}

/** Whether `path` is one of pagemap's site files, written by the last build (the runtime serves it from public/). */
export function isWrittenSiteFile(store: PageMapStore, path: string): boolean {
  if (!SITE_FILE_PATH.test(path)) return false;
  return (readState(store).files[path.slice(1)]?.sig ?? '') !== '';
}

/** The site files the last build wrote, as page paths (`/sitemap.xml`). */
export function writtenSiteFiles(store: PageMapStore): string[] {
  return writtenFiles(readState(store)).map((file) => '/' + file);
}

/** What of an output record dates its page. */
type DatedRecord = Pick<OutputRecord, 'path' | 'sourceSig' | 'outputSig'>;

/**
 * The pages a sitemap lists, page path → its source's mtime: every page output the build has
 * made (a page whose source is missing or failed has none), dated as the build last saw its
 * source — no file is looked at again.
 */
export function pageDatesFromRecords(records: Iterable<DatedRecord>): Map<string, number> {
  const dates = new Map<string, number>();
  for (const record of records) addPageDate(dates, record);
  return dates;
}

/** Add one output record's page to `dates` (pagemap's own files and outputs about to be written are no pages). */
export function addPageDate(dates: Map<string, number>, record: DatedRecord): void {
  if (record.path === '' || record.outputSig === '') return;
  const mtimeMs = mtimeOfSignature(record.sourceSig);
  if (mtimeMs !== undefined) dates.set(record.path, mtimeMs);
}

/** The pages of `dates` as the sitemap takes them. */
export function sitemapPages(dates: ReadonlyMap<string, number>): SitemapPage[] {
  return Array.from(dates, ([path, mtimeMs]) => ({ path, mtimeMs }));
}

function signatureOfFileSync(file: string): string | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? signatureOf(stats) : undefined;
}

async function removeFile(file: string): Promise<void> {
  await unlink(file).catch((error: unknown) => {
    if (!isAbsent(error)) throw error;
  });
}

/**
 * Before a build writes pages: remove the site files whose path the map now claims (a
 * /robots.txt row, a page below /sitemap.xml), so the page written there is the map's.
 */
export async function releaseTakenSiteFiles(publicDir: string, store: PageMapStore, isTaken: (path: string) => boolean): Promise<string[]> {
  const state = readState(store);
  const taken = Object.keys(state.files).filter((file) => isTaken('/' + file));
  if (taken.length === 0) return [];
  for (const file of taken) {
    await removeFile(join(publicDir, file));
    delete state.files[file];
  }
  store.setState(SITE_FILES_STATE_KEY, JSON.stringify(state));
  return taken;
}

export interface SiteFilesOutcome {
  written: string[];
  removed: string[];
  /** Warnings not told before (all of them for a full build). */
  warnings: string[];
  /** Whether the set of files changed (the Apache map names them). */
  isSetChanged: boolean;
}

export interface WriteSiteFilesOptions {
  /** Rewrite every file, and tell every warning again. */
  full: boolean;
  /** Tell new warnings and remember them (a whole build); a partial build neither tells nor forgets them. */
  isWhole: boolean;
  /** The build's journal owner: a killed build's temp files are found by it (see SiteBuilder). */
  owner: string;
}

/** Bring public/'s site files in line with `plan`, writing only what changed. */
export async function writeSiteFiles(publicDir: string, store: PageMapStore, plan: SiteFilesPlan, options: WriteSiteFilesOptions): Promise<SiteFilesOutcome> {
  const state = readState(store);
  const before = writtenFiles(state);
  const outcome: SiteFilesOutcome = { written: [], removed: [], warnings: [], isSetChanged: false };
  const stale = [...plan.files]
    .map(([file, text]) => ({ file, text, hash: hashParts(text) }))
    .filter(({ file, hash }) => {
      const record = state.files[file];
      if (options.full || !record || record.sig === '' || record.hash !== hash) return true;
      return signatureOfFileSync(join(publicDir, file)) !== record.sig;
    });
  const unwanted = Object.keys(state.files).filter((file) => !plan.files.has(file));
  if (options.isWhole) {
    outcome.warnings = options.full ? plan.warnings : plan.warnings.filter((warning) => !state.warnings.includes(warning));
  }
  const isToldChanged = options.isWhole && state.warnings.join('\n') !== plan.warnings.join('\n');
  if (stale.length === 0 && unwanted.length === 0 && !isToldChanged) return outcome;

  if (stale.length > 0) {
    // Recorded before writing, so a build killed meanwhile leaves nothing unknown.
    store.recordIntent([], [{ dir: '', owner: options.owner, pid: process.pid }]);
    for (const { file } of stale) state.files[file] ??= { hash: '', sig: '' };
    store.setState(SITE_FILES_STATE_KEY, JSON.stringify(state));
  }
  try {
    for (const { file, text, hash } of stale) {
      const target = join(publicDir, file);
      await writeFileAtomic(target, text);
      state.files[file] = { hash, sig: signatureOfFileSync(target) ?? '' };
      outcome.written.push(file);
    }
    for (const file of unwanted) {
      await removeFile(join(publicDir, file));
      delete state.files[file];
      outcome.removed.push(file);
    }
    if (options.isWhole) state.warnings = plan.warnings;
  } finally {
    store.setState(SITE_FILES_STATE_KEY, JSON.stringify(state));
    if (stale.length > 0) store.closeJournal([options.owner]);
    outcome.isSetChanged = writtenFiles(state).join('\n') !== before.join('\n');
  }
  return outcome;
}
