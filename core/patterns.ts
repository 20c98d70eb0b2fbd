/**
 * Pattern rows: what a prefix cannot say, as mod_rewrite says it. A pattern row's path is `~`
 * and a regular expression on the decoded path (`~*` matches case-insensitively); its target
 * may name captures `$1`–`$9` and lower-case one, `${lowercase:$1}`. Pattern rows are tried
 * after exact and prefix rows, in their order, the first match answering.
 *
 * Only what Node's RegExp and Apache's PCRE read the same way is accepted. A pattern is matched
 * against the path's UTF-8 bytes, one character per byte, as PCRE without UTF mode reads it,
 * and the syntax is the common core: literals, `.`, classes, `^ $ | ( ) (?: ) (?= ) (?! )`,
 * greedy and lazy quantifiers, `\d \w \s \b \xHH` and escaped punctuation. Everything else
 * (lookbehind, named or atomic groups, possessive quantifiers, backreferences, POSIX classes,
 * other escapes) is refused with the reason, and so is a repeated group that itself repeats
 * (`(a+)+`), which a hostile path could make run for minutes. Where the two engines differ on
 * the same text (`\s` meets byte A0 in Node only) the form given to Node is rewritten to
 * PCRE's meaning.
 */
import { intEscapeBytes } from './pagePath.js';

export const PATTERN_MARK = '~';
const CASELESS_MARK = '~*';

/** Whether a stored row path is a pattern row's. */
export function isPatternPath(path: string): boolean {
  return path.startsWith(PATTERN_MARK);
}

/** The regular expression and its flag, from a pattern row's path. */
export function patternOf(path: string): { source: string; isCaseless: boolean } {
  return path.startsWith(CASELESS_MARK) ? { source: path.slice(2), isCaseless: true } : { source: path.slice(1), isCaseless: false };
}

