/**
 * The admin page in a real browser (Debian's chromium, driven by puppeteer-core), as a
 * webmaster uses it: log in, search, edit a row and see the public page change, a refused row
 * showing its message, a change without its CSRF token refused. Without chromium these tests
 * skip loudly; under CI=true they fail.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer-core';
import { hashPassword } from '../core/adminPassword.js';
import { CHROMIUM, requireChromiumInCi, warnIfNoChromium, withBrowser } from './chromium.js';
import { type SiteSpec, withRuntime } from './helpers.js';

warnIfNoChromium('admin browser tests');

const PASSWORD = 'correct horse battery';

const SITE: SiteSpec = {
  files: {
    'wiki/Front.md': '# Front\n\nThe front page.\n',
    'wiki/Other.md': '# Other\n\nAnother page.\n',
    'legacy/doc/faq.html': '<html><head><title>FAQ</title></head><body><h1>FAQ</h1><p>Old answers.</p></body></html>\n',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Front' },
    { path: '/doc/faq.html', status: 200, source: 'file:doc/faq.html' },
    { path: '/jobs.html', status: 410 },
  ],
  build: true,
  settings: { admin: { trustLoopback: false, passwordHash: hashPassword(PASSWORD) } },
};

/** Click and wait for the page it leads to; its HTTP status. */
async function submit(page: Page, selector: string): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response!.status();
}

/** The text of the page's main content. */
function contentText(page: Page): Promise<string> {
  return page.$eval('#content', (element) => element.textContent ?? '');
}

/** The paths of the rows listed. */
function listedPaths(page: Page): Promise<string[]> {
  return page.$$eval('.admin-table tbody tr td:first-child > a:first-child', (links) => links.map((link) => link.textContent ?? ''));
}

async function logIn(page: Page, url: string): Promise<void> {
  const asked = await page.goto(`${url}/_pagemap/admin`);
  assert.is(asked!.status(), 401);
  await page.type('input[name=password]', PASSWORD);
  assert.is(await submit(page, '.admin-login button'), 200);
}

const Admin = suite('admin in a browser');

Admin('chromium is here (under CI=true it must be)', requireChromiumInCi);

Admin('a login: a wrong password is refused with its message, the right one opens the map', async () => {
  if (!CHROMIUM) return;
  await withBrowser(async (browser) => {
    await withRuntime(SITE, async ({ url }) => {
      const page = await browser.newPage();
      await page.goto(`${url}/_pagemap/admin`);
      await page.type('input[name=password]', 'not the password');
      assert.is(await submit(page, '.admin-login button'), 401);
      assert.match(await contentText(page), /wrong password/);
      await logIn(page, url);
      assert.is(await page.$eval('h1', (h1) => h1.textContent), 'Page map');
      assert.equal(await listedPaths(page), ['/doc/faq.html', '/index.html', '/jobs.html']);
      const cookies = await page.cookies();
      const session = cookies.find((cookie) => cookie.name === 'pagemap_admin');
      assert.ok(session?.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
    });
  });
});

Admin('search, then edit a row: the public page changes', async () => {
  if (!CHROMIUM) return;
  await withBrowser(async (browser) => {
    await withRuntime(SITE, async ({ url }) => {
      const page = await browser.newPage();
      await logIn(page, url);
      await page.type('.admin-filters input[name=q]', 'Front');
      await submit(page, '.admin-filters button');
      assert.equal(await listedPaths(page), ['/index.html'], 'the search found the row by its source');
      await submit(page, '.admin-table tbody a');
      assert.match(await page.$eval('h1', (h1) => h1.textContent ?? ''), /Row \/index.html/);
      const source = await page.$('.admin-row input[name=source]');
      await source!.click({ count: 3 });
      await source!.type('wiki:Other');
      assert.is(await submit(page, '.admin-row button[value=save]'), 200);
      assert.match(await contentText(page), /updated: \/index.html/);
      const visitor = await browser.newPage();
      await visitor.goto(`${url}/`);
      assert.match(await contentText(visitor), /Another page./);
    });
  });
});

Admin('a refused row shows the map\'s message and keeps what was typed', async () => {
  if (!CHROMIUM) return;
  await withBrowser(async (browser) => {
    await withRuntime(SITE, async ({ url, store }) => {
      const page = await browser.newPage();
      await logIn(page, url);
      await page.type('.admin-row input[name=path]', '/loop.html');
      await page.select('.admin-row select[name=status]', '301');
      await page.type('.admin-row input[name=source]', '/loop.html');
      assert.is(await submit(page, '.admin-row button[value=add]'), 400);
      assert.match(await page.$eval('.admin-error', (box) => box.textContent ?? ''), /error: .*\/loop.html.*(loop|itself)/);
      assert.is(await page.$eval('.admin-row input[name=path]', (input) => (input as unknown as { value: string }).value), '/loop.html');
      assert.is(store.get('/loop.html'), undefined);
    });
  });
});

Admin('a change without its CSRF token is refused and changes nothing', async () => {
  if (!CHROMIUM) return;
  await withBrowser(async (browser) => {
    await withRuntime(SITE, async ({ url, store }) => {
      const page = await browser.newPage();
      await logIn(page, url);
      await page.goto(`${url}/_pagemap/admin/row?path=%2Fjobs.html`);
      // What a forged form would lack: the token.
      await page.$eval('.admin-remove input[name=csrf]', (input) => input.remove());
      assert.is(await submit(page, '.admin-remove button'), 403);
      assert.match(await contentText(page), /this change carries no valid CSRF token/);
      assert.is(store.get('/jobs.html')?.status, 410);
      // With it, the same button removes the row.
      await page.goto(`${url}/_pagemap/admin/row?path=%2Fjobs.html`);
      assert.is(await submit(page, '.admin-remove button'), 200);
      assert.match(await contentText(page), /removed: \/jobs.html/);
      assert.is(store.get('/jobs.html'), undefined);
    });
  });
});

Admin.run();
