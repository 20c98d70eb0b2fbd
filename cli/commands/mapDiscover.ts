/** `pagemap map discover`: a row for every legacy file that has none. */
import { discoverAll } from '../../core/discovery.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, formatRow, logger, plural, withStore } from '../context.js';

export const mapDiscover = defineCommand({
  name: 'map discover',
  positionals: [0, 0],
  summary: 'add a row for every legacy file that has none',
  description: `Walk the legacy root and add a row for every file that has none: 200 file:rel/path, or
302 to /data/rel/path for data resources (see dataExtensions, dataMinBytes); the rows added
are listed. Hidden files (names starting with .) are left out. Existing rows are never changed.`,
  options: {},
  async run({ values }) {
    const config = configFrom(values.config);
    const summary = await withStore(config, (store) => discoverAll(config, store));
    for (const line of summary.skipped) logger.info(`skipped: ${line}`);
    process.stdout.write(summary.added.map(formatRow).join(''));
    logger.info(`discovered ${summary.added.length} new of ${plural(summary.scanned, 'legacy file')}`);
    return 0;
  },
});
