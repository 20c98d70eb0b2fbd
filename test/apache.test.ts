/**
 * The Apache differential test (issue: "Apache serves public/"): a real Apache 2.4 with the
 * generated configuration in front of the runtime, and the runtime alone, must give the same
 * answer — status, Location, media type, body bytes — for every path we can think of.
 */
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { APACHE_MAP_FILE, renderApacheMap } from '../build/apacheConfig.js';
import { PACKAGE_ROOT } from '../core/config.js';
import { encodePath, escapePath } from '../core/pagePath.js';
import { type ValidRow, validateRow } from '../core/pageRow.js';
import { readMapFile } from '../core/mapTransfer.js';
import { LiveReload } from '../runtime/liveReload.js';
import { apacheOrSkip, checkConfig, requireApacheInCi } from './apacheHarness.js';
import type { SiteSpec } from './helpers.js';
import { disagreements, rawGet, targetsFor, withStack } from './differential.js';
import { HOSTILE } from './hostilePaths.js';

const binary = apacheOrSkip('Apache differential tests');

const Differential = suite('Apache and the runtime agree');

Differential('Apache 2.4 is here (under CI=true it must be)', () => {
  requireApacheInCi(binary);
});

Differential('on every row of the sample map, its unmapped files, assets and /data', async () => {
  if (!binary) return;
  const sample: SiteSpec = {
    rows: await readMapFile(join(PACKAGE_ROOT, 'content/pagemap.tsv')),
    async prepare(site) {
      await cp(join(PACKAGE_ROOT, 'content/wiki'), site.config.wikiDir, { recursive: true });
      await cp(join(PACKAGE_ROOT, 'content/legacy'), site.config.legacyDir, { recursive: true });
    },
  };
  await withStack(sample, async (stack) => {
    checkConfig(binary, stack.apache.configFile);
    const rows = stack.store.all();
    assert.ok(rows.length >= 25);
    const targets = rows.flatMap((row) => targetsFor(row.path));
    targets.push('/doc/essays/cp4e.html', '/news/2005', '/news/2005/', '/pics/banner.png', '/ftp/python/2.4.1/Python-2.4.1.tgz');
    targets.push('/no/such/page', '/_pagemap/style.css', '/_pagemap/logo.svg', '/_pagemap/nope.css', '/data/doc/quickref.pdf', '/data/robots.txt');
    targets.push('/data/no-such.tgz', '/doc/Intros.html?from=old&x=%20y', '/dev/summary.html?a=1', '/about?lang=en');
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
  });
});

/** The awkward characters of DESIGN.md and the issue: every one must survive Apache. */
const AWKWARD = ['a b', 'q"uote', "it's", '[br]', '(p)', '100%', '5%25', 'x+y', 'a;b', 'k&v', 'k=v', 'café', 'Straße', '日本語', 'Ωmega', 'c,d', 'at@', 'til~de', 'do$lar', 'bang!', 'st*r', 'tab-less', 'π'];

function awkwardPath(i: number, depth: number): string {
  const segments: string[] = [];
  for (let d = 0; d < depth; d++) segments.push(`${AWKWARD[(i + d * 7) % AWKWARD.length]}${d === depth - 1 ? `-${i}` : ''}`);
  return '/' + segments.join('/');
}

function row(path: string, status: number, source = ''): ValidRow {
  return validateRow({ path: escapePath(path), status, source });
}

