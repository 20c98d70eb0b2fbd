/**
 * The Apache side of the map (DESIGN.md "Build"): a configuration to Include in the site's
 * VirtualHost, and a RewriteMap holding every exact and prefix 301/302/404/410 row. Those
 * rules are fixed: only the map changes with the rows, and mod_rewrite re-reads a changed
 * map file by itself, so their edits never need a reload. Pattern rows are rules of their
 * own (a regular expression cannot be a map key): a change to them changes the
 * configuration, and the build says to reload Apache.
 *
 * The map is a Berkeley DB hash (httxt2dbm, from apache2-utils): one lookup costs the same at
 * 100 rows as at 100,000. A txt map would be scanned line by line for every path not yet in
 * mod_rewrite's cache — including every page that has no row. Without httxt2dbm the txt map
 * is used, and the build says so.
 *
 * Whether the files on disk are current is decided from what the database recorded after the
 * last successful write (a hash of their text and each file's size and mtime), never from the
 * files themselves: a build killed between writing the txt map and the DBM, or an httxt2dbm
 * that failed once, must not leave Apache on the old map for good.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { TEMP_PREFIX, writeFileAtomic, writeTempBeside } from './atomicWrite.js';
import { hashParts } from './hashParts.js';
import type { Config } from '../core/config.js';
import { ASSET_PREFIX, DATA_PREFIX, MAX_PATH_BYTES, MAX_PREFIX_DEPTH, MAX_SEGMENT_BYTES, PREFIX_PAGE_FILE, intEscape, isPrefixPath, locationFor } from '../core/pagePath.js';
import { TARGET_REFERENCE, checkPattern, isPatternPath, patternMatcher, patternOf } from '../core/patterns.js';
import { type PatternLookup, answerHops, collapseChain, isOpen, prefixRowFor, targetParts } from '../core/redirects.js';
import type { PageRow } from '../core/pageRow.js';

export const APACHE_CONFIG_FILE = 'pagemap.conf';
/** The map as text: the source of the DBM file, and what people read. */
export const APACHE_MAP_FILE = 'pagemap-map.txt';
export const APACHE_DBM_FILE = 'pagemap-map.db';

/** httxt2dbm on this machine, or undefined. */
export function findHttxt2dbm(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'httxt2dbm')).find((file) => file.startsWith('/') && existsSync(file));
}

/** A canonical path as mod_rewrite's int:escape writes it (lower-case hex): the map's key. */
export function apacheMapKey(path: string): string {
  return intEscape(path);
}

/**
 * A path the runtime answers whatever prefix or pattern row Apache would try: beyond ASCII (the
 * runtime looks up its NFC form), or one the runtime refuses — a control character, a segment
 * or the whole too long (which also keeps long hostile paths from every regular expression).
 */
const RUNTIME_ONLY_PATH = `[\\x00-\\x1f\\x7f-\\xff]|[^/]{${MAX_SEGMENT_BYTES + 1}}|^.{${MAX_PATH_BYTES + 1}}`;

/** Map keys no path can be: the map holds prefix rows; a prefix row for the root; prefix rows under a top folder. */
export const PREFIX_SENTINEL = '!prefixes';
const ROOT_PREFIX_SENTINEL = '!prefix-root';
const TOP_FOLDER_SENTINEL = '!top:';

type MapRow = Pick<PageRow, 'path' | 'status' | 'source'>;

/** The paths a request for a page may be asked as: its own, its folder with and without the slash. */
function askedForms(path: string, hasRow: (path: string) => boolean): string[] {
  if (!path.endsWith('/index.html')) return [path];
  const folder = path.slice(0, -'index.html'.length);
  return hasRow(folder.slice(0, -1)) || folder === '/' ? [path, folder] : [path, folder, folder.slice(0, -1)];
}

/**
 * The rows the Apache files are made from. A map of a million rows is read a piece at a time
 * and written as it comes, each row looked up by path as chains and shadows need it: holding
 * it all (rows, an index by path, the lines, their text) took ~900 MB at 1,000,000 rows.
 */
