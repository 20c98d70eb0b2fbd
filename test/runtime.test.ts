import { readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PageMapStore } from '../core/pageMap.js';
import { openInside } from '../runtime/fileSender.js';
import type { Runtime } from '../runtime/server.js';
import { type SiteSpec, type TempSite, runCli, withRuntime } from './helpers.js';
import { HOSTILE } from './hostilePaths.js';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 0, 0xff]);

interface Fixture {
  site: TempSite;
  store: PageMapStore;
  runtime: Runtime;
  url: string;
  /** Access log lines. */
  log: string[];
  /** Errors the runtime logged. */
  errors: string[];
}

/** The site these tests share: pages, a folder of pages, legacy files mapped and unmapped, every status. */
const SITE: SiteSpec = {
  files: {
    'wiki/Home.md': '---\ntitle: Home\n---\nWelcome.\n',
    'wiki/About.md': '# About\n\nAbout text.\n',
    'wiki/Guide.md': '# Guide\n',
    'wiki/Guide/Download.md': '# Download\n',
    'wiki/Cafe.md': '# Café Society\n',
    'legacy/old.html': '<p>old</p>\n',
    'legacy/pics/logo.png': PNG,
    'legacy/unmapped/page.html': '<p>found me</p>\n',
    'legacy/unmapped/dir/index.html': '<p>index found</p>\n',
    'legacy/ftp/py-2.4.tgz': 'not really a tarball\n',
    'legacy/.htaccess': 'Deny from all\n',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Home' },
    { path: '/about/index.html', status: 200, source: 'wiki:About' },
    { path: '/Guide', status: 200, source: 'wiki:Guide' },
    { path: '/Guide/Download', status: 200, source: 'wiki:Guide/Download' },
    { path: '/community/Café Society', status: 200, source: 'wiki:Cafe' },
    { path: '/old.html', status: 200, source: 'file:old.html' },
    { path: '/pics/logo.png', status: 200, source: 'file:pics/logo.png' },
    { path: '/moved.html', status: 301, source: '/about/' },
    { path: '/search-old', status: 302, source: '/search?q=python' },
    { path: '/away', status: 301, source: 'https://example.org/new' },
    { path: '/missing.html', status: 404 },
    { path: '/gone.html', status: 410 },
  ],
};

/** The site, built (unless `build: false`) and served by a real runtime on port 0 (no watcher: the watch tests cover it). */
function withServedSite(run: (f: Fixture) => Promise<void>, options: { build?: boolean } = {}): Promise<void> {
  return withRuntime({ ...SITE, build: options.build !== false }, (served) =>
    run({ site: served, store: served.store, runtime: served.runtime, url: served.url, log: served.log.access, errors: served.log.errors }),
  );
}

const get = (url: string, init?: RequestInit) => fetch(url, { redirect: 'manual', ...init });

/** Send a request line exactly as given (fetch would normalise it) and return the status. */
function rawStatus(base: string, target: string, method = 'GET'): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`timeout on ${JSON.stringify(target)}`)));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      match ? resolve(Number(match[1])) : reject(new Error(`no status for ${JSON.stringify(target)}: ${JSON.stringify(data.slice(0, 80))}`));
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

const Resolution = suite('runtime: request resolution');

Resolution('a wiki page answers its bytes from public/ as HTML, typed as Apache types it', async () => {
  await withServedSite(async ({ site, url }) => {
    for (const [path, file] of [['/', 'index.html'], ['/about/', 'about/index.html'], ['/about/index.html', 'about/index.html'], ['/Guide', 'Guide/.pagemap-page'], ['/Guide/Download', 'Guide/Download'], ['/community/Caf%C3%A9%20Society', 'community/Café Society']] as const) {
      const res = await get(url + path);
      assert.is(res.status, 200, path);
      // By extension from mime.types (no charset: the page declares it); ForceType's for none.
      assert.is(res.headers.get('content-type'), file.endsWith('.html') ? 'text/html' : 'text/html; charset=utf-8', path);
      assert.is(res.headers.get('content-disposition'), null, 'no internal file name leaks');
      const body = await res.text();
      assert.is(body, await readFile(join(site.config.publicDir, file), 'utf8'), path);
      assert.is(res.headers.get('content-length'), String(Buffer.byteLength(body)), path);
    }
  });
});

