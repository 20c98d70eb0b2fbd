/**
 * The page map store: one SQLite file (better-sqlite3, WAL) holding the pages table of
 * DESIGN.md and the build's record of what it wrote. Every write validates its rows first
 * and batches run in one transaction, so a bad import changes nothing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseError, InvalidRowError, PagemapError } from './errors.js';
import { JOINED_BATCH_ROWS, type JoinedBatch, readJoinedRows } from './joinedRows.js';
import type { OutputRecord } from './outputRecord.js';
import { canonicalRowPath, isPrefixPath, pathForExport } from './pagePath.js';
import { type Origin, type PageRow, type RowInput, type Status, type ValidRow, validateRow } from './pageRow.js';
import { isPatternPath, patternMatcher } from './patterns.js';
import { type PatternLookup, loopThrough, prefixRowFor } from './redirects.js';

const SELECT_OUTPUTS = 'SELECT file, path, input_key AS inputKey, source_sig AS sourceSig, source_hash AS sourceHash, output_sig AS outputSig';
/** An output record's fingerprint in SQL: keep in step with outputFingerprint (outputRecord.ts). */
const FINGERPRINT_SQL = "input_key || ' ' || output_sig || ' ' || source_sig";

export const SOURCE_KINDS = ['wiki', 'file', 'redirect', 'none'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ListFilter {
  status?: Status;
  /** Text anywhere in the path (and in the source, with `inSources`). */
  search?: string;
  inSources?: boolean;
  origin?: Origin;
  /** What the row points at: a wiki page, a legacy file, a redirect target, nothing (404/410). */
  sourceKind?: SourceKind;
  /** A page of the list: at most `limit` rows after the first `offset`. */
  limit?: number;
  offset?: number;
}

/** A source kind as SQL over the status and source columns. */
const SOURCE_KIND_SQL: Record<SourceKind, string> = {
  wiki: "status = 200 AND source LIKE 'wiki:%'",
  file: "status = 200 AND source LIKE 'file:%'",
  redirect: 'status IN (301, 302)',
  none: 'status IN (404, 410)',
};

export type SetOutcome = 'added' | 'updated' | 'unchanged';

export interface ImportSummary {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
}


// Each entry moves a database from version i to i + 1; never edit one that has shipped.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE pages (
     path    TEXT PRIMARY KEY,
     status  INTEGER NOT NULL CHECK (status IN (200, 301, 302, 404, 410)),
     source  TEXT NOT NULL DEFAULT '',
     created TEXT NOT NULL,
     updated TEXT NOT NULL,
     origin  TEXT NOT NULL CHECK (origin IN ('manual', 'import', 'discovered'))
   ) WITHOUT ROWID;
   CREATE TABLE outputs (
     file        TEXT PRIMARY KEY,
     path        TEXT NOT NULL,
     input_key   TEXT NOT NULL,
     source_sig  TEXT NOT NULL,
     source_hash TEXT NOT NULL,
     output_sig  TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // 2: the runtime's misses, and the indexes the watcher's look-ups need.
  `CREATE TABLE misses (
     path       TEXT PRIMARY KEY,
     count      INTEGER NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen  TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX pages_by_source ON pages (source) WHERE status = 200;
   CREATE INDEX outputs_by_path ON outputs (path);`,
  // 3: the build's journal (folders of public/ a running build writes into, so a killed build's
  // temp files can be found), small named state (the Apache files last written), and the
  // order in which misses are dropped when the table is full.
  `CREATE TABLE build_journal (
     dir   TEXT NOT NULL,
     owner TEXT NOT NULL,
     pid   INTEGER NOT NULL,
     PRIMARY KEY (dir, owner)
   ) WITHOUT ROWID;
   CREATE TABLE build_state (
     key   TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX misses_by_rank ON misses (count, last_seen);`,
  // 4: pattern rows' order (mod_rewrite's: the first that matches answers); NULL for other rows.
  `ALTER TABLE pages ADD COLUMN rank INTEGER;
   CREATE INDEX pages_by_rank ON pages (rank) WHERE rank IS NOT NULL;`,
  // 5: the page a miss was last linked from (its Referer), to find a broken link on another site.
  `ALTER TABLE misses ADD COLUMN referrer TEXT NOT NULL DEFAULT '';
   CREATE INDEX misses_by_last_seen ON misses (last_seen);`,
  // 6: a counter every change to the rows moves, whoever makes it (this code, another process,
  // the sqlite3 shell): a build that finds it where it left it need not read a million rows to
  // know the Apache map is current.
  `CREATE TABLE map_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
   INSERT INTO map_revision VALUES (1, 0);
   CREATE TRIGGER pages_inserted AFTER INSERT ON pages BEGIN UPDATE map_revision SET revision = revision + 1; END;
   CREATE TRIGGER pages_updated AFTER UPDATE ON pages BEGIN UPDATE map_revision SET revision = revision + 1; END;
   CREATE TRIGGER pages_deleted AFTER DELETE ON pages BEGIN UPDATE map_revision SET revision = revision + 1; END;`,
  // 7: the pages alone, in path order: a whole build lists them from this index, not by reading
  // every row (100,000 pages among 1,000,000 rows: the redirects were most of a no-op rebuild).
  `CREATE INDEX pages_served ON pages (path, status, source) WHERE status = 200;`,
];

