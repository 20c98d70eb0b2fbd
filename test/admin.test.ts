/**
 * The admin page over real HTTP (the runtime on port 0): who is let in, logins, sessions,
 * CSRF, the map's list, search, filters and paging, row changes with the CLI's validation and
 * messages, misses made into rows, the status view; and the bounds of what anonymous clients
 * feed. The same flows in a real browser are in adminBrowser.test.ts.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashPassword } from '../core/adminPassword.js';
import { AdminAccess, MAX_FAILED_LOGINS, MAX_LOGIN_CLIENTS, MAX_SESSIONS, SESSION_IDLE_MS } from '../runtime/admin/adminAccess.js';
import { MAX_FORM_BYTES, ROWS_PER_PAGE } from '../runtime/admin/adminServer.js';
import { type SiteSpec, runCli, withRuntime } from './helpers.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (fetch would not let a test set Host). */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers = { ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } : {}), ...options.headers };
    const req = request(url, { method: options.method ?? (body ? 'POST' : 'GET'), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The session cookie a response sets, as a Cookie header value. */
function cookieOf(answer: Answer): string {
  const set = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const cookie = set.find((line) => line.startsWith('pagemap_admin='));
  assert.ok(cookie, `a session cookie: ${JSON.stringify(set)}`);
  return cookie!.split(';')[0]!;
}

function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'the page carries a CSRF token');
  return match![1]!;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** A local admin session: its cookie and token. */
async function openLocal(url: string): Promise<{ cookie: string; csrf: string }> {
  const first = await call(`${url}/_pagemap/admin`);
  assert.is(first.status, 200, first.body);
  return { cookie: cookieOf(first), csrf: csrfOf(first.body) };
}

const SITE: SiteSpec = {
  files: {
    'wiki/Front.md': '# Front\n\nThe front page.\n',
    'wiki/Other.md': '# Other\n\nAnother page.\n',
    'legacy/old/page.html': '<html><head><title>Old</title></head><body><p>Old words.</p></body></html>\n',
  },
  rows: [
    { path: '/index.html', status: 200, source: 'wiki:Front' },
    { path: '/old/page.html', status: 200, source: 'file:old/page.html' },
    { path: '/gone.html', status: 410 },
  ],
  build: true,
};

const PASSWORD = 'correct horse battery';
const HASH = hashPassword(PASSWORD);

const Access = suite('admin: who is let in');

Access('a loopback client is let in with a session cookie (HttpOnly, SameSite=Strict, the admin path only) and nothing is written into public/', async () => {
  await withRuntime(SITE, async ({ url, config }) => {
    const answer = await call(`${url}/_pagemap/admin`);
    assert.is(answer.status, 200);
    assert.match(String(answer.headers['set-cookie']), /^pagemap_admin=[A-Za-z0-9_-]{43}; Path=\/_pagemap\/admin; HttpOnly; SameSite=Strict$/);
    assert.is(answer.headers['cache-control'], 'no-store');
    assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.match(answer.body, /<h1>Page map<\/h1>/);
    assert.match(answer.body, /<link rel="stylesheet" href="\/_pagemap\/style.css">/, 'in the site\'s look');
    assert.not.match(answer.body, /<script/, 'no script at all');
    assert.not.ok(existsSync(join(config.publicDir, '_pagemap', 'admin')), 'nothing of the admin in public/');
    assert.not.ok(existsSync(join(config.publicDir, '_pagemap', 'admin.html')));
  });
});

Access('a proxied request (X-Forwarded-For, Forwarded, Via, X-Real-IP) or one for a host that is not loopback is never local: closed without a password', async () => {
  await withRuntime(SITE, async ({ url }) => {
    const viaProxy: Record<string, string>[] = [{ 'X-Forwarded-For': '203.0.113.9' }, { Forwarded: 'for=203.0.113.9' }, { Via: '1.1 proxy' }, { 'X-Real-IP': '203.0.113.9' }, { Host: 'evil.example' }];
    for (const headers of viaProxy) {
      const answer = await call(`${url}/_pagemap/admin`, { headers });
      assert.is(answer.status, 403, JSON.stringify(headers));
      assert.match(answer.body, /answers only local requests .* until a password is set: run pagemap admin-password/);
      assert.is(answer.headers['set-cookie'], undefined);
    }
    // A session made locally is not honoured once the request comes through a proxy.
    const { cookie } = await openLocal(url);
    const proxied = await call(`${url}/_pagemap/admin`, { headers: { Cookie: cookie, 'X-Forwarded-For': '203.0.113.9' } });
    assert.is(proxied.status, 403);
  });
});

Access('with trustLoopback false even a loopback client logs in; a wrong password is refused, the right one opens a session', async () => {
  await withRuntime({ ...SITE, settings: { admin: { trustLoopback: false, passwordHash: HASH } } }, async ({ url }) => {
    const asked = await call(`${url}/_pagemap/admin/misses`);
    assert.is(asked.status, 401);
    assert.match(asked.body, /<input type="password" name="password"/);
    assert.match(asked.body, /name="next" value="\/_pagemap\/admin\/misses"/);
    const wrong = await call(`${url}/_pagemap/admin/login`, { body: form({ password: 'not it at all', next: '/_pagemap/admin/misses' }) });
    assert.is(wrong.status, 401);
    assert.match(wrong.body, /wrong password/);
    assert.is(wrong.headers['set-cookie'], undefined);
    const right = await call(`${url}/_pagemap/admin/login`, { body: form({ password: PASSWORD, next: '/_pagemap/admin/misses' }) });
    assert.is(right.status, 303);
    assert.is(right.headers.location, '/_pagemap/admin/misses');
    const cookie = cookieOf(right);
    const inside = await call(`${url}/_pagemap/admin/misses`, { headers: { Cookie: cookie } });
    assert.is(inside.status, 200);
    assert.match(inside.body, /<h1>Misses<\/h1>/);
    // Elsewhere than the admin is never a place to go after logging in.
    const away = await call(`${url}/_pagemap/admin/login`, { body: form({ password: PASSWORD, next: 'https://evil.example/' }) });
    assert.is(away.headers.location, '/_pagemap/admin');
    // Logging out ends the session on the server, not only in the browser.
    const out = await call(`${url}/_pagemap/admin/logout`, { headers: { Cookie: cookie }, body: form({ csrf: csrfOf(inside.body) }) });
    assert.is(out.status, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.is((await call(`${url}/_pagemap/admin/misses`, { headers: { Cookie: cookie } })).status, 401);
  });
});

Access('a proxied client logs in with the password, and its session stays good through the proxy', async () => {
  await withRuntime({ ...SITE, settings: { admin: { passwordHash: HASH } } }, async ({ url }) => {
    const proxy = { 'X-Forwarded-For': '203.0.113.9', Host: 'www.example.org' };
    assert.is((await call(`${url}/_pagemap/admin`, { headers: proxy })).status, 401);
    const right = await call(`${url}/_pagemap/admin/login`, { headers: proxy, body: form({ password: PASSWORD }) });
    assert.is(right.status, 303);
    assert.is((await call(`${url}/_pagemap/admin`, { headers: { ...proxy, Cookie: cookieOf(right) } })).status, 200);
  });
});

Access(`after ${MAX_FAILED_LOGINS} wrong passwords an address waits, even with the right one`, async () => {
  await withRuntime({ ...SITE, settings: { admin: { trustLoopback: false, passwordHash: HASH } } }, async ({ url }) => {
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) assert.is((await call(`${url}/_pagemap/admin/login`, { body: form({ password: `guess ${i} guess` }) })).status, 401);
    const blocked = await call(`${url}/_pagemap/admin/login`, { body: form({ password: PASSWORD }) });
    assert.is(blocked.status, 429);
    assert.match(blocked.body, /too many wrong passwords from this address: try again in 15 minutes/);
    assert.is(blocked.headers['set-cookie'], undefined);
  });
});

const Bounds = suite('admin: the tables anonymous clients feed are bounded');

/** A request as AdminAccess reads it. */
function fakeRequest(address: string, headers: Record<string, string> = { host: '127.0.0.1:8080' }) {
  return { socket: { remoteAddress: address }, headers } as unknown as import('node:http').IncomingMessage;
}

Bounds(`at most ${MAX_SESSIONS} sessions: the longest idle goes first`, () => {
  let now = 0;
  const access = new AdminAccess({ trustLoopback: true, passwordHash: undefined }, () => now);
  const first = access.check(fakeRequest('127.0.0.1'));
  assert.is(first.kind, 'in');
  for (let i = 0; i < MAX_SESSIONS * 2; i++) (now++, access.check(fakeRequest('127.0.0.1')));
  assert.is(access.sessionCount, MAX_SESSIONS);
  const cookie = { host: '127.0.0.1', cookie: `pagemap_admin=${(first as { session: { id: string } }).session.id}` };
  const again = access.check(fakeRequest('127.0.0.1', cookie));
  assert.ok(again.kind === 'in' && again.isNew, 'the first session was let go: a new one is made');
});

Bounds('a session idle too long is over', () => {
  let now = 0;
  const access = new AdminAccess({ trustLoopback: false, passwordHash: HASH }, () => now);
  const local = new AdminAccess({ trustLoopback: true, passwordHash: undefined }, () => now);
  const made = local.check(fakeRequest('127.0.0.1'));
  assert.is(access.check(fakeRequest('127.0.0.1')).kind, 'login');
  const id = (made as { session: { id: string } }).session.id;
  now += SESSION_IDLE_MS - 1;
  assert.is(local.check(fakeRequest('127.0.0.1', { host: 'localhost', cookie: `pagemap_admin=${id}` })).kind, 'in');
  now += SESSION_IDLE_MS + 1;
  const later = local.check(fakeRequest('127.0.0.1', { host: 'localhost', cookie: `pagemap_admin=${id}` }));
  assert.ok(later.kind === 'in' && later.session.id !== id);
});

Bounds(`failed logins are remembered for at most ${MAX_LOGIN_CLIENTS} addresses`, async () => {
  // A cheap hash is no hash (isPasswordHash), so the count is checked with the real one, a few times.
  const access = new AdminAccess({ trustLoopback: false, passwordHash: 'scrypt$16384$1$1$AAAAAAAAAAAAAAAAAAAAAA==$' + Buffer.alloc(32).toString('base64') });
  const failures = (access as unknown as { failures: Map<string, number[]> }).failures;
  for (let i = 0; i < MAX_LOGIN_CLIENTS + 50; i++) await access.logIn(fakeRequest(`10.0.${i >> 8}.${i & 255}`, {}), 'wrong');
  assert.is(failures.size, MAX_LOGIN_CLIENTS);
  assert.not.ok(failures.has('10.0.0.0'), 'the oldest address went first');
});

const Csrf = suite('admin: every change needs its session\'s CSRF token');

Csrf('a change without a token, with a wrong one, with another session\'s, or from another origin is refused and writes nothing', async () => {
  await withRuntime(SITE, async ({ url, store }) => {
    const mine = await openLocal(url);
    const theirs = await openLocal(url);
    const change = { action: 'add', path: '/new.html', status: '301', source: '/' };
    const attempts: [string, Record<string, string>, Record<string, string>][] = [
      ['no token', change, {}],
      ['a wrong token', { ...change, csrf: 'x'.repeat(43) }, {}],
      ["another session's token", { ...change, csrf: theirs.csrf }, {}],
      ['another origin', { ...change, csrf: mine.csrf }, { Origin: 'https://evil.example' }],
    ];
    for (const [what, fields, headers] of attempts) {
      const answer = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: mine.cookie, ...headers }, body: form(fields) });
      assert.is(answer.status, 403, what);
      assert.match(answer.body, what === 'another origin' ? /a change from another site \(Origin https:\/\/evil.example\) is refused/ : /this change carries no valid CSRF token/, what);
      assert.is(store.get('/new.html'), undefined, what);
    }
    const accepted = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: mine.cookie, Origin: url }, body: form({ ...change, csrf: mine.csrf }) });
    assert.is(accepted.status, 303);
    assert.is(store.get('/new.html')?.status, 301);
  });
});

