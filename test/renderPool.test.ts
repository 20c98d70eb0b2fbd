/**
 * Render workers as a fence: a page that runs its worker out of memory or past the time limit
 * fails alone, with an error naming it; the worker is replaced, the rest of the build goes on,
 * the build exits 1, and a running server keeps rendering, keeps other misses moving, and
 * still stops on request. Real pages, real workers, the real CLI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SiteSpec, describe, runCli, withRuntime, withSite } from './helpers.js';

const SMALL_PAGES = 200; // enough for a build to start a worker per core

/** A site with many small pages and one big one, mapped and ready to build. */
function siteWithBigPage(bigPage: string, settings: Record<string, unknown>): SiteSpec {
  const files: Record<string, string> = { 'wiki/Big.md': bigPage };
  for (let i = 0; i < SMALL_PAGES; i++) files[`wiki/P${i}.md`] = `# Page ${i}\n\nSmall and *quick*.\n`;
  const rows = [{ path: '/big.html', status: 200, source: 'wiki:Big' }, ...Array.from({ length: SMALL_PAGES }, (_, i) => ({ path: `/p${i}.html`, status: 200, source: `wiki:P${i}` }))];
  return { files, rows, settings };
}

/** Markdown of about `megabytes` MB: many short paragraphs with inline markup. */
function bigMarkdown(megabytes: number): string {
  const paragraph = 'Some *emphasis*, a [link](/x) and `code`, again and again.\n\n';
  return '# Big\n\n' + paragraph.repeat(Math.ceil((megabytes * 1024 * 1024) / paragraph.length));
}

const Fence = suite('render workers: a page that kills its worker');

Fence('a page that runs its worker out of memory fails alone and by name; everything else is built, and the build exits 1', async () => {
  await withSite(siteWithBigPage(bigMarkdown(10), { renderMemoryMb: 64 }), async (site) => {
    const result = await runCli(['build'], { cwd: site.dir });
    assert.is(result.code, 1, describe(result));
    const failures = result.stderr.split('\n').filter((line) => line.startsWith('failed:'));
    assert.equal(failures, [`failed: /big.html: wiki:Big (${join(site.config.wikiDir, 'Big.md')}): the render ran out of memory (renderMemoryMb is 64): the page is too big to render`]);
    for (let i = 0; i < SMALL_PAGES; i++) assert.ok(existsSync(join(site.config.publicDir, `p${i}.html`)), `p${i}.html was built`);
    assert.not.ok(existsSync(join(site.config.publicDir, 'big.html')));
    assert.ok(existsSync(join(site.config.apacheDir, 'pagemap.conf')), 'the Apache configuration was written');
  });
});

Fence('a render past renderTimeoutSeconds is stopped and fails alone', async () => {
  // The big page takes 2–3 s to render; half a second leaves a small page's first render (markdown-it
  // still cold, other tests' processes on the cores) room it did not always have at 0.05 s.
  await withSite(siteWithBigPage(bigMarkdown(6), { renderTimeoutSeconds: 0.5, renderMemoryMb: 4096 }), async (site) => {
    const result = await runCli(['build'], { cwd: site.dir });
    assert.is(result.code, 1, describe(result));
    const failures = result.stderr.split('\n').filter((line) => line.startsWith('failed:'));
    assert.equal(failures, [`failed: /big.html: wiki:Big (${join(site.config.wikiDir, 'Big.md')}): the render took longer than 0.5 s (renderTimeoutSeconds) and was stopped`]);
    assert.ok(existsSync(join(site.config.publicDir, `p${SMALL_PAGES - 1}.html`)));
  });
});

Fence.run();

// ---------------------------------------------------------------------------------------

const InRuntime = suite('render workers: in the runtime');

InRuntime('after a page kills its worker (500), every later miss still renders, and the server stops when asked', async () => {
  // The runtime's own close() in withRuntime proves a server whose worker died still stops when asked.
  await withRuntime({ ...siteWithBigPage(bigMarkdown(10), { renderMemoryMb: 64 }), runtime: { watch: true } }, async ({ runtime, config, log: { messages: log } }) => {
    const big = await fetch(`${runtime.url}/big.html`);
    assert.is(big.status, 500);
    await big.text();
    assert.equal(log, [`pagemap: cannot render /big.html: wiki:Big (${join(config.wikiDir, 'Big.md')}): the render ran out of memory (renderMemoryMb is 64): the page is too big to render`]);
    const pages = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${runtime.url}/p${i}.html`)));
    for (const [i, page] of pages.entries()) {
      assert.is(page.status, 200, `/p${i}.html`);
      assert.match(await page.text(), new RegExp(`<h1>Page ${i}</h1>`));
    }
  });
});

InRuntime('while a big page renders, other misses do not wait behind it', async () => {
  await withRuntime({ ...siteWithBigPage(bigMarkdown(12), { renderMemoryMb: 4096 }), runtime: { watch: true } }, async ({ runtime }) => {
    const finished: string[] = [];
    const big = fetch(`${runtime.url}/big.html`).then(async (res) => (await res.text(), finished.push('big'), res.status));
    // Once the big page is with a render worker, ask for a small one.
    for (const deadline = Date.now() + 10_000; runtime.renders === 0; ) {
      if (Date.now() > deadline) throw new Error('the big page never reached a render worker');
      await new Promise((r) => setTimeout(r, 5));
    }
    const small = await fetch(`${runtime.url}/p1.html`);
    assert.is(small.status, 200);
    await small.text();
    finished.push('small');
    assert.is(await big, 200);
    assert.equal(finished, ['small', 'big']);
  });
});

InRuntime.run();
