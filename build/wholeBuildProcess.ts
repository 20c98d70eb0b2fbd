/**
 * A whole build in a process of its own, for the long-running processes (`serve`, `watch`):
 * see SiteBuilder's `wholeBuildsApart`. Forked with an IPC channel; it is sent one
 * WholeBuildRequest, answers with progress and then one WholeBuildAnswer, and exits.
 */
import { PageMapStore } from '../core/pageMap.js';
import { SiteBuilder, type WholeBuildAnswer, type WholeBuildRequest } from './build.js';
import { limitHeapGrowth } from './heapGrowth.js';

limitHeapGrowth();

function answer(message: WholeBuildAnswer): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// Ctrl-C in a terminal reaches the whole process group, this build too: the parent decides
// (serve lets its start-up build finish before it stops, as when the build was its own).
process.on('SIGINT', () => undefined);

process.once('message', async ({ config, template, full, sitemapMaxUrls }: WholeBuildRequest) => {
  try {
    const store = new PageMapStore(config.database);
    try {
      const builder = await SiteBuilder.open(config, store, { template, sitemapMaxUrls });
      // A progress message a page would cost more than the page; a few a second say as much.
      let lastSaid = 0;
      const onProgress = (done: number, total: number) => {
        const now = performance.now();
        if (done < total && now - lastSaid < 100) return;
        lastSaid = now;
        void answer({ progress: [done, total] });
      };
      await answer({ report: await builder.build({ full, onProgress }) });
    } finally {
      store.close();
    }
  } catch (error) {
    await answer({ error: (error as Error).stack ?? String(error) });
  }
  process.disconnect();
});
