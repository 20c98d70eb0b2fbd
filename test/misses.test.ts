/**
 * The misses table is fed by anonymous requests (Apache proxies every unknown path to the
 * runtime), so it is bounded: at most missesMax distinct paths, the least requested and
 * longest unseen dropped first, each path cut to MISS_PATH_MAX_BYTES.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MISS_NEW_PER_FLUSH, MISS_PATH_MAX_BYTES, MissCounter, missKey, referrerKey } from '../runtime/misses.js';
import { describe, runCli, withRuntime, withSite } from './helpers.js';

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

// ---------------------------------------------------------------------------------------

const Worklist = suite('misses: what still needs a row');

Worklist('each miss shows the page that last linked to it (its Referer), kept bounded and without control characters', async () => {
  await withRuntime({}, async ({ runtime, dir }) => {
    const ask = (path: string, referer?: string) => fetch(`${runtime.url}${path}`, { headers: referer ? { referer } : {} }).then((res) => res.text());
    await ask('/old/page.html', 'http://blog.example.org/2004/python-links');
    await ask('/old/page.html');
    await ask('/old/page.html', 'https://news.example.com/item?id=7');
    await ask('/old/page.html');
    runtime.misses.flush();
    const listed = await runCli(['misses'], { cwd: dir });
    assert.is(listed.code, 0, describe(listed));
    assert.match(listed.stdout, /^\s+4 {2}\/old\/page\.html {2}\(last \S+, from https:\/\/news\.example\.com\/item\?id=7\)\n$/, 'the last page that said, not a request that said nothing');
    const json = JSON.parse((await runCli(['misses', '--json'], { cwd: dir })).stdout) as { referrer: string }[];
    assert.is(json[0]!.referrer, 'https://news.example.com/item?id=7');
  });
  assert.is(referrerKey('http://x.org/\u0007a\nb'), 'http://x.org/ab');
  assert.ok(Buffer.byteLength(referrerKey(`http://x.org/${'y'.repeat(5000)}`)) <= MISS_PATH_MAX_BYTES);
  assert.is(referrerKey(undefined), '');
});

Worklist('a miss leaves the list once a row answers it, however it came: its own row, a prefix over it, a pattern matching it', async () => {
  await withRuntime({}, async ({ runtime, store, dir }) => {
    for (const path of ['/a.html', '/b/page.html', '/c/Page.html', '/d/', '/e.html']) await (await fetch(`${runtime.url}${path}`)).text();
    runtime.misses.flush();
    const listed = async () => JSON.parse((await runCli(['misses', '--json'], { cwd: dir })).stdout).map((miss: { path: string }) => miss.path).sort();
    assert.equal(await listed(), ['/a.html', '/b/page.html', '/c/Page.html', '/d/index.html', '/e.html']);
    store.set({ path: '/a.html', status: 410 });
    store.set({ path: '/b/*', status: 301, source: 'https://elsewhere.example.org/*' });
    store.set({ path: '~^/c/(.*)$', status: 301, source: '/new/${lowercase:$1}' });
    store.set({ path: '/d/*', status: 410 });
    assert.equal(await listed(), ['/e.html']);
  });
});

Worklist('--purge-older-than forgets what has not been asked for in that long', async () => {
  await withSite({}, async ({ store, dir, configFile }) => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    store.recordMisses([
      { path: '/ancient', count: 50, firstSeen: daysAgo(400), lastSeen: daysAgo(90) },
      { path: '/old', count: 3, firstSeen: daysAgo(40), lastSeen: daysAgo(31) },
      { path: '/recent', count: 1, firstSeen: daysAgo(2), lastSeen: daysAgo(1) },
    ]);
    const purged = await runCli(['misses', '--purge-older-than', '30d', '--config', configFile], { cwd: dir });
    assert.is(purged.code, 0, describe(purged));
    assert.is(purged.stderr, 'purged 2 misses last asked for more than 30d ago\n');
    assert.equal(store.topMisses(10).map((miss) => miss.path), ['/recent']);
    const bad = await runCli(['misses', '--purge-older-than', 'a month', '--config', configFile], { cwd: dir });
    assert.is(bad.code, 2, describe(bad));
    assert.match(bad.stderr, /--purge-older-than a month: write an age as a number and a unit, m, h, d or w \(30d\)/);
  });
});

Worklist.run();
