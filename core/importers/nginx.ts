/**
 * nginx redirects as pagemap rows: server-level `rewrite … permanent|redirect` and locations
 * whose one directive is `return`. nginx's order is kept: server-level rewrites first, then
 * exact locations, then the longest prefix (`^~` before regexes, a plain prefix after them),
 * then regex locations in file order. pagemap tries exact rows, then the longest prefix row,
 * then pattern rows in order; a rule becomes an exact or prefix row only where that cannot
 * change which rule answers a path, and a pattern row, in nginx's order, where it might.
 * Everything else that could redirect is reported with the reason.
 */
import { canonicalPath, canonicalRowPath, quoteText } from '../pagePath.js';
import { type CompiledPattern, checkPattern, compilePattern, matchPattern, patternOf } from '../patterns.js';
import { type Conversion, type ConvertedRow, literalPattern, placeOf } from './conversion.js';
import { type NginxDirective, parseNginxConfig } from './nginxConfig.js';
import { leadingLiteral, mightMatchUnder, mightOverlap } from './patternReach.js';

// Blocks that cannot redirect: their contents are not directives of a server.
const IGNORED_BLOCKS = new Set(['events', 'upstream', 'map', 'types', 'geo', 'split_clients', 'stream', 'mail', 'charset_map', 'match']);

// Directives that cannot redirect (they set up the server, its files, logs, TLS, proxying).
const SILENT_DIRECTIVES = new Set([
  'absolute_redirect', 'add_header', 'add_trailer', 'aio', 'alias', 'allow', 'autoindex', 'charset', 'chunked_transfer_encoding',
  'daemon', 'default_type', 'deny', 'directio', 'disable_symlinks', 'env', 'etag', 'expires', 'if_modified_since',
  'ignore_invalid_headers', 'index', 'large_client_header_buffers', 'listen', 'load_module', 'lock_file', 'master_process',
  'max_ranges', 'merge_slashes', 'msie_padding', 'msie_refresh', 'output_buffers', 'pcre_jit', 'pid', 'port_in_redirect',
  'postpone_output', 'read_ahead', 'recursive_error_pages', 'reset_timedout_connection', 'resolver', 'resolver_timeout',
  'rewrite_log', 'root', 'satisfy', 'send_timeout', 'sendfile', 'sendfile_max_chunk', 'server_name', 'server_name_in_redirect',
  'server_tokens', 'set', 'source_charset', 'tcp_nodelay', 'tcp_nopush', 'thread_pool', 'timer_resolution', 'try_files',
  'underscores_in_headers', 'uninitialized_variable_warn', 'user', 'working_directory', 'ssl', 'http2', 'http3',
]);
const SILENT_FAMILIES = /^(?:access_log|error_log|log_|open_log_file_cache|ssl_|proxy_|fastcgi_|uwsgi_|scgi_|grpc_|memcached_|client_|gzip|brotli|open_file_cache|keepalive|lingering_|limit_|real_ip|set_real_ip|server_names_hash|variables_hash|types_hash|map_hash|http2_|http3_|quic_|worker_|autoindex_)/;
// In a location beside its return: logging changes no answer.
const LOGGING = /^(?:access_log|error_log|log_not_found|log_subrequest|open_log_file_cache)$/;
// Files an include commonly names that hold no redirects.
const HARMLESS_INCLUDE = /(?:^|\/)(?:mime\.types|fastcgi_params|fastcgi\.conf|proxy_params|uwsgi_params|scgi_params|koi-utf|koi-win|win-utf)$/;

const REWRITE_FLAGS = ['last', 'break', 'redirect', 'permanent'];
const ABSOLUTE_URL = /^(?:https?:\/\/|\$scheme)/;
// What nginx writes to pass the request's query on, which a pagemap row does of itself.
const QUERY_PASSED = /(?:\$is_args\$args|\$is_args\$query_string|\?\$args|\?\$query_string)$/;

type LocationKind = 'exact' | 'caret' | 'regex' | 'prefix';

