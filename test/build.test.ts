import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { APACHE_CONFIG_FILE, APACHE_DBM_FILE, APACHE_MAP_FILE, apacheMapKey, apacheRowsOf, findHttxt2dbm, renderApacheConfig, renderApacheMap, writeApacheConfig } from '../build/apacheConfig.js';
import { TEMP_PREFIX } from '../build/atomicWrite.js';
import { type BuildReport, SiteBuilder, runBuild } from '../build/build.js';
import { workersStarted } from '../build/renderPool.js';
import { resolveConfig } from '../core/config.js';
import type { PageMapStore } from '../core/pageMap.js';
import type { ValidRow } from '../core/pageRow.js';
import { type Site, type SiteSpec, withSite } from './helpers.js';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0xff, 0x00, 0x7f]);

/** The site these tests share: wiki pages (one also a folder of pages), legacy files, every status. */
const SITE: SiteSpec = {
  files: {
    'wiki/Home.md': '---\ntitle: Welcome home\n---\nHello *wiki*.\n',
    'wiki/About.md': '# About us\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
    'wiki/Guide.md': '---\ntitle: Guide\n---\nSee [Download](Guide/Download).\n',
    'wiki/Guide/Download.md': '---\ntitle: Getting it\n---\nBack to [the guide](../Guide).\n',
    'legacy/old/page.html': '<html><body>old &amp; loved</body></html>\n',
    'legacy/pics/logo.png': PNG,
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Home' },
    { path: '/about/index.html', status: 200, source: 'wiki:About' },
    { path: '/Guide', status: 200, source: 'wiki:Guide' },
    { path: '/Guide/Download', status: 200, source: 'wiki:Guide/Download' },
    { path: '/old/page.html', status: 200, source: 'file:old/page.html' },
    { path: '/pics/logo.png', status: 200, source: 'file:pics/logo.png' },
    { path: '/moved.html', status: 301, source: '/about/' },
    { path: '/temp', status: 302, source: 'https://example.org/x?y=1' },
    { path: '/missing.html', status: 404 },
    { path: '/gone.html', status: 410 },
  ],
};

function withBuildSite(run: (site: Site, store: PageMapStore) => Promise<void>): Promise<void> {
  return withSite(SITE, (site) => run(site, site.store));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

async function mtimesUnder(dir: string): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const file of await filesUnder(dir)) result.set(file, (await stat(join(dir, file))).mtimeMs);
  return result;
}

const Outputs = suite('build: outputs');

Outputs('every 200 row is in public/ with the right bytes; other rows have no page', async () => {
  await withBuildSite(async (site, store) => {
    const report = await runBuild(site.config, store);
    assert.equal(report.failures, []);
    assert.is(report.pages, 6);
    const pub = site.config.publicDir;
    assert.equal(await readFile(join(pub, 'old/page.html'), 'utf8'), '<html><body>old &amp; loved</body></html>\n');
    assert.equal(new Uint8Array(await readFile(join(pub, 'pics/logo.png'))), PNG);
    const home = await readFile(join(pub, 'index.html'), 'utf8');
    assert.ok(home.startsWith('<!DOCTYPE html>'));
    assert.ok(home.includes('<h1>Welcome home</h1>'), 'title from front matter becomes the h1');
    assert.ok(home.includes('<p>Hello <em>wiki</em>.</p>'));
    assert.ok(home.includes('<title>Welcome home'));
    const about = await readFile(join(pub, 'about/index.html'), 'utf8');
    assert.ok(about.includes('<h1>About us</h1>') && !about.includes('<h1>About us</h1>\n<h1>'), 'a leading h1 is not doubled');
    assert.ok(about.includes('<table>') && about.includes('<td>1</td>'), 'tables are on');
    const files = await filesUnder(pub);
    for (const absent of ['moved.html', 'temp', 'missing.html', 'gone.html']) assert.not.ok(files.includes(absent), absent);
    for (const own of ['_pagemap/404.html', '_pagemap/410.html', '_pagemap/style.css', '_pagemap/print.css', '_pagemap/logo.svg', '_pagemap/favicon.svg']) assert.ok(files.includes(own), own);
    assert.not.ok(files.some((f) => f.includes(TEMP_PREFIX)), 'no temp files left behind');
    const notFound = await readFile(join(pub, '_pagemap/404.html'), 'utf8');
    assert.ok(notFound.includes('/_pagemap/style.css'), 'error pages link assets absolutely: they are served at any URL');
    assert.ok(home.includes('<link rel="icon" href="/_pagemap/favicon.svg" type="image/svg+xml">'), 'browsers find the icon without asking for /favicon.ico');
    assert.ok(home.includes(`<p class="last-modified">Page last modified ${new Date((await stat(join(site.dir, 'wiki/Home.md'))).mtimeMs).toISOString().slice(0, 10)}</p>`));
  });
});