Differential('on a generated map of 2,000 rows with awkward characters, pages inside pages, prefix and pattern rows, targets as people write them, and every status', async () => {
  if (!binary) return;
  const files: Record<string, string> = {};
  const rows: ValidRow[] = [];
  const wikiPaths: string[] = [];
  for (let i = 0; i < 600; i++) {
    // Every tenth page gets children: a page that is also a prefix of other pages.
    const path = i % 10 === 1 ? `${wikiPaths[i - 1]}/sub ${i}` : awkwardPath(i, 1 + (i % 3)) + (i % 4 === 0 ? '.html' : '');
    wikiPaths.push(path);
    files[`wiki/w${i}.md`] = `# Page ${i}\n\nAt ${path.replace(/[<>&]/g, '')}.\n`;
    rows.push(row(path, 200, `wiki:w${i}`));
  }
  for (let i = 0; i < 6; i++) rows.push(row(`/dir ${i}/`, 200, `wiki:w${i}`));
  for (let i = 0; i < 394; i++) {
    const path = `/legacy${awkwardPath(i + 1000, 1 + (i % 2))}.${['html', 'txt', 'png', 'pdf', 'css', 'unknownext'][i % 6]}`;
    files[`legacy${path}`] = `legacy file ${i}\n`;
    rows.push(row(path, 200, `file:${path.slice(1)}`));
  }
  for (let i = 0; i < 500; i++) {
    const target = [`/target ${i}/`, `https://example.org/x/${i}?q=${i}`, `/s${awkwardPath(i, 1)}`, `/with?own=query&n=${i}`, `/café/${i}`][i % 5]!;
    rows.push(row(`/moved${awkwardPath(i + 2000, 1 + (i % 2))}`, i % 3 === 0 ? 302 : 301, target));
  }
  for (let i = 0; i < 250; i++) rows.push(row(`/nf${awkwardPath(i + 3000, 1)}`, 404));
  for (let i = 0; i < 250; i++) rows.push(row(`/gone${awkwardPath(i + 4000, 1 + (i % 2))}`, 410));
  // Targets as people write them, normalised as a browser reads them: host case, spaces, default ports, bare %.
  const written = (i: number) => [`http://Example.ORG/a b/${i}`, `HTTPS://example.org:443/x/${i}/`, `/café ${i}`, `http://example.org/100%/${i}`, `  /padded/${i}  `][i % 5]!;
  for (let i = 0; i < 40; i++) rows.push(row(`/people${awkwardPath(i + 5000, 1)}`, 301, written(i)));
  // Subtrees, their rest in place of a * or not, and retired ones.
  const prefixes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const folder = `/section${awkwardPath(i + 6000, 1 + (i % 2))}/`;
    prefixes.push(folder);
    const target = [`/moved-section/${i}/*`, `${written(i).trim()}*`, `https://example.org/one-place/${i}`][i % 3]!;
    rows.push(validateRow({ path: `${escapePath(folder)}*`, status: i % 4 === 3 ? 410 : 301, source: target }));
  }
  // Pattern rows, in order: captures, lowercase, caseless, a fixed target, retired.
  const patterns = [
    { path: '~^/pat/([^/]+)/(.*)\\.html$', status: 301, source: '/new/$1/${lowercase:$2}' },
    { path: '~*^/CASE/(\\w+)$', status: 302, source: 'http://Example.ORG/case/$1?from=old' },
    { path: '~^/pat/fixed/', status: 301, source: '/landing page' },
    { path: '~^/pat/gone/', status: 410 },
    { path: '~^/pat/(.*)$', status: 301, source: '/fallback/$1#top' },
  ];
  for (const pattern of patterns) rows.push(validateRow(pattern));
  assert.ok(rows.length >= 2000, `${rows.length} rows`);
  await withStack({ files, rows }, async (stack) => {
    checkConfig(binary, stack.apache.configFile);
    const targets = rows.filter((r) => !r.path.startsWith('~') && !r.path.endsWith('/')).flatMap((r) => targetsFor(r.path));
    for (const folder of prefixes) targets.push(encodePath(folder), encodePath(folder) + 'a%20b/c.html?q=1', encodePath(folder) + 'Caf%C3%A9');
    for (const segment of AWKWARD) {
      const encoded = encodePath(`/${segment}`).slice(1);
      targets.push(`/pat/${encoded}/Page.html`, `/pat/x/${encoded}.html?q=1`, `/case/${encoded}`, `/CaSe/abc`, `/pat/fixed/${encoded}`, `/pat/gone/${encoded}`, `/pat/${encoded}`);
    }
    // The query passes on through redirects, and stays off targets that have their own.
    for (const r of rows.filter((r) => r.status === 301 || r.status === 302).slice(0, 40)) targets.push(encodePath(r.path) + '?from=test&a=%20b');
    const problems = await disagreements(stack, targets);
    assert.equal(problems.slice(0, 15), [], `${problems.length} of ${targets.length} targets disagree:\n${problems.slice(0, 15).join('\n')}`);
  });
});

Differential('on paths holding ? and # (written %3F and %23 in URLs)', async () => {
  if (!binary) return;
  const files = { 'wiki/Q.md': '# Q\n', 'legacy/what?.html': 'what\n', 'legacy/dir?/index.html': 'dir index\n' };
  const rows = [
    row('/faq/why?', 200, 'wiki:Q'),
    row('/faq/why?/more', 200, 'wiki:Q'),
    row('/c#sharp', 200, 'wiki:Q'),
    row('/idx?/', 200, 'wiki:Q'),
    row('/what?.html', 200, 'file:what?.html'),
    row('/old?page', 301, '/faq/why%3F'),
    row('/gone#1', 410),
  ];
  await withStack({ files, rows }, async (stack) => {
    const targets = ['/faq/why%3F', '/faq/why%3F/more', '/c%23sharp', '/idx%3F/', '/idx%3F', '/idx%3F/index.html', '/what%3F.html', '/old%3Fpage', '/old%3Fpage?x=1', '/gone%231', '/dir%3F/', '/dir%3F'];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
  });
});