/** What a location's one `return` becomes. */
interface Answer {
  where: string;
  status: number;
  target: string;
  /** Its URL named $args (or the like) to pass the query on, as pagemap does anyway. */
  passesQuery: boolean;
  /** The text after `return 404`/`return 410`, which pagemap does not keep. */
  text?: string;
  /** The location and its return on one line: `location = /x { return 301 /y; }`. */
  original: string;
}

interface Location {
  directive: NginxDirective;
  kind: LocationKind;
  /** An exact or prefix location's path; a regex location's pattern row path (`~…`, `~*…`). */
  match: string;
  /** Undefined when the location was reported. */
  answer?: Answer;
}

/** The conversion as it grows: rows in nginx's order, the report, the notes. */
class RowCollector {
  readonly conversion: Conversion = { rows: [], reported: [], notes: [] };
  private readonly compiled = new Map<string, CompiledPattern>();
  /** Exact and prefix rows given so far, by stored path, with their place. */
  private readonly answered = new Map<string, string>();
  /** The pattern rows so far, in order: what an exact or prefix row must not jump ahead of. */
  private readonly patterns: ConvertedRow[] = [];
  private hasQueryNote = false;

  constructor(readonly file: string) {}

  placeOf(directive: NginxDirective): string {
    return placeOf(this.file, directive.line);
  }

  report(where: string, reason: string, original: string): void {
    this.conversion.reported.push({ where, reason, original });
  }

  note(where: string, reason: string, original: string): void {
    this.conversion.notes.push({ where, reason, original });
  }

  /** Once for the file: nginx's `return` drops the request's query, a pagemap row passes it on. */
  noteQueryOnce(row: ConvertedRow): void {
    if (this.hasQueryNote) return;
    this.hasQueryNote = true;
    this.note(row.where, "nginx's return does not pass the request's query on (unless its URL names $args); pagemap's row does, so /old?x=1 goes to the target with ?x=1 (noted once, for every such return)", row.original);
  }

  add(row: ConvertedRow): ConvertedRow {
    this.conversion.rows.push(row);
    if (row.path.startsWith('~')) this.patterns.push(row);
    else this.answered.set(canonicalRowPath(row.path), row.where);
    return row;
  }

  /** Where an exact or prefix row for this path was already given. */
  answeredAt(path: string): string | undefined {
    return this.answered.get(canonicalRowPath(path));
  }

  patternRows(): readonly ConvertedRow[] {
    return [...this.patterns];
  }

  /** The first pattern row so far that matches any of `paths`. */
  firstPatternMatching(paths: readonly string[]): ConvertedRow | undefined {
    return this.patterns.find((row) => paths.some((path) => this.matches(row.path, path)));
  }

  matches(patternPath: string, path: string): boolean {
    let compiled = this.compiled.get(patternPath);
    if (!compiled) this.compiled.set(patternPath, (compiled = compilePattern(patternPath)));
    return matchPattern(compiled, path) !== undefined;
  }
}

// ------------------------------------------------------------------------------------------
// Regular expressions as nginx writes them.

/** A regex as nginx takes it: `(?i)` in front makes it caseless, as `~*` does. */
function readRegex(written: string, isCaseless: boolean): { source: string; isCaseless: boolean } {
  return written.startsWith('(?i)') ? { source: written.slice(4), isCaseless: true } : { source: written, isCaseless };
}

function patternPathOf(source: string, isCaseless: boolean): string {
  return (isCaseless ? '~*' : '~') + source;
}

// ------------------------------------------------------------------------------------------
// Paths, targets and returns.

/**
 * The exact row path a literal path can be, when pagemap reads it as nginx does: no `%` (nginx
 * matches the decoded path, pagemap would decode it again), nothing the path rules change, no
 * trailing `*` (a prefix row's mark). A trailing `/` stays: pagemap reads it as the folder's
 * index page, which nginx's index module serves for it too.
 */
