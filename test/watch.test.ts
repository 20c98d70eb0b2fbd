import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readFile, realpath, rename, rm, stat, symlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { APACHE_MAP_FILE } from '../build/apacheConfig.js';
import type { BuildReport } from '../build/build.js';
import type { PageMapStore } from '../core/pageMap.js';
import type { Runtime } from '../runtime/server.js';
import { type Batch, SCAN_GROUP_ENTRIES } from '../runtime/watch.js';
import { type ServedSite, type SiteSpec, type TempSite, runCli, withRuntime, waitFor } from './helpers.js';


interface Fixture {
  site: TempSite;
  store: PageMapStore;
  runtime: Runtime;
  batches: { report: BuildReport; batch: Batch }[];
  logs: string[];
  read: (file: string) => Promise<string | undefined>;
}

/** A built site with its own copy of the templates, served with the watcher on. */
async function withWatchedSite(run: (f: Fixture) => Promise<void>): Promise<void> {
  const batches: Fixture['batches'] = [];
  const spec: SiteSpec = {
    files: { 'wiki/Home.md': '# Home\n\nFirst version.\n', 'wiki/About.md': '# About\n\nAbout text.\n', 'legacy/old.html': '<p>old v1</p>\n' },
    rows: [
      { path: '/index.html', status: 200, source: 'wiki:Home' },
      { path: '/about/index.html', status: 200, source: 'wiki:About' },
      { path: '/also-home', status: 200, source: 'wiki:Home' },
      { path: '/later', status: 200, source: 'wiki:Later' },
      { path: '/old.html', status: 200, source: 'file:old.html' },
    ],
    ownTemplates: true,
    build: true,
  };
  await withRuntime({ ...spec, runtime: { watch: { settleMs: 30, pollMs: 50, onBatch: (report, batch) => batches.push({ report, batch }) } } }, async (site) => {
    const read = (file: string) => readFile(join(site.config.publicDir, file), 'utf8').catch(() => undefined);
    await run({ site, store: site.store, runtime: site.runtime, batches, logs: site.log.messages, read });
  });
}

const Wiki = suite('watch: wiki');

Wiki('editing a wiki page re-renders every page whose source it is, and only those', async () => {
  await withWatchedSite(async ({ site, read, batches }) => {
    const aboutBefore = (await stat(join(site.config.publicDir, 'about/index.html'))).mtimeMs;
    await site.write({ 'wiki/Home.md': '# Home\n\nSecond version.\n' });
    await waitFor('index.html to show the edit', async () => (await read('index.html'))?.includes('Second version.'));
    await waitFor('also-home to show the edit', async () => (await read('also-home'))?.includes('Second version.'));
    assert.is((await stat(join(site.config.publicDir, 'about/index.html'))).mtimeMs, aboutBefore, 'an unrelated page is untouched');
    assert.ok(batches.some((b) => b.batch.sources.has('wiki:Home') && b.report.counts.written === 2));
  });
});

Wiki('adding the missing wiki page of a row renders it', async () => {
  await withWatchedSite(async ({ site, read }) => {
    assert.is(await read('later'), undefined);
    await site.write({ 'wiki/Later.md': '---\ntitle: Later on\n---\nArrived.\n' });
    const html = await waitFor('later to be rendered', () => read('later'));
    assert.ok(html.includes('<h1>Later on</h1>') && html.includes('Arrived.'));
  });
});

Wiki('deleting a wiki page removes its output; the row stays', async () => {
  await withWatchedSite(async ({ site, read, store, runtime }) => {
    await rm(join(site.dir, 'wiki/About.md'));
    await waitFor('about/index.html to be removed', async () => (await read('about/index.html')) === undefined);
    assert.is(store.get('/about/')?.source, 'wiki:About', 'the row is kept: the page comes back when its source does');
    assert.is((await fetch(runtime.url + '/about/')).status, 404);
    await site.write({ 'wiki/About.md': '# About\n\nBack again.\n' });
    await waitFor('about/index.html to come back', async () => (await read('about/index.html'))?.includes('Back again.'));
  });
});

Wiki('a burst of edits is coalesced into few batches and every page ends up current', async () => {
  await withWatchedSite(async ({ site, read, batches }) => {
    for (let i = 0; i < 40; i++) await site.write({ 'wiki/Home.md': `# Home\n\nVersion ${i}.\n`, 'wiki/About.md': `# About\n\nAbout ${i}.\n` });
    await waitFor('the last edit', async () => (await read('index.html'))?.includes('Version 39.') && (await read('about/index.html'))?.includes('About 39.'));
    assert.ok(batches.length < 40, `${batches.length} batches for 80 writes`);
  });
});

const Sources = suite('watch: templates and legacy files');

