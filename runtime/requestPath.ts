/**
 * The path of an HTTP request, decoded and normalised the way Apache does it before it
 * looks at the file system (DESIGN.md "Request resolution", rule 2). Pure.
 */
import { ASSET_PREFIX, DATA_PREFIX, canonicalPath, escapePath, percentDecode } from '../core/pagePath.js';

export interface RequestTarget {
  /** The canonical page path (a trailing slash already turned into index.html). */
  path: string;
  /** Whether the request ended in a slash (`/doc/` rather than `/doc/index.html`). */
  hasTrailingSlash: boolean;
  /** The raw query, without `?`; empty for none. */
  query: string;
  /** Which tree answers: pagemap's assets, the /data alias, or the map. */
  area: 'assets' | 'data' | 'map';
}

export interface RequestPathError {
  status: 400 | 404;
  reason: string;
}

// C0 and DEL, as in stored paths (core/pagePath.ts); C1 is a valid path character.
const CONTROL = /[\u0000-\u001f\u007f]/;
// The first %-sequence Apache refuses: one that starts no escape (400), or an encoded slash or
// NUL (404: AllowEncodedSlashes Off).
const REFUSED_ESCAPE = /%(?![0-9A-Fa-f]{2})|%2f|%00/i;

/** Decode %XX strictly, as Apache does before it looks at the file system. */
function decodeStrict(raw: string): string | RequestPathError {
  const refused = REFUSED_ESCAPE.exec(raw);
  if (refused) return refused[0] === '%' ? { status: 400, reason: 'bad %-escape' } : { status: 404, reason: 'encoded slash or NUL' };
  try {
    return percentDecode(raw);
  } catch {
    return { status: 400, reason: 'path is not UTF-8' };
  }
}

/** Parse a request-target (`/a%20b/?q=1`) into the canonical path pagemap looks up. */
export function parseRequestTarget(rawUrl: string): RequestTarget | RequestPathError {
  // Absolute form (a proxy-style request line): drop scheme and authority, keep the path raw —
  // a URL parser would resolve .. and backslashes that origin form refuses.
  const authority = /^https?:\/\/[^/?#]*/i.exec(rawUrl);
  if (authority) {
    try {
      new URL(authority[0] + '/');
    } catch {
      return { status: 400, reason: 'bad host in absolute URL' };
    }
  }
  let raw = authority ? rawUrl.slice(authority[0].length) || '/' : rawUrl;
  const hashAt = raw.indexOf('#');
  if (hashAt >= 0) raw = raw.slice(0, hashAt);
  const queryAt = raw.indexOf('?');
  const query = queryAt >= 0 ? raw.slice(queryAt + 1) : '';
  const rawPath = queryAt >= 0 ? raw.slice(0, queryAt) : raw;
  if (!rawPath.startsWith('/')) return { status: 400, reason: 'path must start with /' };
  const decoded = decodeStrict(rawPath);
  if (typeof decoded !== 'string') return decoded;
  if (CONTROL.test(decoded)) return { status: 400, reason: 'control character in path' };

  // Resolve . and .., merge //, as Apache does; climbing above the root is refused.
  const segments: string[] = [];
  const parts = decoded.split('/').slice(1);
  for (const segment of parts) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { status: 400, reason: 'path climbs above the root' };
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  const last = parts[parts.length - 1];
  const hasTrailingSlash = last === '' || last === '.' || last === '..' || segments.length === 0;
  const normal = '/' + segments.join('/') + (hasTrailingSlash && segments.length ? '/' : '');

  for (const [prefix, area] of [[ASSET_PREFIX, 'assets'], [DATA_PREFIX, 'data']] as const) {
    if (normal === prefix || normal.startsWith(prefix + '/')) {
      return { path: normal.normalize('NFC'), hasTrailingSlash, query, area };
    }
  }
  try {
    return { path: canonicalPath(escapePath(normal)), hasTrailingSlash, query, area: 'map' };
  } catch (error) {
    return { status: 404, reason: (error as Error).message };
  }
}
