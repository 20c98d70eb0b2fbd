/**
 * sitemap.xml and robots.txt (issue 10, item 5): written by the build from the 200 pages and
 * their sources' dates, kept current by the watcher, served by the runtime and by Apache, and
 * turned off by a config key.
 */
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type BuildReport, SiteBuilder, describeBuild, runBuild } from '../build/build.js';
import { SITEMAP_MAX_BYTES, SITEMAP_MAX_URLS, renderSitemaps } from '../build/sitemap.js';
import { resolveConfig } from '../core/config.js';
import type { Batch } from '../runtime/watch.js';
import { apacheOrSkip, requireApacheInCi } from './apacheHarness.js';
import { disagreements, rawGet, withStack } from './differential.js';
import { type Site, type SiteSpec, describe, runCli, withRuntime, withSite, withTempDir, withTempSite, waitFor } from './helpers.js';

const SITE_URL = 'https://www.example.org';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';
const TAIL = '</urlset>\n';

/** Noon UTC on a day, as a file time. */
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const url = (loc: string, lastmod: string) => `<url><loc>${loc}</loc><lastmod>${lastmod}</lastmod></url>\n`;

/** Give the site's sources the given modification days. */
async function dateSources(dir: string, dates: Record<string, string>): Promise<void> {
  for (const [file, iso] of Object.entries(dates)) await utimes(join(dir, file), day(iso), day(iso));
}

const AWKWARD = "/a b/café & it's.html";

/** Pages of every shape, every other kind of row, and sources with known dates. */
const SITE: SiteSpec = {
  files: {
    'wiki/Home.md': '# Home\n',
    'wiki/About.md': '# About\n',
    'wiki/Guide.md': '# Guide\n',
    'wiki/Guide/Download.md': '# Download\n',
    'wiki/Awkward.md': '# Awkward\n',
    'wiki/Nihongo.md': '# 日本語\n',
    'legacy/old/page.html': '<p>old</p>\n',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Home' },
    { path: '/about/index.html', status: 200, source: 'wiki:About' },
    { path: '/Guide', status: 200, source: 'wiki:Guide' },
    { path: '/Guide/Download', status: 200, source: 'wiki:Guide/Download' },
    { path: AWKWARD, status: 200, source: 'wiki:Awkward' },
    { path: '/日本語', status: 200, source: 'wiki:Nihongo' },
    { path: '/old/page.html', status: 200, source: 'file:old/page.html' },
    { path: '/later', status: 200, source: 'wiki:Later' },
    { path: '/moved.html', status: 301, source: '/about/' },
    { path: '/temp', status: 302, source: 'https://example.org/x' },
    { path: '/missing.html', status: 404 },
    { path: '/gone.html', status: 410 },
    { path: '/old/', status: 301, source: '/about/' },
    { path: '~^/p/(.*)$', status: 301, source: '/about/$1' },
  ],
  settings: { siteUrl: `${SITE_URL}/` },
  async prepare(site) {
    await dateSources(site.dir, {
      'wiki/Home.md': '2021-03-04',
      'wiki/About.md': '2022-07-01',
      'wiki/Guide.md': '2020-01-02',
      'wiki/Guide/Download.md': '2020-01-03',
      'wiki/Awkward.md': '2023-05-06',
      'wiki/Nihongo.md': '2024-02-29',
      'legacy/old/page.html': '2019-12-31',
    });
  },
};

/** The sitemap SITE's build must write, byte for byte. */
const SITE_SITEMAP =
  HEAD +
  url(`${SITE_URL}/Guide`, '2020-01-02') +
  url(`${SITE_URL}/Guide/Download`, '2020-01-03') +
  url(`${SITE_URL}/a%20b/caf%C3%A9%20&amp;%20it&apos;s.html`, '2023-05-06') +
  url(`${SITE_URL}/about/`, '2022-07-01') +
  url(`${SITE_URL}/`, '2021-03-04') +
  url(`${SITE_URL}/old/page.html`, '2019-12-31') +
  url(`${SITE_URL}/%E6%97%A5%E6%9C%AC%E8%AA%9E`, '2024-02-29') +
  TAIL;

