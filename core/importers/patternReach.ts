/**
 * What paths a pattern row may match, told from its text without running it: the literal
 * text every match starts with when the regex is anchored, and from that whether it might
 * match under a prefix or alongside another pattern. Conservative: "might" unless the
 * literal text rules it out. Importers use it to keep a foreign file's precedence when they
 * choose between prefix and pattern rows.
 */
import { patternOf } from '../patterns.js';

const REGEX_SPECIAL = '\\^$.|?*+()[]{}';
const QUANTIFIERS = '?*+{';

/** Whether a regex has a `|` outside any group or class, so that a leading `^` anchors its first branch only. */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let isInClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') i++;
    else if (isInClass) isInClass = char !== ']';
    else if (char === '[') isInClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) return true;
  }
  return false;
}

/**
 * The literal text every match of an anchored regex starts with (`^/old/(.*)` → `/old/`), and
 * whether it is all the regex matches (`^/old\.html$`); undefined when the regex is not
 * anchored at the start.
 */
export function leadingLiteral(source: string): { text: string; isWhole: boolean } | undefined {
  if (!source.startsWith('^') || hasTopLevelAlternation(source)) return undefined;
  let text = '';
  let i = 1;
  while (i < source.length) {
    const isEscape = source[i] === '\\';
    const char = isEscape ? source[i + 1] : source[i];
    const width = isEscape ? 2 : 1;
    if (char === undefined) break;
    if (isEscape ? /[A-Za-z0-9]/.test(char) : REGEX_SPECIAL.includes(char)) break;
    // A quantified character may be missing or repeated: the literal text ends before it.
    const after = source[i + width];
    if (after !== undefined && QUANTIFIERS.includes(after)) break;
    text += char;
    i += width;
  }
  return { text, isWhole: source.slice(i) === '$' };
}

const asciiLowerCase = (text: string) => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/**
 * Whether a pattern row might match a path that starts with `prefix`. Conservative: only a
 * regex anchored on literal text that parts from the prefix is known not to.
 */
export function mightMatchUnder(patternPath: string, prefix: string): boolean {
  return reachOf(patternPath)(prefix);
}

/** mightMatchUnder for one pattern row, its text read once: for checking it against many prefixes. */
export function reachOf(patternPath: string): (prefix: string) => boolean {
  const { source, isCaseless } = patternOf(patternPath);
  const lead = leadingLiteral(source);
  if (!lead) return () => true;
  const literal = isCaseless ? asciiLowerCase(lead.text) : lead.text;
  return (prefix) => {
    const folded = isCaseless ? asciiLowerCase(prefix) : prefix;
    return literal.startsWith(folded) || (!lead.isWhole && folded.startsWith(literal));
  };
}

/** Whether two pattern rows might match the same path (conservative, as mightMatchUnder). */
export function mightOverlap(first: string, second: string): boolean {
  const a = patternOf(first);
  const b = patternOf(second);
  const leadA = leadingLiteral(a.source);
  const leadB = leadingLiteral(b.source);
  if (!leadA || !leadB) return true;
  const fold = (text: string) => (a.isCaseless || b.isCaseless ? asciiLowerCase(text) : text);
  return fold(leadA.text).startsWith(fold(leadB.text)) || fold(leadB.text).startsWith(fold(leadA.text));
}
