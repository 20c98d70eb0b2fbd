/**
 * Redirects to redirects: a chain is answered in one hop (query and fragment carried as a
 * browser carries them, 302 when any step is temporary), and a change that would close a loop
 * is refused naming the loop, by `map set` and by an import alike.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidRowError } from '../core/errors.js';
import type { ValidRow } from '../core/pageRow.js';
import { chainsIn, collapseChain, followChain } from '../core/redirects.js';
import { describe, runCli, withRuntime, withSite, withTempSite } from './helpers.js';

const CHAIN: ValidRow[] = [
  { path: '/a', status: 301, source: '/b' },
  { path: '/b', status: 301, source: '/c/' },
  { path: '/c/index.html', status: 200, source: 'wiki:C' },
  { path: '/t', status: 302, source: '/a' },
  { path: '/q', status: 301, source: '/b?from=q' },
  { path: '/f', status: 301, source: '/a#part' },
  { path: '/out', status: 301, source: 'https://example.org/x' },
  { path: '/to-out', status: 301, source: '/out' },
];

const lookup = (rows: readonly ValidRow[]) => (path: string) => rows.find((row) => row.path === path);
const hopsOf = (path: string) => {
  const row = lookup(CHAIN)(path)!;
  return followChain({ row, target: row.source }, lookup(CHAIN)).hops;
};

const Chains = suite('redirects: a chain in one hop');

Chains('the hops, and where they end', () => {
  assert.equal(hopsOf('/a').map((hop) => hop.row.path), ['/a', '/b']);
  assert.equal(collapseChain(hopsOf('/a')), { status: 301, location: '/c/' });
  assert.equal(collapseChain(hopsOf('/to-out')), { status: 301, location: 'https://example.org/x' });
  assert.equal(hopsOf('/out').length, 1);
});

Chains('a temporary step makes the whole answer temporary', () => {
  assert.equal(collapseChain(hopsOf('/t')), { status: 302, location: '/c/' });
});

Chains('the request query passes on unless a step has its own; a fragment carries over', () => {
  assert.equal(collapseChain(hopsOf('/a'), '?x=1'), { status: 301, location: '/c/?x=1' });
  assert.equal(collapseChain(hopsOf('/q'), '?x=1'), { status: 301, location: '/c/?from=q' });
  assert.equal(collapseChain(hopsOf('/f'), '?x=1'), { status: 301, location: '/c/?x=1#part' });
});

Chains('chainsIn lists every chain of two hops or more', () => {
  assert.equal(chainsIn(CHAIN), [
    ['/a', '/b', '/c/'],
    ['/t', '/a', '/b', '/c/'],
    ['/q', '/b', '/c/'],
    ['/f', '/a', '/b', '/c/'],
    ['/to-out', '/out', 'https://example.org/x'],
  ]);
});

Chains('the runtime answers a chain in one hop', async () => {
  await withRuntime({ files: { 'wiki/C.md': '# C\n' }, rows: CHAIN }, async ({ url }) => {
    for (const [from, status, location] of [
      ['/a?x=1', 301, '/c/?x=1'],
      ['/t', 302, '/c/'],
      ['/q?x=1', 301, '/c/?from=q'],
      ['/to-out', 301, 'https://example.org/x'],
    ] as const) {
      const res = await fetch(url + from, { redirect: 'manual' });
      assert.is(res.status, status, from);
      assert.is(res.headers.get('location'), location, from);
    }
  });
});

Chains.run();

// ---------------------------------------------------------------------------------------

const Loops = suite('redirects: loops are refused');

Loops('followChain names a loop', () => {
  const rows: ValidRow[] = [
    { path: '/a', status: 301, source: '/b' },
    { path: '/b', status: 302, source: '/c?x=1' },
    { path: '/c', status: 301, source: '/a' },
  ];
  assert.equal(followChain({ row: rows[0]!, target: rows[0]!.source }, lookup(rows)).cycle, ['/a', '/b', '/c', '/a']);
});

Loops('map set and an import that would close a loop are refused, naming it, and change nothing', async () => {
  await withSite({ rows: [{ path: '/a', status: 301, source: '/b' }, { path: '/b', status: 301, source: '/c' }] }, async ({ store }) => {
    let caught: unknown;
    try {
      store.set({ path: '/c', status: 301, source: '/a' });
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, InvalidRowError);
    assert.is((caught as Error).message, '/c: would make a redirect loop: /c → /a → /b → /c');
    assert.is(store.get('/c'), undefined, 'nothing was written');
    assert.throws(() => store.applyRows([{ path: '/x', status: 200, source: 'wiki:X' }, { path: '/b', status: 301, source: '/a' }], 'import'), /\/b: would make a redirect loop: \/b → \/a → \/b/);
    assert.is(store.get('/x'), undefined, 'the import was all or nothing');
    assert.is(store.get('/b')?.source, '/c');
  });
});

Loops('from the command line: one error line naming the loop; --chains lists the chains', async () => {
  await withTempSite({}, async (site) => {
    for (const [path, target] of [['/old', '/older'], ['/older', '/new']]) {
      const set = await runCli(['map', 'set', path!, '301', target!], { cwd: site.dir });
      assert.is(set.code, 0, describe(set));
    }
    const loop = await runCli(['map', 'set', '/new', '302', '/old'], { cwd: site.dir });
    assert.is(loop.code, 1, describe(loop));
    assert.is(loop.stderr, 'error: /new: would make a redirect loop: /new → /old → /older → /new\n');
    const chains = await runCli(['map', 'list', '--chains'], { cwd: site.dir });
    assert.is(chains.stdout, '/old → /older → /new\n');
  });
});

Loops.run();