Differential('paths in mojibake (C1 code points, as a wiki that took UTF-8 for Latin-1 names its pages) are served alike, always percent-encoded', async () => {
  if (!binary) return;
  // "Café" and "Ärger" in UTF-8, read as Latin-1 and written back as UTF-8: Ã, then a C1 (U+0083, U+0084).
  const cafe = 'Caf\u00c3\u0083\u00a9';
  const aerger = '\u00c3\u0084rger';
  const spec: SiteSpec = {
    files: { 'wiki/Cafe.md': '# Café\n', [`legacy/${aerger}.html`]: '<p>old</p>\n', [`legacy/dl/${cafe}.tgz`]: 'tgz\n' },
    rows: [
      row(`/wiki/${cafe}`, 200, 'wiki:Cafe'),
      row(`/wiki/${cafe}/Sub`, 200, 'wiki:Cafe'),
      row(`/old/${aerger}`, 301, `/wiki/${cafe}`),
      row(`/gone/${cafe}`, 410),
    ],
  };
  await withStack(spec, async (stack) => {
    const enc = (path: string) => encodePath(path);
    const targets = [enc(`/wiki/${cafe}`), enc(`/wiki/${cafe}/Sub`), enc(`/old/${aerger}`), enc(`/gone/${cafe}`), enc(`/${aerger}.html`), enc(`/dl/${cafe}.tgz`)];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    const moved = await rawGet(stack.apache.url, enc(`/old/${aerger}`));
    assert.is(moved.headers.get('location'), `${stack.apache.url}/wiki/Caf%C3%83%C2%83%C2%A9`);
    const page = (await rawGet(stack.apache.url, enc(`/wiki/${cafe}/Sub`))).body.toString();
    assert.ok(page.includes('<a href="/wiki/Caf%C3%83%C2%83%C2%A9">Caf\u00c3%C2%83\u00a9</a>'), 'the crumb links the page and shows its C1 character percent-encoded');
    assert.not.match(page, /[\u0080-\u009f]/, 'no raw C1 in the HTML');
    const map = await readFile(join(stack.site.config.apacheDir, APACHE_MAP_FILE), 'utf8');
    assert.not.match(map, /[\u0080-\u009f]/, 'no raw C1 in the Apache map');
    assert.not.ok(stack.runtimeLog.some((line) => /[\u0080-\u009f]/.test(line)), 'no raw C1 in the access log');
  });
});

Differential('a chain of redirects is answered in one hop by both, the query carried as a browser carries it', async () => {
  if (!binary) return;
  const rows = [
    row('/a', 301, '/b'),
    row('/b', 301, '/c/'),
    row('/c/', 200, 'wiki:C'),
    row('/t', 302, '/a'),
    row('/q', 301, '/b?from=q'),
    row('/f', 301, '/a#part'),
    row('/out', 301, 'https://example.org/x'),
    row('/to-out', 301, '/out'),
  ];
  await withStack({ files: { 'wiki/C.md': '# C\n' }, rows }, async (stack) => {
    const targets = ['/a', '/a?x=1', '/t', '/t?x=1', '/q', '/q?x=1', '/f', '/f?x=1', '/to-out', '/to-out?y=2'];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    const viaApache = await rawGet(stack.apache.url, '/t?x=1');
    assert.is(viaApache.status, 302);
    assert.is(viaApache.headers.get('location'), `${stack.apache.url}/c/?x=1`);
  });
});

Differential('prefix rows: subtrees redirected and retired, the rest of the path carried, exact rows and pages inside them kept', async () => {
  if (!binary) return;
  const written = [
    { path: '/topics/xml/*', status: 301, source: 'http://pyxml.sourceforge.net/topics/*' },
    { path: '/topics/xml/deep/*', status: 302, source: '/new/deep/*?from=old' },
    { path: '/topics/xml/frag/*', status: 301, source: '/new/frag/*#top' },
    { path: '/topics/xml/keep.html', status: 200, source: 'wiki:Keep' },
    { path: '/topics/xml/guide/', status: 200, source: 'wiki:Keep' },
    { path: '/topics/xml/old.html', status: 301, source: '/new/old.html' },
    { path: '/retired/*', status: 410 },
    { path: '/hidden/*', status: 404 },
    { path: '/flat/*', status: 301, source: '/landing' },
    { path: '/landing', status: 301, source: '/final' },
    { path: '/to-flat', status: 302, source: '/flat/x' },
    { path: '/to-open', status: 301, source: '/topics/xml/from exact' },
  ];
  const rows = written.map((r) => validateRow(r));
  await withStack({ files: { 'wiki/Keep.md': '# Keep\n', 'legacy/retired/old.html': 'old\n' }, rows }, async (stack) => {
    const targets = [
      '/topics/xml/a/b.html',
      '/topics/xml/a/b.html?q=1',
      '/topics/xml/',
      '/topics/xml/?q=1',
      '/topics/xml',
      '/topics/xml/a%20b/Caf%C3%A9',
      '/topics/xml/a%20b/c',
      '/topics/xml/%C3%83%C2%83/x%3Fy',
      '/topics/xml/deep/x',
      '/topics/xml/deep/x?q=1',
      '/topics/xml/frag/x',
      '/topics/xml/frag/x?q=1',
      '/topics/xml/keep.html',
      '/topics/xml/guide',
      '/topics/xml/guide/',
      '/topics/xml/old.html',
      '/retired/old.html',
      '/retired/',
      '/hidden/a',
      '/flat/a/b',
      '/flat/a?x=1',
      '/to-flat',
      '/to-open',
      '/elsewhere',
    ];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    // Apache answered the subtrees itself: only the runtime's own request reached it (a path
    // beyond ASCII, like /topics/xml/a%20b/Caf%C3%A9, goes to the runtime, which takes its NFC form).
    for (const target of ['/topics/xml/a/b.html?q=1', '/topics/xml/a%20b/c', '/topics/xml/deep/x', '/topics/xml/frag/x?q=1', '/retired/old.html', '/flat/a/b', '/to-flat', '/to-open']) {
      assert.is(stack.runtimeLog.filter((line) => line.includes(`GET ${target} `)).length, 1, `${target} was answered by Apache`);
    }
    const moved = await rawGet(stack.apache.url, '/topics/xml/a/b.html?q=1');
    assert.is(moved.status, 301);
    assert.is(moved.headers.get('location'), 'http://pyxml.sourceforge.net/topics/a/b.html?q=1');
    assert.is((await rawGet(stack.apache.url, '/retired/old.html')).status, 410);
    assert.is((await rawGet(stack.apache.url, '/topics/xml/keep.html')).status, 200);
  });
});

