/**
 * What a crawler asking for random paths costs the runtime: the misses table fills to
 * missesMax rows and no further, and each write of counted misses (at most
 * MISS_NEW_PER_FLUSH new paths) holds the thread for a bounded time. The writes are timed
 * one by one, on the runtime's own MissCounter and a real SQLite file.
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PageMapStore } from '../core/pageMap.js';
import { MISS_NEW_PER_FLUSH, MissCounter } from '../runtime/misses.js';
import { markdownTable, median } from './measure.js';
import { removeWhenDone } from './scratch.js';

export interface MissesBenchOptions {
  /** The table's bound (the config's missesMax). */
  max: number;
  /** Random paths asked for, each once: a crawler's. */
  paths: number;
  log: (line: string) => void;
}

/** A path of ~300 characters (cut to the stored 256 bytes), different every time. */
function randomPath(i: number): string {
  return `/crawl/${i}/` + Math.random().toString(36).slice(2).repeat(30).slice(0, 290);
}

export async function runMissesBench(options: MissesBenchOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-bench-misses-'));
  const file = join(dir, 'pagemap.db');
  const store = new PageMapStore(file);
  const flushes: number[] = [];
  try {
    const counter = new MissCounter(store, { max: options.max, flushAfterMs: 3_600_000 });
    for (let i = 0; i < options.paths; ) {
      for (let n = 0; n < MISS_NEW_PER_FLUSH && i < options.paths; n++) counter.count(randomPath(i++));
      const started = performance.now();
      counter.flush();
      flushes.push(performance.now() - started);
      if (flushes.length % 100 === 0) options.log(`misses: ${i} paths, ${store.missCount()} rows`);
    }
    const rows = store.missCount();
    store.close();
    const bytes = (await stat(file)).size + ((await stat(file + '-wal').catch(() => undefined))?.size ?? 0);
    const last = flushes.slice(-Math.ceil(flushes.length / 4));
    return [
      `${options.paths.toLocaleString('en')} random paths of ~300 characters, ${MISS_NEW_PER_FLUSH} new ones per write, missesMax ${options.max.toLocaleString('en')}.`,
      '',
      markdownTable(
        ['writes', 'ms per write (median)', 'ms per write (max)', 'rows at the end', 'database size'],
        [
          ['all', median(flushes).toFixed(1), Math.max(...flushes).toFixed(1), rows.toLocaleString('en'), `${(bytes / 1024 / 1024).toFixed(1)} MiB`],
          ['last quarter (table full)', median(last).toFixed(1), Math.max(...last).toFixed(1), '', ''],
        ],
      ),
    ].join('\n');
  } finally {
    store.close();
    removeWhenDone(dir);
  }
}
