/** `pagemap map import FILE`: rows from a TSV or JSON file, all or nothing. */
import { readMapFile } from '../../core/mapTransfer.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, withStore } from '../context.js';

export const mapImport = defineCommand({
  name: 'map import',
  args: 'FILE',
  positionals: [1, 1],
  summary: 'import a .tsv or .json map, all or nothing',
  description: `Import rows from FILE (.tsv: path<TAB>status<TAB>source with an optional header line;
.json: an array of {path, status, source}). Existing rows at the same paths are updated.
With --replace, rows not in FILE are removed. Every bad row is reported with its line and
nothing is imported.`,
  options: {
    replace: { type: 'boolean', description: 'also remove every row that is not in FILE' },
  },
  async run({ values, positionals }) {
    const file = positionals[0]!;
    const config = configFrom(values.config);
    const rows = await readMapFile(file);
    const summary = await withStore(config, (store) => store.applyRows(rows, 'import', { replace: values.replace === true }));
    logger.info(`imported ${file}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed`);
    return 0;
  },
});
