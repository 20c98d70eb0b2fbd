/**
 * The misses table is fed by anonymous requests (Apache proxies every unknown path to the
 * runtime), so it is bounded: at most missesMax distinct paths, the least requested and
 * longest unseen dropped first, each path cut to MISS_PATH_MAX_BYTES.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MISS_NEW_PER_FLUSH, MISS_PATH_MAX_BYTES, MissCounter, missKey } from '../runtime/misses.js';
import { withRuntime, withSite } from './helpers.js';

const Bounded = suite('misses: a bounded table');

Bounded('a long path is kept cut on a character boundary and marked', () => {
  assert.is(missKey('/short'), '/short');
  const long = '/' + 'é'.repeat(1000);
  const key = missKey(long);
  assert.ok(Buffer.byteLength(key) <= MISS_PATH_MAX_BYTES, `${Buffer.byteLength(key)} bytes`);
  assert.ok(key.endsWith('é…'), 'no character is cut in half');
  assert.ok(long.startsWith(key.slice(0, -1)));
});

Bounded('at most max distinct paths: the least requested go first, then the longest unseen', async () => {
  await withSite({}, async ({ store }) => {
    const at = (second: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, second)).toISOString();
    // Paths asked for again and again, early on.
    store.recordMisses(Array.from({ length: 10 }, (_, i) => ({ path: `/wanted/${i}`, count: 5, firstSeen: at(0), lastSeen: at(0) })), 100);
    // A crawler's random paths, each once, later.
    for (let batch = 0; batch < 20; batch++) {
      const misses = Array.from({ length: 50 }, (_, i) => ({ path: `/random/${batch}/${i}`, count: 1, firstSeen: at(batch + 1), lastSeen: at(batch + 1) }));
      store.recordMisses(misses, 100);
      assert.ok(store.missCount() <= 100, `${store.missCount()} rows after batch ${batch}`);
    }
    assert.is(store.missCount(), 100);
    const kept = store.topMisses(1000).map((miss) => miss.path);
    for (let i = 0; i < 10; i++) assert.ok(kept.includes(`/wanted/${i}`), `/wanted/${i} is kept`);
    // Of the once-asked, the newest remain.
    assert.ok(kept.includes('/random/19/0') && !kept.includes('/random/0/0'), 'the oldest once-asked paths went first');
  });
});

Bounded('through the runtime: random and over-long paths never take more than missesMax rows', async () => {
  await withRuntime({ settings: { missesMax: 50 } }, async ({ runtime, store }) => {
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const res = await fetch(`${runtime.url}/crawl/${round}/${i}/${'x'.repeat(i === 0 ? 1500 : 10)}`);
          assert.is(res.status, 404);
          await res.text();
        }),
      );
      runtime.misses.flush();
      assert.ok(store.missCount() <= 50, `${store.missCount()} rows`);
    }
    assert.is(store.missCount(), 50);
    for (const miss of store.topMisses(100)) assert.ok(Buffer.byteLength(miss.path) <= MISS_PATH_MAX_BYTES, miss.path);
  });
});

Bounded('a flood between two flushes keeps only so many new paths in memory', async () => {
  await withSite({}, async ({ store }) => {
    const counter = new MissCounter(store, { max: 100_000, flushAfterMs: 60_000 });
    for (let i = 0; i < 10 * MISS_NEW_PER_FLUSH; i++) counter.count(`/flood/${i}`);
    counter.count('/flood/0'); // a path already waiting still counts
    counter.flush();
    assert.is(store.missCount(), MISS_NEW_PER_FLUSH);
    assert.is(store.topMisses(1)[0]!.path, '/flood/0');
    assert.is(store.topMisses(1)[0]!.count, 2);
  });
});

Bounded.run();