function exactPathFor(literal: string): string | undefined {
  if (!literal.startsWith('/') || literal.includes('%') || literal.endsWith('*')) return undefined;
  try {
    const canonical = canonicalPath(literal);
    return canonical === literal || canonical === literal + 'index.html' ? literal : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a prefix location's path can be a prefix row as written: a folder the path rules keep as it is. */
function fitsPrefixRow(prefix: string): boolean {
  if (!prefix.startsWith('/') || !prefix.endsWith('/') || prefix.includes('%')) return false;
  try {
    return canonicalRowPath(prefix + '*') === prefix;
  } catch {
    return false;
  }
}

/**
 * What is wrong with a replacement or return URL's variables, or undefined: pagemap fills in
 * $1–$9 (captures of a regex with that many groups) and nothing else.
 */
function problemWithVariables(target: string, groups: number | undefined): string | undefined {
  const others: string[] = [];
  const captures: number[] = [];
  let hasStrayDollar = false;
  for (const [whole, name] of target.matchAll(/\$(\{[A-Za-z0-9_]*\}?|[A-Za-z0-9_]*)/g)) {
    // nginx reads $ and one digit 1–9 as a capture, whatever follows: $12 is $1 then 2.
    if (/^[1-9]/.test(name!)) captures.push(Number(name![0]));
    else if (name === '') hasStrayDollar = true;
    else others.push(whole);
  }
  if (others.length) return `names the nginx variable${others.length === 1 ? '' : 's'} ${others.join(', ')}, which pagemap cannot fill in`;
  if (hasStrayDollar) return 'has a $ that names no variable';
  if (captures.length && groups === undefined) return `names $${captures[0]}, but its location is not a regex and captures nothing`;
  const beyond = captures.find((capture) => capture > groups!);
  if (beyond !== undefined) return `names $${beyond}, which the regex does not capture (it has ${groups} group${groups === 1 ? '' : 's'})`;
  return undefined;
}

/** What `return …` answers, as nginx reads its arguments; the reason when pagemap has no such answer. */
function readReturn(args: readonly string[]): { status: number; url: string; text?: string } | { problem: string } {
  const [first, second, ...extra] = args;
  if (first === undefined || extra.length) return { problem: 'is not return CODE [URL or TEXT] nor return URL' };
  if (!/^\d+$/.test(first)) {
    // nginx: a return of a URL alone is a 302.
    if (second === undefined && ABSOLUTE_URL.test(first)) return { status: 302, url: first };
    return { problem: 'is not return CODE [URL or TEXT] nor return URL' };
  }
  const code = Number(first);
  if (code === 301 || code === 302) return second === undefined ? { problem: `return ${code} has no URL` } : { status: code, url: second };
  if (code === 307 || code === 308) return { problem: `return ${code}: ${code} keeps the method; pagemap answers 301 or 302` };
  if (code === 404 || code === 410) return second === undefined ? { status: code, url: '' } : { status: code, url: '', text: second };
  if (code === 200) return { problem: 'return 200 answers with a text of its own: a page, not a redirect' };
  return { problem: `return ${code}: pagemap answers 301, 302, 404 or 410` };
}

/** The answer a location's body gives: one `return` (logging beside it aside); the reason when it is anything else. */
function readAnswer(location: NginxDirective, groups: number | undefined, collector: RowCollector): Answer | { problem: string } {
  const body = (location.block ?? []).filter((directive) => !LOGGING.test(directive.name));
  const [only] = body;
  if (!only) return { problem: 'holds no return: nginx serves these paths itself; pagemap converts a location whose one directive is return' };
  if (body.length > 1 || only.name !== 'return') {
    const names = [...new Set(body.map((directive) => directive.name))];
    return { problem: `holds ${names.join(', ')}, not a single return: pagemap converts a location whose one directive is return` };
  }
  const read = readReturn(only.args);
  if ('problem' in read) return read;
  let target = read.url;
  const passed = QUERY_PASSED.exec(target);
  const passesQuery = passed !== null && !target.slice(0, passed.index).includes('?');
  if (passesQuery) target = target.slice(0, passed!.index);
  const problem = problemWithVariables(target, groups);
  if (problem) return { problem: `return ${problem}` };
  return { where: collector.placeOf(only), status: read.status, target, passesQuery, text: read.text, original: `${location.head} { ${only.text} }` };
}

// ------------------------------------------------------------------------------------------
// Directives.

/** A directive as the report shows it: as written when on one line, else a block's head with `{ … }`. */
function briefText(directive: NginxDirective): string {
  return directive.head === undefined || !directive.text.includes('\n') ? directive.text : `${directive.head} { … }`;
}

/** A directive that is neither a rewrite nor a location: reported when it could redirect, else ignored. */
function reportIfItMayRedirect(directive: NginxDirective, collector: RowCollector): void {
  const report = (reason: string) => collector.report(collector.placeOf(directive), reason, briefText(directive));
  const { name, args } = directive;
  if (name === 'if') return report(`is an if block (${directive.head}): pagemap rows match the path alone, not conditions`);
  if (name === 'return') {
    return report("is a return outside any location: it answers every path of the server (a whole-host redirect, often http → https); pagemap's rows are per path — write a /* prefix row if the whole site moves");
  }
  if (name === 'break') return report('stops the rewrite directives after it; they are converted as if it were not there');
  if (name === 'include') {
    if (args.length === 1 && HARMLESS_INCLUDE.test(args[0]!)) return;
    return report('includes another file, which may hold redirects: convert that file too');
  }
  if (name === 'error_page') {
    const last = args.at(-1) ?? '';
    if (args.some((arg) => /^=3\d\d$/.test(arg)) || ABSOLUTE_URL.test(last)) return report('redirects on an error (error_page … =3xx or a URL), which pagemap cannot say: a row answers a path, not an error');
    return;
  }
  if (directive.block) {
    if (name === 'server') return report('is a server block inside another block, which nginx does not read');
    return report(`is a ${name} block, which pagemap does not convert; check whether it redirects`);
  }
  if (SILENT_DIRECTIVES.has(name) || SILENT_FAMILIES.test(name)) return;
  report(`is not something pagemap converts (${name}); check whether it redirects`);
}

/**
 * An exact row for a literal path, unless a pattern row before it (in nginx's order) matches
 * the path: pagemap would try the exact row first, so it stays a pattern row in its place.
 * The row added, if any.
 */
function addExactOrPattern(collector: RowCollector, literal: string | undefined, patternPath: string, row: Omit<ConvertedRow, 'path'>): ConvertedRow | undefined {
  const exactPath = literal === undefined ? undefined : exactPathFor(literal);
  if (exactPath === undefined) return collector.add({ ...row, path: patternPath });
  const earlier = collector.firstPatternMatching(exactPath.endsWith('/') ? [exactPath, exactPath + 'index.html'] : [exactPath]);
  if (earlier) {
    collector.note(row.where, `the pattern row from ${earlier.where} (${earlier.path}) matches ${exactPath} first, in nginx as in pagemap; kept a pattern row behind it, as an exact row would be tried first`, row.original);
    return collector.add({ ...row, path: patternPath });
  }
  const taken = collector.answeredAt(exactPath);
  if (taken) return void collector.report(row.where, `never applies: ${exactPath} is answered first by the row from ${taken}`, row.original);
  return collector.add({ ...row, path: exactPath });
}

/** `rewrite REGEX REPLACEMENT [FLAG]` at server level. */
function convertRewrite(directive: NginxDirective, collector: RowCollector): void {
  const where = collector.placeOf(directive);
  const report = (reason: string) => collector.report(where, reason, directive.text);
  const [regex, replacement, flag, ...extra] = directive.args;
  if (regex === undefined || replacement === undefined || extra.length) return report('is not rewrite REGEX REPLACEMENT [FLAG]');
  if (flag !== undefined && !REWRITE_FLAGS.includes(flag)) return report(`has the flag ${quoteText(flag)}, which nginx does not know (last, break, redirect, permanent)`);
  // nginx: a replacement that is a URL redirects (302) whatever the flag, unless it says permanent.
  const status = flag === 'permanent' ? 301 : flag === 'redirect' || ABSOLUTE_URL.test(replacement) ? 302 : undefined;
  if (status === undefined) {
    return report(`is an internal rewrite (${flag ?? 'no flag'}), not a redirect: nginx serves ${replacement} in its place, the address unchanged, and later rules see the new path`);
  }
  const { source, isCaseless } = readRegex(regex, false);
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) return report(`the regex ${checked.problem}`);
  if (replacement.endsWith('?')) return report("ends in ?, so nginx drops the request's query; pagemap passes the query on unless the target has its own");
  if (replacement.includes('?')) return report("has a query of its own, after which nginx appends the request's query with &; pagemap drops the request's query when the target has one");
  const problem = problemWithVariables(replacement, checked.groups);
  if (problem) return report(problem);
  const lead = isCaseless ? undefined : leadingLiteral(source);
  addExactOrPattern(collector, lead?.isWhole ? lead.text : undefined, patternPathOf(source, isCaseless), { where, status, source: replacement, original: directive.text });
}

const MODIFIERS: readonly (readonly [string, LocationKind])[] = [
  ['=', 'exact'],
  ['^~', 'caret'],
  ['~*', 'regex'],
  ['~', 'regex'],
];

/** A location's kind, what it matches and its answer; undefined when it was reported whole. */
function readLocation(directive: NginxDirective, collector: RowCollector): Location | undefined {
  const where = collector.placeOf(directive);
  const report = (reason: string) => collector.report(where, reason, briefText(directive));
  const [first, second, ...extra] = directive.args;
  if (!directive.block || first === undefined || extra.length) return void report('is not a location nginx reads (location [=|^~|~|~*] PATH { … })');
  // The modifier may stand apart or be written against its path (location =/x).
  const modifier = second === undefined ? MODIFIERS.find(([mark]) => first.startsWith(mark) && first.length > mark.length) : MODIFIERS.find(([mark]) => mark === first);
  if (second !== undefined && !modifier) return void report(`has ${quoteText(first)} where nginx wants =, ^~, ~ or ~*`);
  const written = second ?? (modifier ? first.slice(modifier[0].length) : first);
  if (!modifier && written.startsWith('@')) return void report(`is a named location (${written}), reached only from try_files or error_page; not converted`);
  const kind = modifier?.[1] ?? 'prefix';
  if (kind !== 'regex') {
    const answer = readAnswer(directive, undefined, collector);
    if ('problem' in answer) report(answer.problem);
    return { directive, kind, match: written, answer: 'problem' in answer ? undefined : answer };
  }
  const { source, isCaseless } = readRegex(written, modifier![0] === '~*');
  const match = patternPathOf(source, isCaseless);
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) {
    report(`the regex ${checked.problem}`);
    return { directive, kind, match };
  }
  const answer = readAnswer(directive, checked.groups, collector);
  if ('problem' in answer) report(answer.problem);
  return { directive, kind, match, answer: 'problem' in answer ? undefined : answer };
}

