/**
 * Counting misses (paths found nowhere) without a database write per request: counts
 * gather in memory and are written in one transaction at most once a second, and on close.
 *
 * Anyone can ask for any path, and Apache hands every unknown one to the runtime, so the
 * table is bounded: at most `max` distinct paths (the least requested, then the longest
 * unseen, are dropped first), each stored in at most MISS_PATH_MAX_BYTES. A crawler asking
 * for random paths costs at most max × ~600 bytes of disk (about 60 MB at the default).
 */
import type { MissRecord, PageMapStore } from '../build/pageMap.js';

/** Longer paths are stored cut to this many UTF-8 bytes, ending in "…". */
export const MISS_PATH_MAX_BYTES = 512;
const ELLIPSIS = '…';

const utf8 = new TextEncoder();

/** The path as the misses table keeps it: whole, or cut on a character boundary and marked. */
export function missKey(path: string): string {
  if (path.length * 3 <= MISS_PATH_MAX_BYTES || utf8.encode(path).length <= MISS_PATH_MAX_BYTES) return path;
  let kept = '';
  let bytes = utf8.encode(ELLIPSIS).length;
  for (const char of path) {
    bytes += utf8.encode(char).length;
    if (bytes > MISS_PATH_MAX_BYTES) break;
    kept += char;
  }
  return kept + ELLIPSIS;
}

export interface MissCounterOptions {
  /** Distinct paths kept, in memory between flushes and in the table. */
  max: number;
  flushAfterMs?: number;
  log?: (line: string) => void;
}

export class MissCounter {
  private readonly store: PageMapStore;
  private readonly max: number;
  private readonly flushAfterMs: number;
  private readonly log: (line: string) => void;
  private pending = new Map<string, MissRecord>();
  private timer: NodeJS.Timeout | undefined;

  constructor(store: PageMapStore, options: MissCounterOptions) {
    this.store = store;
    this.max = options.max;
    this.flushAfterMs = options.flushAfterMs ?? 1000;
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
  }

  count(path: string, when = new Date()): void {
    const key = missKey(path);
    const at = when.toISOString();
    const existing = this.pending.get(key);
    if (existing) (existing.count++, (existing.lastSeen = at));
    // A flood of new paths within one second is bounded too: past `max`, new ones wait for the next second.
    else if (this.pending.size < this.max) this.pending.set(key, { path: key, count: 1, firstSeen: at, lastSeen: at });
    this.timer ??= setTimeout(() => this.flush(), this.flushAfterMs).unref();
  }

  /** Write what has gathered. Errors are logged, never thrown: counting must not fail a request. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      this.store.recordMisses(batch, this.max);
    } catch (error) {
      this.log(`pagemap: could not record ${batch.length} misses: ${(error as Error).message}`);
    }
  }
}
