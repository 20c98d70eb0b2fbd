/**
 * Editors see their edits: a page the runtime sends straight to a browser carries a script
 * that listens on /_pagemap/live and reloads when the page is rebuilt — by the watcher, or by
 * another process (`pagemap migrate`). Never in public/, never through a proxy, bounded.
 */
import { get } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_LISTENERS, liveReloadScript } from '../runtime/liveReload.js';
import { describe, runCli, withRuntime } from './helpers.js';

/** An event stream, read as it comes: `next(pattern)` waits (at most 10 s) for text matching it. */
function listen(url: string): Promise<{ next: (pattern: RegExp) => Promise<string>; ended: Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = get(url, (res) => {
      assert.is(res.statusCode, 200);
      assert.match(res.headers['content-type'] ?? '', /^text\/event-stream/);
      let text = '';
      const waiting: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => ((text += chunk), waiting.splice(0).forEach((wake) => wake())));
      const ended = new Promise<void>((done) => res.on('end', done).on('close', done));
      const next = (pattern: RegExp) =>
        new Promise<string>((found, fail) => {
          const deadline = setTimeout(() => fail(new Error(`no ${pattern} in ${JSON.stringify(text)}`)), 10_000);
          const look = () => {
            const match = pattern.exec(text);
            if (match) {
              clearTimeout(deadline);
              text = text.slice(match.index + match[0].length);
              found(match[0]);
            } else waiting.push(look);
          };
          look();
        });
      resolve({ next, ended, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

const SPEC = {
  files: { 'wiki/Front.md': '# Front\n\nFirst words.\n', 'legacy/old.html': '<html><head><title>Old</title></head><body><h1>Old page</h1><p>Legacy words.</p></body></html>', 'legacy/doc.pdf': '%PDF-1.4\n' },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Front' },
    { path: '/old.html', status: 200, source: 'file:old.html' },
    { path: '/doc.pdf', status: 200, source: 'file:doc.pdf' },
  ],
  build: true,
};

const Live = suite('live reload: editors see their edits');

Live('a page asked for directly carries the script; one through a proxy, a PDF and public/ itself never do', async () => {
  await withRuntime({ ...SPEC, runtime: { watch: { settleMs: 30, pollMs: 50 }, liveReload: true } }, async (site) => {
    const direct = await fetch(`${site.url}/`);
    const html = await direct.text();
    assert.ok(html.includes(`${liveReloadScript('/index.html')}</body>`), html.slice(-400));
    assert.is(direct.headers.get('cache-control'), 'no-store');
    const proxied = await (await fetch(`${site.url}/`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).text();
    assert.not.ok(proxied.includes('live reload'), 'Apache\'s visitors never get it');
    assert.not.ok((await readFile(join(site.config.publicDir, 'index.html'), 'utf8')).includes('live reload'), 'public/ never holds it');
    assert.is(await (await fetch(`${site.url}/doc.pdf`)).text(), '%PDF-1.4\n', 'only HTML pages');
    // A path with a quote or a < cannot end the script early.
    assert.ok(liveReloadScript('/a</script><b>"').includes('"/a\\u003c/script>\\u003cb>\\""'));
  });
});

Live('an edit reloads the page showing it, and only that page; so does a migrate run in another process', async () => {
  await withRuntime({ ...SPEC, runtime: { watch: { settleMs: 30, pollMs: 50 }, liveReload: true } }, async (site) => {
    const front = await listen(`${site.url}/_pagemap/live?path=${encodeURIComponent('/index.html')}`);
    const old = await listen(`${site.url}/_pagemap/live?path=${encodeURIComponent('/old.html')}`);
    await front.next(/: listening/);
    await old.next(/: listening/);
    await writeFile(join(site.config.wikiDir, 'Front.md'), '# Front\n\nSecond words.\n');
    await front.next(/event: reload/);
    assert.ok((await (await fetch(`${site.url}/`)).text()).includes('Second words.'));

    const moved = await runCli(['migrate', '/old.html'], { cwd: site.dir });
    assert.is(moved.code, 0, describe(moved));
    await old.next(/event: reload/);
    assert.ok((await (await fetch(`${site.url}/old.html`)).text()).includes('<h1>Old page</h1>'));
    front.close();
    old.close();
  });
});

Live(`at most ${MAX_LISTENERS} listeners: the oldest is let go for a new one`, async () => {
  await withRuntime({ ...SPEC, runtime: { watch: { settleMs: 30 }, liveReload: true } }, async (site) => {
    const streams = [];
    for (let i = 0; i <= MAX_LISTENERS; i++) streams.push(await listen(`${site.url}/_pagemap/live?path=/index.html`));
    await streams[0]!.ended;
    assert.is(site.runtime.liveReload?.size, MAX_LISTENERS);
    for (const stream of streams) stream.close();
  });
});

Live('off unless asked for (serve turns it on; --no-live-reload off): no script, no stream', async () => {
  await withRuntime({ ...SPEC, runtime: { watch: { settleMs: 30 } } }, async (site) => {
    assert.not.ok((await (await fetch(`${site.url}/`)).text()).includes('live reload'));
    assert.is((await fetch(`${site.url}/_pagemap/live?path=/index.html`)).status, 404);
  });
});

Live.run();