Outputs('the 404 and 410 pages: crumbs lead home only, and no "last modified" line', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    for (const [status, title] of [[404, 'Page not found'], [410, 'Page gone']] as const) {
      const page = await readFile(join(site.config.publicDir, `_pagemap/${status}.html`), 'utf8');
      assert.match(page, new RegExp(`<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> <span class="sep">&gt;</span> <span class="here">${title}</span></nav>`));
      assert.not.match(page, /_pagemap<\/|last modified/i);
    }
  });
});

Outputs('nothing from a path or a front matter title reaches the HTML unescaped', async () => {
  await withBuildSite(async (site, store) => {
    await site.write({ 'wiki/Evil.md': '---\ntitle: "<img src=x onerror=alert(1)> & \\"q\\""\n---\nBody.\n' });
    const path = '/a"><script>alert(1)</script>/b\'<svg onload=alert(2)>';
    store.set({ path: path.replace(/%/g, '%25'), status: 200, source: 'wiki:Evil' });
    store.set({ path: path.replace(/%/g, '%25') + '/child', status: 200, source: 'wiki:Evil' });
    const report = await runBuild(site.config, store);
    assert.equal(report.failures, []);
    const html = await readFile(join(site.config.publicDir, path.slice(1), 'child'), 'utf8');
    assert.not.match(html, /<script>alert|<svg onload|<img src=x/);
    assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; |'), html.slice(0, 400));
    assert.ok(html.includes('&lt;svg onload=alert(2)&gt;'), 'the crumb names the folder, escaped');
  });
});

Outputs('a page that is also a folder of pages lives inside that folder, and moves back when the folder empties', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const pub = site.config.publicDir;
    const guide = await readFile(join(pub, 'Guide/.pagemap-page'), 'utf8');
    assert.ok(guide.includes('href="Guide/Download"'), 'relative links are left for the browser to resolve from the page URL');
    assert.ok((await readFile(join(pub, 'Guide/Download'), 'utf8')).includes('Getting it'));
    store.remove('/Guide/Download');
    const report = await runBuild(site.config, store);
    assert.equal(report.failures, []);
    assert.ok((await readFile(join(pub, 'Guide'), 'utf8')).includes('<h1>Guide</h1>'));
  });
});

Outputs('breadcrumbs link parents that are pages and name the page', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const download = await readFile(join(site.config.publicDir, 'Guide/Download'), 'utf8');
    assert.match(download, /<a href="\/">Home<\/a> <span class="sep">&gt;<\/span> <a href="\/Guide">Guide<\/a> <span class="sep">&gt;<\/span> <span class="here">Getting it<\/span>/);
  });
});

