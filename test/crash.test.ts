/**
 * A build may be killed at any moment (kill -9, power loss). Whatever it leaves, the next
 * build puts right: no temp file survives, no page without a row stays in public/, the Apache
 * map matches the database, and every page is byte for byte what a clean build makes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { APACHE_DBM_FILE, APACHE_MAP_FILE, findHttxt2dbm, renderApacheMap } from '../build/apacheConfig.js';
import { TEMP_PREFIX } from '../build/atomicWrite.js';
import { runBuild } from '../build/build.js';
import type { ValidRow } from '../core/pageRow.js';
import { CLI, type SiteSpec, describe, runCli, seededRandom, withSite, withTempSite } from './helpers.js';

/** Every file under `dir`, relative, sorted; [] when there is no such folder. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

/** A pid that was just alive and is not any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const Leftovers = suite('build: what a killed build leaves');

Leftovers('temp files of a dead build are removed from the folders it journaled and the Apache folder; a live process\'s are kept', async () => {
  const spec: SiteSpec = { files: { 'wiki/Home.md': '# Home\n' }, rows: [{ path: '/docs/home.html', status: 200, source: 'wiki:Home' }], build: true };
  await withSite(spec, async (site) => {
    const { store } = site;
    const dead = await deadPid();
    const deadTemp = `${TEMP_PREFIX}${dead}-0-0-home.html`;
    const liveTemp = `${TEMP_PREFIX}${process.pid}-0-99-home.html`;
    await site.write({ [`public/docs/${deadTemp}`]: 'half a page', [`public/docs/${liveTemp}`]: 'being written', [`state/apache/${TEMP_PREFIX}${dead}-1.db`]: 'half a map' });
    store.recordIntent([], [{ dir: 'docs', owner: `${dead}:0`, pid: dead }]);
    await runBuild(site.config, store);
    assert.equal(await filesUnder(join(site.config.publicDir, 'docs')), [liveTemp, 'home.html'].sort());
    assert.not.ok((await filesUnder(site.config.apacheDir)).some((file) => file.startsWith(TEMP_PREFIX)));
    assert.equal(store.journal(), [], 'the dead build\'s journal is closed');
  });
});

Leftovers('a page a killed build wrote before its row was removed is removed, and does not block a page below it', async () => {
  await withSite({ files: { 'wiki/Home.md': '# Home\n' } }, async (site) => {
    const { store } = site;
    // What a killed build leaves: its intent recorded, the file written, nothing else.
    store.set({ path: '/a', status: 200, source: 'wiki:Home' });
    store.recordIntent([{ file: 'a', path: '/a' }], []);
    await site.write({ 'public/a': 'a page from a build that was killed' });
    store.remove('/a');
    store.set({ path: '/a/b', status: 200, source: 'wiki:Home' });
    const report = await runBuild(site.config, store);
    assert.equal(report.failures, []);
    assert.ok((await stat(join(site.config.publicDir, 'a'))).isDirectory());
    assert.match(await readFile(join(site.config.publicDir, 'a', 'b'), 'utf8'), /<h1>Home<\/h1>/);
  });
});

Leftovers.run();

// ---------------------------------------------------------------------------------------

const Kills = suite('build: killed at 20 random moments');

const SECTIONS = 30;
const PAGES = 2400;
const LEGACY = 300;

function wikiText(n: number, version: number): string {
  return `---\ntitle: Page ${n}\n---\nVersion ${version} of page ${n}, with *some* text and [a link](/s1/p1.html).\n\n| a | b |\n|---|---|\n| ${n} | ${version} |\n`;
}

function pageRow(n: number): ValidRow {
  return { path: `/s${n % SECTIONS}/p${n}.html`, status: 200, source: `wiki:w${n}` };
}

/** Kill the child after `afterMs` unless it exits first; says how it ended. */
function runUntilKilled(child: ChildProcess, afterMs: number): Promise<{ isKilled: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', (code, signal) => (clearTimeout(timer), resolve({ isKilled: signal === 'SIGKILL', code })));
  });
}