const SCHEMA_VERSION = MIGRATIONS.length;

/** A path the runtime could not answer, and how often it was asked for. */
export interface MissRecord {
  path: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The page it was last linked from (the request's Referer), '' when none said. */
  referrer?: string;
}

/** A build's journal entry: a folder of public/ (relative, '' for public/ itself) it writes into. */
export interface JournalEntry {
  dir: string;
  /** Which build: unique per process and build. */
  owner: string;
  pid: number;
}

export interface StoreOptions {
  readonly?: boolean;
  /** The clock, for tests. */
  now?: () => Date;
}

/** Escape LIKE's wildcards so --search matches text literally. */
function likePattern(text: string): string {
  return '%' + text.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

/** A list filter as a WHERE clause and its parameters (values always bound, never spliced). */
function whereFor(filter: ListFilter): { where: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.status !== undefined) (where.push('status = @status'), (params.status = filter.status));
  if (filter.origin !== undefined) (where.push('origin = @origin'), (params.origin = filter.origin));
  if (filter.sourceKind !== undefined) where.push(SOURCE_KIND_SQL[filter.sourceKind]);
  if (filter.search) {
    where.push(filter.inSources ? "(path LIKE @search ESCAPE '\\' OR source LIKE @search ESCAPE '\\')" : "path LIKE @search ESCAPE '\\'");
    params.search = likePattern(filter.search);
  }
  return { where: where.length ? ' WHERE ' + where.join(' AND ') : '', params };
}

/**
 * SQLite's complaint about the database file, as one line that names the file and says what
 * to do; undefined for an error that is not SQLite's.
 */
export function databaseProblem(file: string, error: unknown): DatabaseError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const advice =
    code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')
      ? 'the file is damaged or not a page map: restore it from a backup, or move it aside and import your last map export (pagemap map import FILE)'
      : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
        ? 'another process holds it locked: try again'
        : code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')
          ? 'check that the file and its folder exist and can be written'
          : code.startsWith('SQLITE_FULL')
            ? 'the disk is full'
            : 'see SQLite\'s message';
  return new DatabaseError(`page map ${file}: ${(error as Error).message} (${code}); ${advice}`, { cause: error });
}