Csrf('a form too large or not a form is refused before it is read whole', async () => {
  await withRuntime(SITE, async ({ url }) => {
    const { cookie, csrf } = await openLocal(url);
    const big = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, source: 'x'.repeat(MAX_FORM_BYTES) }) });
    assert.is(big.status, 413);
    const json = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ csrf }) });
    assert.is(json.status, 415);
    assert.is((await call(`${url}/_pagemap/admin`, { method: 'DELETE', headers: { Cookie: cookie } })).status, 405);
  });
});

const Rows = suite('admin: the map listed, searched, filtered, edited');

Rows('paging, search over paths and sources, filters by status, source kind and origin', async () => {
  const many = Array.from({ length: 120 }, (_, i) => ({ path: `/moved/p${String(i).padStart(3, '0')}.html`, status: 301, source: `/new/q${i}` }));
  await withRuntime({ ...SITE, rows: [...SITE.rows!, ...many] }, async ({ url }) => {
    const { cookie } = await openLocal(url);
    const get = async (query: string) => (await call(`${url}/_pagemap/admin${query}`, { headers: { Cookie: cookie } })).body;
    const rowsIn = (html: string) => [...html.matchAll(/<tr><td><a href="\/_pagemap\/admin\/row\?path=[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);
    const first = await get('');
    assert.match(first, /123 rows/);
    assert.is(rowsIn(first).length, ROWS_PER_PAGE);
    assert.match(first, /page 1 of 3/);
    const last = await get('?page=3');
    assert.is(rowsIn(last).length, 123 - 2 * ROWS_PER_PAGE);
    assert.equal(rowsIn(await get('?q=q117')), ['/moved/p117.html'], 'search finds a source');
    assert.equal(rowsIn(await get('?q=p00')), Array.from({ length: 10 }, (_, i) => `/moved/p00${i}.html`), 'and a path');
    assert.equal(rowsIn(await get('?status=410')), ['/gone.html']);
    assert.equal(rowsIn(await get('?kind=file')), ['/old/page.html']);
    assert.equal(rowsIn(await get('?kind=wiki')), ['/index.html']);
    assert.match(await get('?origin=manual'), /No row matches/);
    assert.match(await get('?q=%3Cscript%3E'), /value="&lt;script&gt;"/, 'what was searched for is escaped');
  });
});

Rows('a row refused shows the CLI\'s message and its form again, and writes nothing; an accepted one says what map set says', async () => {
  await withRuntime(SITE, async ({ url, store, dir }) => {
    const { cookie, csrf } = await openLocal(url);
    const bad = { path: '/loop.html', status: '301', source: '/loop.html' };
    const refused = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'add', ...bad }) });
    assert.is(refused.status, 400);
    const cli = await runCli(['map', 'set', bad.path, bad.status, bad.source], { cwd: dir });
    assert.is(cli.code, 1);
    const message = cli.stderr.trim();
    assert.match(message, /^error: /);
    assert.ok(refused.body.includes(`<p>${message.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</p>`), `${message} in\n${refused.body}`);
    assert.ok(refused.body.includes('value="/loop.html"'), 'the form keeps what was typed');
    assert.is(store.get('/loop.html'), undefined);

    const added = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'add', path: '/soon.html', status: '200', source: 'wiki:Soon' }) });
    assert.is(added.status, 303);
    const shown = await call(`${url}${added.headers.location}`, { headers: { Cookie: cookie } });
    assert.match(shown.body, /<p>added: \/soon.html<\/p>/);
    assert.match(shown.body, /<p>warning: wiki page .*Soon.md does not exist \(yet\): \/soon.html answers 404 until it does<\/p>/);
    assert.not.match((await call(`${url}${added.headers.location}`, { headers: { Cookie: cookie } })).body, /added: /, 'a notice is shown once');
  });
});

