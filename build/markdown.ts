/**
 * Wiki source → HTML body: front matter by gray-matter (YAML or JSON only: front matter is
 * data, and gray-matter's JavaScript engine would run what an editor wrote), Markdown by
 * markdown-it in its CommonMark preset plus tables (the spec check in test/ measures exactly
 * this setup).
 */
import { createRequire } from 'node:module';
import type { MarkdownIt } from 'markdown-it';
import { boundedMemo } from '../core/boundedMemo.js';
import { SourceError } from '../core/errors.js';
import { escapeHtml } from '../core/html.js';

const require = createRequire(import.meta.url);

let matter: typeof import('gray-matter') | undefined;

/**
 * The Markdown engine every wiki page goes through (raw HTML allowed: the wiki is the site's
 * own, trusted content). Loaded on first use, so start-up stays light.
 */
export function createMarkdown(): MarkdownIt {
  // Through require: markdown-it's CommonJS build is one file where its ES modules are forty,
  // and a render worker starts ~60 ms sooner for it (a one-page build waits for that).
  const markdownIt = require('markdown-it') as typeof import('markdown-it').default;
  const md = markdownIt('commonmark', { html: true }).enable('table');
  // A wiki links to the same pages over and over (the wiki-shaped corpus: 201,000 links, 4,020
  // distinct), and markdown-it parses, punycodes and re-encodes every one: remember answers.
  md.normalizeLink = boundedMemo(md.normalizeLink.bind(md), LINK_MEMO_SIZE);
  md.validateLink = boundedMemo(md.validateLink.bind(md), LINK_MEMO_SIZE);
  return md;
}

/** Distinct links remembered per Markdown engine (a few hundred kilobytes at most). */
export const LINK_MEMO_SIZE = 10_000;

/** The languages front matter may be written in: data only. gray-matter would run `---js` as code. */
const DATA_LANGUAGES = new Set(['', 'yaml', 'yml', 'json']);

const refuseCode = (): never => {
  throw new Error('front matter must be data (YAML or JSON), not code');
};
// Handed to gray-matter as well, in case its language detection ever differs from ours.
const CODE_ENGINES_OFF = { javascript: refuseCode, js: refuseCode, coffee: refuseCode, coffeescript: refuseCode, cson: refuseCode };

/**
 * The language named after the opening `---` (`---json`), lower-cased; empty for plain `---`.
 * Undefined when the text has no front matter as gray-matter reads it (`----` is a rule).
 */
export function frontMatterLanguage(text: string): string | undefined {
  if (!text.startsWith('---') || text[3] === '-') return undefined;
  const lineEnd = text.search(/\r?\n/);
  return text.slice(3, lineEnd < 0 ? text.length : lineEnd).trim().toLowerCase();
}

/** Split front matter from the Markdown. Throws SourceError (naming `what`) for anything but YAML or JSON data. */
export function splitFrontMatter(text: string, what: string): { data: Record<string, unknown>; content: string } {
  const language = frontMatterLanguage(text);
  if (language === undefined) return { data: {}, content: text };
  if (!DATA_LANGUAGES.has(language)) {
    throw new SourceError(`${what}: front matter in ${JSON.stringify(language)} is refused: front matter is data, written in YAML or JSON, never code`);
  }
  // gray-matter gets the front matter alone: given the whole page it copies it into a Buffer
  // and uses it as a property name (hashing all of it), which costs more than the parse on
  // big pages. The rest is cut here the way gray-matter cuts it: after the closing `\n---`,
  // one `\r` and one `\n` dropped.
  const closeAt = text.indexOf('\n---', 3);
  const head = closeAt < 0 ? text : text.slice(0, closeAt + 4);
  let content = closeAt < 0 ? '' : text.slice(closeAt + 4);
  if (content[0] === '\r') content = content.slice(1);
  if (content[0] === '\n') content = content.slice(1);
  const plain = closeAt < 0 || language === 'json' ? undefined : plainFrontMatter(text.slice(text.indexOf('\n') + 1, closeAt));
  if (plain) return { data: plain, content };
  try {
    // Loaded when first needed: a render worker whose pages hold plain front matter only
    // starts ~35 ms sooner without gray-matter and js-yaml.
    matter ??= require('gray-matter') as typeof import('gray-matter');
    // Passing options turns off gray-matter's unbounded cache keyed by file text.
    return { data: matter(head, { engines: CODE_ENGINES_OFF }).data, content };
  } catch (error) {
    throw new SourceError(`${what}: bad front matter: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

/**
 * One line of plain front matter: a key YAML reads as itself, `: `, a JSON string (JSON is
 * YAML 1.2, so YAML reads it as JSON does) — what `pagemap migrate` writes.
 */
const PLAIN_LINE = /^([A-Za-z_][A-Za-z0-9_-]*): ("(?:[^"\\]|\\.)*") *$/;
/** Keys YAML reads as something else (null, booleans), and one that would set an object's prototype. */
const SPECIAL_KEYS = /^(?:null|true|false|yes|no|on|off|y|n|__proto__)$/i;
/** Characters a plain line may hold: printable, no line or paragraph separator, no surrogate (js-yaml refuses some; the rest go to it). */
const PLAIN_CHARACTERS = /^[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;

/**
 * Front matter whose every line is plain (blank, or `key: "JSON string"`) read without
 * gray-matter and js-yaml, to the same data; undefined for anything else, which they read.
 */
function plainFrontMatter(block: string): Record<string, string> | undefined {
  const data: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    const match = PLAIN_CHARACTERS.test(line) ? PLAIN_LINE.exec(line) : null;
    if (!match || SPECIAL_KEYS.test(match[1]!) || Object.hasOwn(data, match[1]!)) return undefined;
    try {
      data[match[1]!] = JSON.parse(match[2]!) as string;
    } catch {
      return undefined;
    }
  }
  return data;
}

export interface WikiDocument {
  title: string;
  /** The page body as HTML, starting with an h1. */
  html: string;
  /** Front matter, for templates and later features. */
  data: Readonly<Record<string, unknown>>;
}

function firstH1(tokens: ReturnType<MarkdownIt['parse']>): string | undefined {
  const open = tokens[0];
  if (open?.type !== 'heading_open' || open.tag !== 'h1') return undefined;
  return tokens[1]?.children?.map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : '')).join('') ?? '';
}

/**
 * Render one wiki page. The title comes from front matter `title`, else a leading `# h1`,
 * else the page name; a page without a leading h1 gets one with its title.
 * `what` names the source in errors (e.g. `wiki:About (content/wiki/About.md)`).
 */
export function renderWiki(md: MarkdownIt, text: string, fallbackTitle: string, what: string): WikiDocument {
  const parsed = splitFrontMatter(text, what);
  const data = parsed.data ?? {};
  if (data.title !== undefined && typeof data.title !== 'string' && typeof data.title !== 'number') {
    throw new SourceError(`${what}: front matter "title" must be text`);
  }
  const tokens = md.parse(parsed.content, {});
  const heading = firstH1(tokens);
  const title = String(data.title ?? '').trim() || heading?.trim() || fallbackTitle;
  const body = md.renderer.render(tokens, md.options, {});
  return { title, html: heading === undefined ? `<h1>${escapeHtml(title)}</h1>\n${body}` : body, data };
}