export interface ApacheRows {
  /** Every exact and prefix row, in order, a piece at a time. */
  pieces(): Iterable<readonly MapRow[]>;
  /** The exact or prefix row at a canonical path. */
  get(path: string): MapRow | undefined;
  prefixRows: readonly MapRow[];
  /** The pattern rows, in their order. */
  patternRows: readonly MapRow[];
}

/** ApacheRows over rows in memory (a small map; tests). */
export function apacheRowsOf(rows: readonly MapRow[]): ApacheRows {
  const exact = rows.filter((row) => !isPatternPath(row.path));
  const byPath = new Map(exact.map((row) => [row.path, row]));
  return {
    pieces: () => [exact],
    get: (path) => byPath.get(path),
    prefixRows: exact.filter((row) => isPrefixPath(row.path)),
    patternRows: rows.filter((row) => isPatternPath(row.path)),
  };
}

const MAP_HEADER = '# pagemap RewriteMap: escaped path, then status:Location ("-" for 404/410). Generated; do not edit.';

/**
 * One map line per 301/302/404/410 row: `key status:target`. Keys and values hold no white
 * space. A redirect to a redirect is written as the one hop the runtime answers too. Prefix
 * rows are keyed by their folder (`/topics/xml/`, which no exact path is); an open one (a `*`
 * in its target) is written `o301:…` with its `*` for Apache to fill in. A page under a prefix
 * row, or that a pattern row matches, is written `200:-`, so that it keeps its own answer.
 * Pattern rows are rules of the configuration (renderPatternRules), not map lines. The text
 * comes a piece of rows at a time.
 */
export function* apacheMapText(rows: ApacheRows): Generator<string> {
  const { get } = rows;
  const hasPrefixes = rows.prefixRows.length > 0;
  const findPattern = rows.patternRows.length > 0 ? patternMatcher(rows.patternRows) : undefined;
  const head = [MAP_HEADER];
  if (hasPrefixes) head.push(`${PREFIX_SENTINEL} 1`);
  // Which top folders hold prefix rows: a path elsewhere skips the per-depth lookups.
  const tops = new Set<string>();
  for (const row of rows.prefixRows) {
    if (row.path === '/') head.push(`${ROOT_PREFIX_SENTINEL} 1`);
    else tops.add(row.path.slice(0, row.path.indexOf('/', 1) + 1));
  }
  for (const top of tops) head.push(`${TOP_FOLDER_SENTINEL}${apacheMapKey(top)} 1`);
  yield head.join('\n') + '\n';
  for (const piece of rows.pieces()) {
    const lines: string[] = [];
    for (const row of piece) {
      const key = apacheMapKey(row.path);
      if (row.status === 200) {
        const forms = askedForms(row.path, (path) => get(path) !== undefined);
        const isShadowed = (hasPrefixes && prefixRowFor(row.path, get)) || (findPattern && forms.some((form) => findPattern(form)));
        if (!isShadowed) continue;
        // Each key a request for the page looks up (its folder without the slash answers a DirectorySlash redirect).
        for (const form of new Set([row.path, forms[2] ?? row.path])) lines.push(`${apacheMapKey(form)} 200:-`);
      } else if (row.status === 404 || row.status === 410) {
        lines.push(`${key} ${row.status}:-`);
      } else if (isOpen(row)) {
        lines.push(`${key} o${row.status}:${locationFor(row.source)}`);
      } else {
        const { status, location } = collapseChain(answerHops({ row, target: row.source }, get, findPattern), '', locationFor);
        lines.push(`${key} ${status}:${location}`);
      }
    }
    if (lines.length) yield lines.join('\n') + '\n';
  }
}

/** The whole map of some rows in memory, as text (apacheMapText). */
export function renderApacheMap(rows: readonly MapRow[]): string {
  return [...apacheMapText(apacheRowsOf(rows))].join('');
}