Resolution('a legacy file answers its exact bytes with the type of its extension', async () => {
  await withServedSite(async ({ url }) => {
    const png = await get(url + '/pics/logo.png');
    assert.is(png.status, 200);
    assert.is(png.headers.get('content-type'), 'image/png');
    assert.equal(new Uint8Array(await png.arrayBuffer()), PNG);
    const html = await get(url + '/old.html');
    assert.is(await html.text(), '<p>old</p>\n');
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
  });
});

Resolution('DirectorySlash: /about answers 301 to /about/, query kept', async () => {
  await withServedSite(async ({ url }) => {
    const res = await get(url + '/about?lang=en');
    assert.is(res.status, 301);
    assert.is(res.headers.get('location'), '/about/?lang=en');
  });
});

Resolution('301 and 302 rows redirect; the query passes on unless the target has its own', async () => {
  await withServedSite(async ({ url }) => {
    let res = await get(url + '/moved.html?x=1&y=two');
    assert.is(res.status, 301);
    assert.is(res.headers.get('location'), '/about/?x=1&y=two');
    res = await get(url + '/search-old?x=1');
    assert.is(res.status, 302);
    assert.is(res.headers.get('location'), '/search?q=python');
    res = await get(url + '/away');
    assert.is(res.status, 301);
    assert.is(res.headers.get('location'), 'https://example.org/new');
  });
});

Resolution('404 and 410 rows answer the styled pages with their status', async () => {
  await withServedSite(async ({ site, url }) => {
    for (const [path, status] of [['/missing.html', 404], ['/gone.html', 410]] as const) {
      const res = await get(url + path);
      assert.is(res.status, status);
      assert.is(res.headers.get('content-type'), 'text/html');
      assert.is(await res.text(), await readFile(join(site.config.publicDir, `_pagemap/${status}.html`), 'utf8'));
    }
  });
});

Resolution('methods other than GET and HEAD get 405 with Allow', async () => {
  await withServedSite(async ({ url }) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await get(url + '/', { method });
      assert.is(res.status, 405, method);
      assert.is(res.headers.get('allow'), 'GET, HEAD');
    }
  });
});

Resolution('assets and /data are served; /data never leaves the legacy root', async () => {
  await withServedSite(async ({ site, url }) => {
    const css = await get(url + '/_pagemap/style.css');
    assert.is(css.status, 200);
    assert.is(await css.text(), await readFile(join(site.config.templatesDir, 'assets/style.css'), 'utf8'));
    const data = await get(url + '/data/ftp/py-2.4.tgz');
    assert.is(data.status, 200);
    assert.is(data.headers.get('content-type'), 'application/x-gtar-compressed', 'the type mime.types gives, as Apache would');
    assert.is(await data.text(), 'not really a tarball\n');
    assert.is((await get(url + '/data/nope.tgz')).status, 404);
    // /data/.. is the root: no file there, and nothing above the root either.
    assert.is(await rawStatus(url, '/data/../pagemap.config.json'), 404);
    assert.is(await rawStatus(url, '/data/%2e%2e/%2e%2e/pagemap.config.json'), 400);
  });
});

const Http = suite('runtime: HTTP');