Outputs('a build of some paths (a batch of misses) writes the bytes a whole build writes: crumbs of pages sharing a folder, and of its page', async () => {
  await withBuildSite(async (site, store) => {
    await site.write({ 'wiki/Guide/Mirrors.md': '# Mirrors\n\nNear you.\n', 'wiki/Guide/Deep/Notes.md': '# Notes\n' });
    store.applyRows(
      [
        { path: '/Guide/Mirrors', status: 200, source: 'wiki:Guide/Mirrors' },
        { path: '/Guide/Deep/Notes', status: 200, source: 'wiki:Guide/Deep/Notes' },
      ],
      'import',
    );
    await runBuild(site.config, store);
    const pub = site.config.publicDir;
    const files = ['Guide/Download', 'Guide/Mirrors', 'Guide/Deep/Notes', 'Guide/.pagemap-page'];
    const whole = await Promise.all(files.map((file) => readFile(join(pub, file), 'utf8')));
    assert.ok(whole[1]!.includes('<a href="/Guide">Guide</a>'), 'the folder is a page: its crumb links it');
    for (const file of files) await rm(join(pub, file));
    const builder = await SiteBuilder.open(site.config, store);
    try {
      const report = await builder.build({ paths: ['/Guide/Download', '/Guide/Mirrors', '/Guide/Deep/Notes'] });
      assert.equal(report.failures, []);
      assert.is(report.counts.written, 4, 'the three and their folder\'s page');
    } finally {
      await builder.close();
    }
    assert.equal(await Promise.all(files.map((file) => readFile(join(pub, file), 'utf8'))), whole);
  });
});

Outputs('a big build renders in worker threads, with the same bytes as a small one, and reports a bad page', async () => {
  await withBuildSite(async (site, store) => {
    const files: Record<string, string> = { 'wiki/Broken.md': '---\ntitle: [oops\n---\n' };
    const rows = [{ path: '/broken', status: 200 as const, source: 'wiki:Broken' }];
    for (let i = 0; i < 300; i++) {
      files[`wiki/many/p${i}.md`] = `# Page ${i}\n\nText of page ${i}.\n`;
      rows.push({ path: `/many/p${i}.html`, status: 200, source: `wiki:many/p${i}` });
    }
    await site.write(files);
    store.applyRows(rows, 'import');
    const report = await runBuild(site.config, store);
    assert.equal(report.failures.map((f) => f.path), ['/broken']);
    assert.match(report.failures[0]!.message, /wiki:Broken .*front matter/);
    assert.is(report.counts.written, 300 + 6 + 6, '300 + 6 pages, the 404 and 410 pages and 4 assets');
    const pooled = await readFile(join(site.config.publicDir, 'many/p7.html'), 'utf8');
    assert.ok(pooled.includes('<h1>Page 7</h1>') && pooled.includes('<p>Text of page 7.</p>'));
    // Re-render just that page, in a pool of one worker: the bytes must not depend on how many rendered.
    await rm(join(site.config.publicDir, 'many/p7.html'));
    const small = await runBuild(site.config, store);
    assert.is(small.counts.written, 1);
    assert.is(await readFile(join(site.config.publicDir, 'many/p7.html'), 'utf8'), pooled);
  });
});

Outputs('a first build bigger than a planning slice: every page once, progress to the total, failures from any slice, all recorded', async () => {
  await withBuildSite(async (site, store) => {
    const files: Record<string, string> = { 'wiki/late/Broken.md': '---\ntitle: [oops\n---\n' };
    const rows: ValidRow[] = [];
    for (let i = 0; i < 1300; i++) {
      files[`wiki/s${Math.floor(i / 100)}/p${i}.md`] = `# Page ${i}\n`;
      rows.push({ path: `/s${Math.floor(i / 100)}/p${i}.html`, status: 200, source: `wiki:s${Math.floor(i / 100)}/p${i}` });
    }
    // Planned last (paths in order): a broken page and a missing one in the last slice.
    rows.push({ path: '/zz/broken.html', status: 200, source: 'wiki:late/Broken' }, { path: '/zz/missing.html', status: 200, source: 'wiki:late/Missing' });
    await site.write(files);
    store.applyRows(rows, 'import');
    const progress: number[] = [];
    const report = await runBuild(site.config, store, { onProgress: (done, total) => (assert.is(total, 1302 + 6 + 6), progress.push(done)) });
    assert.equal(report.failures.map((f) => f.path), ['/zz/broken.html', '/zz/missing.html']);
    assert.is(report.counts.written, 1300 + 6 + 6, '1,300 pages, the site\'s 6, and pagemap\'s own 2 error pages and 4 assets');
    assert.equal(progress, Array.from({ length: 1314 }, (_, i) => i + 1), 'each job counted once, in order');
    assert.match(await readFile(join(site.config.publicDir, 's12/p1299.html'), 'utf8'), /<h1>Page 1299<\/h1>/);
    const again = await runBuild(site.config, store);
    assert.equal([again.counts.written, again.counts.unchanged], [0, 1312], 'every page recorded: the next build writes none');
  });
});

