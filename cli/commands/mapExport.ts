/** `pagemap map export [FILE]`: the whole map, as TSV or JSON. */
import { writeFileAtomic } from '../../build/atomicWrite.js';
import { formatOf, serialiseMap } from '../../core/mapTransfer.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, plural, withStore } from '../context.js';

export const mapExport = defineCommand({
  name: 'map export',
  args: '[FILE]',
  positionals: [0, 1],
  summary: 'export the map (to FILE, format by extension; else TSV on stdout)',
  description: `Write the whole map to FILE (format by extension, .tsv or .json) or, without FILE, to
standard output as TSV (--json for JSON). Importing the export gives the same map.`,
  options: {
    json: { type: 'boolean', description: 'JSON on standard output, instead of TSV' },
  },
  async run({ values, positionals }) {
    const file = positionals[0];
    const format = file ? formatOf(file) : values.json ? 'json' : 'tsv';
    const rows = await withStore(configFrom(values.config), (store) => store.all());
    const text = serialiseMap(rows, format);
    if (!file) return (process.stdout.write(text), 0);
    await writeFileAtomic(file, text);
    logger.info(`exported ${plural(rows.length, 'row')} to ${file}`);
    return 0;
  },
});