const DEFAULT_ROBOTS = (sitemap: string | undefined) =>
  '# Written by pagemap: every page may be crawled. To publish your own, give /robots.txt a row\n' +
  '# in the page map (pagemap then writes none), or set "sitemap": false in the configuration.\n' +
  'User-agent: *\nDisallow:\n' +
  (sitemap ? `\nSitemap: ${sitemap}\n` : '');

function read(site: Site, file: string): Promise<string | undefined> {
  return readFile(join(site.config.publicDir, file), 'utf8').catch(() => undefined);
}

async function fileState(site: Site, file: string): Promise<{ mtimeMs: number; text: string } | undefined> {
  const stats = await stat(join(site.config.publicDir, file)).catch(() => undefined);
  return stats && { mtimeMs: stats.mtimeMs, text: (await read(site, file))! };
}

/** A site whose config is changed: the same folders and database, other settings. */
function withSettings(site: Site, settings: Record<string, unknown>) {
  return resolveConfig({ configFile: site.configFile, overrides: settings, env: {} });
}

const Contents = suite('sitemap: what it lists');

Contents('exactly the 200 pages that were built: absolute, encoded, XML-escaped URLs, a folder index as its folder, lastmod from the source', async () => {
  await withSite(SITE, async (site) => {
    const report = await runBuild(site.config, site.store);
    assert.equal(report.failures.map((failure) => failure.path), ['/later'], 'the page without a source fails, and is not listed');
    assert.is(await read(site, 'sitemap.xml'), SITE_SITEMAP);
    assert.equal(report.siteFiles, { written: ['sitemap.xml', 'robots.txt'], removed: [] });
    assert.equal(report.warnings, []);
  });
});

Contents('a page whose source appears is added; one whose row goes, or turns into a redirect, leaves', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    await site.write({ 'wiki/Later.md': '# Later\n' });
    await dateSources(site.dir, { 'wiki/Later.md': '2025-01-01' });
    site.store.remove('/Guide/Download');
    site.store.set({ path: '/old/page.html', status: 301, source: '/about/' });
    await runBuild(site.config, site.store);
    const text = (await read(site, 'sitemap.xml'))!;
    assert.ok(text.includes(url(`${SITE_URL}/later`, '2025-01-01')), text);
    assert.not.ok(text.includes('Download'), text);
    assert.not.ok(text.includes('old/page.html'), text);
  });
});

