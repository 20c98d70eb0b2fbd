import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImportError, InvalidRowError, PagemapError } from '../core/errors.js';
import { JOINED_BATCH_ROWS } from '../core/joinedRows.js';
import { type OutputRecord, outputFingerprint } from '../core/outputRecord.js';
import { PageMapStore, type StoreOptions } from '../core/pageMap.js';
import type { PageRow, Status, ValidRow } from '../core/pageRow.js';
import { openPageMap } from '../core/site.js';
import { makeTempSite } from './helpers.js';

interface Clock {
  now: () => Date;
  /** Move the clock forward by `seconds`. */
  tick: (seconds?: number) => void;
  iso: () => string;
}

function makeClock(start = '2024-01-01T00:00:00.000Z'): Clock {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    tick: (seconds = 60) => void (time += seconds * 1000),
    iso: () => new Date(time).toISOString(),
  };
}

/** A store on a real SQLite file in a fresh temp folder, closed and removed afterwards. */
async function withStore(run: (store: PageMapStore, context: { dir: string; file: string; clock: Clock }) => void | Promise<void>, options: StoreOptions = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-store-'));
  const file = join(dir, 'state', 'pagemap.db');
  const clock = makeClock();
  const store = new PageMapStore(file, { now: clock.now, ...options });
  try {
    await run(store, { dir, file, clock });
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function withDir(run: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-store-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return assert.unreachable('did not throw');
}

const paths = (rows: readonly PageRow[]): string[] => rows.map((row) => row.path);

// ---------------------------------------------------------------------------------------------

const rows = suite('PageMapStore: set, get, remove');

rows('set then get returns the stored row, under any spelling of its path', () =>
  withStore((store, { clock }) => {
    assert.ok(store.isNew);
    assert.is(store.set({ path: '/doc/', status: 200, source: 'wiki:Doc' }), 'added');
    assert.is(store.set({ path: '/a%20b', status: '301', source: '/doc/' }), 'added');
    const expected: PageRow = { path: '/doc/index.html', status: 200, source: 'wiki:Doc', created: clock.iso(), updated: clock.iso(), origin: 'manual' };
    assert.equal(store.get('/doc/'), expected);
    assert.equal(store.get('/doc/index.html'), expected);
    assert.equal(store.get('/doc/%69ndex.html'), expected);
    assert.equal(store.get('/a b'), { path: '/a b', status: 301, source: '/doc/', created: clock.iso(), updated: clock.iso(), origin: 'manual' });
    assert.equal(store.get('/a%20b'), store.get('/a b'));
    assert.is(typeof store.get('/a b')!.status, 'number');
    assert.is(store.count(), 2);
  }),
);

rows('get answers undefined for absent and unreadable paths', () =>
  withStore((store) => {
    store.set({ path: '/a', status: 404 });
    assert.is(store.get('/b'), undefined);
    assert.is(store.get('a'), undefined);
    assert.is(store.get('/a?x=1'), undefined);
    assert.is(store.get('/../a'), undefined);
    assert.is(store.get('/%FF'), undefined);
    assert.is(store.get(''), undefined);
  }),
);

rows('set refuses a bad row, naming it, and writes nothing', () =>
  withStore((store) => {
    const error = thrown(() => store.set({ path: '/x', status: 200, source: 'file:../etc/passwd' }));
    assert.instance(error, InvalidRowError);
    assert.ok((error as Error).message.startsWith('/x: '));
    assert.instance(thrown(() => store.set({ path: '/data/x', status: 404 })), InvalidRowError);
    assert.is(store.count(), 0);
  }),
);

rows('created is kept; updated moves only when status or source change', () =>
  withStore((store, { clock }) => {
    const t0 = clock.iso();
    store.set({ path: '/p', status: 200, source: 'file:p.html' });
    clock.tick();
    assert.is(store.set({ path: '/p', status: '200', source: 'file:p.html' }), 'unchanged');
    assert.equal([store.get('/p')!.created, store.get('/p')!.updated], [t0, t0]);
    clock.tick();
    const t2 = clock.iso();
    assert.is(store.set({ path: '/p', status: 200, source: 'wiki:P' }), 'updated');
    assert.equal([store.get('/p')!.created, store.get('/p')!.updated], [t0, t2]);
    clock.tick();
    const t3 = clock.iso();
    assert.is(store.set({ path: '/p', status: 301, source: '/q' }), 'updated');
    assert.equal([store.get('/p')!.created, store.get('/p')!.updated], [t0, t3]);
    clock.tick();
    // A 404 stores an empty source whatever was given: giving another one changes nothing.
    store.set({ path: '/gone', status: 404, source: 'x' });
    const before = store.get('/gone');
    clock.tick();
    assert.is(store.set({ path: '/gone', status: 404, source: 'y' }), 'unchanged');
    assert.equal(store.get('/gone'), before);
  }),
);

rows('origin is recorded on add and on change', () =>
  withStore((store) => {
    store.set({ path: '/m', status: 404 });
    store.set({ path: '/i', status: 404 }, 'import');
    store.set({ path: '/d', status: 200, source: 'file:d.html' }, 'discovered');
    assert.is(store.get('/m')!.origin, 'manual');
    assert.is(store.get('/i')!.origin, 'import');
    assert.is(store.get('/d')!.origin, 'discovered');
    store.set({ path: '/d', status: 200, source: 'wiki:D' }, 'manual');
    assert.is(store.get('/d')!.origin, 'manual');
  }),
);

rows('remove answers whether there was a row', () =>
  withStore((store) => {
    store.set({ path: '/a b', status: 410 });
    store.set({ path: '/doc/', status: 410 });
    assert.is(store.remove('/a%20b'), true);
    assert.is(store.remove('/a b'), false);
    assert.is(store.remove('/doc/'), true);
    assert.is(store.remove('/never'), false);
    assert.is(store.count(), 0);
    assert.instance(thrown(() => store.remove('/../x')), InvalidRowError);
  }),
);

rows('getCanonical looks up the stored form only', () =>
  withStore((store) => {
    store.set({ path: '/a%20b/', status: 200, source: 'wiki:A' });
    assert.is(store.getCanonical('/a b/index.html')!.source, 'wiki:A');
    assert.is(store.getCanonical('/a%20b/index.html'), undefined);
    assert.is(store.getCanonical('/a b/'), undefined);
  }),
);

rows.run();

// ---------------------------------------------------------------------------------------------

const listing = suite('PageMapStore: list');

listing('filters by status, origin and literal search text', () =>
  withStore((store) => {
    store.applyRows(
      [
        { path: '/100%', status: 200, source: 'file:100.html' },
        { path: '/100x', status: 200, source: 'file:100x.html' },
        { path: '/a_b', status: 404, source: '' },
        { path: '/axb', status: 404, source: '' },
        { path: '/moved', status: 301, source: '/a_b' },
      ],
      'import',
    );
    store.set({ path: '/found.html', status: 200, source: 'file:found.html' }, 'discovered');
    assert.equal(paths(store.list()), ['/100%', '/100x', '/a_b', '/axb', '/found.html', '/moved']);
    assert.equal(paths(store.list({ status: 404 })), ['/a_b', '/axb']);
    assert.equal(paths(store.list({ status: 301 })), ['/moved']);
    assert.equal(paths(store.list({ origin: 'discovered' })), ['/found.html']);
    assert.equal(paths(store.list({ origin: 'import', status: 200 })), ['/100%', '/100x']);
    assert.equal(paths(store.list({ search: '%' })), ['/100%']);
    assert.equal(paths(store.list({ search: '0%' })), ['/100%']);
    assert.equal(paths(store.list({ search: '_' })), ['/a_b']);
    assert.equal(paths(store.list({ search: 'a_b' })), ['/a_b']);
    assert.equal(paths(store.list({ search: '\\' })), []);
    assert.equal(paths(store.list({ search: 'nothing' })), []);
    assert.equal(paths(store.list({ search: 'a', status: 404 })), ['/a_b', '/axb']);
    assert.equal(paths(store.list({ search: '' })).length, 6);
    assert.equal(store.all(), store.list());
  }),
);

listing.run();

// ---------------------------------------------------------------------------------------------

const batches = suite('PageMapStore: applyRows and addMissing');

const BATCH: ValidRow[] = [
  { path: '/a', status: 200, source: 'wiki:A' },
  { path: '/b', status: 301, source: '/a' },
  { path: '/c', status: 404, source: '' },
];

batches('applyRows counts what it did', () =>
  withStore((store, { clock }) => {
    assert.equal(store.applyRows(BATCH, 'import'), { added: 3, updated: 0, unchanged: 0, removed: 0 });
    clock.tick();
    const summary = store.applyRows([{ path: '/a', status: 200, source: 'wiki:A' }, { path: '/b', status: 302, source: '/a' }, { path: '/d', status: 410, source: '' }], 'import');
    assert.equal(summary, { added: 1, updated: 1, unchanged: 1, removed: 0 });
    assert.is(store.get('/b')!.updated, clock.iso());
    assert.is.not(store.get('/a')!.updated, clock.iso());
    assert.is(store.count(), 4);
  }),
);

batches('applyRows is all or nothing', () =>
  withStore((store, { clock }) => {
    store.applyRows(BATCH, 'import');
    const before = store.all();
    clock.tick();
    // The third row gets past the type system but not the table's CHECK: the batch fails mid-way.
    const bad: ValidRow[] = [
      { path: '/new', status: 200, source: 'wiki:New' },
      { path: '/a', status: 404, source: '' },
      { path: '/z', status: 999 as Status, source: '' },
      { path: '/later', status: 200, source: 'wiki:Later' },
    ];
    assert.ok(thrown(() => store.applyRows(bad, 'import')) instanceof Error);
    assert.equal(store.all(), before);
    assert.ok(thrown(() => store.applyRows(bad, 'import', { replace: true })) instanceof Error);
    assert.equal(store.all(), before);
    // The store is still usable afterwards.
    assert.equal(store.applyRows([{ path: '/new', status: 200, source: 'wiki:New' }], 'import'), { added: 1, updated: 0, unchanged: 0, removed: 0 });
  }),
);

batches('replace makes the map exactly the batch', () =>
  withStore((store) => {
    store.applyRows(BATCH, 'import');
    store.set({ path: '/manual', status: 404 });
    const summary = store.applyRows([{ path: '/a', status: 200, source: 'wiki:A' }, { path: '/e', status: 404, source: '' }], 'import', { replace: true });
    assert.equal(summary, { added: 1, updated: 0, unchanged: 1, removed: 3 });
    assert.equal(paths(store.all()), ['/a', '/e']);
    assert.equal(store.applyRows([], 'import', { replace: true }), { added: 0, updated: 0, unchanged: 0, removed: 2 });
    assert.is(store.count(), 0);
  }),
);

batches('addMissing never overrides a row', () =>
  withStore((store, { clock }) => {
    store.set({ path: '/a', status: 404 });
    const before = store.get('/a');
    clock.tick();
    const added = store.addMissing([{ path: '/a', status: 200, source: 'file:a' }, { path: '/b', status: 200, source: 'file:b' }], 'discovered');
    assert.equal(added, [{ path: '/b', status: 200, source: 'file:b' }]);
    assert.equal(store.get('/a'), before);
    assert.equal(store.get('/b'), { path: '/b', status: 200, source: 'file:b', created: clock.iso(), updated: clock.iso(), origin: 'discovered' });
    assert.equal(store.addMissing([{ path: '/b', status: 302, source: '/data/b' }], 'discovered'), []);
    assert.is(store.get('/b')!.status, 200);
  }),
);

batches.run();

// ---------------------------------------------------------------------------------------------

const below = suite('PageMapStore: hasPageBelow');

below('a page below counts; a sibling that merely shares the prefix does not', () =>
  withStore((store) => {
    store.applyRows(
      [
        { path: '/a', status: 200, source: 'wiki:A' },
        { path: '/a b', status: 200, source: 'wiki:A b' },
        { path: '/a-b', status: 200, source: 'wiki:A-b' },
        { path: '/a.b', status: 200, source: 'wiki:A.b' },
        { path: '/ab', status: 200, source: 'wiki:Ab' },
        { path: '/BeginnersGuide', status: 200, source: 'wiki:BeginnersGuide' },
        { path: '/BeginnersGuide/Download', status: 200, source: 'wiki:BeginnersGuide/Download' },
        { path: '/r', status: 200, source: 'wiki:R' },
        { path: '/r/moved', status: 301, source: '/r' },
        { path: '/r/gone', status: 410, source: '' },
        { path: '/x/y/z', status: 200, source: 'wiki:Z' },
        { path: '/é', status: 200, source: 'wiki:E' },
        { path: '/é/日本', status: 200, source: 'wiki:J' },
      ],
      'import',
    );
    assert.not.ok(store.hasPageBelow('/a'), '/a b, /a-b, /a.b and /ab are not below /a');
    assert.ok(store.hasPageBelow('/BeginnersGuide'));
    assert.not.ok(store.hasPageBelow('/BeginnersGuide/Download'));
    assert.not.ok(store.hasPageBelow('/r'), 'only 200 pages count');
    assert.ok(store.hasPageBelow('/x'));
    assert.ok(store.hasPageBelow('/x/y'));
    assert.ok(store.hasPageBelow('/é'));
    store.set({ path: '/a/b', status: 200, source: 'wiki:A/b' });
    assert.ok(store.hasPageBelow('/a'));
    assert.not.ok(store.hasPageBelow('/a b'));
    assert.not.ok(store.hasPageBelow('/a-b'));
  }),
);

below.run();

// ---------------------------------------------------------------------------------------------

const outputs = suite('PageMapStore: outputs');

const record = (file: string, path: string, key = 'k1'): OutputRecord => ({ file, path, inputKey: key, sourceSig: '10:1', sourceHash: 'h', outputSig: '20:2' });

outputs('records, replaces and removes what the build wrote', () =>
  withStore((store) => {
    assert.equal([...store.outputFingerprints()], []);
    store.recordOutputs([record('a.html', '/a.html'), record('b b/index.html', '/b b/index.html'), record('_pagemap/site.css', '')], []);
    assert.equal([...store.outputFingerprints().keys()].sort(), ['_pagemap/site.css', 'a.html', 'b b/index.html']);
    assert.equal(store.outputRecords(['b b/index.html']), [record('b b/index.html', '/b b/index.html')]);
    store.recordOutputs([record('a.html', '/a.html', 'k2')], ['b b/index.html', 'never-written.html']);
    assert.equal([...store.outputFingerprints().keys()].sort(), ['_pagemap/site.css', 'a.html']);
    assert.is(store.outputRecords(['a.html'])[0]!.inputKey, 'k2');
    // Outputs are not pages.
    assert.is(store.count(), 0);
  }),
);

outputs('read as the build reads them: fingerprints of all, whole records of some, the pages\' dates', () =>
  withStore((store) => {
    const unfinished: OutputRecord = { file: 'new.html', path: '/new.html', inputKey: '', sourceSig: '', sourceHash: '', outputSig: '' };
    const written = [record('a.html', '/a.html'), { ...record('é "x".html', '/é "x".html', 'k2'), sourceSig: '11:5' }, record('_pagemap/site.css', '')];
    store.recordOutputs([...written, unfinished], []);
    // The SQL that joins the columns agrees with outputFingerprint, which joins a job's.
    assert.equal(store.outputFingerprints(), new Map([...written, unfinished].map((r) => [r.file, outputFingerprint(r)])));
    assert.is.not(store.outputFingerprints().get('a.html'), store.outputFingerprints().get('é "x".html'));
    assert.equal(store.outputRecords(['é "x".html', 'never-written.html', 'new.html']).sort((a, b) => (a.file < b.file ? -1 : 1)), [unfinished, written[1]]);
    assert.equal(store.outputRecords([]), []);
    // Pages only, and only those written: what a sitemap dates.
    assert.equal(store.outputDates().sort((a, b) => (a.path < b.path ? -1 : 1)), [
      { path: '/a.html', sourceSig: '10:1', outputSig: '20:2' },
      { path: '/é "x".html', sourceSig: '11:5', outputSig: '20:2' },
    ]);
  }),
);

/** Where two long lists first differ, shown briefly (uvu's diff of 40,000 rows takes minutes), or undefined. */
function firstDifference(actual: readonly unknown[], expected: readonly unknown[]): string | undefined {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) return `at ${i} of ${actual.length} (expected ${expected.length}): ${JSON.stringify(actual[i])} instead of ${JSON.stringify(expected[i])}`;
  }
  return undefined;
}