/**
 * The rules for prefix rows: when no exact row answered, the longest folder of the path that
 * has a prefix row, found by looking each depth up, deepest first; then its answer. Skipped at
 * once when the map holds no prefix row, or the path has an entry of its own.
 */
function renderPrefixRules(lookup: string): string {
  const depths: string[] = [];
  for (let depth = MAX_PREFIX_DEPTH; depth >= 0; depth--) {
    depths.push(`RewriteCond %{ENV:PM_PV} ^$
RewriteCond \${pm_map:\${pm_escape:$1}|-} ^([^-].*)$
RewriteRule ^(/(?:[^/]*/){${depth}})(.*)$ - [E=PM_PV:%1,E=PM_REST:$2]`);
  }
  const rest = '${pm_escape:%{ENV:PM_REST}}';
  const answers: string[] = ['RewriteCond %{ENV:PM_PV} ^410:\nRewriteRule ^ - [G]', 'RewriteCond %{ENV:PM_PV} ^404:\nRewriteRule ^ - [R=404,L]'];
  for (const status of [301, 302]) {
    const flags = `[R=${status},NE,L,UnsafeAllow3F]`;
    answers.push(
      // An open target: the rest of the path in place of its first "*" (and the request's query before a #fragment).
      `RewriteCond %{QUERY_STRING} .\nRewriteCond %{ENV:PM_PV} ^o${status}:([^*?#]*)\\*([^?#]*)(#.*)$\nRewriteRule ^ %1${rest}%2?%{QUERY_STRING}%3 ${flags}`,
      `RewriteCond %{ENV:PM_PV} ^o${status}:([^*]*)\\*(.*)$\nRewriteRule ^ %1${rest}%2 ${flags}`,
      // A fixed target, chains already followed by the build.
      `RewriteCond %{QUERY_STRING} .\nRewriteCond %{ENV:PM_PV} ^${status}:([^?#]*)(#.*)$\nRewriteRule ^ %1?%{QUERY_STRING}%2 ${flags}`,
      `RewriteCond %{ENV:PM_PV} ^${status}:(.*)$\nRewriteRule ^ %1 ${flags}`,
    );
  }
  const gated = depths.length + answers.length;
  return `# Prefix rows ("/topics/xml/*"): when no exact row answered (a page under a prefix row is
# "200:" in the map, so it keeps its own answer), the longest folder of the path with a
# prefix row, each depth looked up, deepest first; then its answer. Skipped when the map
# holds no prefix row, and for a path whose top folder holds none (unless the root has one).
# A path beyond ASCII, with a control character or too long goes to the runtime, which looks
# up its NFC form (exact rows first) or refuses it.
RewriteCond \${pm_map:${PREFIX_SENTINEL}|-} ^-$ [OR]
RewriteCond ${lookup} !^-$ [OR]
RewriteCond %{ENV:PM_KEY} ${RUNTIME_ONLY_PATH}
RewriteRule ^ - [S=${gated + 3}]
RewriteCond %{ENV:PM_KEY} ^(/[^/]*/)
RewriteCond \${pm_map:${TOP_FOLDER_SENTINEL}\${pm_escape:%1}|-} !^-$
RewriteRule ^ - [E=PM_GO:1]
RewriteCond \${pm_map:${ROOT_PREFIX_SENTINEL}|-} !^-$
RewriteRule ^ - [E=PM_GO:1]
RewriteCond %{ENV:PM_GO} ^$
RewriteRule ^ - [S=${gated}]
${depths.join('\n')}
${answers.join('\n')}
`;
}

/** Literal text for a RewriteRule substitution: mod_rewrite's own $ and % escaped. */
function substitutionText(text: string): string {
  return text.replace(/[$%]/g, (char) => `\\${char}`);
}