Outputs('a rebuild starts one worker when its stat pass finds a page to render, and uses it; a no-op starts none', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    let before = workersStarted;
    await runBuild(site.config, store);
    assert.is(workersStarted - before, 0, 'nothing to render');
    await writeFile(join(site.config.wikiDir, 'About.md'), '# About us, edited\n');
    before = workersStarted;
    const report = await runBuild(site.config, store);
    assert.is(report.counts.written, 1);
    assert.is(workersStarted - before, 1, 'the worker the stat pass started renders the page');
  });
});

/** The site with a templates folder of its own (the shipped page.html with `<body class="v2">`), to edit. */
async function withOwnTemplates(site: Site): Promise<{ config: Site['config']; templates: string }> {
  const templates = join(site.dir, 'templates');
  const shipped = site.config.templatesDir;
  await site.write({
    'templates/page.html': (await readFile(join(shipped, 'page.html'), 'utf8')).replace('<body>', '<body class="v2">'),
    'templates/nav.json': await readFile(join(shipped, 'nav.json'), 'utf8'),
    'templates/404.md': '# Not here\n',
    'templates/410.md': '# Gone\n',
    'templates/assets/style.css': 'body{}\n',
  });
  return { config: { ...site.config, templatesDir: templates }, templates };
}

const Incremental = suite('build: incremental');

Incremental('a second build writes nothing', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const before = await mtimesUnder(site.config.publicDir);
    await new Promise((r) => setTimeout(r, 20));
    const report = await runBuild(site.config, store);
    assert.is(report.counts.written, 0);
    assert.is(report.counts.removed, 0);
    assert.equal(await mtimesUnder(site.config.publicDir), before);
  });
});

Incremental('editing one wiki page rewrites only that page', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const before = await mtimesUnder(site.config.publicDir);
    await new Promise((r) => setTimeout(r, 20));
    await site.write({ 'wiki/About.md': '# About us\n\nNew text.\n' });
    const report = await runBuild(site.config, store);
    assert.is(report.counts.written, 1);
    const after = await mtimesUnder(site.config.publicDir);
    for (const [file, mtime] of before) {
      if (file === 'about/index.html') assert.is.not(after.get(file), mtime, file);
      else assert.is(after.get(file), mtime, file);
    }
    assert.ok((await readFile(join(site.config.publicDir, 'about/index.html'), 'utf8')).includes('New text.'));
  });
});

Incremental('touching a source without changing it writes nothing', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const when = new Date();
    await utimes(join(site.dir, 'legacy/old/page.html'), when, when);
    const report = await runBuild(site.config, store);
    assert.is(report.counts.written, 0);
  });
});

Incremental('a template change re-renders every wiki page and copies no legacy file', async () => {
  await withBuildSite(async (site, store) => {
    const { config, templates } = await withOwnTemplates(site);
    await runBuild(config, store);
    await site.write({ 'templates/page.html': (await readFile(join(templates, 'page.html'), 'utf8')).replace('class="v2"', 'class="v3"') });
    const report = await runBuild(config, store);
    // four wiki pages and the two error pages share the template; the legacy copies do not.
    assert.is(report.counts.written, 6);
    assert.ok((await readFile(join(site.config.publicDir, 'index.html'), 'utf8')).includes('class="v3"'));
  });
});

