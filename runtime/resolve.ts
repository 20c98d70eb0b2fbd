/**
 * Request resolution (DESIGN.md): what a request becomes, decided from the map alone. Pure —
 * the row lookup comes in as a function — so the runtime and the Apache rules can be checked
 * against the same table of cases.
 */
import { ASSET_PREFIX, DATA_PREFIX, encodePath, isHidden, locationFor } from '../core/pagePath.js';
import type { PageRow } from '../core/pageRow.js';
import { type Hop, type PatternLookup, answerHops, collapseChain, expandTarget, followRedirect, prefixRowFor } from '../core/redirects.js';
import { parseRequestTarget } from './requestPath.js';

export type Resolution =
  | { kind: 'error'; status: 400 | 404 | 405; reason: string }
  | { kind: 'asset'; rel: string }
  | { kind: 'data'; rel: string }
  | { kind: 'page'; row: PageRow }
  | { kind: 'site'; rel: string }
  | { kind: 'redirect'; status: 301 | 302; location: string }
  | { kind: 'status'; status: 404 | 410; path: string }
  | { kind: 'miss'; path: string };

export const SERVED_METHODS = ['GET', 'HEAD'] as const;

/** A request's query as a redirect carries it on: `?q=1`, or nothing for none. */
function queryOf(query: string): string {
  return query === '' ? '' : `?${query}`;
}


/**
 * A redirect's answer: a chain in one hop (an open prefix row's alone), the request's query
 * passed on unless a target has its own, each target encoded for the header.
 */
function redirectFrom(first: Hop, query: string, getRow: (path: string) => PageRow | undefined, findPattern?: PatternLookup): Resolution {
  return { kind: 'redirect', ...collapseChain(answerHops(first, getRow, findPattern), queryOf(query), locationFor) };
}

/**
 * Resolve one request. `getRow` takes a stored row path: an exact path, or a prefix row's
 * (ending in `/`); `findPattern` the path as asked; `isSiteFile` says whether a path is one of
 * the build's own root files (sitemap.xml, robots.txt), which answer like pages. Order: the
 * exact row, a site file, DirectorySlash, the longest prefix row, the first pattern row that
 * matches, a miss.
 */
export function resolveRequest(
  method: string,
  rawUrl: string,
  getRow: (path: string) => PageRow | undefined,
  findPattern?: PatternLookup,
  isSiteFile?: (path: string) => boolean,
): Resolution {
  if (!SERVED_METHODS.includes(method as (typeof SERVED_METHODS)[number])) {
    return { kind: 'error', status: 405, reason: `method ${method} not allowed` };
  }
  const target = parseRequestTarget(rawUrl);
  if ('status' in target) return { kind: 'error', ...target };
  if (target.area === 'assets') return { kind: 'asset', rel: target.path.slice(ASSET_PREFIX.length + 1) };
  if (target.area === 'data') {
    const rel = target.path.slice(DATA_PREFIX.length + 1);
    // /data is the legacy tree, whose hidden files (.htaccess, .git) are never published.
    if (rel === '' || isHidden(rel)) return { kind: 'error', status: 404, reason: 'not a published data file' };
    return { kind: 'data', rel };
  }

  const row = getRow(target.path);
  if (row) {
    if (row.status === 200) return { kind: 'page', row };
    if (row.status === 301 || row.status === 302) return redirectFrom({ row, target: row.source }, target.query, getRow, findPattern);
    return { kind: 'status', status: row.status, path: row.path };
  }
  if (isSiteFile?.(target.path)) return { kind: 'site', rel: target.path.slice(1) };
  // Apache's DirectorySlash: /doc answers 301 to /doc/ when /doc/index.html is a page.
  if (!target.hasTrailingSlash && getRow(target.path + '/index.html')?.status === 200) {
    return { kind: 'redirect', status: 301, location: followRedirect({ query: queryOf(target.query), fragment: '' }, encodePath(target.path) + '/').location };
  }
  // The longest prefix row over the path, as it was asked (a folder with its slash).
  const asked = target.hasTrailingSlash ? target.path.slice(0, -'index.html'.length) : target.path;
  const prefix = prefixRowFor(asked, getRow);
  if (prefix) {
    const { row: prefixRow, rest } = prefix;
    if (prefixRow.status === 301 || prefixRow.status === 302) return redirectFrom({ row: prefixRow, target: expandTarget(prefixRow.source, rest) }, target.query, getRow, findPattern);
    if (prefixRow.status === 404 || prefixRow.status === 410) return { kind: 'status', status: prefixRow.status, path: target.path };
  }
  const pattern = findPattern?.(asked);
  if (pattern) {
    const { row: patternRow } = pattern;
    if (patternRow.status === 301 || patternRow.status === 302) return redirectFrom(pattern, target.query, getRow, findPattern);
    if (patternRow.status === 404 || patternRow.status === 410) return { kind: 'status', status: patternRow.status, path: target.path };
  }
  return { kind: 'miss', path: target.path };
}