const isPrefixKind = (kind: LocationKind) => kind === 'caret' || kind === 'prefix';

/** Longer prefix locations inside this one's subtree (nginx takes the longest prefix). */
function nestedIn(location: Location, locations: readonly Location[]): Location[] {
  return locations.filter((other) => isPrefixKind(other.kind) && other.match.length > location.match.length && other.match.startsWith(location.match));
}

/** The locations left unconverted that nginx would choose before this one for some of its paths. */
function unconvertedBefore(location: Location, locations: readonly Location[], collector: RowCollector): Location[] {
  const unconverted = locations.filter((other) => !other.answer);
  if (location.kind === 'regex') {
    const index = locations.indexOf(location);
    return unconverted.filter(
      (other) =>
        (other.kind === 'exact' && collector.matches(location.match, other.match)) ||
        (other.kind === 'caret' && mightMatchUnder(location.match, other.match)) ||
        (other.kind === 'regex' && locations.indexOf(other) < index && mightOverlap(other.match, location.match)),
    );
  }
  if (location.kind === 'exact') return [];
  return unconverted.filter(
    (other) =>
      (other.kind === 'exact' && other.match.startsWith(location.match)) ||
      nestedIn(location, [other]).length > 0 ||
      (location.kind === 'prefix' && other.kind === 'regex' && mightMatchUnder(other.match, location.match)),
  );
}

