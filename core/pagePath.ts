/**
 * What a public path is: the canonical form every row is stored under (DESIGN.md "The page
 * map"), and the encodings it travels in. Pure functions only; the store, the importer, the
 * build and the runtime all go through here so they can never disagree.
 */
import { InvalidRowError } from './errors.js';

/** Where pagemap's own files live in public/ (assets, error pages); no row may claim it. */
export const ASSET_PREFIX = '/_pagemap';
/** Apache aliases this prefix to the legacy root for data resources (seed: "Data Resources"). */
export const DATA_PREFIX = '/data';
/** A file name that stands in for a page whose path is also a directory (see outputFileFor). */
export const PREFIX_PAGE_FILE = '.pagemap-page';

/**
 * A path longer than this, or with a longer segment, is no path pagemap serves (404). This
 * also bounds what a pattern row's regular expression is ever run on: a hostile 16 KB request
 * line would make a `.*` or two take seconds.
 */
export const MAX_PATH_BYTES = 2000;
export const MAX_SEGMENT_BYTES = 255; // NAME_MAX: every segment becomes a file or directory name
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
// C0 and DEL never belong in a path, a file name or a header. C1 (U+0080–U+009F) does: an old
// wiki's page names in mojibake (UTF-8 read as Latin-1) are full of it, and it is valid Unicode.
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * A relative path problemWithRelativePath accepts without looking further: segments of
 * printable ASCII other than `/`, `\\`, `:` and a few more, none starting with a dot (so no
 * `.` or `..`), none empty or longer than MAX_SEGMENT_BYTES.
 */
const PLAIN_CHARACTER = "\\w\\- ~()+,=@'!$&;[\\]{}#%^";
const PLAIN_SEGMENT = `[${PLAIN_CHARACTER}][${PLAIN_CHARACTER}.]{0,${MAX_SEGMENT_BYTES - 1}}`;
const PLAIN_RELATIVE_PATH = new RegExp(`^${PLAIN_SEGMENT}(?:/${PLAIN_SEGMENT})*$`);

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// Characters a message must never show raw: C0, DEL, C1 and lone surrogates.
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const escapeUnit = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** Text for a message or a log: control characters (C0, DEL, C1) and lone surrogates escaped as `\u0083`, never raw. */
export function showText(text: string): string {
  return text.replace(UNSHOWABLE, escapeUnit);
}

/** A value named in a message: JSON-quoted, and C1 escaped as JSON leaves C0 (`"a\u0085"`). */
export function quoteText(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, escapeUnit);
}

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f]/;

/** Text shown in a page (a breadcrumb named after a folder): control characters percent-encoded. */
export function encodeInvisible(text: string): string {
  return INVISIBLE.test(text) ? percentEncode(text, (char) => !INVISIBLE.test(char)) : text;
}

/**
 * Decode `%XX` escapes (two hex digits) into UTF-8 bytes; any other `%` stays literal.
 * Throws when the text holds a lone surrogate or the decoded bytes are not UTF-8.
 */
export function percentDecode(text: string): string {
  if (!text.isWellFormed()) throw new URIError('not valid Unicode');
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '%' && HEX_PAIR.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    for (const byte of utf8.encode(String.fromCodePoint(code))) bytes.push(byte);
  }
  return strictUtf8.decode(Uint8Array.from(bytes));
}