outputs('the page rows and the fingerprints come whole, in order, across batches of joined text, and from a hand-edited database too', () =>
  withStore((store, { file }) => {
    const count = JOINED_BATCH_ROWS * 2 + 7;
    const pageRows: ValidRow[] = Array.from({ length: count }, (_, i) => ({ path: `/p/${String(i).padStart(6, '0')} é.html`, status: 200, source: `wiki:P/${i}` }));
    store.applyRows([...pageRows, { path: '/gone.html', status: 410, source: '' }, { path: '/old', status: 301, source: '/p/' }], 'import');
    const byPath = (a: { path: string }, b: { path: string }) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)); // SQLite's order: UTF-8 bytes
    const expectedRows = [...pageRows].sort(byPath);
    assert.is(firstDifference(store.pageRows(), expectedRows), undefined, 'every 200 row, by path, none other');
    const records = pageRows.map((row, i) => record(row.path.slice(1), row.path, `k${i}`));
    store.recordOutputs(records, []);
    assert.is(firstDifference([...store.outputFingerprints()].sort(), records.map((r) => [r.file, outputFingerprint(r)]).sort()), undefined);

    // Rows written around validation (a tab or a newline in a field) are read row by row, exactly.
    for (const odd of [{ path: '/a\tb.html', source: 'wiki:x' }, { path: '/c.html', source: 'wiki:d\n/e\twiki:f' }]) {
      const db = new Database(file);
      try {
        db.prepare('DELETE FROM pages WHERE path IN (?, ?)').run('/a\tb.html', '/c.html');
        db.prepare("INSERT INTO pages (path, status, source, created, updated, origin) VALUES (?, 200, ?, 'x', 'x', 'manual')").run(odd.path, odd.source);
      } finally {
        db.close();
      }
      const withOdd = [...expectedRows, { path: odd.path, status: 200, source: odd.source }].sort(byPath);
      assert.is(firstDifference(store.pageRows(), withOdd), undefined, JSON.stringify(odd));
    }
    const db = new Database(file);
    try {
      db.prepare("INSERT INTO outputs (file, path, input_key, source_sig, source_hash, output_sig) VALUES (?, '', 'k', 's', 'h', 'o')").run('odd\nfile.html');
    } finally {
      db.close();
    }
    assert.is(store.outputFingerprints().get('odd\nfile.html'), 'k o s');
    assert.is(store.outputFingerprints().size, count + 1);
  }),
);