/**
 * The row a converted location becomes, with its notes: at `rowPath` (a prefix or pattern
 * row), or for an exact location (no `rowPath`) an exact row where addExactOrPattern allows.
 */
function addLocationRow(location: Location, rowPath: string | undefined, locations: readonly Location[], collector: RowCollector): void {
  const answer = location.answer!;
  const report = (reason: string) => collector.report(answer.where, reason, answer.original);
  const isRedirect = answer.status === 301 || answer.status === 302;
  const isPrefixRow = rowPath?.endsWith('/*') ?? false;
  // A prefix row's target takes the rest of the path in place of a *; nginx's URL has none.
  const target = isPrefixRow ? answer.target.replace(/\*/g, '%2A') : answer.target;
  const row = { where: answer.where, status: answer.status, source: isRedirect ? target : '', original: answer.original };
  const patternPath = rowPath ?? `~^${literalPattern(location.match)}$`;
  // A path written as a pattern may hold what no pattern row can (a control character from a \t).
  const checked = patternPath.startsWith('~') ? checkPattern(patternOf(patternPath).source, patternOf(patternPath).isCaseless) : undefined;
  if (checked && 'problem' in checked) return report(`its path, as a pattern row, ${checked.problem}`);
  let added: ConvertedRow | undefined;
  if (rowPath === undefined) {
    added = addExactOrPattern(collector, location.match, patternPath, row);
  } else if (isPrefixRow && collector.answeredAt(rowPath)) {
    report(`never applies: ${rowPath} is answered first by the row from ${collector.answeredAt(rowPath)}`);
  } else {
    added = collector.add({ ...row, path: rowPath });
  }
  if (!added) return;
  if (isRedirect && !answer.passesQuery && !target.includes('?')) collector.noteQueryOnce(added);
  if (answer.text !== undefined) collector.note(added.where, `the text after return ${answer.status} is not kept: pagemap answers with its own page`, added.original);
  const others = unconvertedBefore(location, locations, collector);
  if (others.length) {
    const places = others.map((other) => collector.placeOf(other.directive)).join(', ');
    collector.note(added.where, `nginx answers some of these paths from locations not converted (${places}); this row answers them too`, added.original);
  }
}