/** Text as PCRE without UTF mode sees it: each UTF-8 byte one character. */
function asBytes(text: string): string {
  // ASCII is its own UTF-8: most paths skip the copy.
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

// PCRE's \s without UTF mode, in the C locale: HT, LF, VT, FF, CR and space (Node's adds NBSP, byte A0).
const SPACE_CLASS = '\\t-\\r ';
const SHORTHAND = new Set(['d', 'D', 'w', 'W', 's', 'S']);

/** A checked pattern: its capturing groups, and its text for Node and for an Apache directive. */
export interface CheckedPattern {
  groups: number;
  forNode: string;
  forApache: string;
}

/**
 * Check a pattern's source against the shared core of Node and PCRE; the reason when it falls
 * outside it. A caseless pattern must spell its literals in ASCII: the engines fold other
 * letters differently.
 */
export function checkPattern(source: string, isCaseless: boolean): CheckedPattern | { problem: string } {
  if (source === '') return { problem: 'is empty' };
  if (!source.isWellFormed()) return { problem: 'is not valid Unicode' };
  if (/[\u0000-\u001f\u007f]/.test(source)) return { problem: 'contains a control character' };
  const refuse = (problem: string) => ({ problem });
  let groups = 0;
  let forNode = '';
  let forApache = '';
  let inClass = false;
  // Inside a class: how many items so far, and whether the last token was a range's -.
  let classItems = 0;
  let afterRangeDash = false;
  // For each open group, whether it holds a repetition; and whether the group just closed did.
  const openGroups: boolean[] = [];
  let closedGroupRepeats = false;
  const emit = (node: string, apache = node) => {
    forNode += node;
    forApache += apache;
    if (inClass) (classItems++, (afterRangeDash = false));
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    const next = source[i + 1];
    if (isCaseless && char > '\u007f') return refuse(`is caseless (~*) and spells ${JSON.stringify(char)}: Node and Apache fold letters beyond ASCII differently; match it without ~* or with a class`);
    if (char === '\\') {
      if (next === undefined) return refuse('ends in a lone backslash');
      i++;
      if (/[1-9]/.test(next)) return refuse(`uses a backreference (\\${next}), which pagemap does not carry over`);
      if (next === 'x') {
        const hex = source.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return refuse('uses \\x without two hex digits (write \\xHH)');
        if (isCaseless && parseInt(hex, 16) > 0x7f) return refuse(`is caseless (~*) and names the byte \\x${hex}: Node and Apache fold bytes beyond ASCII differently`);
        emit(`\\x${hex}`);
        i += 2;
        continue;
      }
      if (SHORTHAND.has(next)) {
        // A range from or to a shorthand ([\d-z]) is an error in PCRE and a literal - in Node.
        if (afterRangeDash) return refuse(`uses \\${next} as the end of a range in a class`);
        if (inClass && next === 'S') return refuse('uses \\S inside a class, which Node and PCRE read differently; use [^…\\s] or \\S outside a class');
        if (inClass && source[i + 1] === '-' && source[i + 2] !== ']') return refuse(`uses \\${next} as the start of a range in a class`);
        if (next === 's') emit(inClass ? SPACE_CLASS : `[${SPACE_CLASS}]`, '\\s');
        else if (next === 'S') emit(`[^${SPACE_CLASS}]`, '\\S');
        else emit(`\\${next}`);
        continue;
      }
      if (next === 'b' || next === 'B') {
        emit(`\\${next}`);
        continue;
      }
      if (/[A-Za-z0-9]/.test(next) || next > '\u007f') return refuse(`uses the escape \\${next}, which Node and Apache's PCRE do not read alike`);
      // Escaped punctuation is itself in both; a quote is spelt by its code for the Apache directive.
      emit(`\\${next}`, next === '"' ? '\\x22' : `\\${next}`);
      continue;
    }
    if (char === '"') {
      emit('"', '\\x22');
      continue;
    }
    if (inClass) {
      if (char === ']') {
        inClass = false;
      } else if (char === '[' && (next === ':' || next === '.' || next === '=')) {
        return refuse(`uses [${next}…${next}], a POSIX class, which Node does not know`);
      }
      const isRangeDash = char === '-' && classItems > 0 && next !== ']';
      emit(char);
      afterRangeDash = isRangeDash;
      continue;
    }
    if (char === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      // A ] first in a class is a literal in PCRE, the end of an empty class in Node.
      if (source[j] === ']') return refuse('starts a class with ], which Node and PCRE read differently; write \\]');
      emit(source.slice(i, j));
      inClass = true;
      classItems = 0;
      afterRangeDash = false;
      i = j - 1;
      continue;
    }
    if (char === '(') {
      if (next === '?') {
        const kind = source.slice(i + 2, i + 4);
        if (kind.startsWith('<=') || kind.startsWith('<!')) return refuse(`uses lookbehind (?${kind}…), which Node and Apache's PCRE do not read alike`);
        if (![':', '=', '!'].includes(kind[0] ?? '')) return refuse(`uses (?${kind[0] ?? ''}…), a group Node and Apache's PCRE do not read alike; only ( ), (?: ), (?= ) and (?! ) are accepted`);
        openGroups.push(false);
        emit(source.slice(i, i + 3));
        i += 2;
        continue;
      }
      groups++;
      openGroups.push(false);
      emit('(');
      continue;
    }
    if (char === ')') {
      const repeats = openGroups.pop() ?? false;
      if (openGroups.length > 0 && repeats) openGroups[openGroups.length - 1] = true;
      emit(char);
      closedGroupRepeats = repeats;
      continue;
    }
    let repetition: string | undefined;
    if (char === '{') {
      // PCRE2 reads {,n} as a quantifier, Node as text; only the forms both read alike are accepted.
      const quantifier = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i));
      if (!quantifier) return refuse('has a { that is not a quantifier {n}, {n,} or {n,m}; write \\{ for a literal {');
      emit(quantifier[0]);
      i += quantifier[0].length - 1;
      if (source[i + 1] === '+') return refuse(`uses a possessive quantifier (${quantifier[0]}+), which Node does not know`);
      if (!/^\{(\d+)(?:,\1)?\}$|^\{[01](?:,1)?\}$/.test(quantifier[0])) repetition = quantifier[0];
    } else {
      if ('*+?'.includes(char) && next === '+') return refuse(`uses a possessive quantifier (${char}+), which Node does not know`);
      // A ? after a quantifier makes it lazy; it repeats nothing itself.
      const isLazyMark = char === '?' && /[*+?}]/.test(source[i - 1] ?? '') && source[i - 2] !== '\\';
      if ((char === '*' || char === '+') && !isLazyMark) repetition = char;
      emit(char);
    }
    if (repetition !== undefined) {
      // A repeated group that itself repeats, (a+)+, can take exponential time on a hostile path, in both engines.
      if (source[i - repetition.length] === ')' && closedGroupRepeats) return refuse(`repeats a group that itself repeats (…)${repetition}, which a hostile path can make run for minutes; write it without the nesting`);
      if (openGroups.length > 0) openGroups[openGroups.length - 1] = true;
    }
    closedGroupRepeats = false;
  }
  if (inClass) return refuse('leaves a [class] open');
  try {
    new RegExp(asBytes(forNode), isCaseless ? 'i' : '');
  } catch (error) {
    return refuse(`does not parse: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  // mod_rewrite reads a leading ! as "does not match".
  if (forApache.startsWith('!')) forApache = '\\' + forApache;
  return { groups, forNode, forApache };
}

/** A pattern row ready to match. */
export interface CompiledPattern {
  path: string;
  regex: RegExp;
}

/** Compile a stored pattern row path (already checked when it was written). */
export function compilePattern(path: string): CompiledPattern {
  const { source, isCaseless } = patternOf(path);
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) throw new Error(`pattern row ${path} ${checked.problem}`);
  return { path, regex: new RegExp(asBytes(checked.forNode), isCaseless ? 'i' : '') };
}

/**
 * The captures of `compiled` on a decoded path ($0 first) as bytes, one per character (a
 * capture may hold part of a character, as in PCRE); undefined when it does not match.
 */
export function matchPattern(compiled: CompiledPattern, path: string): string[] | undefined {
  const match = compiled.regex.exec(asBytes(path));
  return match ? match.map((capture) => capture ?? '') : undefined;
}

/** `$1`–`$9` and `${lowercase:$1}` in a pattern row's target. */
export const TARGET_REFERENCE = /\$\{lowercase:\$([1-9])\}|\$([1-9])/g;

/** Whether a target names captures (and so depends on the path it answers). */
export function hasReferences(target: string): boolean {
  return /\$\{lowercase:\$[1-9]\}|\$[1-9]/.test(target);
}

/** What is wrong with a pattern row's target for a pattern of `groups` captures, or undefined. */
export function problemWithPatternTarget(target: string, groups: number): string | undefined {
  // Any other ${…} is taken whole, so that a $1 inside it is not mistaken for a reference.
  const leftover = target.replace(/\$\{lowercase:\$([1-9])\}|\$\{[^}]*\}|\$([1-9])/g, (whole, lower: string | undefined, plain: string | undefined) =>
    (lower ?? plain) !== undefined && Number(lower ?? plain) <= groups ? '' : whole,
  );
  const unknown = /\$\{[^}]*\}|\$[1-9]/.exec(leftover);
  if (unknown) return `names ${unknown[0]}, which the pattern does not capture (it has ${groups} group${groups === 1 ? '' : 's'}; \${lowercase:$N} is the one transform)`;
  if (leftover.includes('$')) return 'has a $ that is not $1–$9 or ${lowercase:$N}; write a literal $ as %24';
  return undefined;
}

/** ASCII lower-case, as Apache's int:tolower does it (byte by byte, in the C locale). */
function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * A pattern row's target for a match: each $N (or ${lowercase:$N}) replaced by its capture
 * (bytes, from matchPattern), escaped as mod_rewrite's int:escape escapes it.
 */
export function fillTarget(target: string, captures: readonly string[]): string {
  return target.replace(TARGET_REFERENCE, (_whole, lower: string | undefined, plain: string | undefined) => {
    const capture = captures[Number(lower ?? plain)] ?? '';
    return intEscapeBytes(lower ? asciiLowerCase(capture) : capture);
  });
}

/** A stored pattern row, for matching paths in order. */
interface PatternRow {
  path: string;
  status: number;
  source: string;
}

/**
 * The first of `rows` (pattern rows, in their order) that matches a path as asked, with its
 * target filled in; compiled once.
 */
export function patternMatcher<Row extends PatternRow>(rows: readonly Row[]): (asked: string) => { row: Row; target: string } | undefined {
  const compiled = rows.map((row) => ({ row, pattern: compilePattern(row.path) }));
  return (asked) => {
    for (const { row, pattern } of compiled) {
      const captures = matchPattern(pattern, asked);
      if (captures) return { row, target: row.status === 301 || row.status === 302 ? fillTarget(row.source, captures) : '' };
    }
    return undefined;
  };
}