Differential('a prefix row for the root sends everything without a row of its own elsewhere, and leaves pages, assets and /data alone', async () => {
  if (!binary) return;
  const rows = [validateRow({ path: '/*', status: 301, source: 'https://new.example.org/*' }), validateRow({ path: '/kept.html', status: 200, source: 'wiki:Keep' }), validateRow({ path: '/folder/', status: 200, source: 'wiki:Keep' })];
  await withStack({ files: { 'wiki/Keep.md': '# Keep\n', 'legacy/dl/a.tgz': 'tgz\n' }, rows }, async (stack) => {
    const targets = ['/', '/anything.html?x=1', '/deep/er/page', '/kept.html', '/folder/', '/folder', '/_pagemap/style.css', '/data/dl/a.tgz'];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    assert.is((await rawGet(stack.apache.url, '/deep/er/page')).headers.get('location'), 'https://new.example.org/deep/er/page');
  });
});

Differential('pattern rows: first match wins after exact and prefix rows; captures, lowercase, caseless, query and fragment, pages kept', async () => {
  if (!binary) return;
  const written = [
    { path: '/old/exact.html', status: 301, source: '/somewhere' },
    { path: '/old/pre/*', status: 410 },
    { path: '/old/keep.html', status: 200, source: 'wiki:Keep' },
    { path: '/start', status: 301, source: '/old/Chain.html' },
    { path: '/landing', status: 301, source: '/final' },
    { path: '/section/keep/', status: 200, source: 'wiki:Keep' },
    { path: '~^/old/(.*)\\.html$', status: 301, source: '/new/${lowercase:$1}/' },
    { path: '~*^/faq(\\d+)$', status: 302, source: 'https://example.org/faq?n=$1' },
    { path: '~^/docs/(\\w+)\\.html$', status: 301, source: '/wiki/$1#top' },
    { path: '~^/gone/', status: 410 },
    { path: '~^/hidden/.*\\.bak$', status: 404 },
    { path: '~^/closed/', status: 301, source: '/landing' },
    { path: '~^/section(/.*)?$', status: 301, source: '/moved$1' },
    { path: '~^/q"uote/(.*)', status: 301, source: '/quoted/$1' },
    { path: '~^/sp\\s(\\d)', status: 301, source: '/space/$1' },
    { path: '~^/(?!keep)(\\w+)/legacy$', status: 301, source: '/archive/$1' },
    { path: '~^/lazy/(.+?)(\\d*)$', status: 301, source: '/l/$1/$2' },
    { path: '~^/dot/(.)(.)', status: 301, source: '/bytes/$1/$2' },
    { path: '~^/(a|b)/x$', status: 302, source: '/ab/$1' },
    { path: '~^/old/', status: 301, source: '/never' },
  ];
  const rows = written.map((r) => validateRow(r));
  await withStack({ files: { 'wiki/Keep.md': '# Keep\n' }, rows }, async (stack) => {
    const redirectedByApache = [
      '/old/Foo.html',
      '/old/Foo.html?x=1',
      '/old/a%20b.html',
      '/old/a%3Fb.html',
      '/old/100%25.html',
      '/old/x+y.html',
      '/old/sub/Deep.html',
      '/faq12',
      '/FAQ7?x=1',
      '/Faq3',
      '/docs/intro.html',
      '/docs/intro.html?q=1',
      '/gone/x',
      '/gone/',
      '/hidden/a.bak',
      '/closed/x?y=2',
      '/section',
      '/section/a/b',
      '/start',
      '/q%22uote/z',
      '/sp%201',
      '/abc/legacy',
      '/lazy/ab12',
      '/a/x',
      '/b/x?k=v',
      '/old/other',
      `/old/${`${'b'.repeat(200)}/`.repeat(9)}x.html`,
    ];
    const targets = [
      ...redirectedByApache,
      '/old/exact.html',
      '/old/pre/x.html',
      '/old/keep.html',
      '/section/keep/',
      '/section/keep',
      '/keep/legacy',
      '/sp%091',
      '/old/Caf%C3%A9.html',
      '/dot/%C3%A9',
      '/dot/ab',
      '/c/x',
      '/elsewhere',
      // A segment or a path too long for pagemap (404), whatever a pattern would say: never tried against one.
      `/old/${'b'.repeat(2040)}.html`,
      `/old/${`${'b'.repeat(200)}/`.repeat(10)}x.html`,
    ];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    // Apache answered the pattern rows itself: only the runtime's own request reached it.
    for (const target of redirectedByApache) {
      assert.is(stack.runtimeLog.filter((line) => line.includes(`GET ${target} `)).length, 1, `${target} was answered by Apache`);
    }
    const answer = async (target: string) => {
      const response = await rawGet(stack.apache.url, target);
      return `${response.status} ${response.headers.get('location')?.replace(stack.apache.url, '') ?? ''}`;
    };
    assert.is(await answer('/old/Foo.html?x=1'), '301 /new/foo/?x=1');
    assert.is(await answer('/old/a%3Fb.html'), '301 /new/a%3fb/');
    assert.is(await answer('/FAQ7?x=1'), '302 https://example.org/faq?n=7');
    assert.is(await answer('/docs/intro.html?q=1'), '301 /wiki/intro?q=1#top');
    assert.is(await answer('/start'), '301 /new/chain/');
    assert.is(await answer('/closed/x?y=2'), '301 /final?y=2');
    assert.is(await answer('/old/keep.html'), '200 ');
    assert.is(await answer('/old/pre/x.html'), '410 ');
    assert.is(await answer('/dot/%C3%A9'), '301 /bytes/%c3/%a9');
  });
});

