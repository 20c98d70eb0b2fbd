/** `pagemap map list`: the rows, plain or as JSON, filtered. */
import { type Origin, type Status, ORIGINS, STATUSES, isOrigin, isStatus } from '../../core/pageRow.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, formatRow, logger, plural, withStore } from '../context.js';

export const mapList = defineCommand({
  name: 'map list',
  positionals: [0, 0],
  summary: 'list rows of the page map',
  description: `List rows ordered by path: status, path, source. --search matches text anywhere in the path.
--json prints an array of {path, status, source, created, updated, origin}.`,
  options: {
    status: { type: 'string', value: 'N', description: `only rows with this status (${STATUSES.join(', ')})` },
    search: { type: 'string', value: 'TEXT', description: 'only rows whose path holds TEXT' },
    origin: { type: 'string', value: 'O', description: `only rows of this origin (${ORIGINS.join(', ')})` },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run({ values }) {
    const { status, search, origin, json } = values;
    if (status !== undefined && !isStatus(Number(status))) throw new UsageError(`--status ${status}: not one of ${STATUSES.join(', ')}`);
    if (origin !== undefined && !isOrigin(origin)) throw new UsageError(`--origin ${origin}: not one of ${ORIGINS.join(', ')}`);
    const config = configFrom(values.config);
    const rows = await withStore(config, (store) => store.list({ status: status === undefined ? undefined : (Number(status) as Status), search, origin: origin as Origin | undefined }));
    if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else process.stdout.write(rows.map(formatRow).join(''));
    if (!json && process.stderr.isTTY) logger.info(plural(rows.length, 'row'));
    return 0;
  },
});
