/**
 * The parts of an Apache RewriteRule as pattern row text: its flags, its substitution as a
 * target (captures, int:tolower maps, mod_rewrite's escaping), its RewriteCond lines on the
 * path as lookaheads, and a per-directory pattern carried to the whole path. Pure: each says
 * why when a part cannot be said as a row. Where rules land in the map is apache.ts's.
 */
import { checkPattern } from '../patterns.js';
import type { Directive } from './apacheConfigFile.js';
import { literalPattern } from './conversion.js';
import { leadingLiteral } from './patternReach.js';
import { hasInnerAnchor, nonCapturing, possessiveAsGreedy } from './regexText.js';

/** Flags of a RewriteRule, by their long and short names. */
export interface RuleFlags {
  status?: number;
  isLast: boolean;
  isCaseless: boolean;
  isNoEscape: boolean;
  appendsQuery: boolean;
  unsupported: string[];
}

const FLAG_NAMES: Record<string, string> = {
  redirect: 'r', last: 'l', nocase: 'nc', noescape: 'ne', qsappend: 'qsa', qsdiscard: 'qsd', gone: 'g', forbidden: 'f',
  proxy: 'p', passthrough: 'pt', chain: 'c', next: 'n', skip: 's', type: 't', env: 'e', cookie: 'co', handler: 'h', nosubreq: 'ns',
};

export const REDIRECT_STATUS_WORDS: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };

export function parseFlags(text: string | undefined): RuleFlags | string {
  const flags: RuleFlags = { isLast: false, isCaseless: false, isNoEscape: false, appendsQuery: false, unsupported: [] };
  if (text === undefined) return flags;
  if (!/^\[.*\]$/.test(text)) return `has flags ${text} not written [FLAG,…]`;
  for (const flag of text.slice(1, -1).split(',')) {
    const [rawName = '', value] = flag.trim().split('=', 2) as [string, string | undefined];
    const name = FLAG_NAMES[rawName.toLowerCase()] ?? rawName.toLowerCase();
    if (name === 'r') {
      const status = value === undefined ? 302 : (REDIRECT_STATUS_WORDS[value.toLowerCase()] ?? Number(value));
      flags.status = status;
    } else if (name === 'g') flags.status = 410;
    else if (name === 'l' || name === 'end') flags.isLast = true;
    else if (name === 'nc') flags.isCaseless = true;
    else if (name === 'ne') flags.isNoEscape = true;
    else if (name === 'qsa') flags.appendsQuery = true;
    else if (name === 'ns' || name === 'unsafeallow3f' || name === 'nv') continue;
    else flags.unsupported.push(flag.trim());
  }
  return flags;
}

/** Why each unsupported flag keeps a rule out of the map. */
export function flagProblem(flag: string): string {
  const name = FLAG_NAMES[flag.split('=')[0]!.toLowerCase()] ?? flag.split('=')[0]!.toLowerCase();
  const reasons: Record<string, string> = {
    p: 'proxies the request to another server ([P]); pagemap redirects, it does not proxy',
    f: 'forbids the path ([F], 403); pagemap answers 404 or 410 for what it refuses',
    pt: 'passes the path on to other handlers ([PT]): an internal rewrite, not a redirect',
    c: 'chains to the next rule ([C]), which pagemap rows cannot say',
    n: 'restarts the rules ([N]), which pagemap rows cannot say',
    s: 'skips rules ([S]), which pagemap rows cannot say',
    qsd: 'drops the query ([QSD]); pagemap passes a request\'s query on unless the target has its own',
    b: 'escapes its captures its own way ([B])',
    bnp: 'escapes its captures its own way ([BNP])',
  };
  return reasons[name] ?? `has the flag [${flag}], which pagemap rows cannot say`;
}

/** Whether a pattern matches only from the start of the path (a leading ^ on every branch). */
export function isAnchored(source: string): boolean {
  return leadingLiteral(source) !== undefined;
}

/** Whether a substitution is a full URL (mod_rewrite then redirects even without [R]). */
export function isFullUrl(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text);
}

/** The path a literal regular expression `^/a\.html$` stands for, or undefined if it is not one. */
export function literalPathOf(source: string): string | undefined {
  const lead = leadingLiteral(source);
  return lead?.isWhole && lead.text.startsWith('/') ? lead.text : undefined;
}

