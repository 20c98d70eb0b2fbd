/**
 * `pagemap check`: every internal link and image of every page followed through the map —
 * exact, prefix and pattern rows, chains, discovery — and each that ends nowhere reported with
 * its source file and line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkLinks } from '../runtime/linkCheck.js';
import { describe, runCli, withSite } from './helpers.js';

const WIKI_PAGE = [
  '---',
  'title: Links',
  '---',
  '# Links',
  '',
  'Good: [a page](/about/), [relative](sibling), [chained](/old-about), [a prefix sends it away](/retired/x.html),',
  '[a pattern sends it home](/Old/About.html), [discovered](/legacy-only.html), [a download](/data/files/a.tgz),',
  '[elsewhere](https://example.org/), [mail](mailto:x@example.org), [here](#top), ![logo](/_pagemap/style.css), [robots](/robots.txt).',
  '',
  'Broken: [gone](/gone.html) and [nothing](/nothing-here).',
  '',
  '![missing image](/pics/none.png)',
  '',
  '<p>Raw HTML: <a href="/to-missing">a redirect to nowhere</a></p>',
  '',
  '- [source missing](/no-source)',
  '- [pattern to nowhere](/Old/Nothing.html)',
].join('\n');

const LEGACY_PAGE = ['<html><body>', '<a href="../about/">up and over</a>', '<img src="pic.png">', '<a href=\'missing.html\'>relative, broken</a>', '<a href=gone.html>unquoted</a>', '</body></html>'].join('\n');

const SPEC = {
  build: true,
  files: {
    'wiki/Links.md': WIKI_PAGE,
    'wiki/About.md': '# About\n',
    'wiki/Sibling.md': '# Sibling\n',
    'legacy/legacy-only.html': '<p>found by discovery</p>',
    'legacy/files/a.tgz': 'tgz',
    'legacy/old/page.html': LEGACY_PAGE,
    'legacy/old/pic.png': 'png',
  },
  rows: [
    { path: '/links/index.html', status: 200, source: 'wiki:Links' },
    { path: '/links/sibling', status: 200, source: 'wiki:Sibling' },
    { path: '/about/index.html', status: 200, source: 'wiki:About' },
    { path: '/old-about', status: 301, source: '/older-about' },
    { path: '/older-about', status: 302, source: '/about/' },
    { path: '/retired/', status: 301, source: 'https://archive.example.org/*' },
    { path: '~^/Old/(.*)\\.html$', status: 301, source: '/${lowercase:$1}/' },
    { path: '/gone.html', status: 410 },
    { path: '/to-missing', status: 301, source: '/not-there' },
    { path: '/no-source', status: 200, source: 'wiki:NoSuchPage' },
    { path: '/old/page.html', status: 200, source: 'file:old/page.html' },
    { path: '/old/pic.png', status: 200, source: 'file:old/pic.png' },
    { path: '/old/gone.html', status: 404 },
  ],
};

const Check = suite('check: links followed through the map');

Check('each broken link named with its file and line; every kind of good link passes', async () => {
  await withSite(SPEC, async ({ config, store }) => {
    const report = await checkLinks(config, store);
    const lines = report.broken.map((link) => `${link.file.slice(link.file.indexOf(config.wikiDir) === 0 ? config.wikiDir.length + 1 : config.legacyDir.length + 1)}:${link.line} ${link.href} → ${link.answer} (on ${link.page})`);
    assert.equal(lines, [
      'Links.md:10 /gone.html → 410 (on /links/)',
      'Links.md:10 /nothing-here → 404 (no row, no legacy file) (on /links/)',
      'Links.md:12 /pics/none.png → 404 (no row, no legacy file) (on /links/)',
      'Links.md:14 /to-missing → 404 (after redirects, at /not-there) (on /links/)',
      'Links.md:16 /no-source → 404 (the source of /no-source, wiki:NoSuchPage, is missing) (on /links/)',
      'Links.md:17 /Old/Nothing.html → 404 (after redirects, at /nothing/) (on /links/)',
      'old/page.html:4 missing.html → 404 (no row, no legacy file) (on /old/page.html)',
      'old/page.html:5 gone.html → 404 (on /old/page.html)',
    ]);
    // Internal links only: the external, mail and fragment links are not counted.
    assert.is(report.links, 19);
    assert.is(report.pages, 4, 'every page with a Markdown or HTML source: a PNG has no links, a missing source none to read');
  });
});

Check('on the command line: the broken links, a summary, exit 1; exit 0 once they are fixed', async () => {
  await withSite(SPEC, async ({ dir, store }) => {
    const broken = await runCli(['check'], { cwd: dir });
    assert.is(broken.code, 1, describe(broken));
    assert.ok(broken.stdout.startsWith('wiki/Links.md:10: /gone.html → 410 (on /links/)\n'), broken.stdout);
    assert.is(broken.stderr, '19 internal links on 4 pages checked: 8 broken\n');
    const json = JSON.parse((await runCli(['check', '--json'], { cwd: dir })).stdout) as { broken: { href: string }[] };
    assert.is(json.broken.length, 8);
    for (const path of ['/gone.html', '/nothing-here', '/pics/none.png', '/not-there', '/nothing/', '/old/missing.html', '/old/gone.html']) store.set({ path, status: 301, source: '/about/' });
    store.set({ path: '/no-source', status: 301, source: '/about/' });
    const fixed = await runCli(['check'], { cwd: dir });
    assert.is(fixed.code, 0, describe(fixed));
    assert.is(fixed.stdout, '');
    assert.is(fixed.stderr, '19 internal links on 4 pages checked: none broken\n');
  });
});

Check('a page opening with a rule (----) has no front matter, as the wiki renders it: its links are read from the first line', async () => {
  const spec = { files: { 'wiki/Ruled.md': '----\n[gone](/nowhere)\n\n---\n' }, rows: [{ path: '/ruled', status: 200, source: 'wiki:Ruled' }] };
  await withSite(spec, async ({ config, store }) => {
    const report = await checkLinks(config, store);
    assert.equal(report.broken.map((link) => `${link.line} ${link.href}`), ['2 /nowhere']);
  });
});

Check.run();
