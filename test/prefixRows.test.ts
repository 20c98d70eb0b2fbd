/**
 * Prefix rows: `/topics/xml/* 301 http://pyxml.sourceforge.net/topics/*` covers the whole
 * subtree, the path's rest in place of the target's `*`. Exact rows win, then DirectorySlash,
 * then the longest prefix; a literal `*` at the end of a path is written `%2A`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidRowError } from '../core/errors.js';
import { canonicalRowPath, pathForExport } from '../core/pagePath.js';
import { type PageRow, type ValidRow, validateRow } from '../core/pageRow.js';
import { type Resolution, resolveRequest } from '../runtime/resolve.js';
import { describe, runCli, withSite, withTempSite } from './helpers.js';

const Syntax = suite('prefix rows: how they are written');

Syntax('a path ending in /* is a prefix row, stored as its folder; %2A is a literal star', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['/topics/xml/*', '/topics/xml/', '/topics/xml/*'],
    ['/*', '/', '/*'],
    ['/a%20b/*', '/a b/', '/a b/*'],
    ['/a/%2A', '/a/*', '/a/%2A'],
    ['/a*', '/a*', '/a%2A'],
    ['/a/*b', '/a/*b', '/a/*b'],
  ];
  for (const [written, stored, exported] of cases) {
    assert.is(canonicalRowPath(written), stored, written);
    assert.is(pathForExport(stored), exported, written);
    assert.is(canonicalRowPath(pathForExport(stored)), stored, `${written} round trip`);
  }
});

Syntax('a prefix row redirects or retires a subtree: never a page, never under a reserved prefix', () => {
  for (const status of [301, 302, 404, 410]) validateRow({ path: '/x/*', status, source: status < 400 ? '/y/*' : '' });
  assert.throws(() => validateRow({ path: '/x/*', status: 200, source: 'wiki:X' }), (error: unknown) => error instanceof InvalidRowError && /prefix row/.test((error as Error).message));
  assert.throws(() => validateRow({ path: '/data/*', status: 410 }), /reserves/);
  validateRow({ path: '/a'.repeat(16) + '/*', status: 410 });
  assert.throws(() => validateRow({ path: '/a'.repeat(17) + '/*', status: 410 }), /more than 16 deep/);
});

Syntax.run();

// ---------------------------------------------------------------------------------------

const ROWS: ValidRow[] = [
  { path: '/topics/xml/', status: 301, source: 'http://pyxml.sourceforge.net/topics/*' },
  { path: '/topics/xml/keep.html', status: 200, source: 'wiki:Keep' },
  { path: '/topics/xml/deep/', status: 302, source: '/new/deep/*?from=old' },
  { path: '/topics/xml/guide/index.html', status: 200, source: 'wiki:Guide' },
  { path: '/retired/', status: 410, source: '' },
  { path: '/flat/', status: 301, source: '/landing' },
  { path: '/landing', status: 301, source: '/final' },
  { path: '/to-flat', status: 301, source: '/flat/anything' },
];

function rowsLookup(rows: readonly ValidRow[]) {
  const byPath = new Map(rows.map((row) => [row.path, { ...row, created: '', updated: '', origin: 'manual' } as PageRow]));
  return (path: string) => byPath.get(path);
}

const Resolve = suite('prefix rows: what they answer');

Resolve('the rest of the path replaces the target\'s *, escaped as Apache escapes it; the query passes on', () => {
  const getRow = rowsLookup(ROWS);
  const cases: readonly (readonly [string, Resolution])[] = [
    ['/topics/xml/a/b.html?q=1', { kind: 'redirect', status: 301, location: 'http://pyxml.sourceforge.net/topics/a/b.html?q=1' }],
    ['/topics/xml/', { kind: 'redirect', status: 301, location: 'http://pyxml.sourceforge.net/topics/' }],
    ['/topics/xml/a%20b/Caf%C3%A9', { kind: 'redirect', status: 301, location: 'http://pyxml.sourceforge.net/topics/a%20b/Caf%c3%a9' }],
    // The longest prefix wins; its target's own query wins over the request's.
    ['/topics/xml/deep/x?q=1', { kind: 'redirect', status: 302, location: '/new/deep/x?from=old' }],
    // A whole retired section.
    ['/retired/any/thing.html', { kind: 'status', status: 410, path: '/retired/any/thing.html' }],
    // A target without * takes the whole subtree to one place, and a chain from it is followed.
    ['/flat/a/b', { kind: 'redirect', status: 301, location: '/final' }],
    // An exact row's chain is followed through a prefix row, since its path is known.
    ['/to-flat', { kind: 'redirect', status: 301, location: '/final' }],
  ];
  for (const [raw, expected] of cases) assert.equal(resolveRequest('GET', raw, getRow), expected, raw);
});

Resolve('exact rows win, then DirectorySlash, then the prefix; the folder itself without its slash is not in the subtree', () => {
  const getRow = rowsLookup(ROWS);
  assert.is((resolveRequest('GET', '/topics/xml/keep.html', getRow) as { kind: string }).kind, 'page');
  assert.equal(resolveRequest('GET', '/topics/xml/guide', getRow), { kind: 'redirect', status: 301, location: '/topics/xml/guide/' });
  assert.is((resolveRequest('GET', '/topics/xml/guide/', getRow) as { kind: string }).kind, 'page');
  assert.equal(resolveRequest('GET', '/topics/xml', getRow), { kind: 'miss', path: '/topics/xml' });
});

Resolve.run();

// ---------------------------------------------------------------------------------------

const Loops = suite('prefix rows: loops are refused');

Loops('a subtree sent into itself, or round through another prefix or an exact row, is refused naming the loop', async () => {
  await withSite({}, async ({ store }) => {
    assert.throws(() => store.set({ path: '/a/*', status: 301, source: '/a/b/*' }), /\/a\/\*: would make a redirect loop: \/a\/\* → \/a\/\*/);
    store.set({ path: '/b/*', status: 301, source: '/c/*' });
    assert.throws(() => store.set({ path: '/c/*', status: 302, source: '/b/*' }), /would make a redirect loop: \/c\/\* → \/b\/\* → \/c\/\*/);
    store.set({ path: '/y/*', status: 301, source: '/x' });
    assert.throws(() => store.set({ path: '/x', status: 301, source: '/y/z' }), /\/x: would make a redirect loop: \/x → \/y\/\* → \/x/);
    assert.is(store.get('/c/*'), undefined);
    assert.is(store.get('/x'), undefined);
  });
});