outputs.run();

// ---------------------------------------------------------------------------------------------

const connections = suite('PageMapStore: the database file');

connections('dataVersion changes when another connection writes', () =>
  withStore((store, { file }) => {
    const other = new PageMapStore(file);
    try {
      assert.not.ok(other.isNew);
      const start = store.dataVersion();
      store.set({ path: '/mine', status: 404 });
      assert.is(store.dataVersion(), start, 'its own writes do not count');
      other.set({ path: '/theirs', status: 404 });
      const afterOther = store.dataVersion();
      assert.is.not(afterOther, start);
      assert.is(store.get('/theirs')!.status, 404);
      assert.is(store.dataVersion(), afterOther, 'stable until the next foreign write');
      other.applyRows([{ path: '/batch', status: 410, source: '' }], 'import');
      assert.is.not(store.dataVersion(), afterOther);
    } finally {
      other.close();
    }
  }),
);

connections('reopening keeps the rows', () =>
  withDir((dir) => {
    const file = join(dir, 'pagemap.db');
    const first = new PageMapStore(file);
    first.set({ path: '/kept', status: 200, source: 'wiki:Kept' });
    first.recordOutputs([record('kept.html', '/kept')], []);
    first.close();
    const second = new PageMapStore(file);
    try {
      assert.not.ok(second.isNew);
      assert.is(second.get('/kept')!.source, 'wiki:Kept');
      assert.ok(second.outputFingerprints().has('kept.html'));
    } finally {
      second.close();
    }
    const readonly = new PageMapStore(file, { readonly: true });
    try {
      assert.is(readonly.count(), 1);
    } finally {
      readonly.close();
    }
  }),
);