Rows('changing a row changes the public answer at once (public/ rebuilt before the answer); removing it too', async () => {
  for (const watch of [false, { settleMs: 20 }]) {
    await withRuntime({ ...SITE, runtime: { watch } }, async ({ url, config, store }) => {
      const { cookie, csrf } = await openLocal(url);
      assert.match(await (await fetch(`${url}/`)).text(), /The front page./);
      const saved = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'save', path: '/index.html', status: '200', source: 'wiki:Other' }) });
      assert.is(saved.status, 303, saved.body);
      assert.is(saved.headers.location, '/_pagemap/admin/row?path=%2Findex.html');
      const { readFile } = await import('node:fs/promises');
      assert.match(await readFile(join(config.publicDir, 'index.html'), 'utf8'), /Another page./, `public/ rebuilt (watch: ${JSON.stringify(watch)})`);
      assert.match(await (await fetch(`${url}/`)).text(), /Another page./);
      const removed = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'remove', path: '/old/page.html' }) });
      assert.is(removed.status, 303);
      assert.is(store.get('/old/page.html'), undefined);
      assert.not.ok(existsSync(join(config.publicDir, 'old', 'page.html')), 'its file left public/');
    });
  }
});

const Misses = suite('admin: misses become rows; the status view');

Misses('a miss is listed with its referrer; "Redirect (301)" makes the row and the next request follows it; "Gone (410)" too', async () => {
  await withRuntime(SITE, async ({ url, store }) => {
    assert.is((await fetch(`${url}/lost.html`, { headers: { Referer: 'https://elsewhere.example/links' } })).status, 404);
    assert.is((await fetch(`${url}/dead.html`)).status, 404);
    assert.is((await fetch(`${url}/%3Cscript%3Ex.html`, { headers: { Referer: 'https://x.example/"><script>alert(1)</script>' } })).status, 404);
    const { cookie, csrf } = await openLocal(url);
    const list = await call(`${url}/_pagemap/admin/misses`, { headers: { Cookie: cookie } });
    assert.match(list.body, /<td>\/lost.html<br><span class="admin-meta">1 request, last [^<]+<\/span><\/td><td class="admin-referrer">https:\/\/elsewhere.example\/links<\/td>/);
    // A path and a referrer are anyone's words: escaped where they are shown.
    assert.ok(list.body.includes('<td>/&lt;script&gt;x.html<br>'), list.body);
    assert.ok(list.body.includes('https://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.not.match(list.body, /<script/);
    const made = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'add', return: 'misses', path: '/lost.html', status: '301', source: '/' }) });
    assert.is(made.status, 303);
    assert.is(made.headers.location, '/_pagemap/admin/misses');
    const followed = await fetch(`${url}/lost.html`, { redirect: 'manual' });
    assert.is(followed.status, 301);
    assert.is(followed.headers.get('location'), '/');
    await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'add', return: 'misses', path: '/dead.html', status: '410', source: '' }) });
    assert.is((await fetch(`${url}/dead.html`)).status, 410);
    assert.is(store.get('/dead.html')?.origin, 'manual');
    const after = await call(`${url}/_pagemap/admin/misses`, { headers: { Cookie: cookie } });
    assert.match(after.body, /<p>added: \/dead.html<\/p>/);
    assert.not.match(after.body, /<td>\/(lost|dead).html<br>/, 'both left the list');
    assert.ok(after.body.includes('<td>/&lt;script&gt;x.html<br>'), 'the other is still there');
    // A redirect without a target is refused on the misses page, with the map's message.
    const refused = await call(`${url}/_pagemap/admin/row`, { headers: { Cookie: cookie }, body: form({ csrf, action: 'add', return: 'misses', path: '/again.html', status: '301', source: '' }) });
    assert.is(refused.status, 400);
    assert.match(refused.body, /error: .*needs a target/);
  });
});

Misses('the status view: the wiki share, rows, broken links (checked in a worker) and misses', async () => {
  await withRuntime({ ...SITE, files: { ...SITE.files, 'wiki/Front.md': '# Front\n\n[broken](/nowhere.html)\n' } }, async ({ url }) => {
    const { cookie } = await openLocal(url);
    const answer = await call(`${url}/_pagemap/admin/status`, { headers: { Cookie: cookie } });
    assert.is(answer.status, 200);
    assert.match(answer.body, /<strong>1<\/strong> of 2 pages on the wiki \(<strong>50.0%<\/strong>\), 1 still legacy files./);
    assert.match(answer.body, /<h2>Broken internal links: 1<\/h2>/);
    assert.match(answer.body, /\/nowhere.html → 404/);
  });
});

Access.run();
Bounds.run();
Csrf.run();
Rows.run();
Misses.run();