Incremental('a template change re-wraps pages whose source is unchanged, without rendering their Markdown: byte for byte a full render; an edited source, or a page changed behind the build\'s back, is rendered', async () => {
  await withBuildSite(async (site, store) => {
    const { config, templates } = await withOwnTemplates(site);
    await runBuild(config, store);
    await site.write({
      'templates/page.html': (await readFile(join(templates, 'page.html'), 'utf8')).replace('class="v2"', 'class="v3"'),
      'wiki/About.md': '# About us\n\nEdited with the template.\n',
    });
    // A page changed behind the build's back cannot be trusted for its body.
    const home = join(site.config.publicDir, 'index.html');
    await writeFile(home, (await readFile(home, 'utf8')).replace('</main>', '<p>tampered</p></main>'));
    const report = await runBuild(config, store);
    assert.is(report.counts.written, 6);
    // Six written: About (edited) and the home page (tampered) rendered, the other two wiki pages
    // and the two error pages re-wrapped.
    assert.is(report.rewrapped, 4);
    const rewrapped = await filesUnder(site.config.publicDir);
    // The same site rendered from scratch: every byte the same.
    const fresh = { ...config, publicDir: join(site.dir, 'fresh') };
    await runBuild(fresh, store, { full: true });
    for (const file of rewrapped) assert.is(await readFile(join(fresh.publicDir, file), 'utf8'), await readFile(join(site.config.publicDir, file), 'utf8'), file);
    assert.ok((await readFile(home, 'utf8')).includes('class="v3"'));
    assert.not.ok((await readFile(home, 'utf8')).includes('tampered'));
    assert.ok((await readFile(join(site.config.publicDir, 'about/index.html'), 'utf8')).includes('Edited with the template.'));
  });
});

Incremental('--full writes every output again', async () => {
  await withBuildSite(async (site, store) => {
    const first = await runBuild(site.config, store);
    const full = await runBuild(site.config, store, { full: true });
    assert.is(full.counts.written, first.counts.written);
    assert.is(full.counts.removed, 0);
  });
});

const Ownership = suite('build: ownership');

Ownership('removing a row removes its page, and nothing the build did not write', async () => {
  await withBuildSite(async (site, store) => {
    await site.write({ 'public/keep.txt': 'mine\n', 'public/old/notes.txt': 'also mine\n' });
    await runBuild(site.config, store);
    store.remove('/old/page.html');
    store.remove('/pics/logo.png');
    const report = await runBuild(site.config, store);
    assert.is(report.counts.removed, 2);
    const files = await filesUnder(site.config.publicDir);
    assert.not.ok(files.includes('old/page.html'));
    assert.not.ok(files.includes('pics/logo.png'));
    assert.not.ok(files.some((f) => f.startsWith('pics')), 'a folder the build emptied is removed');
    assert.ok(files.includes('keep.txt') && files.includes('old/notes.txt'), 'foreign files survive');
  });
});

Ownership('a missing source is reported with its path, the rest is built, and its old page goes', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    await rm(join(site.dir, 'wiki/About.md'));
    store.set({ path: '/nope', status: 200, source: 'file:does/not/exist' });
    const report = await runBuild(site.config, store);
    assert.equal(
      report.failures.map((f) => f.path),
      ['/about/index.html', '/nope'],
    );
    assert.match(report.failures[0]!.message, /wiki page About not found/);
    assert.is(report.counts.failed, 2);
    const files = await filesUnder(site.config.publicDir);
    assert.not.ok(files.includes('about/index.html'), 'a page whose source is gone is not served stale');
    assert.ok(files.includes('index.html'));
  });
});

Ownership('a symlink out of the legacy root is refused, not copied', async () => {
  await withBuildSite(async (site, store) => {
    await writeFile(join(site.dir, 'secret.txt'), 'secret\n');
    await symlink(join(site.dir, 'secret.txt'), join(site.dir, 'legacy/leak.txt'));
    store.set({ path: '/leak.txt', status: 200, source: 'file:leak.txt' });
    const report = await runBuild(site.config, store);
    assert.equal(report.failures.map((f) => f.path), ['/leak.txt']);
    assert.match(report.failures[0]!.message, /outside/);
    assert.not.ok((await filesUnder(site.config.publicDir)).includes('leak.txt'));
  });
});

Ownership('bad front matter fails that page only, naming the source', async () => {
  await withBuildSite(async (site, store) => {
    await site.write({ 'wiki/Home.md': '---\ntitle: [unclosed\n---\nx\n' });
    const report = await runBuild(site.config, store);
    assert.equal(report.failures.map((f) => f.path), ['/index.html']);
    assert.match(report.failures[0]!.message, /wiki:Home .*front matter/);
    assert.is(report.counts.written > 0, true);
  });
});