/**
 * A server's locations as rows in nginx's order: exact locations, `^~` prefixes, regexes in
 * file order, plain prefixes. A prefix location is a prefix row when nothing before it in that
 * order might match its subtree and no longer prefix inside it had to be a pattern; otherwise a
 * pattern row, the longest first.
 */
function convertLocations(locations: readonly Location[], collector: RowCollector): void {
  const converted = locations.filter((location) => location.answer);
  for (const location of converted.filter((each) => each.kind === 'exact')) addLocationRow(location, undefined, locations, collector);
  const regexes = converted.filter((location) => location.kind === 'regex');
  const earlierPatterns = collector.patternRows();
  const prefixes = converted.filter((location) => isPrefixKind(location.kind)).sort((a, b) => b.match.length - a.match.length);
  const isPattern = new Map<Location, boolean>();
  for (const location of prefixes) {
    // A `^~` prefix wins over regexes, so only rows before all locations matter to it.
    const before = location.kind === 'caret' ? earlierPatterns.map((row) => row.path) : [...earlierPatterns.map((row) => row.path), ...regexes.map((regex) => regex.match)];
    const mustBePattern =
      !fitsPrefixRow(location.match) || nestedIn(location, prefixes).some((nested) => isPattern.get(nested)) || before.some((path) => mightMatchUnder(path, location.match));
    isPattern.set(location, mustBePattern);
  }
  const rowPathOf = (location: Location) => {
    if (!isPattern.get(location)) return `${location.match}*`;
    // A `^~` pattern comes before the regexes, so it must leave the paths of a longer plain prefix (a pattern after them) alone.
    const skipped = location.kind === 'caret' ? nestedIn(location, prefixes).filter((nested) => nested.kind === 'prefix' && isPattern.get(nested)) : [];
    const lookahead = skipped.length ? `(?!${skipped.map((nested) => literalPattern(nested.match.slice(location.match.length))).join('|')})` : '';
    return `~^${literalPattern(location.match)}${lookahead}`;
  };
  for (const location of prefixes.filter((each) => each.kind === 'caret')) addLocationRow(location, rowPathOf(location), locations, collector);
  for (const location of regexes) addLocationRow(location, location.match, locations, collector);
  for (const location of prefixes.filter((each) => each.kind === 'prefix')) addLocationRow(location, rowPathOf(location), locations, collector);
}