/** An open pattern row's target as a substitution: literal parts as in a Location, each capture escaped as the runtime escapes it. */
function patternSubstitution(target: string): string {
  let out = '';
  let last = 0;
  for (const reference of target.matchAll(TARGET_REFERENCE)) {
    const [whole, lower, plain] = reference;
    out += substitutionText(locationFor(target.slice(last, reference.index)));
    out += lower ? `\${pm_escape:\${pm_lower:$${lower}}}` : `\${pm_escape:$${plain}}`;
    last = reference.index + whole.length;
  }
  return out + substitutionText(locationFor(target.slice(last)));
}

/**
 * The RewriteRules answering one pattern row: the row's own regular expression (matched, as
 * the runtime matches it, on the path as asked) and its target. A redirect target with a
 * #fragment and no query of its own gets the request's query put before the fragment.
 */
function patternRowRules(row: MapRow, getRow: (path: string) => MapRow | undefined, findPattern: PatternLookup): string[] {
  const { source, isCaseless } = patternOf(row.path);
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) throw new Error(`pattern row ${row.path} ${checked.problem}`);
  const pattern = quoted(checked.forApache, true);
  const caseless = isCaseless ? ',NC' : '';
  if (row.status === 404) return [`RewriteRule ${pattern} - [R=404,L${caseless}]`];
  if (row.status === 410) return [`RewriteRule ${pattern} - [G${caseless}]`];
  let status = row.status;
  let substitution: string;
  if (isOpen(row)) {
    substitution = patternSubstitution(row.source);
  } else {
    // A fixed target: the chain it starts already followed, as for an exact row.
    const collapsed = collapseChain(answerHops({ row, target: row.source }, getRow, findPattern), '', locationFor);
    status = collapsed.status;
    substitution = substitutionText(collapsed.location);
  }
  const flags = `[R=${status},NE,L,UnsafeAllow3F${caseless}]`;
  const { base, query, fragment } = targetParts(substitution);
  const rules = [`RewriteRule ${pattern} ${quoted(substitution, true)} ${flags}`];
  if (fragment !== '' && query === '') rules.unshift(`RewriteCond %{QUERY_STRING} .\nRewriteRule ${pattern} ${quoted(`${base}?%{QUERY_STRING}${fragment}`, true)} ${flags}`);
  return rules;
}

/**
 * The rules for pattern rows, in their order, after exact and prefix rows: skipped for a path
 * the map has an entry for (a page a pattern would match is "200:" there), for a file in
 * public/ (a page, so a static request never pays for the patterns), and for a path beyond
 * ASCII, with a control character or too long, which the runtime answers (it matches the
 * path's NFC form, as it looks every path up, or refuses it; Apache sees the bytes sent).
 */
function renderPatternRules({ patternRows, get }: PatternRowsOf, lookup: string): string {
  if (patternRows.length === 0) return '';
  const findPattern = patternMatcher(patternRows);
  const rules = patternRows.flatMap((row) => patternRowRules(row, get, findPattern));
  return `# Pattern rows ("~^/old/(.*)\\.html$"), first match wins. A change to them changes this file:
# reload Apache (apachectl graceful) after a build that reports it.
# Skipped for a path the map has (pages a pattern matches are "200:-" there), a file public/
# holds (a page: the stat is cheaper than trying every pattern), and one for the runtime.
RewriteMap pm_lower int:tolower
RewriteCond ${lookup} !^-$ [OR]
RewriteCond %{ENV:PM_KEY} ${RUNTIME_ONLY_PATH} [OR]
RewriteCond %{DOCUMENT_ROOT}%{ENV:PM_KEY} -f
RewriteRule ^ - [S=${rules.length}]
${rules.join('\n')}
`;
}

/** Quote a path for an Apache directive argument. Paths with quotes or control characters are refused. */
function quoted(value: string, mayHaveBackslash = false): string {
  if ((mayHaveBackslash ? /["\p{Cc}]/u : /["\\\p{Cc}]/u).test(value)) throw new Error(`cannot put ${JSON.stringify(value)} into an Apache configuration`);
  return `"${value}"`;
}

