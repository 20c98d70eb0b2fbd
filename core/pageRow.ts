/**
 * What a row of the page map may say (DESIGN.md "The page map", "Sources"). Pure: every
 * write — CLI, import, discovery — passes through validateRow, so the table never holds a
 * row the build, the runtime or Apache would misread.
 */
import { randomBytes } from 'node:crypto';
import { InvalidRowError } from './errors.js';
import { canonicalPath, canonicalRowPath, isPrefixPath, pathForExport, problemWithRelativePath, quoteText, showText } from './pagePath.js';
import { checkPattern, isPatternPath, patternOf, problemWithPatternTarget } from './patterns.js';

export const STATUSES = [200, 301, 302, 404, 410] as const;
export type Status = (typeof STATUSES)[number];

export const ORIGINS = ['manual', 'import', 'discovered'] as const;
export type Origin = (typeof ORIGINS)[number];

/** A row as the store holds it. */
export interface PageRow {
  path: string;
  status: Status;
  source: string;
  created: string;
  updated: string;
  origin: Origin;
}

/** What a caller supplies; status may still be text from a file or the command line. */
export interface RowInput {
  path: string;
  status: number | string;
  source?: string | null;
}

export type ValidRow = Pick<PageRow, 'path' | 'status' | 'source'>;

export type ParsedSource =
  | { kind: 'wiki'; name: string }
  | { kind: 'file'; rel: string }
  | { kind: 'redirect'; target: string }
  | { kind: 'none' };

// C0 and DEL: a CR or LF in a target would split the Location header.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isStatus(value: unknown): value is Status {
  return STATUSES.includes(value as Status);
}

export function isOrigin(value: unknown): value is Origin {
  return ORIGINS.includes(value as Origin);
}

export function isRedirect(status: Status): status is 301 | 302 {
  return status === 301 || status === 302;
}

/** Split a stored source into what it points at. Assumes a validated row. */
export function parseSource(status: Status, source: string): ParsedSource {
  if (status === 200) {
    return source.startsWith('wiki:') ? { kind: 'wiki', name: source.slice(5) } : { kind: 'file', rel: source.slice(5) };
  }
  if (isRedirect(status)) return { kind: 'redirect', target: source };
  return { kind: 'none' };
}

/**
 * A redirect target as people write it, normalised as a browser would read it: spaces around
 * it dropped; a URL through the WHATWG URL parser (`http://Example.org/a b` →
 * `http://example.org/a%20b`); a site path as written (`/café`: the Location header encodes it).
 * Refused, with the reason: what cannot be a URL, control characters (a CR or LF would split
 * the header), a redirect to its own path.
 */
function normaliseTarget(written: string, path: string): { target: string } | { problem: string } {
  const target = written.replace(/^ +| +$/g, '');
  if (target === '') return { problem: 'needs a target (an http(s):// URL or a site path starting with /)' };
  if (!target.isWellFormed()) return { problem: 'has a target that is not valid Unicode' };
  if (CONTROL.test(target)) return { problem: 'has a control character (CR, LF, tab, …) in its target' };
  if (target.startsWith('//')) return { problem: `has a protocol-relative target ${quoteText(target)}; write https://…` };
  if (target.startsWith('/')) {
    const targetPath = target.split(/[?#]/, 1)[0]!;
    let canonicalTarget: string;
    try {
      canonicalTarget = canonicalPath(targetPath, { allowReserved: true });
    } catch {
      return { problem: `has a site-path target ${quoteText(target)} that is not a valid path` };
    }
    // The map ignores queries and fragments, so /a → /a?x=1 would loop as surely as /a → /a.
    if (canonicalTarget === path) return { problem: 'redirects to itself' };
    return { target };
  }
  if (!/^https?:\/\//i.test(target)) return { problem: `has target ${quoteText(target)}; a redirect goes to an http(s):// URL or a site path starting with /` };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { problem: `has a URL target ${quoteText(target)} that does not parse` };
  }
  if (url.hostname === '') return { problem: 'has a URL target without a host' };
  return { target: url.href };
}

/** What is wrong with a 200 row's source (`wiki:Name` or `file:rel/path`), or undefined. */
function problemWithPageSource(source: string): string | undefined {
  const scheme = source.slice(0, 5);
  if (scheme !== 'wiki:' && scheme !== 'file:') {
    return `has status 200, so its source must be wiki:Name or file:rel/path, not ${quoteText(source)}`;
  }
  const rel = source.slice(5);
  const problem = problemWithRelativePath(rel);
  if (problem) return `has source ${quoteText(source)} whose ${scheme === 'wiki:' ? 'wiki name' : 'file path'} ${problem}`;
  if (scheme === 'wiki:' && rel.toLowerCase().endsWith('.md')) return `has source ${quoteText(source)}; name the wiki page without .md`;
  return undefined;
}

/** A pattern row's regular expression checked (the shared core of Node and PCRE), and its status. */
function checkPatternRow(path: string, status: Status): { groups: number } {
  if (status === 200) throw new InvalidRowError(`${showText(path)}: a pattern row redirects or retires what it matches (301, 302, 404 or 410); a page needs a path of its own`);
  const { source, isCaseless } = patternOf(path);
  const checked = checkPattern(source, isCaseless);
  if ('problem' in checked) throw new InvalidRowError(`${showText(path)}: the pattern ${checked.problem}`);
  return checked;
}

/**
 * Check a row and return it in stored form: canonical path, numeric status, a page source
 * taken literally, a redirect target normalised (normaliseTarget), empty for 404/410. Throws
 * InvalidRowError whose message names the row and the reason.
 */
export function validateRow(input: RowInput): ValidRow {
  const path = canonicalRowPath(input.path);
  const statusText = String(input.status).trim();
  const status = /^\d{3}$/.test(statusText) ? Number(statusText) : NaN;
  if (!isStatus(status)) {
    throw new InvalidRowError(`${showText(path)}: status ${quoteText(String(input.status))} is not one of ${STATUSES.join(', ')}`);
  }
  if (status === 200 && isPrefixPath(path)) {
    throw new InvalidRowError(`${pathForExport(path)}: a prefix row redirects or retires a whole subtree (301, 302, 404 or 410); a page needs a path of its own`);
  }
  const pattern = isPatternPath(path) ? checkPatternRow(path, status) : undefined;
  let source = status === 404 || status === 410 ? '' : (input.source ?? '');
  if (isRedirect(status)) {
    // A pattern row's $N and ${lowercase:$N} stand aside while the target is normalised (a URL
    // parser would escape the braces), as lower-case letters a host keeps: a fresh nonce each time.
    const references: string[] = [];
    const nonce = pattern ? `pm${randomBytes(6).toString('hex')}r` : '';
    const masked = pattern ? source.replace(/\$\{[^}]*\}|\$[0-9]/g, (reference) => `${nonce}${references.push(reference) - 1}x`) : source;
    const normalised = normaliseTarget(masked, path);
    if ('problem' in normalised) throw new InvalidRowError(`${showText(path)}: ${normalised.problem}`);
    source = !pattern ? normalised.target : normalised.target.replace(new RegExp(`${nonce}(\\d+)x`, 'g'), (_whole, index: string) => references[Number(index)]!);
    const problem = pattern && problemWithPatternTarget(source, pattern.groups);
    if (problem) throw new InvalidRowError(`${showText(path)}: its target ${problem}`);
  }
  const problem = status === 200 ? problemWithPageSource(source) : undefined;
  if (problem) throw new InvalidRowError(`${showText(path)}: ${problem}`);
  return { path, status, source };
}
