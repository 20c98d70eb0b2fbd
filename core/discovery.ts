/**
 * Discovery (seed: "Populate the page map … by letting it look in the file tree"): legacy
 * files that have no row become rows — 200 `file:` rows, or 302s to /data for data
 * resources. Discovery only adds; it never overrides a row someone wrote.
 */
import { stat } from 'node:fs/promises';
import { type Config, isDataResource } from './config.js';
import { PagemapError } from './errors.js';
import type { PageMapStore } from './pageMap.js';
import { DATA_PREFIX, isHidden, pathForExport } from './pagePath.js';
import { type ValidRow, validateRow } from './pageRow.js';
import { SourceLocator, walkLegacyTree } from './sourceFiles.js';

/**
 * The row a legacy file at `rel` (relative, / separated, as on disk) would get, or a reason
 * it cannot have one. `realRel` is where the file really is when `rel` reaches it through a
 * link inside the tree: a data resource then redirects there, since /data follows no links
 * (Apache's -FollowSymLinks). Pure.
 */
export function rowForLegacyFile(config: Pick<Config, 'dataExtensions' | 'dataMinBytes'>, rel: string, size: number, realRel = rel): ValidRow | { skipped: string } {
  if (isHidden(rel)) return { skipped: `${rel}: hidden file` };
  try {
    // Escape what the path syntax would read as escapes, query or fragment: the file name is literal.
    const path = pathForExport('/' + rel);
    if (isDataResource(config, rel, size)) {
      if (isHidden(realRel)) return { skipped: `${rel}: a link to the hidden file ${realRel}` };
      return validateRow({ path, status: 302, source: DATA_PREFIX + pathForExport('/' + realRel) });
    }
    return validateRow({ path, status: 200, source: 'file:' + rel });
  } catch (error) {
    return { skipped: `${rel}: ${(error as Error).message}` };
  }
}

export interface DiscoverySummary {
  scanned: number;
  /** The rows added, in the order the tree was walked. */
  added: ValidRow[];
  skipped: string[];
}

/** Walk the whole legacy root and add a row for every file that has none, in one transaction. */
export async function discoverAll(config: Config, store: PageMapStore): Promise<DiscoverySummary> {
  const rows: ValidRow[] = [];
  const skipped: string[] = [];
  let scanned = 0;
  const isRoot = await stat(config.legacyDir).then((stats) => stats.isDirectory(), () => false);
  if (!isRoot) {
    const where = config.configFile ? `legacyDir in ${config.configFile}` : 'the default legacyDir';
    throw new PagemapError('ENOLEGACY', `the legacy root ${config.legacyDir} (${where}) is not a folder: create it, or point legacyDir at the old site's files`);
  }
  for await (const entry of walkLegacyTree(config.legacyDir)) {
    scanned++;
    const row = rowForLegacyFile(config, entry.rel, entry.size, entry.realRel);
    if ('skipped' in row) skipped.push(row.skipped);
    else rows.push(row);
  }
  return { scanned, added: store.addMissing(rows, 'discovered'), skipped };
}

/**
 * Discovery for one request path: if the legacy root holds a regular file there, add its row
 * (unless one appeared meanwhile) and return it; otherwise undefined.
 */
export function discoverPath(config: Config, store: PageMapStore, path: string): ValidRow | undefined {
  const rel = path.slice(1);
  if (isHidden(rel)) return undefined;
  // Synchronous: a miss is answered in microseconds from the page cache, not thread-pool hops.
  const file = new SourceLocator().findIfSafe(config.legacyDir, rel);
  if (!file) return undefined;
  const row = rowForLegacyFile(config, rel, file.size, file.realRel);
  // A name that canonicalises to another path (an NFD file name) is not what was asked for.
  if ('skipped' in row || row.path !== path) return undefined;
  store.addMissing([row], 'discovered');
  return row;
}