Contents('the sitemaps protocol: at most 50,000 URLs and 50 MiB a file, then an index of numbered sitemaps', () => {
  assert.is(SITEMAP_MAX_URLS, 50_000);
  assert.is(SITEMAP_MAX_BYTES, 52_428_800);
  const pages = (count: number) => Array.from({ length: count }, (_, i) => ({ path: `/p/${String(i).padStart(6, '0')}`, mtimeMs: Date.UTC(2024, 0, 1 + (i % 300)) }));
  const single = renderSitemaps(SITE_URL, pages(50_000));
  assert.equal([...single.files.keys()], ['sitemap.xml']);
  assert.is(single.urls, 50_000);
  const split = renderSitemaps(SITE_URL, pages(50_001));
  assert.equal([...split.files.keys()], ['sitemap-1.xml', 'sitemap-2.xml', 'sitemap.xml']);
  assert.is(split.files.get('sitemap-1.xml')!.split('<url>').length - 1, 50_000);
  assert.is(split.files.get('sitemap-2.xml')!, HEAD + url(`${SITE_URL}/p/050000`, '2024-07-19') + TAIL);
  assert.is(
    split.files.get('sitemap.xml'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
      `<sitemap><loc>${SITE_URL}/sitemap-1.xml</loc><lastmod>2024-10-26</lastmod></sitemap>\n` +
      `<sitemap><loc>${SITE_URL}/sitemap-2.xml</loc><lastmod>2024-07-19</lastmod></sitemap>\n` +
      '</sitemapindex>\n',
  );
  // The byte limit splits too.
  const line = url(`${SITE_URL}/p/000000`, '2024-01-01').length;
  const bySize = renderSitemaps(SITE_URL, pages(10), { maxBytes: HEAD.length + TAIL.length + 4 * line });
  assert.equal([...bySize.files.keys()], ['sitemap-1.xml', 'sitemap-2.xml', 'sitemap-3.xml', 'sitemap.xml']);
  assert.ok([...bySize.files.values()].every((text) => text.length <= HEAD.length + TAIL.length + 4 * line));
});

Contents('above the limit the build writes an index and numbered sitemaps, and removes those it no longer needs', async () => {
  await withSite(SITE, async (site) => {
    const builder = await SiteBuilder.open(site.config, site.store, { sitemapMaxUrls: 3 });
    let report = await builder.build();
    assert.equal(report.siteFiles?.written.sort(), ['robots.txt', 'sitemap-1.xml', 'sitemap-2.xml', 'sitemap-3.xml', 'sitemap.xml']);
    const index = (await read(site, 'sitemap.xml'))!;
    assert.ok(index.includes('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'), index);
    for (const [n, lastmod] of [[1, '2023-05-06'], [2, '2022-07-01'], [3, '2024-02-29']]) {
      assert.ok(index.includes(`<sitemap><loc>${SITE_URL}/sitemap-${n}.xml</loc><lastmod>${lastmod}</lastmod></sitemap>`), index);
    }
    const listed = (await Promise.all([1, 2, 3].map((n) => read(site, `sitemap-${n}.xml`)))).join('');
    assert.is(listed.split('<url>').length - 1, 7);
    for (const line of SITE_SITEMAP.split('\n').filter((l) => l.startsWith('<url>'))) assert.ok(listed.includes(line), line);

    for (const path of ['/Guide', '/Guide/Download', AWKWARD, '/日本語']) site.store.remove(path);
    report = await builder.build();
    assert.equal(report.siteFiles, { written: ['sitemap.xml'], removed: ['sitemap-1.xml', 'sitemap-2.xml', 'sitemap-3.xml'] });
    assert.is(await read(site, 'sitemap.xml'), HEAD + url(`${SITE_URL}/about/`, '2022-07-01') + url(`${SITE_URL}/`, '2021-03-04') + url(`${SITE_URL}/old/page.html`, '2019-12-31') + TAIL);
    for (const n of [1, 2, 3]) assert.is(await read(site, `sitemap-${n}.xml`), undefined);
    await builder.close();
  });
});

const Writes = suite('sitemap: written only when it changes');

Writes('a no-op build rewrites neither file; a source on a new day rewrites the sitemap alone; one the same day rewrites nothing', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    const sitemap = await fileState(site, 'sitemap.xml');
    const robots = await fileState(site, 'robots.txt');
    await new Promise((r) => setTimeout(r, 20));
    let report = await runBuild(site.config, site.store);
    assert.equal(report.siteFiles, { written: [], removed: [] });
    assert.equal(await fileState(site, 'sitemap.xml'), sitemap);
    assert.equal(await fileState(site, 'robots.txt'), robots);

    // Same content, same day, a later time: lastmod is a day, so nothing in the sitemap changes.
    await utimes(join(site.dir, 'wiki/About.md'), new Date('2022-07-01T20:00:00Z'), new Date('2022-07-01T20:00:00Z'));
    await site.write({ 'wiki/Home.md': '# Home\n\nEdited.\n' });
    await dateSources(site.dir, { 'wiki/Home.md': '2021-03-04' });
    report = await runBuild(site.config, site.store);
    assert.is(report.counts.written, 1, 'the edited page is rewritten');
    assert.equal(await fileState(site, 'sitemap.xml'), sitemap);

    await dateSources(site.dir, { 'wiki/About.md': '2025-08-09' });
    report = await runBuild(site.config, site.store);
    assert.equal(report.siteFiles, { written: ['sitemap.xml'], removed: [] });
    assert.is(await read(site, 'sitemap.xml'), SITE_SITEMAP.replace(url(`${SITE_URL}/about/`, '2022-07-01'), url(`${SITE_URL}/about/`, '2025-08-09')));
    assert.equal(await fileState(site, 'robots.txt'), robots);
  });
});

Writes('a site file changed or deleted behind the build\'s back is put back; --full rewrites both', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    await writeFile(join(site.config.publicDir, 'sitemap.xml'), 'scribbled');
    await rm(join(site.config.publicDir, 'robots.txt'));
    let report = await runBuild(site.config, site.store);
    assert.equal(report.siteFiles, { written: ['sitemap.xml', 'robots.txt'], removed: [] });
    assert.is(await read(site, 'sitemap.xml'), SITE_SITEMAP);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(`${SITE_URL}/sitemap.xml`));
    report = await runBuild(site.config, site.store, { full: true });
    assert.equal(report.siteFiles, { written: ['sitemap.xml', 'robots.txt'], removed: [] });
  });
});