/** What the configuration needs of the rows: the pattern rows (rules of their own), and where their targets lead. */
type PatternRowsOf = Pick<ApacheRows, 'patternRows' | 'get'>;
const NO_ROWS: PatternRowsOf = { patternRows: [], get: () => undefined };

/** The configuration to Include inside the VirtualHost whose DocumentRoot is public/. */
export function renderApacheConfig(config: Pick<Config, 'publicDir' | 'legacyDir' | 'apacheDir' | 'runtimeAddress'>, isDbm = true, rows: PatternRowsOf = NO_ROWS): string {
  const map = isDbm ? `dbm=db:${join(config.apacheDir, APACHE_DBM_FILE)}` : `txt:${join(config.apacheDir, APACHE_MAP_FILE)}`;
  const { host, port } = config.runtimeAddress;
  const runtime = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const lookup = '${pm_map:${pm_escape:%{ENV:PM_KEY}}|-}';
  return `# Generated by pagemap; do not edit. Include it inside the site's <VirtualHost>.
# Needs: Apache 2.4.60 or later; mod_rewrite, mod_alias, mod_proxy, mod_proxy_http, mod_mime, mod_dir.

# The build writes here, so the VirtualHost cannot disagree with it.
DocumentRoot ${quoted(config.publicDir)}

# Symbolic links are never followed, in public/ or the legacy tree: a link out of either
# would serve bytes from anywhere (Apache answers 403 for a link; so does the runtime).
<Directory ${quoted(config.publicDir)}>
    Options -Indexes -FollowSymLinks
    AllowOverride None
    Require all granted
    # pagemap decides about slashes itself (DESIGN.md request resolution, rule 3); a path
    # ending in / serves the folder's index.html.
    DirectorySlash Off
    DirectoryIndex index.html
    # Wiki pages at paths without an extension are HTML.
    <FilesMatch "^[^.]+$">
        ForceType "text/html; charset=utf-8"
    </FilesMatch>
    <Files ${quoted(PREFIX_PAGE_FILE)}>
        ForceType "text/html; charset=utf-8"
    </Files>
</Directory>

# Data resources (downloads) straight from the legacy tree.
Alias ${DATA_PREFIX}/ ${quoted(config.legacyDir + '/')}
<Directory ${quoted(config.legacyDir)}>
    Options -Indexes -FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>

ErrorDocument 404 ${ASSET_PREFIX}/404.html
ErrorDocument 410 ${ASSET_PREFIX}/410.html

RewriteEngine On
RewriteMap pm_escape int:escape
RewriteMap pm_map ${quoted(map)}

# Files pagemap keeps in public/ under names no row may have (a page that is also a folder,
# a write in progress) are never served by those names.
RewriteRule (^|/)\\.pagemap- - [R=404,L]

# pagemap's own files and /data are never looked up in the map; hidden legacy files
# (.htaccess, .git) are never published.
RewriteRule ^${ASSET_PREFIX}/ - [L]
RewriteRule ^${DATA_PREFIX}/(.*/)?\\. - [R=404,L]
# /data serves files only: a folder is 404, as in the runtime (a link to one is 403 below).
RewriteCond ${quoted(config.legacyDir + '/$1')} -d
RewriteCond ${quoted(config.legacyDir + '/$1')} !-l
RewriteRule ^${DATA_PREFIX}/(.*)$ - [R=404,L]
RewriteRule ^${DATA_PREFIX}/ - [L]

# The map key: the request path, a trailing slash meaning index.html.
RewriteRule ^(.*/)$ - [E=PM_KEY:$1index.html]
RewriteCond %{ENV:PM_KEY} ^$
RewriteRule ^(.*)$ - [E=PM_KEY:$1]

# A target's own query comes from the map, which the build wrote, not from the request:
# UnsafeAllow3F (Apache 2.4.60+) lets its "?" through. The request's query goes on to a
# target without one; mod_rewrite would append it after a #fragment, so a target with a
# fragment gets it put in its place.
RewriteCond %{QUERY_STRING} .
RewriteCond ${lookup} ^301:([^?#]*)(#.*)$
RewriteRule ^ %1?%{QUERY_STRING}%2 [R=301,NE,L,UnsafeAllow3F]
RewriteCond %{QUERY_STRING} .
RewriteCond ${lookup} ^302:([^?#]*)(#.*)$
RewriteRule ^ %1?%{QUERY_STRING}%2 [R=302,NE,L,UnsafeAllow3F]
RewriteCond ${lookup} ^301:(.*)$
RewriteRule ^ %1 [R=301,NE,L,UnsafeAllow3F]
RewriteCond ${lookup} ^302:(.*)$
RewriteRule ^ %1 [R=302,NE,L,UnsafeAllow3F]
RewriteCond ${lookup} ^410:
RewriteRule ^ - [G]
RewriteCond ${lookup} ^404:
RewriteRule ^ - [R=404,L]

${renderPrefixRules(lookup)}
${renderPatternRules(rows, lookup)}
# A page whose path is also a folder of other pages lives inside that folder. (A decoded "?"
# in the path would end the rewritten URL there, so such rare pages go to the runtime.)
RewriteCond %{ENV:PM_KEY} !\\?
RewriteCond %{DOCUMENT_ROOT}%{ENV:PM_KEY}/${PREFIX_PAGE_FILE} -f
RewriteRule ^ %{ENV:PM_KEY}/${PREFIX_PAGE_FILE} [L]

# A trailing slash is served by mod_dir's DirectoryIndex (above) when index.html exists.

# Anything public/ does not hold goes to the pagemap runtime, exactly as the browser sent it
# (the request line is still encoded, so its "?" is the real query separator: UnsafeAllow3F).
RewriteCond %{DOCUMENT_ROOT}%{ENV:PM_KEY} !-f
RewriteCond %{THE_REQUEST} ^\\S+\\s+(/\\S*)
RewriteRule ^ ${runtime}%1 [P,NE,L,UnsafeAllow3F]
ProxyPreserveHost On
`;
}