/** Every statement the store runs, prepared once. */
function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare<[string], PageRow>('SELECT path, status, source, created, updated, origin FROM pages WHERE path = ?'),
    // Exact and prefix rows by path ('~' sorts after every '/' path), then pattern rows in their order.
    allPaths: db.prepare<[], PageRow>("SELECT path, status, source, created, updated, origin FROM pages WHERE path < '~' ORDER BY path"),
    pageRows: db.prepare<[], ValidRow>('SELECT path, status, source FROM pages WHERE status = 200 ORDER BY path'),
    pageRowsJoined: db.prepare<[string, number], JoinedBatch>(
      'SELECT group_concat(path || char(9) || source, char(10) ORDER BY path) AS joined, count(*) AS count, max(path) AS last FROM (SELECT path, source FROM pages WHERE status = 200 AND path > ? ORDER BY path LIMIT ?)',
    ),
    rowsAfter: db.prepare<[string, number], ValidRow>("SELECT path, status, source FROM pages WHERE path > ? AND path < '~' ORDER BY path LIMIT ?"),
    prefixRows: db.prepare<[], ValidRow>("SELECT path, status, source FROM pages WHERE path < '~' AND substr(path, -1) = '/' ORDER BY path"),
    rowAt: db.prepare<[string], ValidRow>('SELECT path, status, source FROM pages WHERE path = ?'),
    mapRevision: db.prepare<[], { revision: number }>('SELECT revision FROM map_revision'),
    patterns: db.prepare<[], PageRow>('SELECT path, status, source, created, updated, origin FROM pages WHERE rank IS NOT NULL ORDER BY rank'),
    lastRank: db.prepare<[], { rank: number | null }>('SELECT max(rank) AS rank FROM pages WHERE rank IS NOT NULL'),
    rankOf: db.prepare<[string], { rank: number | null }>('SELECT rank FROM pages WHERE path = ?'),
    setRank: db.prepare<[number, string]>('UPDATE pages SET rank = ? WHERE path = ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM pages'),
    below: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM pages WHERE path > ? AND path < ? AND status = 200 LIMIT 1'),
    insert: db.prepare('INSERT INTO pages (path, status, source, created, updated, origin, rank) VALUES (@path, @status, @source, @now, @now, @origin, @rank)'),
    update: db.prepare('UPDATE pages SET status = @status, source = @source, updated = @now, origin = @origin WHERE path = @path'),
    remove: db.prepare<[string]>('DELETE FROM pages WHERE path = ?'),
    removeAll: db.prepare('DELETE FROM pages'),
    // Joined: read in batches of text (joinedRows.ts); the other, row by row, when a batch will not split.
    outputFingerprints: db.prepare<[], [string, string]>(`SELECT file, ${FINGERPRINT_SQL} FROM outputs`).raw(),
    outputFingerprintsJoined: db.prepare<[string, number], JoinedBatch>(
      `SELECT group_concat(file || char(9) || ${FINGERPRINT_SQL}, char(10)) AS joined, count(*) AS count, max(file) AS last FROM (SELECT * FROM outputs WHERE file > ? ORDER BY file LIMIT ?)`,
    ),
    outputsIn: db.prepare<[string], OutputRecord>(`${SELECT_OUTPUTS} FROM outputs WHERE file IN (SELECT value FROM json_each(?))`),
    outputDates: db.prepare<[], Pick<OutputRecord, 'path' | 'sourceSig' | 'outputSig'>>(
      "SELECT path, source_sig AS sourceSig, output_sig AS outputSig FROM outputs WHERE path <> '' AND output_sig <> ''",
    ),
    putOutput: db.prepare(
      'INSERT OR REPLACE INTO outputs (file, path, input_key, source_sig, source_hash, output_sig) VALUES (@file, @path, @inputKey, @sourceSig, @sourceHash, @outputSig)',
    ),
    removeOutput: db.prepare<[string]>('DELETE FROM outputs WHERE file = ?'),
    intendOutput: db.prepare(
      "INSERT OR IGNORE INTO outputs (file, path, input_key, source_sig, source_hash, output_sig) VALUES (@file, @path, '', '', '', '')",
    ),
    outputsFor: db.prepare<[string], OutputRecord>(`${SELECT_OUTPUTS} FROM outputs WHERE path = ?`),
    pathsWithSource: db.prepare<[string], { path: string }>('SELECT path FROM pages WHERE source = ? AND status = 200'),
    // Returns the new count: equal to the batch's count only when the row is new.
    countMiss: db.prepare<[Required<MissRecord>], { count: number }>(
      `INSERT INTO misses (path, count, first_seen, last_seen, referrer) VALUES (@path, @count, @firstSeen, @lastSeen, @referrer)
       ON CONFLICT (path) DO UPDATE SET count = count + excluded.count, last_seen = excluded.last_seen,
         referrer = CASE WHEN excluded.referrer <> '' THEN excluded.referrer ELSE referrer END
       RETURNING count`,
    ),
    purgeMisses: db.prepare<[string]>('DELETE FROM misses WHERE last_seen < ?'),
    // Rows by status and kind (pattern: '~…'; prefix: a folder path; exact otherwise) and, for pages, by source scheme.
    census: db.prepare<[], { status: number; kind: string; scheme: string; n: number }>(
      `SELECT status,
              CASE WHEN path >= '~' THEN 'pattern' WHEN substr(path, -1) = '/' THEN 'prefix' ELSE 'exact' END AS kind,
              CASE WHEN status = 200 THEN substr(source, 1, instr(source, ':') - 1) ELSE '' END AS scheme,
              count(*) AS n
       FROM pages GROUP BY 1, 2, 3`,
    ),
    discoveredSince: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM pages WHERE origin = 'discovered' AND created >= ?"),
    missCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM misses'),
    dropMisses: db.prepare<[number]>(
      // Least requested first, and of those the longest unseen.
      'DELETE FROM misses WHERE path IN (SELECT path FROM misses ORDER BY count, last_seen LIMIT ?)',
    ),
    journal: db.prepare<[], JournalEntry>('SELECT dir, owner, pid FROM build_journal'),
    addJournal: db.prepare('INSERT OR IGNORE INTO build_journal (dir, owner, pid) VALUES (@dir, @owner, @pid)'),
    removeJournal: db.prepare<[string]>('DELETE FROM build_journal WHERE owner = ?'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    getState: db.prepare<[string], { value: string }>('SELECT value FROM build_state WHERE key = ?'),
    setState: db.prepare<[string, string]>('INSERT OR REPLACE INTO build_state (key, value) VALUES (?, ?)'),
    topMisses: db.prepare<[number, number], Required<MissRecord>>(
      // A miss that has a row by now is answered: the list is what still needs one.
      `SELECT path, count, first_seen AS firstSeen, last_seen AS lastSeen, referrer FROM misses AS m
       WHERE NOT EXISTS (SELECT 1 FROM pages AS p WHERE p.path = m.path)
       ORDER BY count DESC, last_seen DESC, path LIMIT ? OFFSET ?`,
    ),
  };
}