/** Why a relative source path (a wiki name or a legacy file) is unsafe, or undefined when it is fine. */
export function problemWithRelativePath(rel: string): string | undefined {
  // Most paths a build checks (one a page) are plain ASCII and pass every test below at once.
  if (PLAIN_RELATIVE_PATH.test(rel)) return undefined;
  if (rel === '') return 'is empty';
  if (!rel.isWellFormed()) return 'is not valid Unicode';
  if (CONTROL.test(rel)) return 'contains a control character';
  if (rel.includes('\\')) return 'contains a backslash';
  if (rel.startsWith('/')) return 'is absolute (write it relative to its root)';
  if (/^[A-Za-z]:/.test(rel)) return 'names a drive';
  const segments = rel.split('/');
  if (segments.some((s) => s === '')) return 'has an empty segment (// or a trailing /)';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a . or .. segment';
  if (segments.some((s) => s.length * 3 > MAX_SEGMENT_BYTES && Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES)) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

/**
 * The canonical form of a public path as people write it: `%XX` decoded, NFC, a trailing
 * `/` stored as `/index.html`. Refuses (InvalidRowError naming the input) anything that is
 * not a plain absolute path: query or fragment, `.`/`..`/empty segments, backslashes,
 * control characters, pagemap's reserved prefixes (unless `allowReserved`, for redirect
 * targets), over-long paths.
 */
export function canonicalPath(input: string, options: { allowReserved?: boolean } = {}): string {
  const refuse = (reason: string): never => {
    throw new InvalidRowError(`path ${typeof input === 'string' ? quoteText(input) : String(input)} ${reason}`);
  };
  if (typeof input !== 'string' || input === '') return refuse('is empty');
  if (!input.startsWith('/')) return refuse('must start with /');
  if (input.includes('?')) return refuse('contains ? (a query is not part of a path; write %3F for a literal ?)');
  if (input.includes('#')) return refuse('contains # (a fragment is not part of a path; write %23 for a literal #)');
  if (!input.isWellFormed()) return refuse('is not valid Unicode');
  let decoded: string;
  try {
    decoded = percentDecode(input);
  } catch {
    return refuse('has %-escapes that are not UTF-8');
  }
  if (!decoded.isWellFormed()) return refuse('is not valid Unicode');
  decoded = decoded.normalize('NFC');
  if (CONTROL.test(decoded)) return refuse('contains a control character');
  if (decoded.includes('\\')) return refuse('contains a backslash');
  if (decoded.endsWith('/')) decoded += 'index.html';
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '')) return refuse('has an empty segment (//)');
  if (segments.some((s) => s === '.' || s === '..')) return refuse('has a . or .. segment');
  if (segments.some((s) => s.length * 3 > MAX_SEGMENT_BYTES && Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES)) return refuse(`has a segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  if (segments.includes(PREFIX_PAGE_FILE)) return refuse(`uses the reserved name ${PREFIX_PAGE_FILE}`);
  if (utf8.encode(decoded).length > MAX_PATH_BYTES) return refuse(`is longer than ${MAX_PATH_BYTES} bytes`);
  for (const reserved of options.allowReserved ? [] : [ASSET_PREFIX, DATA_PREFIX]) {
    if (decoded === reserved || decoded.startsWith(reserved + '/')) {
      return refuse(`is under ${reserved}/, which pagemap reserves for ${reserved === DATA_PREFIX ? 'the legacy /data alias' : 'its own assets'}`);
    }
  }
  return decoded;
}

/**
 * A path written so that it reads back as the same exact path: escaped, what would otherwise
 * change meaning (`%` before two hex digits, `?`, `#`, a `*` at the very end, which would read
 * as a prefix row), and C1 characters, which must never reach a file or a terminal raw.
 */