Differential('pagemap\'s own names in public/ (a page inside its folder, a write in progress) are never served by those names', async () => {
  if (!binary) return;
  await withStack({ files: { 'wiki/Q.md': '# Q\n' }, rows: [row('/guide', 200, 'wiki:Q'), row('/guide/more', 200, 'wiki:Q')] }, async (stack) => {
    const { site } = stack;
    await writeFile(join(site.config.publicDir, 'guide', '.pagemap-tmp-1-0-0-more'), 'half a page\n');
    const targets = ['/guide', '/guide/.pagemap-page', '/guide/.pagemap-tmp-1-0-0-more', '/guide/%2Epagemap-page'];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    for (const target of targets.slice(1)) assert.is((await rawGet(stack.apache.url, target)).status, 404, target);
  });
});

Differential('a path with no row is discovered through Apache, then served by Apache alone', async () => {
  if (!binary) return;
  await withStack({ files: { 'legacy/found it.html': '<p>found</p>\n', 'legacy/sub dir/index.html': '<p>index</p>\n', 'legacy/dl/big file.tgz': 'tgz\n' } }, async (stack) => {
    for (const target of ['/found%20it.html', '/sub%20dir/']) {
      const first = await rawGet(stack.apache.url, target);
      assert.is(first.status, 200, target);
      const reached = stack.runtimeLog.filter((line) => line.includes(`GET ${target} `)).length;
      assert.is(reached, 1, `the first request for ${target} went through to the runtime`);
      const second = await rawGet(stack.apache.url, target);
      assert.is(second.status, 200);
      assert.equal(second.body, first.body);
      assert.is(stack.runtimeLog.filter((line) => line.includes(`GET ${target} `)).length, 1, `the second request for ${target} never reached the runtime`);
    }
    const download = await rawGet(stack.apache.url, '/dl/big%20file.tgz');
    assert.is(download.status, 302);
    assert.ok(download.headers.get('location')?.endsWith('/data/dl/big%20file.tgz'));
    const file = await rawGet(stack.apache.url, '/data/dl/big%20file.tgz');
    assert.is(file.body.toString(), 'tgz\n');
  });
});

/** A page and a redirect to it: what the map-edit tests start from. */
const PAGE_AND_REDIRECT: SiteSpec = {
  files: { 'wiki/Home.md': '# Home\n' },
  rows: [
    { path: '/page', status: 200, source: 'wiki:Home' },
    { path: '/old', status: 301, source: '/page' },
  ],
};