export class PageMapStore {
  readonly file: string;
  readonly isNew: boolean;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** The misses table's row count, once known (only recordMisses changes it). */
  private missRows: number | undefined;
  /** Pattern rows compiled, as of a data_version; dropped by this connection's own writes, which data_version does not count. */
  private patternCache: { version: number; find: PatternLookup } | undefined;

  constructor(file: string, options: StoreOptions = {}) {
    this.file = file;
    this.now = options.now ?? (() => new Date());
    if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      this.db = db;
      this.isNew = this.migrate(file);
      this.statements = prepareStatements(db);
    } catch (error) {
      if (db?.open) db.close();
      throw error instanceof PagemapError ? error : (databaseProblem(file, error) ?? new DatabaseError(`cannot open page map ${file}: ${(error as Error).message}`, { cause: error }));
    }
  }

  /**
   * Bring the schema up to date; true when the database was empty. The version is read inside
   * the write transaction, so two processes opening a new database at once migrate it once.
   */
  private migrate(file: string): boolean {
    const readVersion = () => this.db.pragma('user_version', { simple: true }) as number;
    const found = readVersion();
    if (found > SCHEMA_VERSION) {
      throw new DatabaseError(`page map ${file} has schema version ${found}; this pagemap knows up to ${SCHEMA_VERSION}. Upgrade pagemap.`);
    }
    if (found === SCHEMA_VERSION || this.db.readonly) return false;
    return this.db.transaction(() => {
      const from = readVersion();
      for (let version = from; version < SCHEMA_VERSION; version++) this.db.exec(MIGRATIONS[version]!);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return from === 0;
    }).immediate();
  }

  /** The row at a path, which may be written in any accepted form (`/doc/`, `/a%20b`). */
  get(path: string): PageRow | undefined {
    let canonical: string;
    try {
      canonical = canonicalRowPath(path);
    } catch {
      return undefined;
    }
    return this.statements.get.get(canonical);
  }

  /** The row at an already canonical path (the runtime's hot path: no re-validation). */
  getCanonical(path: string): PageRow | undefined {
    return this.statements.get.get(path);
  }

  /** Whether a 200 page lies below `path` (which then cannot be a file: see outputFileFor). */
  hasPageBelow(path: string): boolean {
    // Every path below P sorts between "P/" and "P0" ("0" follows "/").
    return this.statements.below.get(path + '/', path + '0') !== undefined;
  }

  /** The 200 rows (what the build makes pages of), by path: a tenth of a map that is mostly redirects. */
  pageRows(): ValidRow[] {
    const rows: ValidRow[] = [];
    return this.readJoined(this.statements.pageRowsJoined, (path, source) => rows.push({ path, status: 200, source })) ? rows : this.statements.pageRows.all();
  }

  /** Rows read as batches of joined text (joinedRows.ts), in one read transaction: the batches are one snapshot. */
  private readJoined(statement: Database.Statement<[string, number], JoinedBatch>, add: (first: string, second: string) => void): boolean {
    return this.db.transaction(() => readJoinedRows((after) => statement.get(after, JOINED_BATCH_ROWS), add))();
  }

  /** Moves with every change to the rows, by anyone: equal revisions, same rows. */
  mapRevision(): number {
    return this.statements.mapRevision.get()!.revision;
  }

  /**
   * Exact and prefix rows (path, status, source) after `after` by path, at most `limit`: a big
   * map read a piece at a time, and other statements free to run between the pieces.
   */
  rowsAfter(after: string, limit: number): ValidRow[] {
    return this.statements.rowsAfter.all(after, limit);
  }

  /** The prefix rows (paths ending in /), by path. */
  prefixRows(): ValidRow[] {
    return this.statements.prefixRows.all();
  }

  /** The pattern rows, in their order. */
  patternRows(): PageRow[] {
    return this.statements.patterns.all();
  }

  /** Path, status and source of the row at an already canonical path: getCanonical without the rest. */
  rowAt(path: string): ValidRow | undefined {
    return this.statements.rowAt.get(path);
  }

  /** Every row: exact and prefix rows by path, then pattern rows in their order. */
  all(): PageRow[] {
    return [...this.statements.allPaths.all(), ...this.statements.patterns.all()];
  }

  /**
   * The first pattern row matching a path as asked, its target filled in; undefined when none
   * does. Compiled once, again after a write here or in another process (data_version).
   */
  readonly findPattern: PatternLookup = (asked) => {
    const version = this.dataVersion();
    if (this.patternCache?.version !== version) this.patternCache = { version, find: patternMatcher(this.statements.patterns.all()) };
    return this.patternCache.find(asked);
  };

  count(): number {
    return this.statements.count.get()!.n;
  }

  /** The rows a filter selects, in the map's order (exact and prefix rows by path, then patterns in theirs). */
  list(filter: ListFilter = {}): PageRow[] {
    const { where, params } = whereFor(filter);
    const page = filter.limit === undefined ? '' : ' LIMIT @limit OFFSET @offset';
    if (page) ((params.limit = filter.limit), (params.offset = filter.offset ?? 0));
    const sql = `SELECT path, status, source, created, updated, origin FROM pages${where} ORDER BY rank IS NOT NULL, rank, path${page}`;
    return this.db.prepare<[Record<string, unknown>], PageRow>(sql).all(params);
  }

  /** How many rows a filter selects (paging ignored). */
  countWhere(filter: ListFilter): number {
    const { where, params } = whereFor(filter);
    return this.db.prepare<[Record<string, unknown>], { n: number }>(`SELECT count(*) AS n FROM pages${where}`).get(params)!.n;
  }

  /**
   * Insert or update one row. A new pattern row goes after the others unless `rank` places it;
   * an existing one keeps its place unless `rank` moves it.
   */
  private write(row: ValidRow, origin: Origin, now: string, rank?: number): SetOutcome {
    this.patternCache = undefined;
    const existing = this.statements.get.get(row.path);
    if (!existing) {
      const place = isPatternPath(row.path) ? (rank ?? (this.statements.lastRank.get()!.rank ?? 0) + 1) : null;
      this.statements.insert.run({ ...row, origin, now, rank: place });
      return 'added';
    }
    const isMoved = rank !== undefined && this.statements.rankOf.get(row.path)!.rank !== rank;
    if (isMoved) this.statements.setRank.run(rank, row.path);
    if (existing.status === row.status && existing.source === row.source) return isMoved ? 'updated' : 'unchanged';
    this.statements.update.run({ ...row, origin, now });
    return 'updated';
  }

  /**
   * Add or change one row. Throws InvalidRowError, naming the row, for a row the map refuses,
   * a redirect that would close a loop included (nothing is written then).
   */
  set(input: RowInput, origin: Origin = 'manual'): SetOutcome {
    const row = validateRow(input);
    return this.db
      .transaction(() => {
        const outcome = this.write(row, origin, this.now().toISOString());
        this.refuseLoops([row]);
        return outcome;
      })
      .immediate();
  }

  /**
   * Throw, naming the cycle, when a redirect among `rows` now leads back to itself (the
   * transaction then rolls back). A prefix or pattern row among them may close a loop through
   * any row it answers, so then every redirect in the map is followed again.
   */
  private refuseLoops(rows: readonly ValidRow[]): void {
    const getRow = (path: string) => this.statements.get.get(path);
    const findPattern = patternMatcher(this.statements.patterns.all());
    const isOpenEdit = rows.some((row) => isPatternPath(row.path) || isPrefixPath(row.path));
    // The batch first, so that the loop is named from the row being written when it can be.
    for (const row of isOpenEdit ? [...rows, ...this.all()] : rows) {
      const cycle = loopThrough(row, getRow, findPattern);
      if (cycle) throw new InvalidRowError(`${pathForExport(row.path)}: would make a redirect loop: ${cycle.map(pathForExport).join(' → ')}`);
    }
  }

  /** Remove a row; false when there was none. */
  remove(path: string): boolean {
    this.patternCache = undefined;
    return this.statements.remove.run(canonicalRowPath(path)).changes > 0;
  }

  /**
   * Apply validated rows in one transaction: all or nothing. With `replace`, rows not in the
   * batch are removed, so the map becomes exactly the batch.
   */
  applyRows(rows: readonly ValidRow[], origin: Origin, options: { replace?: boolean } = {}): ImportSummary {
    const summary: ImportSummary = { added: 0, updated: 0, unchanged: 0, removed: 0 };
    const now = this.now().toISOString();
    this.patternCache = undefined;
    this.db.transaction(() => {
      if (options.replace) {
        const keep = new Set(rows.map((r) => r.path));
        for (const row of this.all()) {
          if (!keep.has(row.path)) (this.statements.remove.run(row.path), summary.removed++);
        }
      }
      // Replacing, the batch's pattern rows take the batch's order; otherwise new ones go last.
      let rank = 0;
      for (const row of rows) summary[this.write(row, origin, now, options.replace && isPatternPath(row.path) ? ++rank : undefined)]++;
      this.refuseLoops(rows);
    }).immediate();
    return summary;
  }

  /** Insert rows whose paths have no row yet (discovery never overrides a decision). Returns those added. */
  addMissing(rows: readonly ValidRow[], origin: Origin): ValidRow[] {
    const now = this.now().toISOString();
    const added: ValidRow[] = [];
    this.db.transaction(() => {
      for (const row of rows) if (!this.statements.get.get(row.path)) (this.statements.insert.run({ ...row, origin, now, rank: null }), added.push(row));
    }).immediate();
    return added;
  }

  /** Every recorded file → its outputFingerprint: what a no-op rebuild needs of the records, at half the cost of whole ones. */
  outputFingerprints(): Map<string, string> {
    const fingerprints = new Map<string, string>();
    const isWhole = this.readJoined(this.statements.outputFingerprintsJoined, (file, fingerprint) => fingerprints.set(file, fingerprint));
    return isWhole ? fingerprints : new Map(this.statements.outputFingerprints.all());
  }

  /** The records of `files` (those that have one), in one query (~6 µs a file at 100,000 records). */
  outputRecords(files: readonly string[]): OutputRecord[] {
    return files.length === 0 ? [] : this.statements.outputsIn.all(JSON.stringify(files));
  }

  /** The page outputs' paths and source signatures (a sitemap's dates), without the rest of their records. */
  outputDates(): Pick<OutputRecord, 'path' | 'sourceSig' | 'outputSig'>[] {
    return this.statements.outputDates.all();
  }

  /** What the build recorded for one page path (normally one file; two while a page moves). */
  outputsFor(path: string): OutputRecord[] {
    return this.statements.outputsFor.all(path);
  }

  /** The 200 pages whose source is exactly `source` (`wiki:Name`, `file:rel`). */
  pathsWithSource(source: string): string[] {
    return this.statements.pathsWithSource.all(source).map((row) => row.path);
  }

  /**
   * Add counted misses in one transaction (the runtime batches them), then drop the least
   * requested and oldest until at most `max` distinct paths remain. The table's size is
   * counted once and then followed (a count(*) of 100,000 rows on every flush would cost more
   * than the flush).
   */
  recordMisses(misses: readonly MissRecord[], max = Infinity): void {
    this.db.transaction(() => {
      this.missRows ??= this.statements.missCount.get()!.n;
      for (const miss of misses) if (this.statements.countMiss.get({ referrer: '', ...miss })!.count === miss.count) this.missRows++;
      if (this.missRows > max) {
        this.statements.dropMisses.run(this.missRows - max);
        this.missRows = max;
      }
    }).immediate();
  }

  missCount(): number {
    return this.statements.missCount.get()!.n;
  }

  /**
   * The most requested paths that had no answer and still have none, most requested first: a
   * miss leaves the list once a row answers it, however the row came (set, import, discovery)
   * and whatever its kind (its own path, a prefix over it, a pattern matching it).
   */
  topMisses(limit: number): Required<MissRecord>[] {
    const found: Required<MissRecord>[] = [];
    const page = Math.max(limit, 100);
    for (let offset = 0; found.length < limit; offset += page) {
      const batch = this.statements.topMisses.all(page, offset);
      for (const miss of batch) if (found.length < limit && !this.isAnswered(miss.path)) found.push(miss);
      if (batch.length < page) break;
    }
    return found;
  }

  /** Whether a prefix or pattern row answers a path (as asked with or without its index.html). */
  private isAnswered(path: string): boolean {
    const forms = path.endsWith('/index.html') ? [path, path.slice(0, -'index.html'.length)] : [path];
    return forms.some((asked) => prefixRowFor(asked, (row) => this.statements.get.get(row)) !== undefined || this.findPattern(asked) !== undefined);
  }

  /** How many rows there are of each status, kind (exact, prefix, pattern) and, for pages, source scheme (wiki, file). */
  census(): { status: number; kind: string; scheme: string; n: number }[] {
    return this.statements.census.all();
  }

  /** How many rows discovery added since `since`. */
  discoveredSince(since: Date): number {
    return this.statements.discoveredSince.get(since.toISOString())!.n;
  }

  /** Forget the misses last asked for before `before`; how many went. */
  purgeMisses(before: Date): number {
    const purged = this.statements.purgeMisses.run(before.toISOString()).changes;
    this.missRows = undefined;
    return purged;
  }

  /**
   * Before a build writes: the files it is about to create get a record (an empty input key,
   * so they count as stale until the build records them for real) and the folders it writes
   * into are journaled. A build killed at any moment then leaves nothing unknown behind.
   */
  recordIntent(newFiles: readonly Pick<OutputRecord, 'file' | 'path'>[], journal: readonly JournalEntry[]): void {
    this.db.transaction(() => {
      for (const { file, path } of newFiles) this.statements.intendOutput.run({ file, path });
      for (const entry of journal) this.statements.addJournal.run(entry);
    }).immediate();
  }

  /** Record what the build wrote and removed, and close its journal, in one transaction. */
  recordOutputs(written: readonly OutputRecord[], removedFiles: readonly string[], owner?: string): void {
    this.db.transaction(() => {
      for (const file of removedFiles) this.statements.removeOutput.run(file);
      for (const record of written) this.statements.putOutput.run(record);
      if (owner !== undefined) this.statements.removeJournal.run(owner);
    }).immediate();
  }

  /** Every journal entry: those of dead processes are what a killed build left. */
  journal(): JournalEntry[] {
    return this.statements.journal.all();
  }

  /** Close the journal of builds whose leftovers have been cleared. */
  closeJournal(owners: Iterable<string>): void {
    this.db.transaction(() => {
      for (const owner of owners) this.statements.removeJournal.run(owner);
    }).immediate();
  }

  /** A small named value the build keeps between runs (e.g. the Apache files last written). */
  getState(key: string): string | undefined {
    return this.statements.getState.get(key)?.value;
  }

  setState(key: string, value: string): void {
    this.statements.setState.run(key, value);
  }

  /** Changes whenever another connection commits: how a running server notices CLI edits. */
  dataVersion(): number {
    return this.statements.dataVersion.get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