/** A server block's directives (or the server-level directives of a file included in one). */
function convertServer(directives: readonly NginxDirective[], collector: RowCollector): void {
  const locations: Location[] = [];
  const seen = new Map<string, NginxDirective>();
  for (const directive of directives) {
    if (directive.name === 'rewrite') {
      convertRewrite(directive, collector);
    } else if (directive.name === 'location') {
      const location = readLocation(directive, collector);
      if (!location) continue;
      // nginx refuses the same exact location twice, and the same prefix twice (^~ or not).
      const key = `${location.kind === 'exact' ? '=' : ''}${location.match}`;
      const first = location.kind === 'regex' ? undefined : seen.get(key);
      if (first) {
        if (location.answer) collector.report(collector.placeOf(directive), `repeats the location on line ${first.line}, which nginx refuses`, briefText(directive));
        continue;
      }
      seen.set(key, directive);
      locations.push(location);
    } else {
      reportIfItMayRedirect(directive, collector);
    }
  }
  convertLocations(locations, collector);
}

interface ServerScope {
  line: number;
  directives: NginxDirective[];
  /** Undefined for the directives a file holds outside any server block. */
  server?: NginxDirective;
}

/** The server blocks of a configuration (inside http or not), and what lies outside them as one more. */
function findServers(directives: readonly NginxDirective[]): ServerScope[] {
  const scopes: ServerScope[] = [];
  const loose: NginxDirective[] = [];
  const visit = (list: readonly NginxDirective[]) => {
    for (const directive of list) {
      if (directive.name === 'http' && directive.block) visit(directive.block);
      else if (directive.name === 'server' && directive.block) scopes.push({ line: directive.line, directives: directive.block, server: directive });
      else if (!(directive.block && IGNORED_BLOCKS.has(directive.name))) loose.push(directive);
    }
  };
  visit(directives);
  if (loose.length) scopes.push({ line: loose[0]!.line, directives: loose });
  return scopes.sort((a, b) => a.line - b.line);
}

/**
 * Convert an nginx configuration (a whole nginx.conf, a server block, or the directives of one).
 * `file` names it in each row's place (`file:line`). Throws ImportError when nginx would refuse
 * the syntax (core/importers/nginxConfig.ts).
 */
export function convertNginx(text: string, file: string): Conversion {
  const collector = new RowCollector(file);
  const scopes = findServers(parseNginxConfig(text, file));
  const servers = scopes.filter((scope) => scope.server);
  if (servers.length > 1) {
    const names = servers.map(({ directives }) => directives.filter((directive) => directive.name === 'server_name').flatMap((directive) => directive.args).join(' ') || '(no server_name)');
    const second = servers[1]!.server!;
    collector.note(collector.placeOf(second), `the file has ${servers.length} server blocks (server_name ${names.join('; ')}): their rows are merged into one map, as for one site`, `${second.head} {`);
  }
  for (const scope of scopes) convertServer(scope.directives, collector);
  return collector.conversion;
}