Sources('a template change re-renders every wiki page and no legacy copy', async () => {
  await withWatchedSite(async ({ site, read }) => {
    const oldMtime = (await stat(join(site.config.publicDir, 'old.html'))).mtimeMs;
    const page = join(site.config.templatesDir, 'page.html');
    await site.write({ 'templates/page.html': (await readFile(page, 'utf8')).replace('<body>', '<body class="restyled">') });
    for (const file of ['index.html', 'about/index.html', 'also-home', '_pagemap/404.html']) {
      await waitFor(`${file} in the new template`, async () => (await read(file))?.includes('class="restyled"'));
    }
    assert.is((await stat(join(site.config.publicDir, 'old.html'))).mtimeMs, oldMtime);
  });
});

Sources('an asset change is copied', async () => {
  await withWatchedSite(async ({ site, read }) => {
    await site.write({ 'templates/assets/style.css': 'body { color: red }\n' });
    await waitFor('the new stylesheet', async () => (await read('_pagemap/style.css')) === 'body { color: red }\n');
  });
});

Sources('a broken template is logged, the old one kept, and the server keeps answering', async () => {
  await withWatchedSite(async ({ site, logs, runtime }) => {
    await site.write({ 'templates/nav.json': '{ not json' });
    await waitFor('the template error in the log', async () => logs.some((l) => l.includes('nav.json') && l.includes('keeping the old one')));
    const res = await fetch(runtime.url + '/about/');
    assert.is(res.status, 200);
  });
});

Sources('a legacy file change updates its copy; its deletion removes it', async () => {
  await withWatchedSite(async ({ site, read }) => {
    await site.write({ 'legacy/old.html': '<p>old v2</p>\n' });
    await waitFor('the new copy', async () => (await read('old.html')) === '<p>old v2</p>\n');
    await rm(join(site.dir, 'legacy/old.html'));
    await waitFor('the copy to go', async () => (await read('old.html')) === undefined);
  });
});

const Links = suite('watch: symbolic links');

Links('never follows a link out of its root or into a folder; follows links to files inside it; says so once', async () => {
  const batches: Batch[] = [];
  const spec: SiteSpec = {
    files: { 'wiki/Home.md': '# Home\n\nv1\n', 'legacy/real/page.html': '<p>real</p>\n' },
    rows: [
      { path: '/home', status: 200, source: 'wiki:Home' },
      { path: '/alias', status: 200, source: 'wiki:Alias' },
    ],
    async prepare(site) {
      const outside = join(site.dir, 'outside');
      for (let i = 0; i < 50; i++) await site.write({ [`outside/d${i % 5}/f${i}.md`]: `# Outside ${i}\n` });
      await symlink(outside, join(site.config.legacyDir, 'usr')); // legacy/usr -> a big tree elsewhere
      await symlink(join(outside, 'd0', 'f0.md'), join(site.config.wikiDir, 'Stolen.md')); // a file outside
      await mkdir(join(site.config.wikiDir, 'x'));
      await symlink('..', join(site.config.wikiDir, 'x', 'up')); // a loop up the tree
      await symlink('Home.md', join(site.config.wikiDir, 'Alias.md')); // a file inside: followed
      await symlink('loop-b', join(site.config.legacyDir, 'loop-a'));
      await symlink('loop-a', join(site.config.legacyDir, 'loop-b'));
    },
    build: true,
  };
  await withRuntime({ ...spec, runtime: { watch: { settleMs: 30, onBatch: (_report, batch) => batches.push(batch) } } }, async (site) => {
    const logs = site.log.messages;
    const outside = join(site.dir, 'outside');
    const watched = site.runtime.watcher!.watchedFolders();
    const realOutside = await realpath(outside);
    assert.not.ok(watched.some((dir) => dir.startsWith(outside) || dir.startsWith(realOutside) || dir.includes(`${sep}usr`)), watched.join('\n'));
    assert.not.ok(watched.some((dir) => dir.includes(`${sep}up`)), 'the loop is not walked');
    assert.is(logs.filter((line) => line.includes('loop-a')).length, 1, logs.join('\n'));
    assert.is(logs.filter((line) => line.includes('Stolen.md') && line.includes('out of its root')).length, 1, logs.join('\n'));

    // Plain files are heard through their folder, not watched one by one (a watch each cost
    // ~6 KB and an inotify watch: 600 MB at 100,000 pages); a link to a file is watched itself.
    const inWiki = site.runtime.watcher!.watchedIn(site.config.wikiDir);
    assert.ok(inWiki.includes('Alias.md') && inWiki.includes('x'), inWiki.join(' '));
    assert.not.ok(inWiki.includes('Home.md'), inWiki.join(' '));

    // Changes outside the roots are not seen; an in-root file link's target is.
    await site.write({ 'outside/d1/f1.md': '# Changed outside\n' });
    await site.write({ 'wiki/Home.md': '# Home\n\nv2\n' });
    const read = (file: string) => readFile(join(site.config.publicDir, file), 'utf8').catch(() => undefined);
    await waitFor('/alias to follow its target', async () => (await read('alias'))?.includes('v2'));
    assert.not.ok(batches.some((batch) => [...batch.sources].some((source) => source.includes('usr') || source.includes('Stolen'))));
  });
});