Http('ETag and Last-Modified, 304 for If-None-Match and If-Modified-Since', async () => {
  await withServedSite(async ({ url }) => {
    for (const path of ['/about/', '/pics/logo.png', '/_pagemap/style.css']) {
      const first = await get(url + path);
      const etag = first.headers.get('etag');
      const lastModified = first.headers.get('last-modified');
      assert.ok(etag && lastModified, path);
      assert.ok(first.headers.get('cache-control'), 'a cache policy is stated');
      let res = await get(url + path, { headers: { 'If-None-Match': etag } });
      assert.is(res.status, 304, path);
      assert.is(await res.text(), '');
      assert.is(res.headers.get('etag'), etag);
      res = await get(url + path, { headers: { 'If-Modified-Since': lastModified } });
      assert.is(res.status, 304, path);
      res = await get(url + path, { headers: { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified } });
      assert.is(res.status, 200, 'a failed If-None-Match wins over If-Modified-Since');
      res = await get(url + path, { headers: { 'If-Modified-Since': new Date(Date.parse(lastModified) - 10_000).toUTCString() } });
      assert.is(res.status, 200, path);
    }
  });
});

Http('HEAD answers the headers of GET without a body', async () => {
  await withServedSite(async ({ url }) => {
    for (const path of ['/about/', '/pics/logo.png', '/missing.html', '/moved.html']) {
      const got = await get(url + path);
      const head = await get(url + path, { method: 'HEAD' });
      assert.is(head.status, got.status, path);
      assert.is(head.headers.get('content-length'), got.headers.get('content-length'), path);
      assert.is(head.headers.get('content-type'), got.headers.get('content-type'), path);
      assert.is(await head.text(), '', path);
    }
  });
});

Http('a large body the server does not read (a POST to a page, a form too large for the admin) is answered and logged; the server stays up', async () => {
  await withServedSite(async ({ url, log }) => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'a');
    for (const [path, status] of [['/about/', 405], ['/_pagemap/admin/row', 413]] as const) {
      const sent = await new Promise<number>((resolve) => {
        const req = request(url + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length } }, (res) => (res.resume(), resolve(res.statusCode!)));
        // The server may close before the whole body is sent: the answer is what counts.
        req.on('error', () => {});
        req.end(body);
      });
      assert.is(sent, status, path);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.is((await get(url + '/about/')).status, 200, 'still answering');
    assert.ok(log.some((line) => / "POST \/_pagemap\/admin\/row HTTP\/1\.1" 413 /.test(line)), log.join('\n'));
  });
});