const Apache = suite('build: Apache configuration');

Apache('the map holds every redirect, 404 and 410 row, keyed as int:escape writes the path', async () => {
  await withBuildSite(async (site, store) => {
    store.set({ path: '/Café menu.html', status: 301, source: '/about/' });
    store.set({ path: '/odd"quote', status: 410 });
    await runBuild(site.config, store);
    const map = await readFile(join(site.config.apacheDir, APACHE_MAP_FILE), 'utf8');
    const lines = map.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines.sort(), [
      '/Caf%c3%a9%20menu.html 301:/about/',
      '/gone.html 410:-',
      '/missing.html 404:-',
      '/moved.html 301:/about/',
      '/odd%22quote 410:-',
      '/temp 302:https://example.org/x?y=1',
    ]);
    assert.ok(lines.every((l) => l.split(' ').length === 2), 'keys and values never hold spaces');
    assert.is(apacheMapKey('/a b/[x]+y;z&é'), '/a%20b/%5bx%5d+y;z&%c3%a9');
    const conf = await readFile(join(site.config.apacheDir, APACHE_CONFIG_FILE), 'utf8');
    assert.ok(conf.includes(`Alias /data/ "${site.config.legacyDir}/"`));
    // A DBM map where httxt2dbm exists (CI installs apache2-utils), else the txt map itself.
    const dbm = findHttxt2dbm() ? `dbm=db:${join(site.config.apacheDir, APACHE_DBM_FILE)}` : `txt:${join(site.config.apacheDir, APACHE_MAP_FILE)}`;
    assert.ok(conf.includes(`RewriteMap pm_map "${dbm}"`), conf);
    assert.ok(conf.includes('ErrorDocument 404 /_pagemap/404.html'));
    assert.ok(conf.includes('ErrorDocument 410 /_pagemap/410.html'));
    assert.match(conf, /RewriteRule \^ http:\/\/127\.0\.0\.1:8080%1 \[P,NE,L,UnsafeAllow3F\]/);
  });
});

Apache('a build with the map unchanged reads none of its redirect rows; any change to the rows, by anyone, rewrites the map', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const mapFile = join(site.config.apacheDir, APACHE_MAP_FILE);
    const before = await readFile(mapFile, 'utf8');
    // Count the reads of every row (what a million-row map makes slow): each starts at the first path.
    let wholeReads = 0;
    const rowsAfter = store.rowsAfter.bind(store);
    store.rowsAfter = (after, limit) => (after === '' && wholeReads++, rowsAfter(after, limit));
    await runBuild(site.config, store);
    assert.is(wholeReads, 0, 'a no-op build reads no redirect row');
    store.set({ path: '/new-redirect.html', status: 301, source: '/about/' });
    await runBuild(site.config, store);
    assert.is(wholeReads, 1);
    assert.ok((await readFile(mapFile, 'utf8')).includes('/new-redirect.html 301:/about/'));
    // Another connection (another process, the sqlite3 shell) changing a row moves the revision too.
    const other = new Database(site.config.database);
    other.prepare("UPDATE pages SET source = '/psf/' WHERE path = '/new-redirect.html'").run();
    other.close();
    await runBuild(site.config, store);
    assert.is(wholeReads, 2);
    assert.ok((await readFile(mapFile, 'utf8')).includes('/new-redirect.html 301:/psf/'));
    await runBuild(site.config, store);
    assert.is(wholeReads, 2, 'and then it is current again');
    // A map file changed behind the build's back is put right, rows read again.
    await writeFile(mapFile, before);
    await runBuild(site.config, store);
    assert.is(wholeReads, 3);
    assert.ok((await readFile(mapFile, 'utf8')).includes('/new-redirect.html 301:/psf/'));
  });
});

