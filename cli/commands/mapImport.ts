/** `pagemap map import FILE`: rows from a TSV or JSON file, all or nothing (or keeping going). */
import { writeFileAtomic } from '../../build/atomicWrite.js';
import { formatOf, readMapFile, readMapFileLeniently, rejectsFileFor, serialiseRejects } from '../../core/mapTransfer.js';
import type { ValidRow } from '../../core/pageRow.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, logger, plural, withStore } from '../context.js';

export const mapImport = defineCommand({
  name: 'map import',
  args: 'FILE',
  positionals: [1, 1],
  summary: 'import a .tsv or .json map, all or nothing',
  description: `Import rows from FILE (.tsv: path<TAB>status<TAB>source with an optional header line;
.json: an array of {path, status, source}). Existing rows at the same paths are updated.
With --replace, rows not in FILE are removed. Every bad row is reported with its line and
nothing is imported — unless --keep-going: then every valid row is imported and the refused
ones go, each with its line and reason, to a file beside FILE (map.tsv → map.rejects.tsv),
in FILE's own format, to be fixed and imported in turn.`,
  options: {
    replace: { type: 'boolean', description: 'also remove every row that is not in FILE' },
    'keep-going': { type: 'boolean', description: 'import the valid rows; write the refused ones to FILE.rejects' },
  },
  async run({ values, positionals }) {
    const file = positionals[0]!;
    if (values['keep-going'] && values.replace) {
      throw new UsageError('map import: --replace with --keep-going would remove the rows the refused lines were meant to keep; fix the file, or import without --replace');
    }
    const config = configFrom(values.config);
    let rows: ValidRow[];
    let rejectsFile: string | undefined;
    let refused = 0;
    if (values['keep-going']) {
      const read = await readMapFileLeniently(file);
      rows = read.rows;
      refused = read.rejects.length;
      if (refused) {
        rejectsFile = rejectsFileFor(file);
        await writeFileAtomic(rejectsFile, serialiseRejects(read.rejects, formatOf(file)));
      }
    } else {
      rows = await readMapFile(file);
    }
    const summary = await withStore(config, (store) => store.applyRows(rows, 'import', { replace: values.replace === true }));
    logger.info(`imported ${file}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed`);
    if (rejectsFile) logger.info(`warning: ${plural(refused, 'row')} refused, each with its line and reason in ${rejectsFile}: fix them there and import that file`);
    return 0;
  },
});
