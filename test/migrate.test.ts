/**
 * `pagemap migrate`: a legacy HTML page moved to the wiki — its content as Markdown without the
 * old site's chrome, its bytes decoded as the page says or a browser of the day would guess,
 * its row switched, the page rebuilt, the legacy file untouched. Fixtures in
 * test/fixtures/legacy/ hold what legacy HTML of that era holds.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeLegacyHtml, legacyPageToMarkdown } from '../build/legacyToMarkdown.js';
import { wikiNameFor } from '../build/migrate.js';
import { PACKAGE_ROOT } from '../core/config.js';
import { PageMapStore } from '../core/pageMap.js';
import { describe, runCli, withRuntime } from './helpers.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'legacy');
const fixture = (name: string) => readFile(join(FIXTURES, name));

const Convert = suite('migrate: a legacy page as Markdown');

Convert('a table layout: the content cell kept; banner, navigation column, footer, scripts and styles left out', async () => {
  const { title, markdown } = legacyPageToMarkdown(await fixture('layout.html'), '/doc/ext/index.html');
  assert.is(title, 'Extending and Embedding');
  for (const chrome of ['SITE BANNER', 'NavHome', 'NavDownload', 'Sponsored', 'FOOTER', 'hits', 'font-size']) assert.not.ok(markdown.includes(chrome), `${chrome} left out`);
  assert.ok(markdown.startsWith('# Extending & Embedding\n'), markdown);
  // <font>, <center> and entities: the text, decoded.
  assert.ok(markdown.includes('**Café edition © 2002 — draft**'), markdown);
  assert.ok(markdown.includes('Last changed 2002-03-01 by the doc team.'));
});

Convert('headings, lists, <pre>, <tt>, data tables and definition lists survive', async () => {
  const { markdown } = legacyPageToMarkdown(await fixture('layout.html'), '/doc/ext/index.html');
  assert.ok(markdown.includes('## Steps\n\n1.  Write the module in C.\n2.  Compile it:\n    -   on Unix with `make`,\n    -   on Windows with the project file.'), markdown);
  assert.ok(markdown.includes('```\nstatic PyObject *\nspam_system(PyObject *self, PyObject *args)\n{\n    if (n < 0 && flag) return NULL;\n}\n```'), markdown);
  assert.ok(markdown.includes('| C type | Python type |\n| --- | --- |\n| `long` | int |\n| `char *` | str |'), markdown);
  assert.ok(markdown.includes('<dl><dt><b>reference count</b></dt><dd>How many places hold the object.</dd><dt>borrowed reference</dt><dd>One you must not <i>decref</i>.</dd></dl>'), markdown);
});

Convert('relative links and images become site paths valid from the page\'s URL; anchors, other sites and mail stay as written', async () => {
  const { markdown } = legacyPageToMarkdown(await fixture('layout.html'), '/doc/ext/index.html');
  assert.ok(markdown.includes('[API introduction](/doc/api/intro.html)'), markdown);
  assert.ok(markdown.includes('[chapter 2](/doc/ext/sub/chapter2.html#refcounts)'));
  assert.ok(markdown.includes('[notes](#notes)'));
  assert.ok(markdown.includes('[the manuals](http://www.python.org/doc/)'));
  assert.ok(markdown.includes('[the editors](mailto:docs@python.org)'));
  assert.ok(markdown.includes('![The layers](/doc/ext/figures/layers.png)'));
});

Convert('bytes decoded as the page says, else as UTF-8 when they are, else as windows-1252 (as browsers read "Latin-1")', async () => {
  const withMeta = legacyPageToMarkdown(await fixture('latin1-meta.html'), '/menu.html');
  assert.is(withMeta.title, 'Café menu');
  assert.is(withMeta.encoding, 'windows-1252 (meta charset iso-8859-1)');
  assert.is(withMeta.markdown, '# Café ©\n\nGröße: groß. Price: 5 ¤ or € 5.\n');
  const guessed = legacyPageToMarkdown(await fixture('latin1-guessed.html'), '/strasse.html');
  assert.is(guessed.encoding, 'windows-1252 (not UTF-8, no charset given)');
  assert.is(guessed.markdown, '# Straße\n\nMünchen – Zürich “quoted”.\n');
  const utf8 = legacyPageToMarkdown(await fixture('utf8-plain.html'), '/strasse.html');
  assert.is(utf8.encoding, 'utf-8 (valid UTF-8, no charset given)');
  assert.is(utf8.markdown, '# Straße\n\nMünchen – Zürich.\n');
  // An unknown label is guessed at, as a browser would.
  assert.is(decodeLegacyHtml(Buffer.from('<meta charset="x-unknown">caf\u00e9', 'utf8')).encoding, 'utf-8 (valid UTF-8, no charset given)');
});

Convert('the sample site\'s legacy pages: a table of questions and a data table without a heading row', async () => {
  const faq = legacyPageToMarkdown(await readFile(join(PACKAGE_ROOT, 'content/legacy/doc/faq.html')), '/doc/faq.html');
  assert.ok(faq.markdown.startsWith('# Frequently Asked Questions\n\n**1\\. Is Python free?**\n\nYes.'), faq.markdown);
  const index = legacyPageToMarkdown(await readFile(join(PACKAGE_ROOT, 'content/legacy/doc/index.html')), '/doc/index.html');
  assert.ok(index.markdown.includes('| [Tutorial](/doc/tutorial.html) | start here |'), index.markdown);
  assert.not.ok(index.markdown.includes('Download'), 'the navigation column is left out');
});

Convert('the wiki name a path suggests', () => {
  assert.is(wikiNameFor('/doc/tutorial.html'), 'doc/tutorial');
  assert.is(wikiNameFor('/about/index.html'), 'about');
  assert.is(wikiNameFor('/index.html'), 'FrontPage');
  assert.is(wikiNameFor('/news/2005/notes'), 'news/2005/notes');
});

Convert.run();

// ---------------------------------------------------------------------------------------

const Command = suite('migrate on the command line');

const LEGACY = {
  'legacy/doc/ext/index.html': '',
  'legacy/doc/ext/guide.htm': '<html><head><title>Guide</title></head><body><h1>Guide</h1><p>See <a href="index.html">the index</a>.</p></body></html>',
  'legacy/doc/quickref.pdf': '%PDF-1.4\n',
  'wiki/Taken.md': '# Taken\n',
};

Command('a page moved: the wiki page written with its title, the row switched, the page rebuilt and served at once; the legacy file untouched', async () => {
  const layout = await fixture('layout.html');
  const rows = [
    { path: '/doc/ext/index.html', status: 200, source: 'file:doc/ext/index.html' },
    { path: '/doc/ext/guide.htm', status: 200, source: 'file:doc/ext/guide.htm' },
    { path: '/doc/quickref.pdf', status: 200, source: 'file:doc/quickref.pdf' },
  ];
  await withRuntime({ files: { ...LEGACY, 'legacy/doc/ext/index.html': layout }, rows, build: true }, async (site) => {
    const before = await fetch(`${site.url}/doc/ext/`);
    assert.ok((await before.text()).includes('NavDownload'), 'served as the legacy file first');

    const dry = await runCli(['migrate', '/doc/ext/', '--dry-run'], { cwd: site.dir });
    assert.is(dry.code, 0, describe(dry));
    assert.ok(dry.stdout.startsWith('---\ntitle: "Extending and Embedding"\nmigrated_from: "file:doc/ext/index.html"\n---\n\n# Extending & Embedding\n'), dry.stdout);
    assert.match(dry.stderr, /^would migrate \/doc\/ext\/index\.html: file:doc\/ext\/index\.html → wiki:doc\/ext \(.*wiki\/doc\/ext\.md, read as utf-8 \(meta charset utf-8\)\)\n$/);
    assert.is(await readFile(join(site.dir, 'wiki/doc/ext.md')).then(() => 'written', () => 'absent'), 'absent', 'a dry run writes nothing');

    const moved = await runCli(['migrate', '/doc/ext/'], { cwd: site.dir });
    assert.is(moved.code, 0, describe(moved));
    assert.is(await readFile(join(site.dir, 'wiki/doc/ext.md'), 'utf8'), dry.stdout, 'the dry run showed what is written');
    assert.equal(await readFile(join(site.dir, 'legacy/doc/ext/index.html')), layout, 'the legacy file is never touched');
    const store = new PageMapStore(site.config.database, { readonly: true });
    try {
      assert.is(store.get('/doc/ext/')?.source, 'wiki:doc/ext');
    } finally {
      store.close();
    }
    const after = await (await fetch(`${site.url}/doc/ext/`)).text();
    assert.ok(after.includes('<h1>Extending &amp; Embedding</h1>'), after);
    assert.ok(after.includes('<table>') && after.includes('<dl>') && after.includes('<pre><code>static PyObject'), 'tables, definition lists and code reach the page');
    assert.not.ok(after.includes('NavDownload'));

    const named = await runCli(['migrate', '/doc/ext/guide.htm', '--to', 'wiki:ExtGuide'], { cwd: site.dir });
    assert.is(named.code, 0, describe(named));
    assert.match(await readFile(join(site.dir, 'wiki/ExtGuide.md'), 'utf8'), /\[the index\]\(\/doc\/ext\/index\.html\)/);
  });
});

Command('what cannot be moved is refused with the reason, and nothing is written', async () => {
  const rows = [
    { path: '/doc/quickref.pdf', status: 200, source: 'file:doc/quickref.pdf' },
    { path: '/doc/ext/guide.htm', status: 200, source: 'file:doc/ext/guide.htm' },
    { path: '/gone.html', status: 410 },
    { path: '/wiki-page', status: 200, source: 'wiki:Taken' },
    { path: '/missing.html', status: 200, source: 'file:missing.html' },
  ];
  await withRuntime({ files: LEGACY, rows }, async (site) => {
    const cases: [string[], RegExp][] = [
      [['migrate', '/doc/quickref.pdf'], /^error: \/doc\/quickref\.pdf: "doc\/quickref\.pdf" is not an HTML page; it stays a legacy file\n$/],
      [['migrate', '/gone.html'], /^error: \/gone\.html: a 410 row, not a page\n$/],
      [['migrate', '/wiki-page'], /^error: \/wiki-page: already a wiki page \(wiki:Taken\)\n$/],
      [['migrate', '/missing.html'], /^error: \/missing\.html: legacy file .*missing\.html does not exist\n$/],
      [['migrate', '/nowhere.html'], /^error: \/nowhere\.html: no row/],
      [['migrate', '/doc/ext/guide.htm', '--to', 'wiki:Taken'], /^error: \/doc\/ext\/guide\.htm: wiki page .*Taken\.md already exists; name another with --to wiki:Name\n$/],
      [['migrate', '/doc/ext/guide.htm', '--to', 'wiki:../escape'], /^error: \/doc\/ext\/guide\.htm: has source "wiki:\.\.\/escape"/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: site.dir });
      assert.is(result.code, 1, describe(result));
      assert.match(result.stderr, message);
    }
    assert.is(await readFile(join(site.dir, 'wiki/Taken.md'), 'utf8'), '# Taken\n', 'an existing wiki page is never overwritten');
    const usage = await runCli(['migrate'], { cwd: site.dir });
    assert.is(usage.code, 2, describe(usage));
  });
});

Command('--all-under moves every legacy HTML page of a subtree and reports each; one that fails does not stop the rest', async () => {
  const rows = [
    { path: '/doc/a.html', status: 200, source: 'file:doc/a.html' },
    { path: '/doc/sub/b.html', status: 200, source: 'file:doc/sub/b.html' },
    { path: '/doc/c.html', status: 200, source: 'file:doc/c.html' },
    { path: '/doc/quickref.pdf', status: 200, source: 'file:doc/quickref.pdf' },
    { path: '/other/d.html', status: 200, source: 'file:other/d.html' },
  ];
  const page = (title: string) => `<html><head><title>${title}</title></head><body><h1>${title}</h1><p>Text of ${title}.</p></body></html>`;
  const files = { 'legacy/doc/a.html': page('A'), 'legacy/doc/sub/b.html': page('B'), 'legacy/doc/c.html': page('C'), 'legacy/doc/quickref.pdf': '%PDF\n', 'legacy/other/d.html': page('D'), 'wiki/doc/c.md': '# C exists\n' };
  await withRuntime({ files, rows }, async (site) => {
    const result = await runCli(['migrate', '--all-under', '/doc/'], { cwd: site.dir });
    assert.is(result.code, 1, describe(result));
    assert.is(
      result.stderr,
      [
        'migrated /doc/a.html → wiki:doc/a',
        `not migrated: /doc/c.html: wiki page ${join(site.dir, 'wiki/doc/c.md')} already exists; name another with --to wiki:Name`,
        'migrated /doc/sub/b.html → wiki:doc/sub/b',
        '/doc/: 2 pages migrated, 1 not',
        '',
      ].join('\n'),
    );
    assert.ok((await readFile(join(site.dir, 'wiki/doc/sub/b.md'), 'utf8')).includes('Text of B.'));
    assert.is(await readFile(join(site.dir, 'wiki/doc/c.md'), 'utf8'), '# C exists\n');
  });
});

Command.run();