const Robots = suite('robots.txt');

Robots('by default: every crawler allowed, the sitemap named', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS('https://www.example.org/sitemap.xml'));
  });
});

Robots('a /robots.txt row wins: its file is served as is, pagemap\'s is never written, and goes when the row arrives', async () => {
  const legacy = 'User-agent: *\nDisallow: /private/\n';
  await withSite({ ...SITE, files: { ...SITE.files, 'legacy/robots.txt': legacy } }, async (site) => {
    // No row yet, but the legacy tree has one: pagemap writes none, so the runtime discovers the old file.
    await runBuild(site.config, site.store);
    assert.is(await read(site, 'robots.txt'), undefined);
    await rm(join(site.config.legacyDir, 'robots.txt'));
    await runBuild(site.config, site.store);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(`${SITE_URL}/sitemap.xml`));

    await site.write({ 'legacy/robots.txt': legacy });
    site.store.set({ path: '/robots.txt', status: 200, source: 'file:robots.txt' });
    let report = await runBuild(site.config, site.store);
    assert.equal(report.failures.map((f) => f.path), ['/later']);
    assert.is(await read(site, 'robots.txt'), legacy, 'the row\'s file, byte for byte');
    report = await runBuild(site.config, site.store);
    assert.is(await read(site, 'robots.txt'), legacy, 'and it stays');

    // A row of another status takes the path too: no file is left to shadow it.
    site.store.set({ path: '/robots.txt', status: 410 });
    await runBuild(site.config, site.store);
    assert.is(await read(site, 'robots.txt'), undefined);
  });
});

Robots('a row at /sitemap.xml wins too, and the build says why there is no sitemap', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    site.store.set({ path: '/sitemap.xml', status: 301, source: '/about/' });
    const report = await runBuild(site.config, site.store);
    assert.equal(report.warnings, ['no sitemap.xml: the page map has a row for /sitemap.xml (or pages below it), which answers there']);
    assert.is(await read(site, 'sitemap.xml'), undefined);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(undefined), 'robots.txt names no sitemap pagemap did not write');
  });
});

const Settings = suite('sitemap: configuration');

Settings('"sitemap": false writes neither file, and removes those written before', async () => {
  await withSite(SITE, async (site) => {
    await runBuild(site.config, site.store);
    assert.ok(await read(site, 'sitemap.xml'));
    const config = withSettings(site, { sitemap: false });
    const report = await runBuild(config, site.store);
    assert.equal(report.siteFiles?.removed.sort(), ['robots.txt', 'sitemap.xml']);
    assert.equal(report.siteFiles?.written, []);
    assert.is(await read(site, 'sitemap.xml'), undefined);
    assert.is(await read(site, 'robots.txt'), undefined);
    assert.equal(report.warnings, []);
    assert.is((await runBuild(config, site.store)).warnings.length, 0);
  });
});

Settings('without siteUrl there is no sitemap (its URLs must be absolute), said once; robots.txt names none', async () => {
  await withSite({ ...SITE, settings: {} }, async (site) => {
    const first = await runBuild(site.config, site.store);
    const warning = 'no sitemap.xml: the sitemaps protocol needs absolute URLs, and the configuration has no siteUrl (set it, e.g. "siteUrl": "https://www.example.org", or set "sitemap": false)';
    assert.equal(first.warnings, [warning]);
    assert.ok(describeBuild(first).includes(`warning: ${warning}`));
    assert.is(await read(site, 'sitemap.xml'), undefined);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(undefined));
    assert.equal((await runBuild(site.config, site.store)).warnings, [], 'not at every build');
    assert.equal((await runBuild(site.config, site.store, { full: true })).warnings, [warning], '--full says it again');
    // Setting siteUrl brings the sitemap, and robots.txt names it.
    await runBuild(withSettings(site, { siteUrl: SITE_URL }), site.store);
    assert.is(await read(site, 'sitemap.xml'), SITE_SITEMAP);
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(`${SITE_URL}/sitemap.xml`));
  });
});

