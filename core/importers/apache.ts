/**
 * An Apache configuration's redirects as page map rows, with Apache's own meanings:
 *
 * - mod_rewrite's `RewriteRule`s (with their `RewriteCond`s on the path) run before
 *   mod_alias's `Redirect*` lines, whatever their order in the file; within each, the first
 *   that matches answers. So rewrite rules become rows first, then alias lines.
 * - `[R]` alone is 302; a substitution that is a full URL redirects (302) even without `[R]`;
 *   `[G]` is 410; `R=404`/`R=410` answer that status.
 * - `Redirect /a T` matches `/a` and whole segments below it (`/a/b`, never `/ab`), sending
 *   the rest after T: an exact row and a prefix row.
 *
 * pagemap answers exact rows first, then the longest prefix, then patterns in order; Apache
 * answers the first directive that matches. So a directive becomes an exact or prefix row
 * only where no earlier pattern can answer the same paths, else a pattern row in its place;
 * and a directive whose paths an earlier one always answers is reported as never reached.
 * Whatever cannot be said as a row — a condition on the host, the query or the method, a
 * proxy, an internal rewrite, a map other than int:tolower — is reported with its place.
 */
import { basename } from 'node:path';
import { escapePath } from '../pagePath.js';
import { type CompiledPattern, checkPattern, compilePattern, matchPattern } from '../patterns.js';
import { type Directive, type ReadOptions, isServerContext, readApacheConfig } from './apacheConfigFile.js';
import { type Conversion, type ConvertedRow, literalPattern } from './conversion.js';
import { reachOf } from './patternReach.js';
import { nonCapturing, possessiveAsGreedy } from './regexText.js';
import {
  REDIRECT_STATUS_WORDS,
  combinedConditions,
  flagProblem,
  isAnchored,
  isFullUrl,
  literalPathOf,
  parseFlags,
  patternInFolder,
  substitutionTarget,
} from './rewriteRuleText.js';

/** Directives that do not redirect or refuse anything a visitor asks: read and set aside, each listed in the report as such. */
const NOT_REDIRECTS = new Set([
  'servername', 'serveralias', 'serveradmin', 'documentroot', 'errorlog', 'customlog', 'loglevel', 'transferlog', 'logformat',
  'options', 'allowoverride', 'require', 'order', 'allow', 'deny', 'directoryindex', 'addtype', 'addhandler', 'addcharset',
  'adddefaultcharset', 'adddescription', 'addicon', 'defaulttype', 'expiresactive', 'expiresdefault', 'expiresbytype', 'header',
  'setenv', 'setenvif', 'browsermatch', 'serversignature', 'indexoptions', 'readmename', 'headername', 'rewritelog',
  'rewriteloglevel', 'rewriteoptions', 'listen', 'namevirtualhost', 'usecanonicalname', 'keepalive', 'sslengine',
  'sslcertificatefile', 'sslcertificatekeyfile', 'sslcertificatechainfile', 'alias', 'scriptalias', 'errordocument',
]);

/** A pattern row already placed, against which later directives are checked. */
interface PlacedPattern {
  compiled: CompiledPattern;
  /** Whether it may match under a folder, read from the rule's own pattern (its conditions only narrow it). */
  mightMatchUnder: (folder: string) => boolean;
  where: string;
}

export interface ApacheImportOptions extends ReadOptions {
  /**
   * The URL folder a per-directory file (a `.htaccess`) applies to: its RewriteRules match
   * the path below it, relative substitutions go from its RewriteBase. A file named
   * `.htaccess` is read so, for `/` unless this says otherwise.
   */
  folder?: string;
}

