/**
 * How redirects answer (DESIGN.md "The page map", "Request resolution"): a prefix row's target
 * for a path under it, a chain `/a → /b → /c` answered in one hop, `/a → /c`, by the runtime
 * and by Apache alike, and a change that would close a loop (`/a → /b → /a`) refused, naming
 * it. Pure: rows come in through a lookup by stored path.
 *
 * A chain is followed while each target is known from the rows alone. A prefix row whose
 * target holds `*` answers with the path's own rest, which Apache only learns per request, so
 * a chain starting at such a row is answered one hop at a time (in Apache as in the runtime);
 * reached from an exact row, whose path is known, it is followed like any other.
 */
import { canonicalPath, intEscape, isPrefixPath } from './pagePath.js';
import type { PageRow } from './pageRow.js';
import { fillTarget, hasReferences, isPatternPath, patternMatcher } from './patterns.js';

type Row = Pick<PageRow, 'path' | 'status' | 'source'>;
export type Lookup = (path: string) => Row | undefined;

/** One redirect on the way: the row, and the target it gives this request (a prefix row's `*` or a pattern row's captures filled in). */
export interface Hop {
  row: Row;
  target: string;
}

/** The first pattern row matching a path as asked, its target filled in (core/patterns.ts patternMatcher); none when the map has none. */
export type PatternLookup = (asked: string) => Hop | undefined;

/** How many redirects a chain may hold before it is taken for a loop whatever its rows say. */
const MAX_HOPS = 32;
/** The rest a prefix row's loop check tries: any name shows a subtree sent into itself. */
const PROBE = 'pagemap-probe';

function isRedirectRow(row: Row | undefined): row is Row & { status: 301 | 302 } {
  return row?.status === 301 || row?.status === 302;
}

/** A path as requested, from its canonical form: `/x/index.html` asked as `/x/` is `/x/`. */
function requestForm(canonical: string, hasTrailingSlash: boolean): string {
  return hasTrailingSlash ? canonical.slice(0, -'index.html'.length) : canonical;
}

