/**
 * Redirects that lead to redirects (DESIGN.md "The page map"): a chain `/a → /b → /c` is
 * answered in one hop, `/a → /c`, by the runtime and by Apache alike, and a change that would
 * close a loop (`/a → /b → /a`) is refused, naming it. Pure: rows come in through a lookup.
 */
import { canonicalPath } from './pagePath.js';
import type { PageRow } from './pageRow.js';

type Row = Pick<PageRow, 'path' | 'status' | 'source'>;

/** How many redirects a chain may hold before it is taken for a loop whatever its rows say. */
const MAX_HOPS = 32;

/** The row path a redirect target names: a site path's canonical form; undefined for a URL (or an unreadable path). */
export function targetPath(target: string): string | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return canonicalPath(target.split(/[?#]/, 1)[0]!, { allowReserved: true });
  } catch {
    return undefined;
  }
}

function isRedirectRow(row: Row | undefined): row is Row & { status: 301 | 302 } {
  return row?.status === 301 || row?.status === 302;
}

/**
 * The redirect rows a request for `row` passes through: `row` itself, then each row its target
 * names while that is a redirect too. `cycle` is set (the paths, the first repeated last) when
 * the chain comes back on itself.
 */
export function followChain(row: Row, getRow: (path: string) => Row | undefined): { hops: Row[]; cycle?: string[] } {
  const hops: Row[] = [row];
  const seen = new Set([row.path]);
  for (let current = row; hops.length <= MAX_HOPS; ) {
    const next = targetPath(current.source);
    const nextRow = next === undefined ? undefined : getRow(next);
    if (!isRedirectRow(nextRow)) return { hops };
    if (seen.has(nextRow.path)) return { hops, cycle: [...hops.map((hop) => hop.path), nextRow.path] };
    seen.add(nextRow.path);
    hops.push(nextRow);
    current = nextRow;
  }
  return { hops, cycle: hops.map((hop) => hop.path) };
}

/** Split a URL reference into what comes before the query, the query (with `?`) and the fragment (with `#`). */
function parts(reference: string): { base: string; query: string; fragment: string } {
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
  const next = parts(target);
  const query = next.query || from.query;
  const fragment = next.fragment || from.fragment;
  return { location: next.base + query + fragment, query, fragment };
}

/**
 * The one hop that answers a chain: the last target, with the query and fragment the hops
 * would have carried along from `query` (the request's, `?` included, or empty); 302 when any
 * hop is temporary, since a permanent answer must not outlive a temporary step.
 */
export function collapseChain(hops: readonly Row[], query = ''): { status: 301 | 302; location: string } {
  let state = { location: '', query, fragment: '' };
  for (const hop of hops) state = followRedirect(state, hop.source);
  return { status: hops.some((hop) => hop.status === 302) ? 302 : 301, location: state.location };
}

/** Every chain of two hops or more in `rows`, as the paths it passes through. */
export function chainsIn(rows: readonly Row[]): string[][] {
  const byPath = new Map(rows.map((row) => [row.path, row]));
  const chains: string[][] = [];
  for (const row of rows) {
    if (!isRedirectRow(row)) continue;
    const { hops } = followChain(row, (path) => byPath.get(path));
    if (hops.length > 1) chains.push([...hops.map((hop) => hop.path), hops[hops.length - 1]!.source]);
  }
  return chains;
}
