/** `pagemap watch`: keep public/ current without serving, until SIGINT or SIGTERM. */
import { openPageMap } from '../../core/site.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, progressLine } from '../context.js';

export const watch = defineCommand({
  name: 'watch',
  positionals: [0, 0],
  summary: 'build, then keep public/ up to date as sources and the map change',
  description: `Build (incrementally), then watch the wiki, templates, legacy tree and the map, and re-render
exactly what each change affects, until SIGINT/SIGTERM.`,
  options: {},
  async run({ values }) {
    // Loaded here: the runtime (the server, chokidar) is start-up time every other command would pay.
    const { untilSignal, watchSite } = await import('../../runtime/lifecycle.js');
    const config = configFrom(values.config);
    const store = await openPageMap(config);
    try {
      await watchSite(config, store, { logger, until: untilSignal(), onProgress: progressLine() });
    } finally {
      store.close();
    }
    return 0;
  },
});
