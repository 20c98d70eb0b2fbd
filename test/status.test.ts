/**
 * `pagemap status`: the migration at a glance, from a real map — rows by status and kind, the
 * wiki's share of the pages (which a migrate moves up by one), what discovery added in the
 * last week, misses, broken links, chains.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PageMapStore } from '../core/pageMap.js';
import { validateRow } from '../core/pageRow.js';
import { describe, runCli, withSite } from './helpers.js';

const Status = suite('status: the migration at a glance');

const SPEC = {
  files: {
    'wiki/Front.md': '# Front\n\nSee [the old page](/old.html) and [nowhere](/nowhere).\n',
    'legacy/old.html': '<html><head><title>Old</title></head><body><h1>Old</h1><p>Legacy text, <a href="/index.html">home</a>.</p></body></html>',
    'legacy/logo.png': 'png',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Front' },
    { path: '/old.html', status: 200, source: 'file:old.html' },
    { path: '/a', status: 301, source: '/b' },
    { path: '/b', status: 302, source: '/index.html' },
    { path: '/gone', status: 410 },
    { path: '/retired/', status: 410 },
    { path: '~^/x/(.*)$', status: 301, source: 'https://example.org/$1' },
  ],
};

Status('rows by status and kind, the wiki share, last week\'s discoveries, misses, broken links and chains; JSON for scripts', async () => {
  await withSite(SPEC, async ({ store, dir, config }) => {
    // Discovered a month ago, and yesterday.
    const then = new PageMapStore(config.database, { now: () => new Date(Date.now() - 30 * 86_400_000) });
    then.addMissing([validateRow({ path: '/ancient.html', status: 200, source: 'file:ancient.html' })], 'discovered');
    then.close();
    store.addMissing([validateRow({ path: '/logo.png', status: 200, source: 'file:logo.png' })], 'discovered');
    store.recordMisses([{ path: '/wanted', count: 7, firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString(), referrer: 'http://elsewhere.example.org/links' }]);

    const json = await runCli(['status', '--json'], { cwd: dir });
    assert.is(json.code, 0, describe(json));
    const status = JSON.parse(json.stdout);
    assert.equal(status.rows, { total: 9, byStatus: { 200: 4, 301: 2, 302: 1, 404: 0, 410: 2 }, byKind: { exact: 7, prefix: 1, pattern: 1 } });
    assert.equal(status.pages, { total: 4, wiki: 1, legacy: 3, wikiShare: 0.25 });
    assert.is(status.discoveredLastWeek, 1);
    assert.equal(status.topMisses.map((miss: { path: string; count: number; referrer: string }) => [miss.path, miss.count, miss.referrer]), [['/wanted', 7, 'http://elsewhere.example.org/links']]);
    assert.is(status.brokenLinks.count, 1);
    assert.equal([status.brokenLinks.first[0].href, status.brokenLinks.first[0].line, status.brokenLinks.first[0].answer], ['/nowhere', 3, '404 (no row, no legacy file)']);
    assert.equal(status.chains, { count: 1, first: [['/a', '/b', '/index.html']] });

    const text = await runCli(['status'], { cwd: dir });
    assert.is(text.code, 0, describe(text));
    assert.is(
      text.stdout,
      [
        'rows: 9 — 4 × 200, 2 × 301, 1 × 302, 0 × 404, 2 × 410; 7 exact, 1 prefix, 1 pattern',
        'pages: 4 — 1 on the wiki (25.0%), 3 legacy files',
        'discovered in the last 7 days: 1',
        'misses (still without an answer):',
        '        7  /wanted  (from http://elsewhere.example.org/links)',
        'broken internal links: 1',
        '  wiki/Front.md:3: /nowhere → 404 (no row, no legacy file)',
        'redirect chains (answered in one hop): 1',
        '  /a → /b → /index.html',
        '',
      ].join('\n'),
    );

    // A page moved to the wiki moves the share up by one page.
    const moved = await runCli(['migrate', '/old.html'], { cwd: dir });
    assert.is(moved.code, 0, describe(moved));
    const after = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout);
    assert.equal(after.pages, { total: 4, wiki: 2, legacy: 2, wikiShare: 0.5 });
    assert.ok(store.get('/old.html')?.source === 'wiki:old');
  });
});

Status.run();
