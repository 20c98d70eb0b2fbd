/** `pagemap map rm PATH`: remove one row. */
import { removeRow } from '../../core/mapEdit.js';
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
    await withStore(configFrom(values.config), (store) => removeRow(store, path));
    logger.info(`removed: ${path}`);
    return 0;
  },
});