Http('the access log is in Apache combined format, with the request as sent', async () => {
  await withServedSite(async ({ url, log }) => {
    await (await get(url + '/about/?x=1', { headers: { 'User-Agent': 'test "agent"', Referer: 'http://example.org/' } })).text();
    await (await get(url + '/nowhere')).text();
    await new Promise((r) => setTimeout(r, 50));
    assert.match(log[0]!, /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/about\/\?x=1 HTTP\/1\.1" 200 \d+ "http:\/\/example\.org\/" "test \\"agent\\""$/);
    assert.match(log[1]!, /"GET \/nowhere HTTP\/1\.1" 404 \d+ "-" /);
  });
});

const OnDemand = suite('runtime: rendering on a miss');

OnDemand('a page not yet in public/ is rendered, written there atomically, and served', async () => {
  await withServedSite(
    async ({ site, url, runtime }) => {
      const res = await get(url + '/about/');
      assert.is(res.status, 200);
      const body = await res.text();
      assert.ok(body.includes('About text.'));
      assert.is(await readFile(join(site.config.publicDir, 'about/index.html'), 'utf8'), body, 'written into public/ for Apache');
      assert.is(runtime.renders, 1);
      await get(url + '/about/');
      assert.is(runtime.renders, 1, 'served from public/ the second time');
      const copy = await get(url + '/pics/logo.png');
      assert.equal(new Uint8Array(await copy.arrayBuffer()), PNG);
      assert.equal(new Uint8Array(await readFile(join(site.config.publicDir, 'pics/logo.png'))), PNG);
    },
    { build: false },
  );
});

OnDemand('100 simultaneous requests for an unrendered page cause exactly one render', async () => {
  await withServedSite(
    async ({ site, store, url, runtime }) => {
      // A page big enough (~1 MB of Markdown) that every request arrives while it renders.
      await site.write({ 'wiki/Big.md': '# Big\n\n' + 'Some *text* with a [link](/about/) and `code`.\n\n'.repeat(20_000) });
      store.set({ path: '/big', status: 200, source: 'wiki:Big' });
      const responses = await Promise.all(Array.from({ length: 100 }, () => get(url + '/big').then(async (r) => [r.status, await r.text()] as const)));
      assert.is(runtime.renders, 1);
      assert.ok(responses.every(([status]) => status === 200));
      assert.is(new Set(responses.map(([, body]) => body)).size, 1, 'every request got the same page');
    },
    { build: false },
  );
});

OnDemand('misses arriving together are built in batches, each page rendered once, each request answered with its own page; a failing page fails alone', async () => {
  await withServedSite(
    async ({ site, store, url, runtime }) => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 60; i++) files[`wiki/Many${i}.md`] = `# Page ${i}\n\nText of page ${i}.\n`;
      await site.write(files);
      for (let i = 0; i < 60; i++) store.set({ path: `/many/${i}`, status: 200, source: `wiki:Many${i}` });
      store.set({ path: '/many/broken', status: 200, source: 'wiki:NoSuchPage' });
      let builds = 0;
      const build = runtime.builder.build.bind(runtime.builder);
      runtime.builder.build = (options) => (builds++, build(options));
      const asked = [...Array.from({ length: 60 }, (_, i) => `/many/${i}`), '/many/broken'];
      const answers = await Promise.all(asked.map((path) => get(url + path).then(async (r) => [path, r.status, await r.text()] as const)));
      for (const [path, status, body] of answers.slice(0, 60)) {
        assert.is(status, 200, path);
        assert.ok(body.includes(`Text of page ${path.slice('/many/'.length)}.`), path);
      }
      assert.is(answers[60]![1], 404, 'the page without a source, alone');
      assert.is(runtime.renders, 60);
      assert.ok(builds < 20, `${builds} builds for 61 misses`);
    },
    { build: false },
  );
});

OnDemand('a page whose source is missing answers 404 and serves nothing stale', async () => {
  await withServedSite(async ({ site, url, store }) => {
    store.set({ path: '/broken', status: 200, source: 'wiki:NoSuchPage' });
    assert.is((await get(url + '/broken')).status, 404);
    await rm(join(site.dir, 'wiki/About.md'));
    await rm(join(site.config.publicDir, 'about/index.html'));
    assert.is((await get(url + '/about/')).status, 404);
  });
});

OnDemand('a page that cannot be written (something not ours in the way) answers 500, logged with its path; a missing source stays 404', async () => {
  await withServedSite(
    async ({ site, url, store, errors: log }) => {
      await site.write({ 'public/blocked': 'a file someone left where a folder must go\n' });
      store.set({ path: '/blocked/page', status: 200, source: 'wiki:About' });
      const res = await get(url + '/blocked/page');
      assert.is(res.status, 500);
      assert.is(await res.text(), '500 Internal Server Error\n');
      assert.ok(log.some((line) => line.startsWith('pagemap: cannot render /blocked/page: ')), log.join('\n'));
      store.set({ path: '/no-source', status: 200, source: 'wiki:NoSuchPage' });
      assert.is((await get(url + '/no-source')).status, 404);
    },
    { build: false },
  );
});

const Discovery = suite('runtime: discovery');

Discovery('a legacy file with no row is added to the map and served at once', async () => {
  await withServedSite(async ({ url, store }) => {
    const res = await get(url + '/unmapped/page.html');
    assert.is(res.status, 200);
    assert.is(await res.text(), '<p>found me</p>\n');
    const row = store.get('/unmapped/page.html');
    assert.is(row?.status, 200);
    assert.is(row?.source, 'file:unmapped/page.html');
    assert.is(row?.origin, 'discovered');
  });
});