Differential('a map change reaches Apache without a reload: the rebuild rewrites the DBM map and mod_rewrite re-reads it', async () => {
  if (!binary) return;
  await withStack(PAGE_AND_REDIRECT, async (stack) => {
    assert.is((await rawGet(stack.apache.url, '/old')).status, 301);
    assert.is((await rawGet(stack.apache.url, '/page')).status, 200);
    stack.store.set({ path: '/old', status: 410 });
    stack.store.set({ path: '/page', status: 302, source: 'https://example.org/moved?x=1' });
    stack.store.set({ path: '/new', status: 301, source: '/elsewhere' });
    await stack.runtime.builder.build();
    assert.is((await rawGet(stack.apache.url, '/old')).status, 410);
    const page = await rawGet(stack.apache.url, '/page?y=2');
    assert.is(page.status, 302);
    assert.is(page.headers.get('location'), 'https://example.org/moved?x=1');
    assert.is((await rawGet(stack.apache.url, '/new')).headers.get('location'), `${stack.apache.url}/elsewhere`);
  });
});

Differential('the DBM map is brought up to date from the database: after a build killed between the txt and DBM maps, and after httxt2dbm failed once', async () => {
  if (!binary) return;
  await withStack(PAGE_AND_REDIRECT, async (stack) => {
    const { site, store } = stack;
    const { builder } = stack.runtime;
    assert.is((await rawGet(stack.apache.url, '/old')).status, 301);
    // A build killed right after writing the txt map: the txt file is new, the DBM old.
    store.set({ path: '/old', status: 410 });
    await writeFile(join(site.config.apacheDir, APACHE_MAP_FILE), renderApacheMap(store.all()));
    const report = await builder.build();
    assert.equal(report.failures, []);
    assert.is((await rawGet(stack.apache.url, '/old')).status, 410, 'the next build rebuilt the DBM');

    // httxt2dbm fails once: the build says so and exits non-zero; the next one puts it right.
    const fakeBin = join(site.dir, 'fake-bin');
    await mkdir(fakeBin);
    await writeFile(join(fakeBin, 'httxt2dbm'), '#!/bin/sh\necho "disk trouble" >&2\nexit 1\n', { mode: 0o755 });
    const path = process.env.PATH;
    store.set({ path: '/old', status: 302, source: '/elsewhere' });
    try {
      process.env.PATH = `${fakeBin}:${path}`;
      const failed = await builder.build();
      assert.equal(failed.failures.map((f) => f.path), [site.config.apacheDir]);
      assert.match(failed.failures[0]!.message, /httxt2dbm failed .*disk trouble/);
    } finally {
      process.env.PATH = path;
    }
    assert.is((await rawGet(stack.apache.url, '/old')).status, 410, 'still the old map');
    assert.equal((await builder.build()).failures, []);
    const moved = await rawGet(stack.apache.url, '/old');
    assert.is(moved.status, 302);
    assert.is(moved.headers.get('location'), `${stack.apache.url}/elsewhere`);
  });
});

Differential('symbolic links, in the tree and out of it: the same answer from both, and no byte from outside the roots', async () => {
  if (!binary) return;
  const links: [string, string][] = [
    ['passwd', '/etc/passwd'], // out of the tree: a file, absolute
    ['etcdir', '/etc'], // out of the tree: a folder
    ['up', '../outside/secret.txt'], // relative, climbing out
    ['updir', '..'], // a folder holding the config
    ['latest.tgz', 'real/python-2.5.tgz'], // in the tree: a file
    ['current', 'real'], // in the tree: a folder
    ['loop1', 'loop2'],
    ['loop2', 'loop1'],
    ['dangling', 'nowhere'],
  ];
  const spec: SiteSpec = {
    files: {
      'wiki/Home.md': '# Home\n',
      'legacy/real/python-2.5.tgz': 'the real tarball\n',
      'legacy/real/page.html': '<p>a real page</p>\n',
      'outside/secret.txt': 'SECRET outside the legacy root\n',
    },
    rows: [{ path: '/linked.html', status: 200, source: 'wiki:Home' }],
    async prepare(site) {
      const legacy = site.config.legacyDir;
      for (const [name, target] of links) await symlink(target, join(legacy, name));
      // 45 links in a chain: more than the kernel follows (40).
      for (let i = 0; i < 45; i++) await symlink(i === 44 ? 'real/page.html' : `chain${i + 1}`, join(legacy, `chain${i}`));
    },
  };
  await withStack(spec, async (stack) => {
    const { site } = stack;
    // A page in public/ swapped for a link by someone: served by neither.
    await rm(join(site.config.publicDir, 'linked.html'));
    await symlink('/etc/passwd', join(site.config.publicDir, 'linked.html'));
    const dataTargets = ['passwd', 'etcdir/passwd', 'etcdir', 'up', 'updir/pagemap.config.json', 'latest.tgz', 'current/python-2.5.tgz', 'loop1', 'dangling', 'chain0', 'chain44'];
    const targets = [
      ...dataTargets.map((name) => `/data/${name}`),
      '/data/real/python-2.5.tgz',
      // Folders, and links to them, with and without the slash.
      '/data/real',
      '/data/real/',
      '/data/current/',
      '/data/',
      '/data',
      // Discovery through links: in-tree ones redirect to where the file really is; out-of-tree ones find nothing.
      '/latest.tgz',
      '/current/python-2.5.tgz',
      '/current/page.html',
      '/chain44',
      '/passwd',
      '/etcdir/passwd',
      '/up',
      '/updir/pagemap.config.json',
      '/loop1',
      '/linked.html',
    ];
    const problems = await disagreements(stack, targets);
    assert.equal(problems, [], problems.join('\n'));
    const secrets = ['root:x:0:0', 'SECRET outside', '"wikiDir"'];
    for (const target of targets) {
      for (const base of [stack.apache.url, stack.runtime.url]) {
        const response = await rawGet(base, target);
        const body = response.body.toString('latin1');
        assert.not.ok(secrets.some((secret) => body.includes(secret)), `${base}${target} leaked a file from outside the roots`);
      }
    }
    const viaLink = await rawGet(stack.apache.url, '/latest.tgz');
    assert.is(viaLink.status, 302);
    assert.ok(viaLink.headers.get('location')?.endsWith('/data/real/python-2.5.tgz'), viaLink.headers.get('location'));
    assert.is((await rawGet(stack.apache.url, '/data/real/python-2.5.tgz')).body.toString(), 'the real tarball\n');
    assert.is((await rawGet(stack.apache.url, '/data/passwd')).status, 403);
    assert.is((await rawGet(stack.apache.url, '/data/current/python-2.5.tgz')).status, 403);
  });
});

