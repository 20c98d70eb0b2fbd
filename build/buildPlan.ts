/**
 * Pure decisions of the build: where each page lives in public/, and which recorded outputs
 * are no longer owned by any row. No disk access here; build.ts carries the plan out.
 */
import { createHash } from 'node:crypto';
import { ASSET_PREFIX, PREFIX_PAGE_FILE } from '../core/pagePath.js';
import { type PageRow, type ParsedSource, parseSource } from '../core/pageRow.js';

/** A page the build must produce. */
export interface PlannedPage {
  path: string;
  /** Relative to public/, / separated. */
  file: string;
  source: Extract<ParsedSource, { kind: 'wiki' | 'file' }>;
  row: Pick<PageRow, 'path' | 'status' | 'source'>;
}

/**
 * Where a page's bytes go. Normally public/ + path. A path that is also a directory of other
 * pages (`/BeginnersGuide` beside `/BeginnersGuide/Download`) cannot be a file and a folder
 * at once, so its bytes go inside the folder under a name no row may use.
 */
export function outputFileFor(path: string, isPrefix: boolean): string {
  return isPrefix ? `${path.slice(1)}/${PREFIX_PAGE_FILE}` : path.slice(1);
}

/** A sorted list of paths with a fast "does any path lie below this one?" test. */
export class PathIndex {
  private readonly sorted: string[];
  private readonly members: Set<string>;
  constructor(paths: Iterable<string>) {
    this.sorted = [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.members = new Set(this.sorted);
  }
  has(path: string): boolean {
    return this.members.has(path);
  }
  /** Whether some path starts with `path + "/"`. Binary search: O(log n). */
  hasBelow(path: string): boolean {
    const prefix = path + '/';
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sorted[mid]! < prefix) low = mid + 1;
      else high = mid;
    }
    return low < this.sorted.length && this.sorted[low]!.startsWith(prefix);
  }
}

/** Every 200 row as a page with its output file. */
export function planPages(rows: readonly Pick<PageRow, 'path' | 'status' | 'source'>[]): { pages: PlannedPage[]; index: PathIndex } {
  const served = rows.filter((row) => row.status === 200);
  const index = new PathIndex(served.map((row) => row.path));
  const pages = served.map((row) => ({
    path: row.path,
    file: outputFileFor(row.path, index.hasBelow(row.path)),
    source: parseSource(200, row.source) as PlannedPage['source'],
    row,
  }));
  return { pages, index };
}

/** Files the build wrote before that no planned output claims now: the only files it may delete. */
export function planRemovals(recordedFiles: Iterable<string>, plannedFiles: ReadonlySet<string>): string[] {
  return [...recordedFiles].filter((file) => !plannedFiles.has(file)).sort().reverse();
}

/** The public/ file of one of pagemap's own assets. */
export function assetFile(name: string): string {
  return `${ASSET_PREFIX.slice(1)}/${name}`;
}

/** A short stable hash of the given parts (never ambiguous: parts are length-prefixed). */
export function hashParts(...parts: readonly (string | number)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const text = String(part);
    hash.update(`${text.length}:`).update(text);
  }
  return hash.digest('hex').slice(0, 32);
}