Settings('the CLI build prints the missing siteUrl once', async () => {
  await withTempSite({ 'wiki/One.md': '# One\n' }, async (site) => {
    await runCli(['map', 'set', '/one.html', '200', 'wiki:One'], { cwd: site.dir });
    const first = await runCli(['build'], { cwd: site.dir });
    assert.is(first.code, 0, describe(first));
    assert.is(first.stderr.split('\n').filter((line) => line.startsWith('warning: no sitemap.xml')).length, 1, first.stderr);
    const second = await runCli(['build'], { cwd: site.dir });
    assert.not.ok(second.stderr.includes('warning'), second.stderr);
  });
});

Settings('siteUrl and sitemap are checked, with messages that name the key; siteUrl is kept in the URL parser\'s form', async () => {
  await withTempDir(async (dir) => {
    const configFile = join(dir, 'pagemap.config.json');
    const resolveWith = async (settings: Record<string, unknown>) => {
      await writeFile(configFile, JSON.stringify(settings));
      return resolveConfig({ configFile, env: {} });
    };
    const refusal = (settings: Record<string, unknown>) => resolveWith(settings).then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);
    for (const bad of ['www.python.org', 'ftp://python.org', 'https://python.org/en/', 'https://python.org/?q', 'https://python.org#top', 'https://user@python.org', 'https://', 42]) {
      assert.is(
        await refusal({ siteUrl: bad }),
        `ConfigError: ${configFile}: siteUrl must be the site's own address, such as "https://www.python.org" (http or https, a host and nothing after it), or null; got ${JSON.stringify(bad)}`,
      );
    }
    assert.is(await refusal({ sitemap: 'no' }), `ConfigError: ${configFile}: sitemap must be true or false`);
    for (const [given, kept] of [['HTTPS://WWW.Python.ORG:443/', 'https://www.python.org'], ['http://localhost:8080', 'http://localhost:8080'], ['https://bücher.example', 'https://xn--bcher-kva.example']] as const) {
      const config = await resolveWith({ siteUrl: given });
      assert.is(config.siteUrl, kept);
      assert.is(config.sitemap, true);
    }
    const none = await resolveWith({ siteUrl: null, sitemap: false });
    assert.is(none.siteUrl, undefined);
    assert.is(none.sitemap, false);
  });
});

const Serving = suite('sitemap: served');

Serving('the runtime serves both with their media types; without them the names are misses like any other', async () => {
  await withRuntime({ ...SITE, build: true }, async (site) => {
    const base = site.url;
    const sitemap = await fetch(`${base}/sitemap.xml`);
    assert.is(sitemap.status, 200);
    assert.is(sitemap.headers.get('content-type'), 'application/xml');
    assert.is(await sitemap.text(), SITE_SITEMAP);
    const robots = await fetch(`${base}/robots.txt`);
    assert.is(robots.status, 200);
    assert.is(robots.headers.get('content-type'), 'text/plain');
    assert.is(await robots.text(), DEFAULT_ROBOTS(`${SITE_URL}/sitemap.xml`));
    assert.is((await fetch(`${base}/sitemap.xml`, { method: 'HEAD' })).headers.get('content-length'), String(Buffer.byteLength(SITE_SITEMAP)));
    assert.is((await fetch(`${base}/sitemap-1.xml`)).status, 404, 'no index was needed');
    await runBuild(withSettings(site, { sitemap: false }), site.store);
    assert.is((await fetch(`${base}/sitemap.xml`)).status, 404);
    assert.is((await fetch(`${base}/robots.txt`)).status, 404);
  });
});

const binary = apacheOrSkip('sitemap Apache test');

