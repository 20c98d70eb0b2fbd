/**
 * Rewriting the text of a foreign regular expression before it becomes a pattern row: its
 * groups made non-capturing, PCRE's possessive quantifiers read as greedy where that matches
 * the same paths (what a pattern may match is patternReach.ts's). Each walks the pattern token by token
 * (escapes, classes), never with a regular expression over the pattern.
 */

/** The pattern's tokens: an escape (`\x`), a class (`[…]`), or one character. */
function tokens(source: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < source.length; ) {
    if (source[i] === '\\') {
      out.push(source.slice(i, i + 2));
      i += 2;
    } else if (source[i] === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      out.push(source.slice(i, j + 1));
      i = j + 1;
    } else {
      out.push(source[i]!);
      i++;
    }
  }
  return out;
}

/** The pattern with every capturing group made non-capturing, so it can sit inside another without shifting its $N. */
export function nonCapturing(source: string): string {
  const parts = tokens(source);
  return parts.map((token, k) => (token === '(' && parts[k + 1] !== '?' ? '(?:' : token)).join('');
}

/** A single-character atom: a literal character or an escaped punctuation mark, as the character it stands for. */
function literalCharOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.length === 1 && !'.()*+?{}|^$['.includes(token)) return token;
  if (token.length === 2 && token[0] === '\\' && !/[A-Za-z0-9]/.test(token[1]!)) return token[1];
  return undefined;
}

/**
 * PCRE's possessive quantifiers (`c++`, `a*+`, `x?+`) read as the greedy ones where both
 * match the same paths: on a single literal character followed by a different literal
 * character or the end. `^/sigs/c++-sig` is "one or more c, then -sig" to PCRE — never the
 * text "c++" — and so is `^/sigs/c+-sig`. Returns the pattern and the quantifiers rewritten.
 */
export function possessiveAsGreedy(source: string): { source: string; rewritten: string[] } {
  const parts = tokens(source);
  const rewritten: string[] = [];
  const out: string[] = [];
  for (let k = 0; k < parts.length; k++) {
    const token = parts[k]!;
    out.push(token);
    if (!'*+?'.includes(token) || token.length !== 1 || parts[k + 1] !== '+') continue;
    const atom = literalCharOf(parts[k - 1]);
    const nextToken = parts[k + 2];
    const next = literalCharOf(nextToken);
    const isEnd = nextToken === undefined || nextToken === '$';
    const afterNext = parts[k + 3];
    const isNextRequired = afterNext === undefined || !['*', '+', '?', '{'].includes(afterNext);
    if (atom !== undefined && (isEnd || (next !== undefined && next !== atom && isNextRequired))) {
      rewritten.push(`${parts[k - 1]}${token}+`);
      k++;
    }
  }
  return { source: out.join(''), rewritten };
}

/** Whether a `^` anchors anywhere but at the very start (inside an alternative or a group). */
export function hasInnerAnchor(source: string): boolean {
  return tokens(source).some((token, k) => token === '^' && k > 0);
}