/** Convert an Apache configuration (and what it includes) into rows, and a report of the rest. */
export function convertApache(file: string, options: ApacheImportOptions = {}): Conversion {
  const { directives, reported } = readApacheConfig(file, options);
  const named = options.folder ?? (basename(file) === '.htaccess' ? '/' : undefined);
  const folder = named === undefined ? undefined : `/${named.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
  // RewriteBase holds for the whole file, wherever it is written.
  const declaredBase = directives.findLast((directive) => directive.name === 'rewritebase' && isServerContext(directive))?.args[0];
  const base = folder === undefined ? undefined : declaredBase === undefined ? folder : `${declaredBase.replace(/\/*$/, '')}/`;
  const conversion: Conversion = { rows: [], reported, notes: [] };
  const report = (directive: Directive, reason: string): void => {
    conversion.reported.push({ where: directive.where, reason, original: directive.original });
  };
  const note = (directive: Directive, reason: string): void => {
    conversion.notes.push({ where: directive.where, reason, original: directive.original });
  };

  // Maps are declared anywhere (python.org's is declared after its first use): read them first.
  const lowerMaps = new Set<string>();
  const otherMaps = new Map<string, string>();
  for (const directive of directives) {
    if (directive.name !== 'rewritemap' || !isServerContext(directive)) continue;
    const [name = '', kind = ''] = directive.args;
    if (kind.toLowerCase() === 'int:tolower') lowerMaps.add(name);
    else otherMaps.set(name, kind);
  }

  const patterns: PlacedPattern[] = [];
  /** Exact paths answered so far (decoded), and the folders whose subtrees are, with where. */
  const exactTaken = new Map<string, string>();
  const subtreesTaken = new Map<string, string>();
  /** The subtree taken so far that holds `path`, looked up folder by folder (a file of 50,000 Redirects stays linear). */
  const subtreeHolding = (path: string) => {
    for (let slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
      const owner = subtreesTaken.get(path.slice(0, slash + 1));
      if (owner) return owner;
      if (slash === 0) break;
    }
    return undefined;
  };
  const emit = (directive: Directive, path: string, status: number, source: string) => {
    const row: ConvertedRow = { where: directive.where, path, status, source, original: directive.original };
    conversion.rows.push(row);
  };
  const placePattern = (directive: Directive, source: string, isCaseless: boolean, status: number, target: string, ownPattern: string) => {
    const path = `${isCaseless ? '~*' : '~'}${source}`;
    emit(directive, path, status, target);
    patterns.push({ compiled: compilePattern(path), mightMatchUnder: reachOf(`${isCaseless ? '~*' : '~'}${ownPattern}`), where: directive.where });
  };
  /** The earlier pattern that answers `path` first, if any. */
  const patternAnswering = (path: string) => patterns.find((pattern) => matchPattern(pattern.compiled, path) !== undefined);
  /** The earlier pattern that may answer some path under `folder`, if any (decided from its literal start). */
  const patternUnder = (folder: string) => patterns.find((pattern) => pattern.mightMatchUnder(folder));
  const exactOwner = (path: string) => exactTaken.get(path) ?? subtreeHolding(path);
  const subtreeOwner = (folder: string) => subtreeHolding(folder);

  /**
   * A path answered by one target: an exact row, unless an earlier rule answers it first;
   * then nothing is placed and that rule's place is returned.
   */
  const placeExact = (directive: Directive, path: string, status: number, target: string): string | undefined => {
    const owner = exactOwner(path) ?? patternAnswering(path)?.where;
    if (owner) return owner;
    emit(directive, escapePath(path), status, target);
    exactTaken.set(path, directive.where);
    return undefined;
  };
  /** placeExact for a directive that answers that one path: never reached when an earlier rule answers it. */
  const placeExactOrReport = (directive: Directive, path: string, status: number, target: string): void => {
    const owner = placeExact(directive, path, status, target);
    if (owner) report(directive, `is never reached: ${owner} answers ${path} first`);
  };

  // 1. mod_rewrite, in order.
  let conditions: Directive[] = [];
  const unterminated: { directive: Directive; substitution: string; after: number }[] = [];
  let engineOn = true;
  for (const directive of directives) {
    if (directive.name === 'rewriteengine') {
      engineOn = (directive.args[0] ?? '').toLowerCase() === 'on';
      continue;
    }
    if (directive.name === 'rewritecond') {
      conditions.push(directive);
      continue;
    }
    if (directive.name !== 'rewriterule') continue;
    const ruleConditions = conditions;
    conditions = [];
    if (!isServerContext(directive)) {
      report(directive, `sits in <${directive.sections.at(-1)}>: per-directory rules match paths relative to their folder; put them in a file of their own and import it with --folder URL-FOLDER`);
      continue;
    }
    if (!engineOn) {
      report(directive, 'comes after RewriteEngine Off: Apache does not run it');
      continue;
    }
    convertRewriteRule(directive, ruleConditions);
  }
  for (const condition of conditions) report(condition, 'a RewriteCond with no RewriteRule after it');
  // A redirect without [L] lets later rules rewrite its URL again; worth a word only where one can.
  for (const { directive, substitution, after } of unterminated) {
    const following = patterns.slice(after).filter((pattern) => pattern.where !== directive.where);
    const later = /\$[0-9]|%\{|\$\{/.test(substitution) ? following[0] : following.find((pattern) => matchPattern(pattern.compiled, substitution));
    if (later) note(directive, `has no [L]: Apache goes on to later rules with the new URL, and ${later.where} may rewrite it again; pagemap takes this redirect as the answer`);
  }

  function convertRewriteRule(directive: Directive, ruleConditions: readonly Directive[]): void {
    const [rawPattern = '', substitution = '', flagText, ...extra] = directive.args;
    if (!substitution || extra.length) return report(directive, 'is not RewriteRule PATTERN SUBSTITUTION [FLAGS]');
    const flags = parseFlags(flagText);
    if (typeof flags === 'string') return report(directive, flags);
    if (flags.unsupported.length) return report(directive, flagProblem(flags.unsupported[0]!));
    let status = flags.status;
    if (status === undefined) {
      if (substitution === '-') return report(directive, 'changes nothing a visitor sees (substitution "-" without [R], [G] or [F])');
      if (!isFullUrl(substitution)) return report(directive, 'rewrites the path inside the server (no [R]): not a redirect');
      status = 302;
      note(directive, 'a full URL without [R] redirects (302), as mod_rewrite does for another host; a URL of this server\'s own host would have been an internal rewrite');
    }
    if (status !== 301 && status !== 302 && status !== 404 && status !== 410) {
      return report(directive, `answers ${status}; pagemap answers 301, 302, 404 or 410`);
    }
    if (!flags.isLast && status < 400) unterminated.push({ directive, substitution, after: patterns.length });
    if (flags.appendsQuery && substitution.includes('?')) return report(directive, 'merges the request\'s query into the target\'s own ([QSA]), which pagemap rows cannot say');

    const isNegated = rawPattern.startsWith('!');
    const possessive = possessiveAsGreedy(isNegated ? rawPattern.slice(1) : rawPattern);
    if (possessive.rewritten.length) {
      note(directive, `${possessive.rewritten.join(', ')} is a possessive quantifier to Apache's PCRE (the character repeated, never the text "${possessive.rewritten[0]}"): read as ${possessive.rewritten.map((q) => q.slice(0, -1)).join(', ')}, which matches the same paths`);
    }
    const inFolder = folder === undefined ? { source: possessive.source } : patternInFolder(possessive.source, folder);
    if ('problem' in inFolder) return report(directive, inFolder.problem);
    const ownSource = inFolder.source;
    const own = checkPattern(ownSource, flags.isCaseless);
    if ('problem' in own) return report(directive, `its pattern ${own.problem}`);
    const groups = isNegated ? 0 : own.groups;
    const combined = combinedConditions(ruleConditions, flags.isCaseless, folder !== undefined);
    if ('problem' in combined) return report(directive, combined.problem);
    let target = '';
    if (status === 301 || status === 302) {
      const converted = substitutionTarget(substitution, lowerMaps, otherMaps, groups, flags.isNoEscape);
      if ('problem' in converted) return report(directive, converted.problem);
      target = converted.target;
      const missing = [...substitution.matchAll(/\$([1-9])/g)].map((match) => match[1]!).filter((n) => Number(n) > groups);
      if (missing.length) note(directive, `names $${missing[0]}, a group its pattern lacks: empty, as in Apache`);
      // A relative substitution is a path from the root in the server's context, from RewriteBase in a folder's.
      if (!target.startsWith('/') && !isFullUrl(target)) {
        if (base === undefined) note(directive, `redirects to "${substitution}", which Apache takes from the root: /${target}`);
        else if (declaredBase === undefined && base !== '/') note(directive, `redirects to "${substitution}" with no RewriteBase: Apache would put the folder's path on disk into the URL; read from ${base}, as RewriteBase ${base} says`);
        target = `${base ?? '/'}${target}`;
      }
      if (flags.isNoEscape && target.includes('#') && !target.slice(0, target.indexOf('#')).includes('?')) {
        note(directive, 'has [NE] and a #fragment: Apache puts a request\'s query after the fragment, where no server sees it; pagemap puts it before, as a browser expects');
      }
    }
    const hasReferences = /\$[1-9]/.test(target);
    const literal = !isNegated && !flags.isCaseless && combined.assertion === '' && !hasReferences ? literalPathOf(ownSource) : undefined;
    // A literal path becomes an exact row when no earlier rule answers it (a folder's own
    // path stays a pattern: an exact row for /a/ would answer /a/index.html too).
    if (literal !== undefined && !literal.endsWith('/')) return placeExactOrReport(directive, literal, status, target);
    const main = isNegated ? `(?!${isAnchored(ownSource) ? '' : '.*'}(?:${nonCapturing(ownSource)}))` : isAnchored(ownSource) ? ownSource : `.*?(?:${ownSource})`;
    const source = combined.assertion === '' && !isNegated ? ownSource : `^${combined.assertion}${main}`;
    const checked = checkPattern(source, flags.isCaseless);
    if ('problem' in checked) return report(directive, `its pattern with its conditions ${checked.problem}`);
    placePattern(directive, source, flags.isCaseless, status, target, isNegated ? '' : ownSource);
  }

  // 2. mod_alias, in order, after every rewrite rule.
  for (const directive of directives) {
    const name = directive.name;
    if (name === 'rewriteengine' || name === 'rewritecond' || name === 'rewriterule') continue;
    if (name === 'rewritemap') {
      const kind = directive.args[1] ?? '';
      if (kind.toLowerCase() !== 'int:tolower') report(directive, `declares a map of kind ${kind}; only int:tolower (\${lowercase:$1}) becomes part of rows, so rules using it are reported`);
      continue;
    }
    if (name === 'rewritebase') {
      if (folder === undefined) report(directive, 'sets the base of per-directory rules; read as one only in a .htaccess (or with --folder)');
      continue;
    }
    if (!['redirect', 'redirectpermanent', 'redirecttemp', 'redirectmatch'].includes(name)) {
      report(directive, NOT_REDIRECTS.has(name) ? 'not a redirect: set aside' : `is not a redirect directive pagemap reads (${directive.original.split(/\s/)[0]})`);
      continue;
    }
    if (!isServerContext(directive)) {
      report(directive, `sits in <${directive.sections.at(-1)}>, which this importer does not read`);
      continue;
    }
    convertAlias(directive);
  }

  function convertAlias(directive: Directive): void {
    const args = [...directive.args];
    // Redirect and RedirectMatch take an optional status first: a word or a number.
    let status = directive.name === 'redirectpermanent' ? 301 : 302;
    const first = args[0] ?? '';
    if ((directive.name === 'redirect' || directive.name === 'redirectmatch') && (first.toLowerCase() in REDIRECT_STATUS_WORDS || /^\d{3}$/.test(first))) {
      args.shift();
      status = REDIRECT_STATUS_WORDS[first.toLowerCase()] ?? Number(first);
    }
    const [from = '', to, ...extra] = args;
    if (extra.length) return report(directive, `has more arguments than ${directive.name === 'redirectmatch' ? 'RedirectMatch [STATUS] REGEX URL' : 'Redirect [STATUS] URL-PATH URL'}`);
    if (status !== 301 && status !== 302 && status !== 410 && status !== 404) return report(directive, `answers ${Number.isNaN(status) ? 'an unknown status' : status}; pagemap answers 301, 302, 404 or 410`);
    if ((status === 301 || status === 302) && !to) return report(directive, 'has no target URL');
    if (status >= 400 && to) return report(directive, `gives a URL to a ${status}, which Apache refuses`);
    const target = to ?? '';
    if (directive.name === 'redirectmatch') return convertRedirectMatch(directive, from, status, target);
    if (!from.startsWith('/')) return report(directive, `matches "${from}", which is not a URL-path`);
    // The rest of the path goes after the target, escaped; a literal * is not pagemap's placeholder.
    const starFree = target.replaceAll('*', '%2A');
    if (starFree !== target) note(directive, 'its target holds "*", written %2A so it is not taken for the place of the rest of the path');
    // The path itself (unless it names a folder), then its subtree.
    const exactAnswerer = from.endsWith('/') ? undefined : placeExact(directive, from, status, starFree);
    let placed = !from.endsWith('/') && exactAnswerer === undefined;
    const subtree = from.endsWith('/') ? from : `${from}/`;
    const owner = subtreeOwner(subtree);
    if (!owner) {
      const subtreeTarget = status >= 400 ? '' : from.endsWith('/') ? starFree : `${starFree}/`;
      if (patternUnder(subtree)) {
        const source = `^${literalPattern(subtree)}(.*)$`;
        placePattern(directive, source, false, status, status >= 400 ? '' : `${subtreeTarget.replaceAll('$', '%24')}$1`, source);
      } else {
        emit(directive, `${escapePath(subtree)}*`, status, status >= 400 ? '' : `${subtreeTarget}*`);
      }
      subtreesTaken.set(subtree, directive.where);
      placed = true;
    }
    if (!placed) report(directive, `is never reached: ${exactAnswerer ?? owner} answers ${from} first`);
    else if (exactAnswerer) note(directive, `answers below ${subtree} only: ${exactAnswerer} answers ${from} itself first`);
  }

  function convertRedirectMatch(directive: Directive, rawPattern: string, status: number, target: string): void {
    const possessive = possessiveAsGreedy(rawPattern);
    const checked = checkPattern(possessive.source, false);
    if ('problem' in checked) return report(directive, `its pattern ${checked.problem}`);
    // mod_alias escapes a RedirectMatch result's path (not its query): a literal % there is sent as %25.
    const queryAt = target.search(/[?#]/);
    const pathEnd = queryAt < 0 ? target.length : queryAt;
    if (target.slice(0, pathEnd).includes('%')) note(directive, 'its target\'s path holds "%", which Apache sends as %25 (mod_alias escapes a RedirectMatch result); kept so');
    let converted = '';
    for (let i = 0; i < target.length; i++) {
      const char = target[i]!;
      const next = target[i + 1];
      if (char === '%' && i < pathEnd) {
        converted += '%25';
        continue;
      }
      if (char === '$' && next !== undefined && /[0-9]/.test(next)) {
        if (next === '0') return report(directive, 'uses $0 (the whole match), which pagemap targets cannot name; write the pattern with a group');
        if (Number(next) > checked.groups) return report(directive, `uses $${next}, but its pattern has ${checked.groups} group${checked.groups === 1 ? '' : 's'}`);
        converted += `$${next}`;
        i++;
      } else converted += char === '$' ? '%24' : char;
    }
    const literal = /\$[1-9]/.test(converted) ? undefined : literalPathOf(possessive.source);
    if (literal !== undefined && !literal.endsWith('/')) return placeExactOrReport(directive, literal, status, converted);
    placePattern(directive, possessive.source, false, status, converted, possessive.source);
  }

  return conversion;
}