Loops.run();

// ---------------------------------------------------------------------------------------

const Files = suite('prefix rows: in map files and on the command line');

Files('import, list, export and rm take the /* form; an export imports back to the same map', async () => {
  await withTempSite({}, async (site) => {
    const { writeFile, readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(site.dir, 'map.tsv'), 'path\tstatus\tsource\n/topics/xml/*\t301\thttp://pyxml.sourceforge.net/topics/*\n/retired/*\t410\t\n/star%2A\t404\t\n');
    const imported = await runCli(['map', 'import', 'map.tsv'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    const listed = await runCli(['map', 'list'], { cwd: site.dir });
    assert.is(listed.stdout, '410  /retired/*\n404  /star%2A\n301  /topics/xml/*  http://pyxml.sourceforge.net/topics/*\n');
    const exported = await runCli(['map', 'export', 'out.tsv'], { cwd: site.dir });
    assert.is(exported.code, 0, describe(exported));
    assert.is(await readFile(join(site.dir, 'out.tsv'), 'utf8'), 'path\tstatus\tsource\n/retired/*\t410\t\n/star%2A\t404\t\n/topics/xml/*\t301\thttp://pyxml.sourceforge.net/topics/*\n');
    const removed = await runCli(['map', 'rm', '/retired/*'], { cwd: site.dir });
    assert.is(removed.code, 0, describe(removed));
    const page = await runCli(['map', 'set', '/x/*', '200', 'wiki:X'], { cwd: site.dir });
    assert.is(page.code, 1);
    assert.match(page.stderr, /^error: \/x\/\*: a prefix row redirects or retires a whole subtree/);
  });
});

Files.run();