Kills('after 20 kills while the site moves on, the next build leaves no temp file, no unowned page, the Apache map of the database, and pages identical to a clean build', async () => {
  const files: Record<string, string> = {};
  for (let n = 0; n < PAGES; n++) files[`wiki/w${n}.md`] = wikiText(n, 0);
  for (let n = 0; n < LEGACY; n++) files[`legacy/old/f${n}.html`] = `<p>legacy ${n}</p>\n`;
  const rows: ValidRow[] = [];
  for (let n = 0; n < PAGES; n++) rows.push(pageRow(n));
  for (let n = 0; n < LEGACY; n++) rows.push({ path: `/old/f${n}.html`, status: 200, source: `file:old/f${n}.html` });
  for (let n = 0; n < 200; n++) rows.push({ path: `/moved/${n}`, status: 301, source: `/s1/p${n}.html` });
  const random = seededRandom(20261127);
  const pick = (count: number) => Math.floor(random() * count);
  await withSite({ files, rows, settings: { concurrency: 64 } }, async (site) => {
    const { store } = site;
    const first = await runCli(['build'], { cwd: site.dir });
    assert.is(first.code, 0, describe(first));
    // How long a full build takes here, from start to exit: the window to kill in.
    const started = Date.now();
    await runCli(['build', '--full'], { cwd: site.dir });
    const fullBuildMs = Date.now() - started;

    let kills = 0;
    const finishedBadly: string[] = [];
    let version = 0;
    let nextPage = PAGES;
    // Until 20 builds have been killed part-way (a build that finishes first does not count).
    for (let round = 0; kills < 20 && round < 60; round++) {
      // The site moves on between kills: edits, rows gone and new, pages becoming folders.
      version++;
      const edits: Record<string, string> = {};
      for (let i = 0; i < 40; i++) {
        const n = pick(PAGES);
        edits[`wiki/w${n}.md`] = wikiText(n, version);
      }
      await site.write(edits);
      for (let i = 0; i < 25; i++) store.remove(pageRow(pick(PAGES)).path) || undefined;
      const added: ValidRow[] = [];
      for (let i = 0; i < 15; i++) {
        const n = nextPage++;
        await site.write({ [`wiki/w${n}.md`]: wikiText(n, version) });
        added.push(pageRow(n));
        // A page below an existing one: that one moves into its folder.
        const parent = pageRow(pick(PAGES));
        added.push({ path: `${parent.path}/child${n}`, status: 200, source: `wiki:w${n}` });
      }
      store.applyRows(added, 'import');
      if (round % 3 === 0) store.set({ path: `/moved/${pick(200)}`, status: 410 });

      // Mostly full builds (long enough to be killed anywhere in them), some incremental ones.
      const child = spawn(process.execPath, [CLI, 'build', ...(round % 4 === 3 ? [] : ['--full'])], { cwd: site.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const { isKilled, code } = await runUntilKilled(child, random() * fullBuildMs * 0.9);
      if (isKilled) kills++;
      // A build that ran to its end after a killed one must have put everything right.
      else if (code !== 0) finishedBadly.push(`round ${round}: exit ${code}: ${stderr}`);
    }
    assert.equal(finishedBadly, []);
    assert.is(kills, 20, `only ${kills} builds were killed mid-way (a full build takes ${fullBuildMs} ms)`);

    const last = await runCli(['build'], { cwd: site.dir });
    assert.is(last.code, 0, describe(last));

    // No temp file anywhere.
    const published = await filesUnder(site.config.publicDir);
    assert.equal(published.filter((file) => file.split('/').pop()!.startsWith(TEMP_PREFIX)), []);
    assert.equal((await filesUnder(site.config.apacheDir)).filter((file) => file.startsWith(TEMP_PREFIX)), []);

    // The Apache map is the database's, and the DBM was made from it.
    const mapFile = join(site.config.apacheDir, APACHE_MAP_FILE);
    assert.is(await readFile(mapFile, 'utf8'), renderApacheMap(store.all()));
    if (findHttxt2dbm()) assert.ok((await stat(join(site.config.apacheDir, APACHE_DBM_FILE))).mtimeMs >= (await stat(mapFile)).mtimeMs);

    // A clean build of the same sources and map: the same files, byte for byte.
    await withTempSite({}, async (reference) => {
      await cp(site.config.wikiDir, reference.config.wikiDir, { recursive: true, preserveTimestamps: true });
      await cp(site.config.legacyDir, reference.config.legacyDir, { recursive: true, preserveTimestamps: true });
      await writeFile(join(reference.dir, 'map.tsv'), (await runCli(['map', 'export'], { cwd: site.dir })).stdout);
      assert.is((await runCli(['map', 'import', 'map.tsv'], { cwd: reference.dir })).code, 0);
      const clean = await runCli(['build'], { cwd: reference.dir });
      assert.is(clean.code, 0, describe(clean));
      const expected = await filesUnder(reference.config.publicDir);
      assert.equal(published, expected, 'the same files: nothing unowned, nothing missing');
      const different: string[] = [];
      for (const file of expected) {
        const [mine, theirs] = await Promise.all([readFile(join(site.config.publicDir, file)), readFile(join(reference.config.publicDir, file))]);
        if (!mine.equals(theirs)) different.push(file);
      }
      assert.equal(different.slice(0, 10), [], `${different.length} files differ from a clean build`);
      assert.is(await readFile(mapFile, 'utf8'), await readFile(join(reference.config.apacheDir, APACHE_MAP_FILE), 'utf8'));
    });

    // And the build after that has nothing left to do.
    const settled = await runCli(['build'], { cwd: site.dir });
    assert.match(settled.stderr, / 0 written, \d+ unchanged, 0 removed, 0 failed\n$/);
  });
});

Kills.run();