Discovery('a data resource is discovered as a 302 to /data', async () => {
  await withServedSite(async ({ url, store }) => {
    const res = await get(url + '/ftp/py-2.4.tgz?mirror=1');
    assert.is(res.status, 302);
    assert.is(res.headers.get('location'), '/data/ftp/py-2.4.tgz?mirror=1');
    assert.is(store.get('/ftp/py-2.4.tgz')?.source, '/data/ftp/py-2.4.tgz');
    const follow = await get(url + '/data/ftp/py-2.4.tgz');
    assert.is(await follow.text(), 'not really a tarball\n');
  });
});

Discovery('a legacy folder with an index: the index rule and DirectorySlash', async () => {
  await withServedSite(async ({ url, store }) => {
    const bare = await get(url + '/unmapped/dir');
    assert.is(bare.status, 301);
    assert.is(bare.headers.get('location'), '/unmapped/dir/');
    const slash = await get(url + '/unmapped/dir/');
    assert.is(slash.status, 200);
    assert.is(await slash.text(), '<p>index found</p>\n');
    assert.is(store.get('/unmapped/dir/')?.origin, 'discovered');
  });
});

Discovery('hidden legacy files are never discovered', async () => {
  await withServedSite(async ({ url, store }) => {
    assert.is((await get(url + '/.htaccess')).status, 404);
    assert.is(store.get('/.htaccess'), undefined);
  });
});

Discovery('no stale negatives: a 404 path is served as soon as its row or file appears', async () => {
  await withServedSite(async ({ site, url, store }) => {
    assert.is((await get(url + '/later.html')).status, 404);
    await site.write({ 'legacy/later.html': 'here now\n' });
    const res = await get(url + '/later.html');
    assert.is(res.status, 200);
    assert.is(await res.text(), 'here now\n');
    assert.is((await get(url + '/soon')).status, 404);
    store.set({ path: '/soon', status: 301, source: '/about/' });
    assert.is((await get(url + '/soon')).status, 301);
  });
});

