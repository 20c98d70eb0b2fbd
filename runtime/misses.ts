/**
 * Counting misses (paths found nowhere) without a database write per request: counts
 * gather in memory and are written in one transaction at most four times a second, and on
 * close.
 *
 * Anyone can ask for any path, and Apache hands every unknown one to the runtime, so the
 * table is bounded: at most `max` distinct paths (the least requested, then the longest
 * unseen, are dropped first), each stored (with the page that linked to it) in at most
 * MISS_PATH_MAX_BYTES each, and at most
 * MISS_NEW_PER_FLUSH new paths are taken per flush. A crawler asking for random paths costs
 * at most max × ~700 bytes of disk (about 70 MB at the default), and a flush holds the thread
 * for a few milliseconds (bench/missesBench.ts).
 */
import { type Logger, silentLogger } from '../core/logger.js';
import type { MissRecord, PageMapStore } from '../core/pageMap.js';

/** Longer paths are stored cut to this many UTF-8 bytes, ending in "…". */
export const MISS_PATH_MAX_BYTES = 256;
/** New paths written per flush (four a second): bounds the time a flush holds the database and the thread. */
export const MISS_NEW_PER_FLUSH = 250;
const ELLIPSIS = '…';

/** The path as the misses table keeps it: whole, or cut on a character boundary and marked. */
export function missKey(path: string): string {
  if (Buffer.byteLength(path) <= MISS_PATH_MAX_BYTES) return path;
  const bytes = Buffer.from(path);
  let cut = MISS_PATH_MAX_BYTES - Buffer.byteLength(ELLIPSIS);
  while ((bytes[cut]! & 0xc0) === 0x80) cut--; // not inside a character
  return bytes.subarray(0, cut).toString('utf8') + ELLIPSIS;
}

/**
 * A Referer as the misses table keeps it: cut like a path (it is as anonymous), without
 * control characters; '' for none.
 */
export function referrerKey(referrer: string | undefined): string {
  if (!referrer) return '';
  return missKey(referrer.replace(/[\u0000-\u001f\u007f]/g, ''));
}

export interface MissCounterOptions {
  /** Distinct paths kept, in memory between flushes and in the table. */
  max: number;
  flushAfterMs?: number;
  logger?: Logger;
}

export class MissCounter {
  private readonly store: PageMapStore;
  private readonly max: number;
  private readonly maxPending: number;
  private readonly flushAfterMs: number;
  private readonly logger: Logger;
  private pending = new Map<string, MissRecord>();
  private timer: NodeJS.Timeout | undefined;

  constructor(store: PageMapStore, options: MissCounterOptions) {
    this.store = store;
    this.max = options.max;
    this.maxPending = Math.min(options.max, MISS_NEW_PER_FLUSH);
    this.flushAfterMs = options.flushAfterMs ?? 250;
    this.logger = options.logger ?? silentLogger;
  }

  /** Count a miss of `path`, linked from `referrer` (the request's Referer, as sent) if it says. */
  count(path: string, referrer?: string, when = new Date()): void {
    const key = missKey(path);
    const from = referrerKey(referrer);
    const at = when.toISOString();
    const existing = this.pending.get(key);
    if (existing) (existing.count++, (existing.lastSeen = at), (existing.referrer = from || existing.referrer));
    // A flood of new paths is bounded too: past the limit, new ones are not counted until the next flush.
    else if (this.pending.size < this.maxPending) this.pending.set(key, { path: key, count: 1, firstSeen: at, lastSeen: at, referrer: from });
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
      this.logger.error(`pagemap: could not record ${batch.length} misses: ${(error as Error).message}`);
    }
  }
}