connections('a version 1 database (before misses) is migrated in place, its rows kept', () =>
  withDir((dir) => {
    const file = join(dir, 'pagemap.db');
    const raw = new Database(file);
    // Schema 1 exactly as it shipped.
    raw.exec(`CREATE TABLE pages (path TEXT PRIMARY KEY, status INTEGER NOT NULL CHECK (status IN (200, 301, 302, 404, 410)),
      source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL,
      origin TEXT NOT NULL CHECK (origin IN ('manual', 'import', 'discovered'))) WITHOUT ROWID;
      CREATE TABLE outputs (file TEXT PRIMARY KEY, path TEXT NOT NULL, input_key TEXT NOT NULL, source_sig TEXT NOT NULL,
      source_hash TEXT NOT NULL, output_sig TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO pages VALUES ('/old', 200, 'wiki:Old', 't0', 't0', 'import');
      PRAGMA user_version = 1;`);
    raw.close();
    const store = new PageMapStore(file);
    try {
      assert.is(store.isNew, false);
      assert.is(store.getCanonical('/old')?.source, 'wiki:Old');
      store.recordMisses([{ path: '/x', count: 2, firstSeen: 't1', lastSeen: 't2' }]);
      assert.equal(store.topMisses(5), [{ path: '/x', count: 2, firstSeen: 't1', lastSeen: 't2', referrer: '' }]);
      assert.equal(store.pathsWithSource('wiki:Old'), ['/old']);
    } finally {
      store.close();
    }
  }),
);

