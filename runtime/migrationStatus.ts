/**
 * `pagemap status`: the migration at a glance — the rows by status and kind, how much of the
 * site is on the wiki already, what discovery added lately, what visitors miss, which internal
 * links lead nowhere, which redirects go through others. One read of the map, one link check.
 */
import type { Config } from '../core/config.js';
import type { MissRecord, PageMapStore } from '../core/pageMap.js';
import { pathForExport } from '../core/pagePath.js';
import { chainsIn } from '../core/redirects.js';
import { type BrokenLink, type LinkReport, checkLinks } from './linkCheck.js';

export interface MigrationStatus {
  rows: { total: number; byStatus: Record<string, number>; byKind: { exact: number; prefix: number; pattern: number } };
  /** The 200 pages: on the wiki, still legacy files, and the wiki's share of them (0–1). */
  pages: { total: number; wiki: number; legacy: number; wikiShare: number };
  discoveredLastWeek: number;
  topMisses: Required<MissRecord>[];
  brokenLinks: { count: number; first: BrokenLink[] };
  chains: { count: number; first: string[][] };
}

const SHOWN = 10;
const WEEK_MS = 7 * 24 * 3600 * 1000;

export interface StatusOptions {
  now?: Date;
  /** How links are checked: in this thread (the CLI) or in a worker (a running server's admin page). */
  check?: (config: Config, store: PageMapStore) => Promise<LinkReport>;
}

export async function migrationStatus(config: Config, store: PageMapStore, options: StatusOptions = {}): Promise<MigrationStatus> {
  const { now = new Date(), check = checkLinks } = options;
  const byStatus: Record<string, number> = { 200: 0, 301: 0, 302: 0, 404: 0, 410: 0 };
  const byKind = { exact: 0, prefix: 0, pattern: 0 };
  const pages = { total: 0, wiki: 0, legacy: 0, wikiShare: 0 };
  let total = 0;
  for (const { status, kind, scheme, n } of store.census()) {
    total += n;
    byStatus[status] = (byStatus[status] ?? 0) + n;
    byKind[kind as keyof typeof byKind] += n;
    if (status !== 200) continue;
    pages.total += n;
    if (scheme === 'wiki') pages.wiki += n;
    else pages.legacy += n;
  }
  pages.wikiShare = pages.total === 0 ? 0 : pages.wiki / pages.total;
  const links = await check(config, store);
  const chains = chainsIn(store.all());
  return {
    rows: { total, byStatus, byKind },
    pages,
    discoveredLastWeek: store.discoveredSince(new Date(now.getTime() - WEEK_MS)),
    topMisses: store.topMisses(SHOWN),
    brokenLinks: { count: links.broken.length, first: links.broken.slice(0, SHOWN) },
    chains: { count: chains.length, first: chains.slice(0, SHOWN).map((chain) => chain.map((step, i) => (i < chain.length - 1 ? pathForExport(step) : step))) },
  };
}

/** The status as people read it. */
export function describeStatus(status: MigrationStatus, cwd = process.cwd()): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const { rows, pages } = status;
  const lines = [
    `rows: ${rows.total} — ${Object.entries(rows.byStatus).map(([code, n]) => `${n} × ${code}`).join(', ')}; ${rows.byKind.exact} exact, ${rows.byKind.prefix} prefix, ${rows.byKind.pattern} pattern`,
    `pages: ${pages.total} — ${pages.wiki} on the wiki (${percent(pages.wikiShare)}), ${pages.legacy} legacy files`,
    `discovered in the last 7 days: ${status.discoveredLastWeek}`,
    `misses (still without an answer):${status.topMisses.length === 0 ? ' none' : ''}`,
    ...status.topMisses.map((miss) => `  ${String(miss.count).padStart(7)}  ${pathForExport(miss.path)}${miss.referrer ? `  (from ${miss.referrer})` : ''}`),
    `broken internal links: ${status.brokenLinks.count}${status.brokenLinks.count > status.brokenLinks.first.length ? ` (first ${status.brokenLinks.first.length}; pagemap check lists all)` : ''}`,
    ...status.brokenLinks.first.map((link) => `  ${link.file.startsWith(cwd + '/') ? link.file.slice(cwd.length + 1) : link.file}:${link.line}: ${link.href} → ${link.answer}`),
    `redirect chains (answered in one hop): ${status.chains.count}${status.chains.count > status.chains.first.length ? ` (first ${status.chains.first.length}; pagemap map list --chains lists all)` : ''}`,
    ...status.chains.first.map((chain) => `  ${chain.join(' → ')}`),
  ];
  return lines;
}