/** Rows enough for the Apache map to be read in several pieces: redirects to redirects across them, a prefix row and a pattern row shadowing pages. */
function manyRows(count: number): ValidRow[] {
  const rows: ValidRow[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0');
    rows.push({ path: `/aa/old-${n}.html`, status: 301, source: `/zz/moved-${n}.html` }); // read long before its target
    rows.push({ path: `/zz/moved-${n}.html`, status: i % 2 ? 302 : 301, source: i % 3 ? '/about/' : `/zz/moved-${String(i + 1).padStart(6, '0')}.html` });
  }
  rows.push({ path: '/aa/', status: 301, source: '/about/' }, { path: '~^/zz/moved-00000(\\d)\\.html$', status: 410, source: '' });
  return rows;
}

Apache('a map of many rows is read in pieces and written as one: the same text as made from all the rows at once', async () => {
  await withBuildSite(async (site, store) => {
    store.applyRows(manyRows(12_000), 'import');
    let pieces = 0;
    const rowsAfter = store.rowsAfter.bind(store);
    store.rowsAfter = (after, limit) => (pieces++, rowsAfter(after, limit));
    await runBuild(site.config, store);
    assert.ok(pieces > 2, `read in ${pieces} pieces`);
    const map = await readFile(join(site.config.apacheDir, APACHE_MAP_FILE), 'utf8');
    assert.is(map, renderApacheMap(store.all()));
    assert.ok(map.includes('/aa/old-000000.html 302:/about/'), 'a chain across pieces, collapsed to its one hop');
  });
});

Apache('rows changed by another process while the map is read: it is made again from the rows as they are now', async () => {
  await withBuildSite(async (site, store) => {
    store.applyRows(manyRows(12_000), 'import');
    const rowsAfter = store.rowsAfter.bind(store);
    let changed = false;
    store.rowsAfter = (after, limit) => {
      // Between two pieces of the first reading, another connection moves a row already read and one not yet.
      if (after !== '' && !changed) {
        changed = true;
        const other = new Database(site.config.database);
        other.prepare("UPDATE pages SET source = '/psf/' WHERE path IN ('/aa/old-000001.html', '/zz/moved-011999.html')").run();
        other.close();
      }
      return rowsAfter(after, limit);
    };
    const report = await runBuild(site.config, store);
    assert.is(report.failures.length, 0);
    const map = await readFile(join(site.config.apacheDir, APACHE_MAP_FILE), 'utf8');
    assert.ok(changed);
    assert.is(map, renderApacheMap(store.all()));
    assert.ok(map.includes('/aa/old-000001.html 301:/psf/'));
  });
});

Apache('without httxt2dbm the txt map is used, with a warning', async () => {
  await withBuildSite(async (site, store) => {
    const { warnings: [warning] } = await writeApacheConfig(site.config, () => apacheRowsOf(store.all()), undefined, { mapRevision: store.mapRevision(), siteFiles: [] }, null);
    assert.match(warning ?? '', /httxt2dbm/);
    const conf = await readFile(join(site.config.apacheDir, APACHE_CONFIG_FILE), 'utf8');
    assert.is(conf, renderApacheConfig(site.config, false));
    assert.ok(conf.includes(`RewriteMap pm_map "txt:${join(site.config.apacheDir, APACHE_MAP_FILE)}"`));
  });
});

Apache('the proxy target is the config\'s runtime address, never PORT or HOST, and the configuration sets DocumentRoot itself', async () => {
  await withBuildSite(async (site, store) => {
    await writeFile(site.configFile, JSON.stringify({ ...JSON.parse(await readFile(site.configFile, 'utf8')), runtime: '127.0.0.1:9999' }));
    const config = resolveConfig({ configFile: site.configFile, env: { PORT: '18080', HOST: '0.0.0.0' } });
    assert.is(config.port, 18080, 'the runtime itself listens where the environment says');
    await runBuild(config, store);
    const conf = await readFile(join(config.apacheDir, APACHE_CONFIG_FILE), 'utf8');
    assert.match(conf, /RewriteRule \^ http:\/\/127\.0\.0\.1:9999%1 \[P,NE,L,UnsafeAllow3F\]/);
    assert.ok(conf.includes(`\nDocumentRoot "${config.publicDir}"\n`), conf);
  });
});

