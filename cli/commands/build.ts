/** `pagemap build`: public/ and the Apache rules brought in line with the map. */
import { SiteBuilder, describeBuild } from '../../build/build.js';
import { limitHeapGrowth } from '../../build/heapGrowth.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, progressLine, withStore } from '../context.js';

export const build = defineCommand({
  name: 'build',
  positionals: [0, 0],
  summary: 'render every 200 page into public/ and write the Apache rules',
  description: `Render every 200 wiki page and copy every 200 file into public/, remove outputs no row owns,
write the 404/410 pages, assets and the Apache configuration. Unchanged pages are skipped;
--full rewrites everything. Exits non-zero if any page failed.`,
  options: {
    full: { type: 'boolean', description: 'rewrite every output, changed or not' },
  },
  async run({ values }) {
    const config = configFrom(values.config);
    limitHeapGrowth();
    const report = await withStore(config, async (store) => (await SiteBuilder.open(config, store)).build({ full: values.full === true, onProgress: progressLine() }));
    for (const line of describeBuild(report)) logger.info(line);
    return report.counts.failed > 0 ? 1 : 0;
  },
});
