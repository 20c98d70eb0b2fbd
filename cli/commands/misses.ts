/** `pagemap misses`: the most requested paths that found nothing. */
import { pathForExport } from '../../core/pagePath.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, withStore } from '../context.js';

export const misses = defineCommand({
  name: 'misses',
  positionals: [0, 0],
  summary: 'the most requested paths that found no page',
  description: `The paths the runtime answered 404 for and that still have no row, most requested first
(default top 20): the list of what still needs a row.`,
  options: {
    top: { type: 'string', value: 'N', description: 'how many (default 20)' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run({ values }) {
    const top = values.top === undefined ? 20 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${values.top}: not a positive whole number`);
    const found = await withStore(configFrom(values.config), (store) => store.topMisses(top));
    if (values.json) process.stdout.write(JSON.stringify(found, null, 2) + '\n');
    else process.stdout.write(found.map((m) => `${String(m.count).padStart(7)}  ${pathForExport(m.path)}  (last ${m.lastSeen})\n`).join(''));
    return 0;
  },
});