connections('a database from a newer pagemap is refused, and left as it was', () =>
  withDir((dir) => {
    const file = join(dir, 'pagemap.db');
    const store = new PageMapStore(file);
    store.set({ path: '/kept', status: 404 });
    store.close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    const error = thrown(() => new PageMapStore(file));
    assert.instance(error, PagemapError);
    assert.is((error as PagemapError).code, 'EDATABASE');
    const message = (error as Error).message;
    assert.ok(message.includes(file), message);
    assert.ok(message.includes('schema version 99'), message);
    assert.ok(message.includes('Upgrade pagemap'), message);
    const check = new Database(file, { readonly: true });
    try {
      assert.is(check.pragma('user_version', { simple: true }), 99);
      assert.equal(check.prepare('SELECT path FROM pages').all(), [{ path: '/kept' }]);
    } finally {
      check.close();
    }
  }),
);

connections('a file that is not a database is refused with EDATABASE', () =>
  withDir(async (dir) => {
    const file = join(dir, 'pagemap.db');
    await writeFile(file, 'path\tstatus\tsource\n/a\t404\t\n'.repeat(100));
    const error = thrown(() => new PageMapStore(file));
    assert.instance(error, PagemapError);
    assert.is((error as PagemapError).code, 'EDATABASE');
    assert.ok((error as Error).message.includes(file));
  }),
);