const Folders = suite('watch: folders');

/** A built site, watched, with these rows and files besides its home page. */
async function withWatchedRows(rows: SiteSpec['rows'], files: SiteSpec['files'], run: (site: ServedSite, read: Fixture['read']) => Promise<void>): Promise<void> {
  const spec: SiteSpec = { files: { 'wiki/Home.md': '# Home\n', ...files }, rows: [{ path: '/index.html', status: 200, source: 'wiki:Home' }, ...(rows ?? [])], build: true };
  await withRuntime({ ...spec, runtime: { watch: { settleMs: 30, pollMs: 50 } } }, async (site) => {
    await run(site, (file: string) => readFile(join(site.config.publicDir, file), 'utf8').catch(() => undefined));
  });
}

Folders('a tree moved in whole is watched, and its pages, written before any watch began, are rendered', async () => {
  const rows = [
    { path: '/guide/start', status: 200 as const, source: 'wiki:Guide/Start' },
    { path: '/guide/deep/end', status: 200 as const, source: 'wiki:Guide/Deep/End' },
  ];
  await withWatchedRows(rows, {}, async (site, read) => {
    await site.write({ 'elsewhere/Guide/Start.md': '# Start\n\nv1\n', 'elsewhere/Guide/Deep/End.md': '# End\n\nv1\n' });
    await rename(join(site.dir, 'elsewhere/Guide'), join(site.config.wikiDir, 'Guide'));
    await waitFor('guide/start', async () => (await read('guide/start'))?.includes('v1'));
    await waitFor('guide/deep/end', async () => (await read('guide/deep/end'))?.includes('v1'));
    // Its folders are watched: an edit deep inside is heard.
    await site.write({ 'wiki/Guide/Deep/End.md': '# End\n\nv2\n' });
    await waitFor('guide/deep/end edited', async () => (await read('guide/deep/end'))?.includes('v2'));
  });
});

Folders('many folders made at once (a copy, a checkout) are all watched, and their pages rendered', async () => {
  const names = Array.from({ length: 30 }, (_, i) => `Part${i}`);
  const rows = names.map((name) => ({ path: `/${name.toLowerCase()}/page`, status: 200 as const, source: `wiki:${name}/Page` }));
  await withWatchedRows(rows, {}, async (site, read) => {
    await site.write(Object.fromEntries(names.map((name) => [`elsewhere/${name}/Page.md`, `# ${name}\n`])));
    await cp(join(site.dir, 'elsewhere'), site.config.wikiDir, { recursive: true });
    for (const name of names) await waitFor(`${name}'s page`, async () => (await read(`${name.toLowerCase()}/page`))?.includes(`<h1>${name}</h1>`));
    const watched = new Set(site.runtime.watcher!.watchedFolders());
    assert.ok(names.every((name) => watched.has(join(site.config.wikiDir, name))));
    await site.write({ 'wiki/Part29/Page.md': '# Part29 again\n' });
    await waitFor('an edit in the last of them', async () => (await read('part29/page'))?.includes('Part29 again'));
  });
});

Folders('a folder moved out takes its pages with it; made again, it is watched again', async () => {
  // There from the start, so its watcher came from the first scan, next to its parent's.
  await withWatchedRows([{ path: '/notes/one', status: 200, source: 'wiki:Notes/One' }], { 'wiki/Notes/One.md': '# One\n\nv1\n' }, async (site, read) => {
    assert.ok((await read('notes/one'))?.includes('v1'));
    // Moved out whole: no event for the files in it, only for the folder.
    await rename(join(site.config.wikiDir, 'Notes'), join(site.dir, 'Notes-gone'));
    await waitFor('notes/one to go', async () => (await read('notes/one')) === undefined);
    await site.write({ 'wiki/Notes/One.md': '# One\n\nv2\n' });
    await waitFor('notes/one back', async () => (await read('notes/one'))?.includes('v2'));
    await site.write({ 'wiki/Notes/One.md': '# One\n\nv3\n' });
    await waitFor('notes/one edited in the folder made again', async () => (await read('notes/one'))?.includes('v3'));
  });
});

