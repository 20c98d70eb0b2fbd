/**
 * nginx configuration read as nginx reads it (ngx_conf_read_token): words separated by
 * spaces, `;` ending a directive, `{ }` holding a block, `#` a comment when it starts a word,
 * single- or double-quoted words, a backslash keeping the next character from ending a word.
 * Only the syntax: what the directives mean is the importer's (core/importers/nginx.ts).
 */
import { ImportError } from '../errors.js';

/** A directive: its name and arguments, where it starts, and its text as written. */
export interface NginxDirective {
  name: string;
  args: string[];
  line: number;
  /** The directive as written: up to its `;`, or its whole block up to the closing `}`. */
  text: string;
  /** For a block: what comes before its `{` (`location ~ ^/old/`). */
  head?: string;
  block?: NginxDirective[];
}

interface Word {
  kind: 'word';
  value: string;
  line: number;
  start: number;
}

interface Punctuation {
  kind: ';' | '{' | '}';
  line: number;
  start: number;
}

type Token = Word | Punctuation;

const SPACE = /[ \t\r\n]/;

/**
 * A word's value as nginx keeps it: `\"`, `\'` and `\\` lose their backslash, `\t`, `\r` and
 * `\n` become the character; any other backslash stays (so `\.` reaches the regex as `\.`).
 */
function unescapeWord(raw: string): string {
  return raw.replace(/\\([\s\S])/g, (whole, char: string) => {
    if (char === '"' || char === "'" || char === '\\') return char;
    if (char === 't') return '\t';
    if (char === 'r') return '\r';
    if (char === 'n') return '\n';
    return whole;
  });
}

function syntaxError(file: string, line: number, problem: string): ImportError {
  return new ImportError(file, [`line ${line}: ${problem}`]);
}

function tokenise(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  // Count the line breaks in text[from, to).
  const advance = (to: number) => {
    for (; i < to; i++) if (text[i] === '\n') line++;
  };
  while (i < text.length) {
    const char = text[i]!;
    if (SPACE.test(char)) {
      advance(i + 1);
    } else if (char === '#') {
      const end = text.indexOf('\n', i);
      advance(end === -1 ? text.length : end);
    } else if (char === ';' || char === '{' || char === '}') {
      tokens.push({ kind: char, line, start: i });
      advance(i + 1);
    } else if (char === '"' || char === "'") {
      const start = i;
      const startLine = line;
      let end = i + 1;
      while (end < text.length && text[end] !== char) end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw syntaxError(file, startLine, `a ${char === '"' ? 'double' : 'single'}-quoted string opens here and is never closed`);
      const after = text[end + 1];
      // nginx wants a quoted word followed by a space, `;`, `{` or (in an if) `)`.
      if (after !== undefined && !SPACE.test(after) && after !== ';' && after !== '{' && after !== ')') {
        advance(end + 1);
        throw syntaxError(file, line, `unexpected ${JSON.stringify(after)} after a quoted string`);
      }
      tokens.push({ kind: 'word', value: unescapeWord(text.slice(start + 1, end)), line: startLine, start });
      advance(end + 1);
    } else {
      const start = i;
      const startLine = line;
      let end = i;
      let afterDollar = false;
      // A word ends at a space, `;` or `{` — but `${` opens a variable name; `}` and `#` inside a word are text.
      while (end < text.length) {
        const next = text[end]!;
        if (next === '\\') {
          end += 2;
          afterDollar = false;
          continue;
        }
        if (next === '{' && afterDollar) {
          end++;
          afterDollar = false;
          continue;
        }
        if (SPACE.test(next) || next === ';' || next === '{') break;
        afterDollar = next === '$';
        end++;
      }
      end = Math.min(end, text.length);
      tokens.push({ kind: 'word', value: unescapeWord(text.slice(start, end)), line: startLine, start });
      advance(end);
    }
  }
  return tokens;
}

/**
 * Parse nginx configuration into its directives, blocks nested. Throws ImportError, with the
 * line, when nginx itself would refuse the syntax: an unclosed quote or block, a `}` too many,
 * a directive without its `;`.
 */
export function parseNginxConfig(text: string, file: string): NginxDirective[] {
  const top: NginxDirective[] = [];
  const open: { directive: NginxDirective; start: number }[] = [];
  let pending: Word[] = [];
  const current = () => open.at(-1)?.directive.block ?? top;
  for (const token of tokenise(text, file)) {
    if (token.kind === 'word') {
      pending.push(token);
      continue;
    }
    if (token.kind === '}') {
      if (pending.length) throw syntaxError(file, token.line, `unexpected "}": the directive ${pending[0]!.value} on line ${pending[0]!.line} has no ";"`);
      const closed = open.pop();
      if (!closed) throw syntaxError(file, token.line, 'unexpected "}": no block is open');
      closed.directive.text = text.slice(closed.start, token.start + 1);
      continue;
    }
    const [first, ...rest] = pending;
    if (!first) throw syntaxError(file, token.line, `unexpected ${JSON.stringify(token.kind)}`);
    const directive: NginxDirective = { name: first.value, args: rest.map((word) => word.value), line: first.line, text: text.slice(first.start, token.start + 1) };
    current().push(directive);
    if (token.kind === '{') {
      directive.head = text.slice(first.start, token.start).trimEnd();
      directive.block = [];
      open.push({ directive, start: first.start });
    }
    pending = [];
  }
  if (pending.length) throw syntaxError(file, pending[0]!.line, `the directive ${pending[0]!.value} has no ";" before the end of the file`);
  const unclosed = open.pop();
  if (unclosed) throw syntaxError(file, unclosed.directive.line, `the block ${unclosed.directive.head} is never closed (no "}")`);
  return top;
}