Discovery('misses are counted and listed by pagemap misses, most requested first', async () => {
  await withServedSite(async ({ site, url, runtime }) => {
    for (let i = 0; i < 3; i++) await (await get(url + '/wanted')).text();
    await (await get(url + '/once%20only')).text();
    runtime.misses.flush();
    const result = await runCli(['misses', '--json', '--config', site.configFile]);
    assert.is(result.code, 0, result.stderr);
    const misses = JSON.parse(result.stdout) as { path: string; count: number }[];
    assert.equal(misses.map((m) => [m.path, m.count]), [['/wanted', 3], ['/once only', 1]]);
    const text = await runCli(['misses', '--top', '1', '--config', site.configFile]);
    assert.match(text.stdout, /^\s+3 {2}\/wanted {2}\(last /);
    assert.is(text.stdout.trim().split('\n').length, 1);
  });
});

const Links = suite('runtime: symbolic links and the files it opens');

Links('a link anywhere under public/ or the legacy tree is 403, in the tree or out of it; discovery redirects an in-tree link to the real file', async () => {
  await withServedSite(async ({ site, url, store }) => {
    await site.write({ 'outside/secret.txt': 'SECRET\n', 'legacy/real/py-2.5.tgz': 'tarball\n' });
    await symlink(join(site.dir, 'outside', 'secret.txt'), join(site.config.legacyDir, 'passwd'));
    await symlink('real/py-2.5.tgz', join(site.config.legacyDir, 'latest.tgz'));
    await symlink('real', join(site.config.legacyDir, 'current'));
    for (const path of ['/data/passwd', '/data/latest.tgz', '/data/current/py-2.5.tgz']) {
      const res = await get(url + path);
      assert.is(res.status, 403, path);
      assert.not.match(await res.text(), /SECRET|tarball/);
    }
    for (const [path, location] of [['/latest.tgz', '/data/real/py-2.5.tgz'], ['/current/py-2.5.tgz', '/data/real/py-2.5.tgz']]) {
      const res = await get(url + path!);
      assert.is(res.status, 302, path);
      assert.is(res.headers.get('location'), location);
      assert.is(store.get(path!)?.source, location);
    }
    assert.is((await get(url + '/passwd')).status, 404, 'a link out of the tree is never discovered');
    await rm(join(site.config.publicDir, 'old.html'));
    await symlink(join(site.dir, 'outside', 'secret.txt'), join(site.config.publicDir, 'old.html'));
    const swapped = await get(url + '/old.html');
    assert.is(swapped.status, 403);
    assert.not.match(await swapped.text(), /SECRET/);
  });
});

Links('a folder swapped for a link after a file was served (and cached) gives 403, never the bytes behind the link', async () => {
  await withServedSite(async ({ site, url }) => {
    await site.write({ 'legacy/docs/guide.pdf': 'the real guide\n', 'outside/docs/guide.pdf': 'SECRET guide\n' });
    const first = await get(url + '/data/docs/guide.pdf');
    assert.is(await first.text(), 'the real guide\n');
    await rm(join(site.config.legacyDir, 'docs'), { recursive: true });
    await symlink(join(site.dir, 'outside', 'docs'), join(site.config.legacyDir, 'docs'));
    for (const method of ['GET', 'HEAD']) {
      const res = await get(url + '/data/docs/guide.pdf', { method });
      assert.is(res.status, 403, method);
      assert.not.match(await res.text(), /SECRET/);
    }
    const realRoot = await realpath(site.config.legacyDir);
    assert.equal(openInside(realRoot, 'docs/guide.pdf'), { kind: 'link' }, 'checked on the open file itself');
  });
});

Links('HEAD on a big file reads none of it', async () => {
  await withServedSite(async ({ site, url }) => {
    const size = 64 * 1024 * 1024;
    await site.write({ 'legacy/ftp/huge.iso': Buffer.alloc(size, 7) });
    const readSoFar = async () => Number(/^rchar: (\d+)$/m.exec(await readFile('/proc/self/io', 'utf8'))![1]);
    const before = await readSoFar();
    for (let i = 0; i < 5; i++) {
      const res = await get(url + '/data/ftp/huge.iso', { method: 'HEAD' });
      assert.is(res.status, 200);
      assert.is(res.headers.get('content-length'), String(size));
      assert.is(res.headers.get('accept-ranges'), 'bytes');
      await res.text();
    }
    const read = (await readSoFar()) - before;
    assert.ok(read < 1024 * 1024, `5 HEADs read ${read} bytes`);
    const range = await get(url + '/data/ftp/huge.iso', { headers: { Range: 'bytes=10-19' } });
    assert.is(range.status, 206);
    assert.equal(new Uint8Array(await range.arrayBuffer()), new Uint8Array(10).fill(7));
  });
});

const Hostile = suite('runtime: hostile requests');


Hostile(`${HOSTILE.length} malformed or hostile paths are refused, and the server still answers`, async () => {
  await withServedSite(async ({ site, url }) => {
    assert.ok(HOSTILE.length >= 50);
    const secret = await readFile(join(site.dir, 'pagemap.config.json'), 'utf8');
    for (const target of HOSTILE) {
      const status = await rawStatus(url, target);
      assert.ok([400, 404].includes(status), `${JSON.stringify(target)} answered ${status}`);
    }
    for (const target of ['/../pagemap.config.json', '/%2e%2e/pagemap.config.json', '/data/..%2fpagemap.config.json']) {
      const res = await get(url + target);
      assert.not.ok((await res.text()).includes(secret.slice(0, 40)), target);
    }
    const ok = await get(url + '/about/');
    assert.is(ok.status, 200);
    await stat(join(site.dir, 'state/pagemap.db'));
  });
});

Resolution.run();
Http.run();
OnDemand.run();
Discovery.run();
Links.run();
Hostile.run();