/**
 * A RewriteRule substitution as a pattern row target: `$N` kept, `${name:$N}` through an
 * int:tolower map as `${lowercase:$N}` (its literal text lower-cased), a final
 * `?%{QUERY_STRING}` dropped (pagemap passes the query on by itself), `\$` and `\%` literal,
 * and without [NE] a # and a literal % escaped as mod_rewrite escapes them.
 * The reason when something in it cannot be said.
 */
export function substitutionTarget(text: string, lowerMaps: ReadonlySet<string>, otherMaps: ReadonlyMap<string, string>, groups: number, isNoEscape: boolean): { target: string } | { problem: string } {
  let target = '';
  let rest = text;
  if (/\?%\{QUERY_STRING\}$/.test(rest) && !rest.slice(0, -'?%{QUERY_STRING}'.length).includes('?')) rest = rest.slice(0, -'?%{QUERY_STRING}'.length);
  const reference = (n: string) => {
    if (n === '0') return { problem: 'uses $0 (the whole match), which pagemap targets cannot name; write the pattern with a group' };
    return undefined;
  };
  // A group the pattern lacks is empty to mod_rewrite.
  const emptyGroup = (n: string) => Number(n) > groups;
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i]!;
    const next = rest[i + 1];
    if (char === '\\' && (next === '$' || next === '%' || next === '\\')) {
      // A literal % is escaped again unless [NE]; a literal $ is written %24 in pagemap targets.
      target += next === '$' ? '%24' : next === '%' ? (isNoEscape ? '%' : '%25') : '\\';
      i++;
    } else if (char === '#' && !isNoEscape) {
      // Without [NE] mod_rewrite escapes a # with the rest: it is part of the path, not a fragment.
      target += '%23';
    } else if (char === '$' && next !== undefined && /[0-9]/.test(next)) {
      const problem = reference(next);
      if (problem) return problem;
      if (!emptyGroup(next)) target += `$${next}`;
      i++;
    } else if (char === '$' && next === '{') {
      const end = rest.indexOf('}', i);
      const match = end < 0 ? null : /^\$\{([^:}]+):([^}]*)\}$/.exec(rest.slice(i, end + 1));
      if (!match) return { problem: `has a \${…} it cannot read at "${rest.slice(i)}"` };
      const [, map, key] = match as unknown as [string, string, string];
      if (!lowerMaps.has(map)) {
        const kind = otherMaps.get(map);
        return { problem: kind ? `uses the RewriteMap ${map} (${kind}); pagemap rows can only lower-case (int:tolower)` : `uses the RewriteMap ${map}, which the file never declares` };
      }
      if (key.includes('|')) return { problem: `gives the map ${map} a default (${key}), which pagemap rows cannot say` };
      for (const piece of key.split(/(\$[0-9])/)) {
        if (piece === '') continue;
        if (/^\$[0-9]$/.test(piece)) {
          const problem = reference(piece[1]!);
          if (problem) return problem;
          if (!emptyGroup(piece[1]!)) target += `\${lowercase:${piece}}`;
        } else if (/[$%]/.test(piece)) {
          return { problem: `looks up ${map} with "${key}", which pagemap rows cannot say` };
        } else {
          target += piece.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
        }
      }
      i = end;
    } else if (char === '%' && next !== undefined && /[0-9]/.test(next)) {
      return { problem: `uses %${next}, a capture of a RewriteCond, which pagemap rows cannot name` };
    } else if (char === '%' && next === '{') {
      const variable = /^%\{[^}]*\}/.exec(rest.slice(i))?.[0] ?? '%{';
      return { problem: `puts ${variable} into its target; pagemap targets hold only the path's captures` };
    } else if (char === '$') {
      target += '%24';
    } else {
      target += char;
    }
  }
  return { target };
}