Folders('a folder replaced at once (deleted and made again, as a checkout does) is watched again', async () => {
  await withWatchedRows([{ path: '/notes/one', status: 200, source: 'wiki:Notes/One' }], { 'wiki/Notes/One.md': '# One\n\nv1\n' }, async (site, read) => {
    // In one go, before any event is handled.
    const notes = join(site.config.wikiDir, 'Notes');
    rmSync(notes, { recursive: true });
    mkdirSync(notes);
    writeFileSync(join(notes, 'One.md'), '# One\n\nv2\n');
    await waitFor('notes/one from the new folder', async () => (await read('notes/one'))?.includes('v2'));
    await new Promise((wait) => setTimeout(wait, 1500)); // past chokidar's second look at the parent
    await site.write({ 'wiki/Notes/One.md': '# One\n\nv3\n' });
    await waitFor('an edit in the new folder', async () => (await read('notes/one'))?.includes('v3'));
  });
});

Folders('a tree bigger than one scan group is watched in every folder', async () => {
  // Three levels of folders, more entries than one chokidar watcher takes: several groups.
  const folders = ['a', 'a/b', 'a/b/c', 'd', 'd/e'];
  const perFolder = Math.ceil((SCAN_GROUP_ENTRIES * 1.5) / folders.length);
  const files: Record<string, string> = {};
  for (const folder of folders) for (let i = 0; i < perFolder; i++) files[`legacy/${folder}/f${i}.txt`] = `${folder} ${i}\n`;
  const rows = folders.map((folder) => ({ path: `/${folder}/last.txt`, status: 200 as const, source: `file:${folder}/f${perFolder - 1}.txt` }));
  await withRuntime({ files, rows, build: true, runtime: { watch: { settleMs: 30, pollMs: 50 } } }, async (site) => {
    const watched = new Set(site.runtime.watcher!.watchedFolders());
    for (const folder of ['', ...folders]) assert.ok(watched.has(join(site.config.legacyDir, folder)), `${folder || 'the legacy root'} is watched`);
    const read = (file: string) => readFile(join(site.config.publicDir, file), 'utf8').catch(() => undefined);
    for (const folder of folders) await site.write({ [`legacy/${folder}/f${perFolder - 1}.txt`]: `${folder} changed\n` });
    for (const folder of folders) await waitFor(`${folder}/last.txt`, async () => (await read(`${folder}/last.txt`)) === `${folder} changed\n`);
  });
});

const MapChanges = suite('watch: the map, changed by the CLI in another process');

MapChanges('map set, map rm and a redirect reach public/ and the Apache map without a restart', async () => {
  await withWatchedSite(async ({ site, read, runtime }) => {
    const cli = (...args: string[]) => runCli([...args, '--config', site.configFile]);
    let result = await cli('map', 'set', '/fresh/', '200', 'wiki:About');
    assert.is(result.code, 0, result.stderr);
    const html = await waitFor('fresh/index.html', () => read('fresh/index.html'));
    assert.ok(html.includes('About text.'));
    result = await cli('map', 'set', '/old.html', '301', '/fresh/');
    assert.is(result.code, 0, result.stderr);
    await waitFor('old.html to go', async () => (await read('old.html')) === undefined);
    const apacheMap = join(site.config.apacheDir, APACHE_MAP_FILE);
    await waitFor('the redirect in the Apache map', async () => (await readFile(apacheMap, 'utf8')).includes('/old.html 301:/fresh/'));
    const res = await fetch(runtime.url + '/old.html', { redirect: 'manual' });
    assert.is(res.headers.get('location'), '/fresh/');
    result = await cli('map', 'rm', '/fresh/');
    assert.is(result.code, 0, result.stderr);
    await waitFor('fresh/index.html to go', async () => (await read('fresh/index.html')) === undefined);
  });
});

MapChanges('a page that gains a child page moves into its folder', async () => {
  await withWatchedSite(async ({ site, read, runtime }) => {
    let result = await runCli(['map', 'set', '/guide', '200', 'wiki:Home', '--config', site.configFile]);
    assert.is(result.code, 0, result.stderr);
    await waitFor('guide', () => read('guide'));
    result = await runCli(['map', 'set', '/guide/more', '200', 'wiki:About', '--config', site.configFile]);
    assert.is(result.code, 0, result.stderr);
    await waitFor('guide/.pagemap-page', () => read('guide/.pagemap-page'));
    await waitFor('guide/more', () => read('guide/more'));
    assert.is((await fetch(runtime.url + '/guide')).status, 200);
    assert.is((await fetch(runtime.url + '/guide/more')).status, 200);
  });
});

Wiki.run();
Sources.run();
Links.run();
Folders.run();
MapChanges.run();
