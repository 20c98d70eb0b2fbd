/**
 * Counting misses (paths found nowhere) without a database write per request: counts
 * gather in memory and are written in one transaction at most once a second, and on close.
 */
import type { MissRecord, PageMapStore } from '../build/pageMap.js';

export class MissCounter {
  private readonly store: PageMapStore;
  private pending = new Map<string, MissRecord>();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushAfterMs: number;

  constructor(store: PageMapStore, flushAfterMs = 1000) {
    this.store = store;
    this.flushAfterMs = flushAfterMs;
  }

  count(path: string, when = new Date()): void {
    const at = when.toISOString();
    const existing = this.pending.get(path);
    if (existing) (existing.count++, (existing.lastSeen = at));
    else this.pending.set(path, { path, count: 1, firstSeen: at, lastSeen: at });
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
      this.store.recordMisses(batch);
    } catch (error) {
      console.error(`pagemap: could not record ${batch.length} misses: ${(error as Error).message}`);
    }
  }
}
