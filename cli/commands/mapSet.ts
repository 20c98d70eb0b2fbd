/** `pagemap map set PATH STATUS [SOURCE]`: add or change one row. */
import { setRow } from '../../core/mapEdit.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, withStore } from '../context.js';

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
    const { outcome, warnings } = await withStore(config, (store) => setRow(config, store, { path, status, source }));
    logger.info(`${outcome}: ${path}`);
    for (const warning of warnings) logger.info(`warning: ${warning}`);
    return 0;
  },
});