Differential(`${HOSTILE.length} malformed or hostile paths: both refuse, neither leaks a file`, async () => {
  if (!binary) return;
  await withStack({ files: { 'wiki/Home.md': '# Home\n', 'legacy/ok.html': 'ok\n' }, rows: [{ path: '/index.html', status: 200, source: 'wiki:Home' }] }, async (stack) => {
    const { site } = stack;
    const secrets = [await readFile(site.configFile, 'utf8'), 'root:x:0:0'];
    const problems: string[] = [];
    for (const target of HOSTILE) {
      for (const [who, base] of [['apache', stack.apache.url], ['runtime', stack.runtime.url]] as const) {
        const response = await rawGet(base, target);
        const body = response.body.toString('latin1');
        if (response.status < 400) problems.push(`${who} answered ${response.status} to ${JSON.stringify(target)}`);
        if (secrets.some((secret) => body.includes(secret.slice(0, 30)))) problems.push(`${who} leaked a file for ${JSON.stringify(target)}`);
      }
    }
    assert.equal(problems, [], problems.join('\n'));
    assert.is((await rawGet(stack.apache.url, '/')).status, 200, 'Apache still answers');
    assert.is((await rawGet(stack.runtime.url, '/')).status, 200, 'the runtime still answers');
  });
});

Differential.run();

const Hidden = suite("Apache never reaches the runtime's own pages");

