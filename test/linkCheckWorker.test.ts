/**
 * The link check in a worker thread: the same report as checkLinks in the caller's thread, and
 * a clear rejection (not a hang, not a crash) when the worker cannot do its work.
 */
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkLinks } from '../runtime/linkCheck.js';
import { checkLinksInWorker, LinkCheckError } from '../runtime/linkCheckWorker.js';
import { withSite, withTempSite } from './helpers.js';

const SPEC = {
  files: {
    'wiki/Home.md': '# Home\n\n[about](/about/) and [nowhere](/nothing-here).\n',
    'wiki/About.md': '# About\n\n[home](/)\n',
    'legacy/old.html': '<a href="gone.html">gone</a>\n<a href="/about/">about</a>\n',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Home' },
    { path: '/about/index.html', status: 200, source: 'wiki:About' },
    { path: '/old.html', status: 200, source: 'file:old.html' },
    { path: '/gone.html', status: 410 },
  ],
};

const InWorker = suite('link check in a worker thread');

InWorker('the worker reports what checkLinks reports, broken links and all', async () => {
  await withSite(SPEC, async ({ config, store }) => {
    // workerData is a structured clone: the frozen config must come through whole.
    assert.equal(structuredClone(config), config);
    const expected = await checkLinks(config, store);
    assert.equal(
      expected.broken.map((link) => `${link.href} → ${link.answer}`),
      ['/nothing-here → 404 (no row, no legacy file)', 'gone.html → 410'],
      'the site has broken links to compare',
    );
    // The test's own store stays open read-write meanwhile, as the server's does.
    assert.equal(await checkLinksInWorker(config), expected);
  });
});

InWorker('a map that is not there rejects with an error naming it, and is not created', async () => {
  await withTempSite({}, async ({ config }) => {
    const error = await checkLinksInWorker(config).then(
      () => assert.unreachable('the check should fail'),
      (error: unknown) => error,
    );
    assert.instance(error, LinkCheckError);
    const { code, message } = error as LinkCheckError;
    assert.is(code, 'ELINKCHECK');
    assert.ok(message.startsWith('link check failed: '), message);
    assert.ok(message.includes(config.database), message);
    assert.not.ok(existsSync(config.database), 'a read-only check creates no database');
  });
});

InWorker.run();