/** Turn the txt map into the DBM file, atomically (httxt2dbm writes a temp file that is renamed). */
async function writeDbm(tool: string, txtFile: string, dbmFile: string): Promise<void> {
  const temp = join(dirname(dbmFile), `${TEMP_PREFIX}${process.pid}-${Date.now()}.db`);
  try {
    await promisify(execFile)(tool, ['-f', 'DB', '-i', txtFile, '-o', temp]);
    await rename(temp, dbmFile);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`httxt2dbm failed on ${txtFile}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, { cause: error });
  }
}

/** What the database keeps about the Apache files last written: their text's hash, and each file's size:mtime. */
export interface ApacheState {
  hash: string;
  files: Record<string, string>;
  /** The configuration's own hash: when it changes (pattern rows do), Apache needs a reload. */
  configHash?: string;
  /** What the files were made from (apacheInputKey): the same key, the same files, without reading a row. */
  inputKey?: string;
}

/** What the Apache files are made of besides the config and the rows themselves. */
export interface ApacheInputs {
  /** The map's revision, read before the rows (core/pageMap.ts moves it on every change to them). */
  mapRevision: number;
  /** The site files the build wrote (sitemap.xml, robots.txt), which answer like pages. */
  siteFiles: readonly string[];
}

/** The modules whose code decides what the Apache files say: a new version of them rewrites the files. */
const WRITER_MODULES = ['./apacheConfig.js', '../core/pagePath.js', '../core/patterns.js', '../core/redirects.js'];
let writerIdentity: string | undefined;

/**
 * Everything the Apache files depend on, as one key: the map's revision (core/pageMap.ts moves
 * it on every change to the rows), the site files the build wrote, the config, httxt2dbm, and
 * this code. Cheap whatever the size of the map — a no-op build of a million rows reads none.
 */
function apacheInputKey(config: Config, { mapRevision, siteFiles }: ApacheInputs, tool: string | null): string {
  writerIdentity ??= hashParts(...WRITER_MODULES.map((module) => readFileSync(new URL(module, import.meta.url), 'utf8')));
  return hashParts(writerIdentity, mapRevision, siteFiles.join('\n'), JSON.stringify(config), tool ?? '');
}

/** Whether the files recorded in `state` were made from `inputKey` and are still as written. */
async function isApacheCurrent(state: ApacheState | undefined, inputKey: string): Promise<boolean> {
  return state?.inputKey === inputKey && (await areFilesIntact(state));
}

async function signatureOfFile(file: string): Promise<string | undefined> {
  const stats = await stat(file).catch(() => undefined);
  return stats && `${stats.size}:${stats.mtimeMs}`;
}

async function areFilesIntact(state: ApacheState): Promise<boolean> {
  for (const [file, sig] of Object.entries(state.files)) if ((await signatureOfFile(file)) !== sig) return false;
  return true;
}

async function isCurrent(state: ApacheState | undefined, hash: string): Promise<boolean> {
  return state?.hash === hash && (await areFilesIntact(state));
}

/**
 * Write the map, its DBM form and the configuration unless `previous` (from the database) shows
 * them current: made from the same inputs (apacheInputKey: then no row is read), or saying
 * the same. `readRows` gives every row (and the site files as 200 rows); `tool` is httxt2dbm
 * (null: none). Returns the state to record once the build has succeeded, and what to tell:
 * the map had to stay in txt form, Apache must be reloaded.
 */
export async function writeApacheConfig(
  config: Config,
  readRows: () => ApacheRows,
  previous: ApacheState | undefined,
  inputs: ApacheInputs,
  tool = findHttxt2dbm() ?? null,
): Promise<{ state: ApacheState; warnings: string[] }> {
  const inputKey = apacheInputKey(config, inputs, tool);
  const dbmWarning = tool ? undefined : 'httxt2dbm (apache2-utils) not found: the Apache map stays a txt map, scanned line by line on each cache miss';
  if (await isApacheCurrent(previous, inputKey)) return { state: previous!, warnings: dbmWarning ? [dbmWarning] : [] };
  const txtFile = join(config.apacheDir, APACHE_MAP_FILE);
  const dbmFile = join(config.apacheDir, APACHE_DBM_FILE);
  const confFile = join(config.apacheDir, APACHE_CONFIG_FILE);
  const rows = readRows();
  const confText = renderApacheConfig(config, tool !== null, rows);
  // The map goes to a temp file as it is made, hashed on the way; it replaces the map only if it says something new.
  const mapHash = createHash('sha256');
  const map = await writeTempBeside(txtFile, (function* () {
    for (const text of apacheMapText(rows)) yield (mapHash.update(text), text);
  })());
  const hash = hashParts(mapHash.digest('hex'), confText, tool ?? '');
  if (await isCurrent(previous, hash)) {
    await map.discard();
    return { state: { ...previous!, inputKey }, warnings: dbmWarning ? [dbmWarning] : [] };
  }
  const configHash = hashParts(confText);
  // The map is re-read by Apache by itself; its configuration (pattern rows are rules) is not.
  const reloadWarning = previous?.configHash !== undefined && previous.configHash !== configHash ? `${confFile} changed: reload Apache (apachectl graceful) for it to take effect` : undefined;
  const warnings = [dbmWarning, reloadWarning].filter((warning) => warning !== undefined);
  await map.commit();
  if (tool) await writeDbm(tool, txtFile, dbmFile);
  await writeFileAtomic(confFile, confText);
  const files: Record<string, string> = {};
  for (const file of tool ? [txtFile, dbmFile, confFile] : [txtFile, confFile]) files[file] = (await signatureOfFile(file)) ?? '';
  return { state: { hash, files, configHash, inputKey }, warnings };
}