/** The row path a redirect target names, and the form it is asked in; undefined for a URL (or an unreadable path). */
export function targetPath(target: string): { path: string; asked: string } | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  const written = target.split(/[?#]/, 1)[0]!;
  try {
    const path = canonicalPath(written, { allowReserved: true });
    return { path, asked: requestForm(path, written.endsWith('/')) };
  } catch {
    return undefined;
  }
}

/**
 * The prefix row over a path as requested (`/x/a.html`, or `/x/` for a folder), the longest
 * first, with the rest of the path below it.
 */
export function prefixRowFor(asked: string, getRow: Lookup): { row: Row; rest: string } | undefined {
  for (let cut = asked.lastIndexOf('/'); cut >= 0; cut = cut === 0 ? -1 : asked.lastIndexOf('/', cut - 1)) {
    const row = getRow(asked.slice(0, cut + 1));
    if (row) return { row, rest: asked.slice(cut + 1) };
  }
  return undefined;
}

/** A prefix row's target for the rest of a path: its first `*` replaced by the rest, escaped as Apache's int:escape does. */
export function expandTarget(target: string, rest: string): string {
  const star = target.indexOf('*');
  return star < 0 ? target : target.slice(0, star) + intEscape(rest) + target.slice(star + 1);
}

/** Whether a row's target depends on the path it answers: a prefix row with a `*`, a pattern row naming captures. */
export function isOpen(row: Row): boolean {
  if (isPatternPath(row.path)) return hasReferences(row.source);
  return isPrefixPath(row.path) && row.source.includes('*');
}

/**
 * The redirect a target leads on to, if any: the exact row at its path, else (unless a page's
 * folder answers it: DirectorySlash) the prefix row over it, else the first pattern row that
 * matches it, its target filled in.
 */
function nextHop(target: string, getRow: Lookup, findPattern?: PatternLookup): Hop | undefined {
  const named = targetPath(target);
  if (!named) return undefined;
  const exact = getRow(named.path);
  if (exact) return isRedirectRow(exact) ? { row: exact, target: exact.source } : undefined;
  if (named.asked === named.path && getRow(named.path + '/index.html')?.status === 200) return undefined;
  const prefix = prefixRowFor(named.asked, getRow);
  if (prefix) return isRedirectRow(prefix.row) ? { row: prefix.row, target: expandTarget(prefix.row.source, prefix.rest) } : undefined;
  const pattern = findPattern?.(named.asked);
  return isRedirectRow(pattern?.row) ? pattern : undefined;
}

/**
 * The redirects a request passes through from `first`, each target followed while it leads to
 * another redirect. `cycle` is set (the row paths, the first repeated last) when the chain
 * comes back on itself.
 */
export function followChain(first: Hop, getRow: Lookup, findPattern?: PatternLookup): { hops: Hop[]; cycle?: string[] } {
  const hops = [first];
  const seen = new Set([first.row.path]);
  while (hops.length <= MAX_HOPS) {
    const next = nextHop(hops[hops.length - 1]!.target, getRow, findPattern);
    if (!next) return { hops };
    if (seen.has(next.row.path)) return { hops, cycle: [...hops.map((hop) => hop.row.path), next.row.path] };
    seen.add(next.row.path);
    hops.push(next);
  }
  return { hops, cycle: hops.map((hop) => hop.row.path) };
}

/** The hops a request for a redirect row goes through: one for an open row, the whole chain otherwise. */
export function answerHops(first: Hop, getRow: Lookup, findPattern?: PatternLookup): Hop[] {
  return isOpen(first.row) ? [first] : followChain(first, getRow, findPattern).hops;
}

/** Split a URL reference into what comes before the query, the query (with `?`) and the fragment (with `#`). */
export function targetParts(reference: string): { base: string; query: string; fragment: string } {
  const hashAt = reference.indexOf('#');
  const beforeHash = hashAt < 0 ? reference : reference.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : reference.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  return queryAt < 0 ? { base: beforeHash, query: '', fragment } : { base: beforeHash.slice(0, queryAt), query: beforeHash.slice(queryAt), fragment };
}

/**
 * Where a browser ends up after one more redirect: the target, with the query it came with
 * unless the target has its own, and the fragment it came with unless the target has its own
 * (RFC 9110 10.2.2).
 */
export function followRedirect(from: { query: string; fragment: string }, target: string): { location: string; query: string; fragment: string } {
  const next = targetParts(target);
  const query = next.query || from.query;
  const fragment = next.fragment || from.fragment;
  return { location: next.base + query + fragment, query, fragment };
}

/**
 * The one hop that answers a chain: the last target (`encode`d, as each goes into a header),
 * with the query and fragment the hops would have carried along from `query` (the request's,
 * `?` included, or empty); 302 when any hop is temporary, since a permanent answer must not
 * outlive a temporary step.
 */
export function collapseChain(hops: readonly Hop[], query = '', encode: (target: string) => string = (target) => target): { status: 301 | 302; location: string } {
  let state = { location: '', query, fragment: '' };
  for (const hop of hops) state = followRedirect(state, encode(hop.target));
  return { status: hops.some((hop) => hop.row.status === 302) ? 302 : 301, location: state.location };
}

/**
 * The target a redirect row gives some path it answers: a prefix row's `*` and a pattern row's
 * captures filled with a probe name. Any name shows a subtree or a pattern sent into itself.
 */
function probeTarget(row: Row): string {
  if (isPatternPath(row.path)) return fillTarget(row.source, Array(10).fill(PROBE));
  return isPrefixPath(row.path) ? expandTarget(row.source, PROBE) : row.source;
}

/**
 * The loop a redirect row closes, if any: its chain coming back on itself, or, for a prefix or
 * pattern row, the paths it answers sent to a place that leads back to it.
 */
export function loopThrough(row: Row, getRow: Lookup, findPattern?: PatternLookup): string[] | undefined {
  if (!isRedirectRow(row)) return undefined;
  return followChain({ row, target: probeTarget(row) }, getRow, findPattern).cycle;
}

/**
 * Every chain of two hops or more that starts at a row whose target is fixed (not an open
 * prefix or pattern row): the row paths it passes, then where it ends. `rows` in the map's
 * order, pattern rows last in theirs.
 */
export function chainsIn(rows: readonly Row[]): string[][] {
  const byPath = new Map(rows.map((row) => [row.path, row]));
  const findPattern = patternMatcher(rows.filter((row) => isPatternPath(row.path)));
  const chains: string[][] = [];
  for (const row of rows) {
    if (!isRedirectRow(row) || isOpen(row)) continue;
    const { hops } = followChain({ row, target: row.source }, (path) => byPath.get(path), findPattern);
    if (hops.length > 1) chains.push([...hops.map((hop) => hop.row.path), hops[hops.length - 1]!.target]);
  }
  return chains;
}