Hidden('Apache 2.4 is here (under CI=true it must be)', () => {
  requireApacheInCi(binary);
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request with the target exactly as written (fetch would tidy `//`, `/./` and `/../`
 * away). An event stream never ends: what it sent in its first moment is its answer.
 */
function ask(base: string, method: 'GET' | 'POST', target: string, options: { cookie?: string; form?: string } = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const body = method === 'POST' ? Buffer.from(options.form ?? 'csrf=forged') : undefined;
  const headers = { ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } : {}), ...(options.cookie ? { Cookie: options.cookie } : {}) };
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', done);
      res.on('error', reject);
      if (String(res.headers['content-type']).startsWith('text/event-stream')) setTimeout(() => (done(), res.destroy()), 300);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${method} ${base}${target}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** What in an answer is the admin's or live reload's: the session cookie, the page, its form, its stylesheet, an event stream. */
function runtimeOnlySigns(answer: Answer): string[] {
  const signs: string[] = [];
  if (([] as string[]).concat(answer.headers['set-cookie'] ?? []).some((cookie) => cookie.startsWith('pagemap_admin='))) signs.push('a pagemap_admin cookie');
  if (/<h1>Page map<\/h1>|>Page map</.test(answer.body)) signs.push('the admin page');
  if (answer.body.includes('name="csrf"')) signs.push('a CSRF field');
  if (answer.body.includes('.admin-')) signs.push("the admin's stylesheet");
  if (String(answer.headers['content-type']).startsWith('text/event-stream') || answer.body.includes(': listening')) signs.push('an event stream');
  return signs;
}

/** The admin's and live reload's own targets: answered by the runtime to a local client. */
const RUNTIME_TARGETS = ['/_pagemap/admin', '/_pagemap/admin/', '/_pagemap/admin/login', '/_pagemap/admin/row?path=%2F', '/_pagemap/admin/admin.css', '/_pagemap/admin/misses', '/_pagemap/admin/status', '/_pagemap/admin/logout', '/_pagemap/admin?q=x', '/_pagemap/live?path=%2F'];

/** The same, written so that a rule matching the text as sent would miss them: Apache decodes and tidies the path first. */
const WRITTEN_OTHERWISE = [
  '/_pagemap/%61dmin',
  '/_pagemap/%61dmin/row?path=%2F',
  '/%5Fpagemap/admin',
  '/%5fpagemap/%61%64%6d%69%6e/login',
  '/_pagem%61p/admin',
  '/_pagemap/l%69ve?path=%2F',
  '//_pagemap/admin',
  '///_pagemap//admin/',
  '/_pagemap/./admin',
  '/_pagemap/%2e/admin',
  '/x/../_pagemap/admin',
  '/x/%2e%2e/_pagemap/admin',
  '/_pagemap/x/../admin/login',
  '/./_pagemap/live?path=%2F',
  '/_pagemap%2Fadmin',
  '/_pagemap/admin%2Flogin',
  '/_pagemap/admin%3Fx',
  '/_pagemap/admin;x',
];

Hidden('the admin page and live-reload streams, which the runtime opens to a local client, are never reached through Apache however the path is written', async () => {
  if (!binary) return;
  await withStack({ files: { 'wiki/Home.md': '# Home\n' }, rows: [row('/index.html', 200, 'wiki:Home')] }, async (stack) => {
    const { runtime, apache, store } = stack;
    // Live reload on, as `pagemap serve` runs it; the admin on its defaults. Apache connects
    // from 127.0.0.1 too: only its rules keep these paths from the runtime.
    runtime.liveReload = new LiveReload(() => '');
    assert.is(stack.site.config.admin.trustLoopback, true);

    // Straight to the runtime: the admin page, with a session, for any local client.
    for (const target of ['/_pagemap/admin', '/_pagemap/admin/', '/_pagemap/admin/row?path=%2F', '/_pagemap/admin?q=x']) {
      const direct = await ask(runtime.url, 'GET', target);
      assert.is(direct.status, 200, target);
      assert.equal(runtimeOnlySigns(direct).slice(0, 3), ['a pagemap_admin cookie', 'the admin page', 'a CSRF field'], target);
    }
    const login = await ask(runtime.url, 'GET', '/_pagemap/admin/login');
    assert.is(login.status, 303);
    assert.ok(runtimeOnlySigns(login).includes('a pagemap_admin cookie'));
    const css = await ask(runtime.url, 'GET', '/_pagemap/admin/admin.css');
    assert.is(css.status, 200);
    assert.equal(runtimeOnlySigns(css), ["the admin's stylesheet"]);
    const live = await ask(runtime.url, 'GET', '/_pagemap/live?path=%2F');
    assert.is(live.status, 200);
    assert.equal(runtimeOnlySigns(live), ['an event stream']);
    // A change posted straight to the runtime with the session's token is made.
    const first = await ask(runtime.url, 'GET', '/_pagemap/admin');
    const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(first.body)![1]!;
    const change = (path: string) => new URLSearchParams({ csrf, action: 'add', path, status: '301', source: '/' }).toString();
    assert.is((await ask(runtime.url, 'POST', '/_pagemap/admin/row', { cookie, form: change('/made-directly') })).status, 303);
    assert.is(store.get('/made-directly')?.status, 301);

    // Through Apache: the same requests, with that very session and token, get none of it.
    const before = stack.runtimeLog.length;
    const problems: string[] = [];
    for (const target of [...RUNTIME_TARGETS, ...WRITTEN_OTHERWISE]) {
      for (const method of ['GET', 'POST'] as const) {
        for (const sent of [{}, { cookie, form: change('/made-through-apache') }]) {
          const answer = await ask(apache.url, method, target, sent);
          const shown = `${method} ${target}${'cookie' in sent ? ' (with the session)' : ''}`;
          const signs = runtimeOnlySigns(answer);
          if (answer.status < 400 || signs.length) problems.push(`${shown}: ${answer.status}${signs.length ? ` with ${signs.join(', ')}` : ''}`);
        }
      }
    }
    assert.equal(problems, [], problems.join('\n'));
    assert.equal(stack.runtimeLog.slice(before), [], 'the runtime saw none of them');
    assert.is(runtime.liveReload.size, 0, 'no live-reload stream was opened');
    assert.is(store.get('/made-through-apache'), undefined, 'no change was made');
    // The log does see what Apache sends on: a miss.
    assert.is((await ask(apache.url, 'GET', '/no/such/page')).status, 404);
    assert.is(stack.runtimeLog.slice(before).length, 1);
  });
});

Hidden.run();
