/** `pagemap init [DIR]`: a site of your own. */
import { initSite } from '../../core/site.js';
import { defineCommand } from '../commandLine.js';
import { logger } from '../context.js';

export const init = defineCommand({
  name: 'init',
  args: '[DIR]',
  positionals: [0, 1],
  summary: 'start a site of your own: config, wiki, legacy folder, a first page',
  description: `Start a site of your own in DIR (default: the current folder): pagemap.config.json, an empty
wiki/ with a first page (FrontPage.md), an empty legacy/ for the old site's files, and a page
map whose one row serves the first page at /. Nothing that exists is overwritten.`,
  options: {},
  async run({ positionals }) {
    const made = await initSite(positionals[0] ?? '.');
    logger.info(`created ${made.created.join(', ')}`);
    logger.info(`next: put the old site's files in ${made.legacyDir} (or point legacyDir at them), then run pagemap map discover and pagemap serve in ${made.dir}`);
    return 0;
  },
});