Apache('a path or target that could change the configuration is never written into it', async () => {
  await withBuildSite(async (site) => {
    assert.throws(() => renderApacheConfig({ ...site.config, legacyDir: '/srv/x"\nRewriteEngine Off' }), /cannot put/);
  });
});

Apache('an unchanged map is not rewritten', async () => {
  await withBuildSite(async (site, store) => {
    await runBuild(site.config, store);
    const file = join(site.config.apacheDir, APACHE_MAP_FILE);
    const before = (await stat(file)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await runBuild(site.config, store);
    assert.is((await stat(file)).mtimeMs, before);
    store.set({ path: '/new-redirect', status: 302, source: '/' });
    await runBuild(site.config, store);
    assert.ok((await readFile(file, 'utf8')).includes('/new-redirect 302:/'));
  });
});

const Apart = suite('build: whole builds in a process apart (the runtime, the watcher)');

/** The pids of this process's children running the whole build. */
function buildChildren(): number[] {
  const pids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('wholeBuildProcess.js');
    } catch {
      return false; // gone meanwhile
    }
  });
}

Apart('a whole build is made by a child process, with the same outputs, records and Apache files as one made in process', async () => {
  let inProcess: { counts: BuildReport['counts']; files: string[]; apache: string } | undefined;
  await withBuildSite(async (site, store) => {
    const { counts } = await runBuild(site.config, store);
    inProcess = { counts, files: await filesUnder(site.config.publicDir), apache: await readFile(join(site.config.apacheDir, APACHE_MAP_FILE), 'utf8') };
  });
  await withBuildSite(async (site, store) => {
    const builder = await SiteBuilder.open(site.config, store, { wholeBuildsApart: true });
    const progress: [number, number][] = [];
    const building = builder.build({ onProgress: (done, total) => progress.push([done, total]) });
    assert.is(buildChildren().length, 1, 'a child process makes it');
    const report = await building;
    assert.equal(buildChildren(), [], 'and is gone');
    assert.equal(report.counts, inProcess!.counts);
    assert.equal(await filesUnder(site.config.publicDir), inProcess!.files);
    assert.is(await readFile(join(site.config.apacheDir, APACHE_MAP_FILE), 'utf8'), inProcess!.apache);
    const [done, total] = progress.at(-1) ?? [0, -1];
    assert.ok(done === total && total > 0, JSON.stringify(progress));
    // Its records are the store's: the next whole build finds everything current.
    assert.is((await builder.build()).counts.written, 0);
    // A partial build stays in the process.
    await writeFile(join(site.config.wikiDir, 'About.md'), '# About us, again\n');
    const partial = builder.build({ paths: ['/about/index.html'] });
    assert.equal(buildChildren(), []);
    assert.is((await partial).counts.written, 1);
    await builder.close();
  });
});

Apart('a build process that dies is a build that fails, naming it; the next one runs', async () => {
  await withBuildSite(async (site, store) => {
    const builder = await SiteBuilder.open(site.config, store, { wholeBuildsApart: true });
    const building = builder.build();
    const [child] = buildChildren();
    process.kill(child!, 'SIGKILL');
    const error = await building.then(() => undefined, (e: Error) => e);
    assert.match(error?.message ?? '', /the build process stopped before it finished \(SIGKILL\)/);
    assert.is((await builder.build()).counts.failed, 0);
    await builder.close();
  });
});

Apart('it wears the template its parent holds (a broken new one leaves the old one in use)', async () => {
  await withSite({ ...SITE, ownTemplates: true }, async (site) => {
    const builder = await SiteBuilder.open(site.config, site.store, { wholeBuildsApart: true });
    await writeFile(join(site.config.templatesDir, 'nav.json'), '{ not json');
    assert.ok(await builder.reloadTemplate().then(() => false, () => true), 'the broken template is refused');
    const report = await builder.build();
    assert.is(report.counts.failed, 0, JSON.stringify(report.failures));
    assert.ok((await readFile(join(site.config.publicDir, 'about/index.html'), 'utf8')).includes('About us'));
    await builder.close();
  });
});

Outputs.run();
Incremental.run();
Ownership.run();
Apache.run();
Apart.run();
