/** `pagemap map rm PATH`: remove one row. */
import { PagemapError } from '../../core/errors.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, withStore } from '../context.js';

export const mapRm = defineCommand({
  name: 'map rm',
  args: 'PATH',
  positionals: [1, 1],
  summary: 'remove a row',
  description: 'Remove the row at PATH. Exits non-zero when there is none.',
  options: {},
  async run({ values, positionals }) {
    const path = positionals[0]!;
    const removed = await withStore(configFrom(values.config), (store) => store.remove(path));
    if (!removed) throw new PagemapError('ENOROW', `no row at ${path}`);
    logger.info(`removed: ${path}`);
    return 0;
  },
});
