/**
 * One row changed by a person — `pagemap map set`/`map rm` or the admin page — with the same
 * checks and the same words either way: the row is validated by the store (InvalidRowError
 * names what is wrong), and what is worth knowing about a row just written comes back as
 * warnings.
 */
import { join } from 'node:path';
import type { Config } from './config.js';
import { PagemapError } from './errors.js';
import type { PageMapStore, SetOutcome } from './pageMap.js';
import { pathForExport } from './pagePath.js';
import { type RowInput, type ValidRow, parseSource } from './pageRow.js';
import { SourceLocator } from './sourceFiles.js';

export interface RowEdit {
  outcome: SetOutcome;
  /** The row as stored. */
  row: ValidRow;
  warnings: string[];
}

/**
 * What is worth knowing about a row just written: a page whose source is not there (yet:
 * the row may come first, so it is written) answers 404; a 404/410 row keeps no source.
 */
function warningsForRow(config: Config, row: ValidRow, givenSource: string | null | undefined): string[] {
  if ((row.status === 404 || row.status === 410) && givenSource) return [`a ${row.status} row has no source: ${JSON.stringify(givenSource)} was not stored`];
  if (row.status !== 200) return [];
  const source = parseSource(200, row.source);
  const [root, rel, what] = source.kind === 'wiki' ? [config.wikiDir, source.name + '.md', 'wiki page'] : source.kind === 'file' ? [config.legacyDir, source.rel, 'legacy file'] : [];
  if (!root || new SourceLocator().findIfSafe(root, rel!)) return [];
  return [`${what} ${join(root, rel!)} does not exist (yet): ${pathForExport(row.path)} answers 404 until it does`];
}

/** Add or change one row by hand. Throws InvalidRowError (nothing written) for a row the map refuses. */
export function setRow(config: Config, store: PageMapStore, input: RowInput): RowEdit {
  const outcome = store.set(input, 'manual');
  const row = store.get(input.path)!;
  return { outcome, row, warnings: warningsForRow(config, row, input.source) };
}

/** Remove one row; throws when there is none. */
export function removeRow(store: PageMapStore, path: string): void {
  if (!store.remove(path)) throw new PagemapError('ENOROW', `no row at ${path}`);
}
