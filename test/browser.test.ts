/**
 * What a visitor sees, in a real browser (Debian's chromium, driven by puppeteer-core): pages
 * whose content is wider than the column scroll inside their box, never the whole page
 * sideways. Without chromium these tests skip loudly; under CI=true they fail.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CHROMIUM, requireChromiumInCi, warnIfNoChromium, withBrowser } from './chromium.js';
import { type SiteSpec, waitFor, withRuntime } from './helpers.js';

warnIfNoChromium('browser tests');

const LONG = 'averyveryverylongunbreakablecellvalue_'.repeat(8);

const Layout = suite('browser: the python.org look holds');

Layout('chromium is here (under CI=true it must be)', requireChromiumInCi);

Layout('a wide table and a long code line scroll inside their boxes; the page never scrolls sideways', async () => {
  if (!CHROMIUM) return;
  const site: SiteSpec = {
    files: { 'wiki/Wide.md': `# Wide\n\n| name | value |\n|---|---|\n| ${LONG} | 1 |\n\n\`\`\`\n${LONG.replace(/_/g, ' ')}${LONG}\n\`\`\`\n\nAfter.\n` },
    rows: [{ path: '/wide', status: 200, source: 'wiki:Wide' }],
    build: true,
  };
  await withBrowser(async (browser) => {
    await withRuntime(site, async ({ url }) => {
      const page = await browser.newPage();
      for (const width of [1024, 640]) {
        await page.setViewport({ width, height: 700 });
        await page.goto(`${url}/wide`, { waitUntil: 'load' });
        // Run in the page (a string: the tests are compiled without the DOM's types).
        const sizes = (await page.evaluate(`({
          page: document.documentElement.scrollWidth,
          window: window.innerWidth,
          table: document.querySelector('#content table').scrollWidth > document.querySelector('#content table').clientWidth,
        })`)) as { page: number; window: number; table: boolean };
        assert.ok(sizes.page <= sizes.window, `at ${width}px the page is ${sizes.page}px wide`);
        assert.ok(sizes.table, 'the table scrolls inside its box');
      }
    });
  });
});

Layout('an open tab reloads by itself when its page is rebuilt (serve\'s live reload)', async () => {
  if (!CHROMIUM) return;
  const site: SiteSpec = { files: { 'wiki/Front.md': '# Front\n\nFirst words.\n' }, rows: [{ path: '/index.html', status: 200, source: 'wiki:Front' }], build: true };
  await withBrowser(async (browser) => {
    await withRuntime({ ...site, runtime: { watch: { settleMs: 30 }, liveReload: true } }, async ({ url, config, runtime }) => {
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      assert.ok((await page.content()).includes('First words.'));
      // The tab's event stream is open before the edit.
      await waitFor("the tab's event stream", () => runtime.liveReload!.size > 0, 5000);
      await writeFile(join(config.wikiDir, 'Front.md'), '# Front\n\nSecond words.\n');
      await page.waitForFunction(() => document.body.textContent?.includes('Second words.'), { timeout: 10_000 });
    });
  });
});

Layout.run();
