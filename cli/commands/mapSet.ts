/** `pagemap map set PATH STATUS [SOURCE]`: add or change one row. */
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { pathForExport } from '../../core/pagePath.js';
import { type ValidRow, parseSource } from '../../core/pageRow.js';
import { SourceLocator } from '../../core/sourceFiles.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, withStore } from '../context.js';

/**
 * What is worth knowing about a row just written: a page whose source is not there (yet:
 * the row may come first, so it is written) answers 404; a 404/410 row keeps no source.
 */
function warningsForRow(config: Config, row: ValidRow, givenSource: string | undefined): string[] {
  if ((row.status === 404 || row.status === 410) && givenSource) return [`a ${row.status} row has no source: ${JSON.stringify(givenSource)} was not stored`];
  if (row.status !== 200) return [];
  const source = parseSource(200, row.source);
  const [root, rel, what] = source.kind === 'wiki' ? [config.wikiDir, source.name + '.md', 'wiki page'] : source.kind === 'file' ? [config.legacyDir, source.rel, 'legacy file'] : [];
  if (!root || new SourceLocator().findIfSafe(root, rel!)) return [];
  return [`${what} ${join(root, rel!)} does not exist (yet): ${pathForExport(row.path)} answers 404 until it does`];
}

export const mapSet = defineCommand({
  name: 'map set',
  args: 'PATH STATUS [SOURCE]',
  positionals: [2, 3],
  summary: 'add or change a row (200 wiki:Name | file:rel/path, 301/302 URL, 404, 410)',
  description: `Add or change the row at PATH. STATUS is 200, 301, 302, 404 or 410.
SOURCE: for 200, wiki:Name or file:rel/path; for 301/302, an http(s):// URL or a site path
starting with /; for 404/410, nothing. PATH may be written with %XX escapes; /doc/ means /doc/index.html.`,
  options: {},
  async run({ values, positionals }) {
    const [path, status, source] = positionals as [string, string, string | undefined];
    const config = configFrom(values.config);
    const [outcome, row] = await withStore(config, (store) => [store.set({ path, status, source }), store.get(path)!] as const);
    logger.info(`${outcome}: ${path}`);
    for (const warning of warningsForRow(config, row, source)) logger.info(`warning: ${warning}`);
    return 0;
  },
});