connections('readonly never creates a database', () =>
  withDir((dir) => {
    const file = join(dir, 'missing.db');
    const error = thrown(() => new PageMapStore(file, { readonly: true }));
    assert.instance(error, PagemapError);
    assert.is((error as PagemapError).code, 'EDATABASE');
    assert.not.ok(existsSync(file));
  }),
);

// Regression: the constructor reads user_version outside the migration's transaction. When
// two pagemap processes open a brand-new database together (say `pagemap serve` and
// `pagemap build` on a fresh checkout), the second one waits for the first one's migration,
// then runs the CREATE TABLEs again and fails with "table pages already exists".
// Here a worker thread plays the first process: it holds the migration open for 300 ms.
connections('a second process opening a new database during its migration waits and succeeds', () =>
  withDir(async (dir) => {
    const file = join(dir, 'pagemap.db');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const Database = require(workerData.sqlite);
       const db = new Database(workerData.file);
       db.pragma('journal_mode = WAL');
       db.exec('BEGIN IMMEDIATE');
       db.exec("CREATE TABLE pages (path TEXT PRIMARY KEY, status INTEGER NOT NULL CHECK (status IN (200, 301, 302, 404, 410)), source TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL, origin TEXT NOT NULL CHECK (origin IN ('manual', 'import', 'discovered'))) WITHOUT ROWID");
       db.exec('CREATE TABLE outputs (file TEXT PRIMARY KEY, path TEXT NOT NULL, input_key TEXT NOT NULL, source_sig TEXT NOT NULL, source_hash TEXT NOT NULL, output_sig TEXT NOT NULL) WITHOUT ROWID');
       db.pragma('user_version = 1');
       parentPort.postMessage('migrating');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: { file, sqlite } },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      let store: PageMapStore | undefined;
      try {
        store = new PageMapStore(file);
        store.set({ path: '/after', status: 404 });
        assert.is(store.count(), 1);
      } catch (error) {
        assert.unreachable(`opening during another migration failed: ${(error as Error).message}`);
      } finally {
        store?.close();
      }
    } finally {
      await worker.terminate();
    }
  }),
);