Serving('Apache serves them as the static files they are, and agrees with the runtime, even under a root prefix row or a pattern row', async () => {
  requireApacheInCi(binary);
  if (!binary) return;
  const shadows: { rows: SiteSpec['rows']; other: number }[] = [
    { rows: [{ path: '/', status: 301, source: 'https://new.example.org/*' }], other: 301 },
    { rows: [{ path: '~^/(.*)\\.(xml|txt)$', status: 410 }], other: 410 },
  ];
  for (const shadow of shadows) {
    const spec: SiteSpec = { ...SITE, rows: [...SITE.rows!.filter((row) => row.path !== '/later'), ...shadow.rows!] };
    await withStack(spec, async (stack) => {
      const targets = ['/sitemap.xml', '/robots.txt', '/sitemap-1.xml', '/other.xml', '/about/'];
      assert.equal(await disagreements(stack, targets), []);
      const sitemap = await rawGet(stack.apache.url, '/sitemap.xml');
      assert.is(sitemap.status, 200);
      assert.is(sitemap.headers.get('content-type'), 'application/xml');
      assert.is(sitemap.body.toString('utf8'), SITE_SITEMAP);
      assert.is((await rawGet(stack.apache.url, '/robots.txt')).headers.get('content-type'), 'text/plain');
      assert.is((await rawGet(stack.apache.url, '/other.xml')).status, shadow.other, 'the row still answers other paths');
      // Apache answered from public/ itself: only the direct requests reached the runtime.
      assert.is(stack.runtimeLog.filter((line) => line.includes('"GET /sitemap.xml ')).length, 1, stack.runtimeLog.join('\n'));
    });
  }
});

const Watch = suite('sitemap: kept current by the watcher');

Watch('a map change in another process and a source edit reach the sitemap; an edit that changes nothing in it does not rewrite it', async () => {
  const batches: { report: BuildReport; batch: Batch }[] = [];
  const spec: SiteSpec = { ...SITE, ownTemplates: true, build: true };
  await withRuntime({ ...spec, runtime: { watch: { settleMs: 30, pollMs: 50, onBatch: (report, batch) => batches.push({ report, batch }) } } }, async (site) => {
    const sitemap = () => read(site, 'sitemap.xml');
    assert.is(await sitemap(), SITE_SITEMAP);
    const added = await runCli(['map', 'set', '/new page', '200', 'wiki:About', '--config', site.configFile]);
    assert.is(added.code, 0, describe(added));
    await waitFor('the new page in the sitemap', async () => (await sitemap())?.includes(url(`${SITE_URL}/new%20page`, '2022-07-01')));

    // An edit today: the page's lastmod becomes today.
    const today = new Date().toISOString().slice(0, 10);
    await site.write({ 'wiki/Home.md': '# Home\n\nFirst edit.\n' });
    await waitFor('today as the home page\'s lastmod', async () => (await sitemap())?.includes(url(`${SITE_URL}/`, today)));
    const rewritten = await fileState(site, 'sitemap.xml');
    // Another edit the same day: the page is rewritten, the sitemap is not. (Waiting for the
    // page itself: a batch may have caught the file half written and rendered that first.)
    const seen = batches.length;
    await site.write({ 'wiki/Home.md': '# Home\n\nSecond edit.\n' });
    await waitFor('the second edit to be built', async () => (await read(site, 'index.html'))?.includes('Second edit.') && batches.slice(seen).some(({ report }) => report.counts.written > 0));
    assert.equal(await fileState(site, 'sitemap.xml'), rewritten);

    // A source deleted: its page answers 404, and leaves the sitemap.
    await rm(join(site.config.wikiDir, 'Awkward.md'));
    await waitFor('the deleted page to leave the sitemap', async () => !(await sitemap())?.includes('caf%C3%A9'));
    const removed = await runCli(['map', 'rm', '/new page', '--config', site.configFile]);
    assert.is(removed.code, 0, describe(removed));
    await waitFor('the removed row to leave the sitemap', async () => !(await sitemap())?.includes('new%20page'));
  });
});

Watch('a legacy robots.txt appearing takes the place of pagemap\'s', async () => {
  await withRuntime({ ...SITE, build: true, runtime: { watch: { settleMs: 30, pollMs: 50 } } }, async (site) => {
    assert.is(await read(site, 'robots.txt'), DEFAULT_ROBOTS(`${SITE_URL}/sitemap.xml`));
    await site.write({ 'legacy/robots.txt': 'User-agent: *\nDisallow: /cgi-bin/\n' });
    await waitFor('pagemap\'s robots.txt to go', async () => (await read(site, 'robots.txt')) === undefined);
    // The runtime discovers the old file, and serves it as is.
    const res = await fetch(`${site.url}/robots.txt`);
    assert.is(res.status, 200);
    assert.is(await res.text(), 'User-agent: *\nDisallow: /cgi-bin/\n');
    assert.is(site.store.get('/robots.txt')?.source, 'file:robots.txt');
  });
});

Contents.run();
Writes.run();
Robots.run();
Settings.run();
Serving.run();
Watch.run();