export function escapePath(path: string): string {
  const escaped = encodeInvisible(path.replace(/%(?=[0-9A-Fa-f]{2})/g, '%25').replace(/\?/g, '%3F').replace(/#/g, '%23'));
  return escaped.endsWith('*') ? escaped.slice(0, -1) + '%2A' : escaped;
}

/**
 * The text form of a stored row path for export files, listings and messages: it reads back
 * to the same row. An exact path as escapePath writes it; a prefix row (stored ending in `/`)
 * with its `*`: `/topics/xml/*`.
 */
export function pathForExport(path: string): string {
  if (path.startsWith('~')) return path; // a pattern row: the regular expression as written
  return isPrefixPath(path) ? escapePath(path) + '*' : escapePath(path);
}

/** The deepest folder a prefix row may name (`/a/…/p/*` with this many segments): Apache looks each depth up. */
export const MAX_PREFIX_DEPTH = 16;

/**
 * Whether a stored row path is a prefix row's: it ends in `/` (written `/x/*`), which an
 * exact path never does (a trailing slash is stored as `/index.html`).
 */
export function isPrefixPath(path: string): boolean {
  return path.startsWith('/') && path.endsWith('/');
}

/**
 * The stored form of a row path as people write it: an exact path (canonicalPath), a prefix
 * row's path when it ends in `/*` (`/topics/xml/*` → `/topics/xml/`, `/*` → `/`, covering the
 * subtree; a literal `*` at the end is written `%2A`), or a pattern row's, which starts with
 * `~` and is kept as written.
 */
export function canonicalRowPath(input: string): string {
  if (typeof input === 'string' && input.startsWith('~')) return input; // a pattern row: checked with its row (core/patterns.ts)
  if (typeof input !== 'string' || !input.endsWith('/*')) return canonicalPath(input);
  const prefix = canonicalPath(input.slice(0, -1)).slice(0, -'index.html'.length);
  if (prefix.split('/').length - 2 > MAX_PREFIX_DEPTH) throw new InvalidRowError(`path ${quoteText(input)} names a folder more than ${MAX_PREFIX_DEPTH} deep; a prefix row covers at most that`);
  return prefix;
}

/** Hidden files (.htaccess, .git, editor swap files) are never published. `rel` is relative, / separated. */
export function isHidden(rel: string): boolean {
  return rel.split('/').some((segment) => segment.startsWith('.'));
}

/**
 * Where a page's bytes go in public/. Normally public/ + path. A path that is also a folder of
 * other pages (`/BeginnersGuide` beside `/BeginnersGuide/Download`) cannot be a file and a
 * folder at once, so its bytes go inside the folder under a name no row may use.
 */
export function outputFileFor(path: string, isPrefix: boolean): string {
  return isPrefix ? `${path.slice(1)}/${PREFIX_PAGE_FILE}` : path.slice(1);
}

/**
 * Characters an encoding leaves bare, as a test of one character and a test of a whole text:
 * most texts need no escape at all, and one test of the text costs less than a call a
 * character (a build encodes every folder of every page's breadcrumbs).
 */
function bareCharacters(set: string): { one: RegExp; all: RegExp } {
  return { one: new RegExp(`^[${set}]$`), all: new RegExp(`^[${set}]*$`) };
}

/**
 * Percent-encode (UTF-8, upper-case hex) every character of `text` that `isSafe` does not
 * accept. `isSafe` sees the character and what follows it.
 */
export function percentEncode(text: string, isSafe: (char: string, rest: string) => boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = String.fromCodePoint(text.codePointAt(i)!);
    if (char.length === 2) i++;
    if (isSafe(char, text.slice(i + 1, i + 3))) out += char;
    else for (const byte of utf8.encode(char)) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// What mod_rewrite's int:escape (ap_escape_uri) leaves alone; everything else becomes %xx.
const URI_SAFE = bareCharacters("A-Za-z0-9$\\-_.+!*'(),:;@&=/~");

/**
 * Text as mod_rewrite's int:escape writes it (lower-case hex): the Apache map's keys, and the
 * rest of a path under a prefix row as both Apache and the runtime put it into a Location.
 */
export function intEscape(text: string): string {
  if (URI_SAFE.all.test(text)) return text;
  return percentEncode(text, (char) => URI_SAFE.one.test(char)).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

/** intEscape for bytes held one per character (a regular expression's capture on a path's UTF-8 bytes, which may split a character). */
export function intEscapeBytes(bytes: string): string {
  let out = '';
  for (const char of bytes) out += URI_SAFE.one.test(char) ? char : '%' + char.charCodeAt(0).toString(16).padStart(2, '0');
  return out;
}

// RFC 3986 pchar, minus the few that confuse people or tools when left bare.
const SEGMENT_CHARACTERS = "A-Za-z0-9\\-._~!$&'()*+,;=:@";
const SEGMENT_SAFE = bareCharacters(SEGMENT_CHARACTERS);
const PATH_SAFE = bareCharacters(SEGMENT_CHARACTERS + '/');

/** Percent-encode one path segment as a URL needs it (UTF-8, RFC 3986). */
export function encodeSegment(segment: string): string {
  return SEGMENT_SAFE.all.test(segment) ? segment : percentEncode(segment, (char) => SEGMENT_SAFE.one.test(char));
}

/** A canonical path as it goes into an href or a Location header. */
export function encodePath(path: string): string {
  return PATH_SAFE.all.test(path) ? path : path.split('/').map(encodeSegment).join('/');
}

// Everything RFC 3986 allows in a URL, unreserved and reserved; `%` only as part of an escape.
const URL_SAFE = bareCharacters("A-Za-z0-9\\-._~:/?#[\\]@!$&'()*+,;=");

/**
 * A redirect target as it goes into a Location header: characters a URL cannot hold
 * (spaces, non-ASCII, a `%` that starts no escape) are percent-encoded, existing `%XX`
 * escapes are kept, so `/a b` and `/a%20b` give the same header.
 */
export function locationFor(target: string): string {
  if (URL_SAFE.all.test(target)) return target;
  return percentEncode(target, (char, next) => URL_SAFE.one.test(char) || (char === '%' && HEX_PAIR.test(next)));
}