connections.run();

// ---------------------------------------------------------------------------------------------

const seeding = suite('openPageMap');

seeding('seeds a new database from the site map, and only then', async () => {
  const site = await makeTempSite({ 'map.tsv': 'path\tstatus\tsource\n/\t200\twiki:Home\n/old.html\t301\t/\n/gone\t410\t\n' }, { seedMap: 'map.tsv' });
  try {
    assert.not.ok(existsSync(site.config.database));
    const first = await openPageMap(site.config);
    try {
      assert.equal(paths(first.all()), ['/gone', '/index.html', '/old.html']);
      assert.ok(first.all().every((row) => row.origin === 'import'));
      first.remove('/gone');
    } finally {
      first.close();
    }
    await site.write({ 'map.tsv': '/other\t404\t\n' });
    const second = await openPageMap(site.config);
    try {
      assert.equal(paths(second.all()), ['/index.html', '/old.html']);
    } finally {
      second.close();
    }
  } finally {
    await site.remove();
  }
});

seeding('without a seed map the new database is empty', async () => {
  const site = await makeTempSite({}, { seedMap: null });
  try {
    const store = await openPageMap(site.config);
    try {
      assert.is(store.count(), 0);
    } finally {
      store.close();
    }
  } finally {
    await site.remove();
  }
});

seeding('a bad seed leaves no database behind and names the line', async () => {
  const site = await makeTempSite({ 'map.tsv': 'path\tstatus\tsource\n/ok\t200\twiki:Ok\n/bad\t200\tfile:../etc/passwd\n/ok2\t404\t\n' }, { seedMap: 'map.tsv' });
  try {
    let caught: unknown;
    try {
      (await openPageMap(site.config)).close();
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, ImportError);
    const error = caught as ImportError;
    assert.is(error.code, 'EIMPORT');
    assert.is(error.problems.length, 1);
    assert.ok(error.problems[0]!.startsWith('line 3: /bad: '), error.problems[0]);
    assert.ok(error.message.includes(site.config.seedMap!), error.message);
    for (const suffix of ['', '-wal', '-shm', '-journal']) assert.not.ok(existsSync(site.config.database + suffix), `${site.config.database}${suffix} left behind`);
    // Fixing the seed then works: it is still a first use.
    await site.write({ 'map.tsv': '/ok\t200\twiki:Ok\n' });
    const store = await openPageMap(site.config);
    try {
      assert.equal(paths(store.all()), ['/ok']);
    } finally {
      store.close();
    }
  } finally {
    await site.remove();
  }
});

seeding('a missing seed file leaves no database behind either', async () => {
  const site = await makeTempSite({}, { seedMap: 'nowhere.tsv' });
  try {
    let caught: unknown;
    try {
      (await openPageMap(site.config)).close();
    } catch (error) {
      caught = error;
    }
    assert.is((caught as PagemapError).code, 'EREAD');
    assert.match((caught as Error).message, /^cannot read map file .*nowhere\.tsv: no such file; nothing imported$/);
    assert.not.ok(existsSync(site.config.database));
  } finally {
    await site.remove();
  }
});

seeding.run();