/** A RewriteCond on the path, as a lookahead the rule's pattern can carry; or the reason it cannot be. */
function conditionLookahead(condition: Directive, ruleIsCaseless: boolean, isPerDirectory: boolean): { lookahead: string; isOr: boolean } | { problem: string } {
  const [testString = '', rawPattern = '', flagText] = condition.args;
  if (isPerDirectory && /^%\{(REQUEST_FILENAME|SCRIPT_FILENAME)\}$/.test(testString)) {
    return { problem: `has a condition on ${testString} (${condition.where}), which in a per-directory file is the path on disk, not the URL; write it on %{REQUEST_URI}` };
  }
  if (!/^%\{(REQUEST_FILENAME|REQUEST_URI|SCRIPT_FILENAME)\}$/.test(testString)) {
    const variable = /%\{([^}]+)\}/.exec(testString)?.[1];
    return { problem: variable ? `has a condition on %{${variable}} (${condition.where}); pagemap rows answer by path alone` : `has a condition on "${testString}" (${condition.where}), which pagemap rows cannot say` };
  }
  const flags = (flagText ?? '').replace(/^\[|\]$/g, '').split(',').map((flag) => flag.trim().toLowerCase()).filter(Boolean);
  const isCaseless = flags.includes('nc') || flags.includes('nocase');
  const isOr = flags.includes('or') || flags.includes('ornext');
  const unknown = flags.filter((flag) => !['nc', 'nocase', 'or', 'ornext', 'nv', 'novary'].includes(flag));
  if (unknown.length) return { problem: `has a condition with the flag [${unknown.join(',')}] (${condition.where})` };
  if (isCaseless !== ruleIsCaseless) return { problem: `mixes a ${isCaseless ? 'caseless' : 'case-sensitive'} condition (${condition.where}) with a ${ruleIsCaseless ? 'caseless' : 'case-sensitive'} rule, which one pattern row cannot say` };
  const isNegated = rawPattern.startsWith('!');
  const pattern = isNegated ? rawPattern.slice(1) : rawPattern;
  if (/^-[a-zA-Z]$/.test(pattern) || /^-[a-z]{2}$/.test(pattern)) return { problem: `has a condition testing the file system (${rawPattern}, ${condition.where}); pagemap rows answer by path alone` };
  let source: string;
  if (pattern.startsWith('=')) source = `^${literalPattern(pattern.slice(1))}$`;
  else if (/^[<>]/.test(pattern)) return { problem: `has a condition comparing text (${pattern}, ${condition.where}), which pagemap rows cannot say` };
  else source = possessiveAsGreedy(pattern).source;
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) return { problem: `has a condition whose pattern ${checked.problem} (${condition.where})` };
  // Tried at the start of the path: an unanchored condition may match anywhere in it, so .* goes before it.
  const body = isAnchored(source) ? nonCapturing(source) : `.*(?:${nonCapturing(source)})`;
  return { lookahead: isNegated ? `(?!${body})` : `(?=${body})`, isOr };
}

/** Lookaheads for a rule's conditions: consecutive [OR] conditions become alternatives of one group. */
export function combinedConditions(conditions: readonly Directive[], isCaseless: boolean, isPerDirectory: boolean): { assertion: string } | { problem: string } {
  const groups: string[][] = [[]];
  let previousIsOr = false;
  for (const condition of conditions) {
    const converted = conditionLookahead(condition, isCaseless, isPerDirectory);
    if ('problem' in converted) return converted;
    if (!previousIsOr && groups.at(-1)!.length > 0) groups.push([]);
    groups.at(-1)!.push(converted.lookahead);
    previousIsOr = converted.isOr;
  }
  return { assertion: groups.filter((group) => group.length).map((group) => (group.length === 1 ? group[0]! : `(?:${group.join('|')})`)).join('') };
}

/**
 * A per-directory RewriteRule pattern (matched on the path below `folder`) as one on the whole
 * path: `^old/(.*)` in `/docs/` is `^/docs/old/(.*)`, an unanchored one may start anywhere below.
 */
export function patternInFolder(source: string, folder: string): { source: string } | { problem: string } {
  const isStartAnchored = source.startsWith('^');
  if (hasInnerAnchor(isStartAnchored ? source.slice(1) : source) || (isStartAnchored && !isAnchored(source))) {
    return { problem: 'anchors (^) inside its pattern, which cannot be carried into the folder it sits in' };
  }
  return { source: isStartAnchored ? `^${literalPattern(folder)}${source.slice(1)}` : `^${literalPattern(folder)}.*?(?:${source})` };
}

