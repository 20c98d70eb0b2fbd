/**
 * Request resolution (DESIGN.md "Request resolution") and the pure helpers around it: no
 * server, no disk. Every case is a row of a table, so a failure names its input.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from './helpers.js';
import type { Config } from '../core/config.js';
import { canonicalPath, encodePath, isHidden } from '../core/pagePath.js';
import type { PageRow, Status, ValidRow } from '../core/pageRow.js';
import { combinedLogLine, logTime } from '../runtime/accessLog.js';
import { rowForLegacyFile } from '../core/discovery.js';
import { type RequestPathError, type RequestTarget, parseRequestTarget } from '../runtime/requestPath.js';
import { type Resolution, resolveRequest } from '../runtime/resolve.js';
import { etagFor, isNotModified } from '../runtime/fileSender.js';
import { sourceForFile } from '../runtime/watch.js';

type DataRule = Pick<Config, 'dataExtensions' | 'dataMinBytes'>;

function isError(result: RequestTarget | RequestPathError): result is RequestPathError {
  return 'status' in result;
}

/** A parsed target, failing the test (with the input) when it was refused. */
function parsed(raw: string): RequestTarget {
  const result = parseRequestTarget(raw);
  if (isError(result)) assert.unreachable(`${JSON.stringify(raw)} refused with ${result.status}: ${result.reason}`);
  return result as RequestTarget;
}

// ---------------------------------------------------------------------------------------------

const target = suite('parseRequestTarget');

target('accepted targets: path, trailing slash, query, area', () => {
  const cases: readonly (readonly [string, RequestTarget])[] = [
    ['/', { path: '/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/doc/', { path: '/doc/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/doc', { path: '/doc', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/doc/index.html', { path: '/doc/index.html', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a?x=1&y=%20', { path: '/a', hasTrailingSlash: false, query: 'x=1&y=%20', area: 'map' }],
    ['/a?', { path: '/a', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a?q=/..//%zz', { path: '/a', hasTrailingSlash: false, query: 'q=/..//%zz', area: 'map' }],
    ['/a#frag', { path: '/a', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a?q=1#frag', { path: '/a', hasTrailingSlash: false, query: 'q=1', area: 'map' }],
    ['/doc/#frag', { path: '/doc/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['http://host/a%20b?q', { path: '/a b', hasTrailingSlash: false, query: 'q', area: 'map' }],
    ['HTTPS://host:8443/doc/?x=1', { path: '/doc/index.html', hasTrailingSlash: true, query: 'x=1', area: 'map' }],
    // C1 is a valid path character (mojibake page names), unlike C0 and DEL.
    ['/%C2%85', { path: '/\u0085', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/Caf%C3%83%C2%83%C2%A9', { path: '/Caf\u00c3\u0083\u00a9', hasTrailingSlash: false, query: '', area: 'map' }],
    ['http://host', { path: '/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/a%20b', { path: '/a b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a+b', { path: '/a+b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a%2Bb', { path: '/a+b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/caf%C3%A9', { path: '/café', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/caf%c3%a9', { path: '/café', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/cafe%CC%81', { path: '/café', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/cafe\u0301', { path: '/caf\u00e9', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/%2541', { path: '/%41', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/100%25', { path: '/100%', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a%3Fb', { path: '/a?b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a%23b', { path: '/a#b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/%5BQuotes%5D%20%22x%22%20\'y\'', { path: '/[Quotes] "x" \'y\'', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a/b/../c', { path: '/a/c', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a/%2e%2e/c', { path: '/c', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a/..', { path: '/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/a/b/..', { path: '/a/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/a/./b', { path: '/a/b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a/%2e/b', { path: '/a/b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/a/b/.', { path: '/a/b/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['//a///b', { path: '/a/b', hasTrailingSlash: false, query: '', area: 'map' }],
    ['//a//b//', { path: '/a/b/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/_pagemap/style.css', { path: '/_pagemap/style.css', hasTrailingSlash: false, query: '', area: 'assets' }],
    ['/_pagemap/../doc/', { path: '/doc/index.html', hasTrailingSlash: true, query: '', area: 'map' }],
    ['/data/ftp/x.tgz', { path: '/data/ftp/x.tgz', hasTrailingSlash: false, query: '', area: 'data' }],
    ['/data/ftp/x%20y.tgz?mirror=1', { path: '/data/ftp/x y.tgz', hasTrailingSlash: false, query: 'mirror=1', area: 'data' }],
    ['/database', { path: '/database', hasTrailingSlash: false, query: '', area: 'map' }],
    ['/_pagemapper', { path: '/_pagemapper', hasTrailingSlash: false, query: '', area: 'map' }],
  ];
  for (const [raw, expected] of cases) assert.equal(parseRequestTarget(raw), expected, JSON.stringify(raw));
});

target('refused targets: 400 for what is malformed, 404 for what no row can hold', () => {
  const cases: readonly (readonly [string, 400 | 404])[] = [
    // Encoded slash and NUL: Apache (AllowEncodedSlashes Off) says 404.
    ['/a%2Fb', 404],
    ['/a%2fb', 404],
    ['/%2F', 404],
    ['/a%00', 404],
    ['/a%00b.html', 404],
    // Escapes that are not two hex digits.
    ['/%zz', 400],
    ['/%4', 400],
    ['/a%', 400],
    ['/%', 400],
    ['/a%4?x', 400],
    // Not UTF-8.
    ['/%FF', 400],
    ['/%C3%28', 400],
    ['/%C3', 400],
    ['/%ED%A0%80', 400], // an encoded surrogate
    ['/%C0%AF', 400], // overlong /
    // Control characters, raw or encoded.
    ['/a\nb', 400],
    ['/a\rb', 400],
    ['/a\tb', 400],
    ['/a\x00b', 400],
    ['/a\x7fb', 400],
    ['/%0A', 400],
    ['/%0d', 400],
    ['/%09', 400],
    ['/%7F', 400],
    // Climbing above the root.
    ['/..', 400],
    ['/../', 400],
    ['/../etc/passwd', 400],
    ['/a/../../b', 400],
    ['/%2e%2e/x', 400],
    ['/%2E%2E/x', 400],
    ['/.%2e/x', 400],
    ['/./../x', 400],
    ['//../x', 400],
    // Not an origin-form path.
    ['*', 400],
    ['a', 400],
    ['', 400],
    ['?x=1', 400],
    ['ftp://host/a', 400],
    ['http://[bad/x', 400],
    // Names no row can hold.
    ['/a/.pagemap-page', 404],
    ['/.pagemap-page', 404],
    ['/a\\b', 404],
    ['/a%5Cb', 404],
    ['/a%5cb', 404],
    ['/' + 'x'.repeat(256), 404],
  ];
  for (const [raw, status] of cases) {
    const result = parseRequestTarget(raw);
    assert.ok(isError(result), `${JSON.stringify(raw)} accepted as ${JSON.stringify(result)}`);
    assert.is((result as RequestPathError).status, status, JSON.stringify(raw));
    assert.type((result as RequestPathError).reason, 'string');
    assert.ok((result as RequestPathError).reason.length > 0, JSON.stringify(raw));
  }
});

target('generated hostile targets never yield an unsafe path', () => {
  const pieces = [
    '..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%2e', '', 'a', 'b', 'é', '%C3%A9', 'e\u0301', '%00', '\x00',
    '%0a', '%0D', '\n', '%09', '%7f', '%c2%85', '%5c', '\\', '%2f', '%25', '%252e%252e', '%', '%zz', '%FF', ' ',
    '+', '"', '%22', '[', '~', 'index.html', '.pagemap-page', '%3F', '%23', '?x=..', '#../..',
  ];
  const next = seededRandom(20061126);
  const pick = () => pieces[Math.floor(next() * pieces.length)]!;
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 60; i++) {
    const segments: string[] = [];
    const count = 1 + Math.floor(next() * 5);
    for (let j = 0; j < count; j++) segments.push(next() < 0.3 ? pick() + pick() : pick());
    const raw = (i % 6 === 5 ? 'http://host' : '') + '/' + segments.join('/');
    const result = parseRequestTarget(raw);
    const where = `${JSON.stringify(raw)} → ${JSON.stringify(result)}`;
    if (isError(result)) {
      assert.ok(result.status === 400 || result.status === 404, where);
      refused++;
      continue;
    }
    accepted++;
    const { path } = result;
    assert.ok(path.startsWith('/'), `not absolute: ${where}`);
    assert.ok(path.isWellFormed(), `not well-formed: ${where}`);
    assert.not.ok(path.split('/').slice(1).some((s) => s === '..' || s === '.' || s === ''), `dot or empty segment: ${where}`);
    assert.not.ok(path.includes('\0'), `NUL: ${where}`);
    assert.not.ok(/[\x00-\x1f\x7f]/.test(path), `control character: ${where}`);
    assert.not.ok(path.includes('\\'), `backslash: ${where}`);
    assert.is(path, path.normalize('NFC'), `not NFC: ${where}`);
    // The canonical path, encoded as a link, reads back to itself.
    if (result.area === 'map') assert.is(parsed(encodePath(path)).path, path, `round trip: ${where}`);
  }
  assert.ok(accepted >= 10, `only ${accepted} of 60 accepted; the generator is too hostile to test anything`);
  assert.ok(refused >= 10, `only ${refused} of 60 refused; the generator is too tame`);
});

target('an absolute-form target that climbs above the root is refused too', () => {
  // Origin-form `/../etc/passwd` is 400 (rule 2), and Apache also answers 400 for the
  // absolute form; the runtime lets WHATWG URL clamp the `..` and looks up /etc/passwd.
  for (const raw of ['http://host/../etc/passwd', 'http://host/%2e%2e/x', 'http://host/a/../../b']) {
    const result = parseRequestTarget(raw);
    assert.ok(isError(result) && result.status === 400, `${JSON.stringify(raw)} → ${JSON.stringify(result)}`);
  }
});

target('an absolute-form target keeps a backslash literal, as origin form does', () => {
  // Origin-form `/a\b` is 404 (no row can hold it); the absolute form becomes the page /a/b.
  const origin = parseRequestTarget('/a\\b');
  const absolute = parseRequestTarget('http://host/a\\b');
  assert.ok(isError(origin) && origin.status === 404, JSON.stringify(origin));
  assert.equal(absolute, origin, `"http://host/a\\\\b" → ${JSON.stringify(absolute)}`);
});

target.run();

// ---------------------------------------------------------------------------------------------

const resolve = suite('resolveRequest');

function row(path: string, status: Status, source = ''): PageRow {
  return { path, status, source, created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z', origin: 'manual' };
}

const ROWS = new Map(
  [
    row('/index.html', 200, 'wiki:Home'),
    row('/doc/index.html', 200, 'wiki:Doc'),
    row('/a b', 200, 'file:a b.html'),
    row('/Guide', 200, 'wiki:Guide'),
    row('/Guide/Download', 200, 'wiki:Guide/Download'),
    row('/both', 200, 'wiki:Both'),
    row('/both/index.html', 200, 'wiki:BothIndex'),
    row('/Café/index.html', 200, 'wiki:Cafe'),
    row('/moved/index.html', 301, '/elsewhere/'),
    row('/gonedir/index.html', 410),
    row('/old', 301, '/Café Society'),
    row('/old-encoded', 301, '/Caf%C3%A9%20Society'),
    row('/temp', 302, '/new?lang=en'),
    row('/ext', 301, 'https://www.python.org/about/'),
    row('/ext-query', 302, 'https://www.python.org/search?q=a b'),
    row('/gone', 410),
    row('/nope', 404),
  ].map((r) => [r.path, r]),
);

const lookups: string[] = [];
function getRow(path: string): PageRow | undefined {
  lookups.push(path);
  return ROWS.get(path);
}

const page = (path: string): Resolution => ({ kind: 'page', row: ROWS.get(path)! });

resolve('only GET and HEAD are served', () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'head', '']) {
    const result = resolveRequest(method, '/doc/', getRow);
    assert.is(result.kind, 'error', method);
    assert.is((result as { status: number }).status, 405, method);
  }
  for (const method of ['GET', 'HEAD']) assert.equal(resolveRequest(method, '/doc/', getRow), page('/doc/index.html'), method);
});

resolve('a 405 is decided before the path is looked at', () => {
  lookups.length = 0;
  const result = resolveRequest('POST', '/../etc/passwd', getRow);
  assert.is((result as { status: number }).status, 405);
  assert.equal(lookups, []);
});

resolve('rows by status', () => {
  const cases: readonly (readonly [string, Resolution])[] = [
    ['/', page('/index.html')],
    ['/index.html', page('/index.html')],
    ['/doc/', page('/doc/index.html')],
    ['/doc/?x=1', page('/doc/index.html')],
    ['/a%20b', page('/a b')],
    ['/a b', page('/a b')],
    ['/x/../a%20b#top', page('/a b')],
    ['/old', { kind: 'redirect', status: 301, location: '/Caf%C3%A9%20Society' }],
    ['/old-encoded', { kind: 'redirect', status: 301, location: '/Caf%C3%A9%20Society' }],
    ['/old?from=wiki&x=%20', { kind: 'redirect', status: 301, location: '/Caf%C3%A9%20Society?from=wiki&x=%20' }],
    ['/temp', { kind: 'redirect', status: 302, location: '/new?lang=en' }],
    ['/temp?lang=de', { kind: 'redirect', status: 302, location: '/new?lang=en' }],
    ['/ext', { kind: 'redirect', status: 301, location: 'https://www.python.org/about/' }],
    ['/ext?x=1', { kind: 'redirect', status: 301, location: 'https://www.python.org/about/?x=1' }],
    ['/ext-query?x=1', { kind: 'redirect', status: 302, location: 'https://www.python.org/search?q=a%20b' }],
    ['/gone', { kind: 'status', status: 410, path: '/gone' }],
    ['/gone?x=1', { kind: 'status', status: 410, path: '/gone' }],
    ['/nope', { kind: 'status', status: 404, path: '/nope' }],
  ];
  for (const [raw, expected] of cases) assert.equal(resolveRequest('GET', raw, getRow), expected, JSON.stringify(raw));
});

resolve('DirectorySlash: /doc answers 301 to /doc/ only when /doc/index.html is a page', () => {
  const cases: readonly (readonly [string, Resolution])[] = [
    ['/doc', { kind: 'redirect', status: 301, location: '/doc/' }],
    ['/doc?x=1&y=2', { kind: 'redirect', status: 301, location: '/doc/?x=1&y=2' }],
    ['/a/../doc', { kind: 'redirect', status: 301, location: '/doc/' }],
    ['/Caf%C3%A9', { kind: 'redirect', status: 301, location: '/Caf%C3%A9/' }],
    // The index is a redirect, a 410, or absent: no slash redirect, the path is a miss.
    ['/moved', { kind: 'miss', path: '/moved' }],
    ['/moved/', { kind: 'redirect', status: 301, location: '/elsewhere/' }],
    ['/gonedir', { kind: 'miss', path: '/gonedir' }],
    ['/gonedir/', { kind: 'status', status: 410, path: '/gonedir/index.html' }],
    ['/absent', { kind: 'miss', path: '/absent' }],
    // An exact row wins over the slash redirect.
    ['/both', page('/both')],
    ['/both/', page('/both/index.html')],
    ['/Guide', page('/Guide')],
  ];
  for (const [raw, expected] of cases) assert.equal(resolveRequest('GET', raw, getRow), expected, JSON.stringify(raw));
});

resolve('a page that is also a prefix of other pages', () => {
  assert.equal(resolveRequest('GET', '/Guide', getRow), page('/Guide'));
  assert.equal(resolveRequest('GET', '/Guide/Download', getRow), page('/Guide/Download'));
  assert.equal(resolveRequest('HEAD', '/Guide/Download?x', getRow), page('/Guide/Download'));
  assert.equal(resolveRequest('GET', '/Guide/', getRow), { kind: 'miss', path: '/Guide/index.html' });
  assert.equal(resolveRequest('GET', '/Guide/Other', getRow), { kind: 'miss', path: '/Guide/Other' });
});

resolve('no row: a miss with the canonical path', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['/nothing', '/nothing'],
    ['/nothing?x=1', '/nothing'],
    ['/nothing/', '/nothing/index.html'],
    ['/caf%C3%A9%20au%20lait', '/café au lait'],
    ['/cafe%CC%81', '/café'],
    ['/%2541', '/%41'],
    ['//x//y/./z/..', '/x/y/index.html'],
    ['http://host/q%3F', '/q?'],
  ];
  for (const [raw, path] of cases) assert.equal(resolveRequest('GET', raw, getRow), { kind: 'miss', path }, JSON.stringify(raw));
});

resolve('the lookup sees canonical paths only', () => {
  lookups.length = 0;
  resolveRequest('GET', '/x/%2e%2e/cafe%CC%81', getRow);
  // The exact row, the folder's index (DirectorySlash), then the prefix rows over it: just "/".
  assert.equal(lookups, ['/café', '/café/index.html', '/']);
});

resolve('assets and data never touch the map', () => {
  const cases: readonly (readonly [string, Resolution])[] = [
    ['/_pagemap/style.css', { kind: 'asset', rel: 'style.css' }],
    ['/_pagemap/img/logo.svg?v=2', { kind: 'asset', rel: 'img/logo.svg' }],
    ['/data/ftp/x.tgz', { kind: 'data', rel: 'ftp/x.tgz' }],
    ['/data/ftp/../dl/Python%202.5.msi', { kind: 'data', rel: 'dl/Python 2.5.msi' }],
    ['//data//ftp/x.tgz', { kind: 'data', rel: 'ftp/x.tgz' }],
  ];
  for (const [raw, expected] of cases) {
    lookups.length = 0;
    assert.equal(resolveRequest('GET', raw, getRow), expected, JSON.stringify(raw));
    assert.equal(lookups, [], `${JSON.stringify(raw)} looked up the map`);
  }
});

resolve('bad paths pass their status through', () => {
  const cases: readonly (readonly [string, 400 | 404])[] = [
    ['/..', 400],
    ['/%zz', 400],
    ['/%FF', 400],
    ['/%0A', 400],
    ['/a%2Fb', 404],
    ['/a%00', 404],
    ['/a\\b', 404],
    ['/a/.pagemap-page', 404],
  ];
  for (const [raw, status] of cases) {
    const result = resolveRequest('GET', raw, getRow);
    assert.is(result.kind, 'error', JSON.stringify(raw));
    assert.is((result as { status: number }).status, status, JSON.stringify(raw));
  }
});

resolve('the request query goes before the target fragment', () => {
  // Location `/new#top?x=1` makes `top?x=1` the fragment: the query is lost, not passed on.
  const rows = new Map([row('/anchor', 301, '/new#top'), row('/anchor-q', 301, '/new#a?b')].map((r) => [r.path, r]));
  assert.equal(resolveRequest('GET', '/anchor?x=1', (p) => rows.get(p)), { kind: 'redirect', status: 301, location: '/new?x=1#top' });
  assert.equal(resolveRequest('GET', '/anchor-q?x=1', (p) => rows.get(p)), { kind: 'redirect', status: 301, location: '/new?x=1#a?b' });
});

resolve.run();

// ---------------------------------------------------------------------------------------------

const conditional = suite('etagFor and isNotModified');

conditional('etagFor: quoted hex of mtime (µs) and size, as Apache writes it', () => {
  const etag = etagFor({ size: 10, mtimeMs: 1500.7 });
  assert.is(etag, '"16e61c-a"');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.is.not(etagFor({ size: 11, mtimeMs: 1500.7 }), etag);
  assert.is.not(etagFor({ size: 10, mtimeMs: 1500.8 }), etag);
  assert.is.not(etagFor({ size: 10, mtimeMs: 2_000_000_000_000 }), etag);
  assert.is(etagFor({ size: 10, mtimeMs: 1500.7 }), etag);
});

function requestWith(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

conditional('isNotModified', () => {
  const etag = '"16e61c-a"';
  const mtimeMs = 1_500_700; // 1500.7 s
  const at = (seconds: number) => new Date(seconds * 1000).toUTCString();
  const cases: readonly (readonly [Record<string, string>, boolean])[] = [
    [{}, false],
    [{ 'if-none-match': etag }, true],
    [{ 'if-none-match': `"x", ${etag}` }, true],
    [{ 'if-none-match': `"x",${etag}` }, true],
    [{ 'if-none-match': `  "x" ,  ${etag}  ` }, true],
    [{ 'if-none-match': `W/${etag}` }, true],
    [{ 'if-none-match': `"x", W/${etag}` }, true],
    [{ 'if-none-match': '*' }, true],
    [{ 'if-none-match': '"x"' }, false],
    [{ 'if-none-match': '"x", "y"' }, false],
    [{ 'if-none-match': '16e61c-a' }, false],
    [{ 'if-none-match': '' }, false],
    // If-None-Match present wins over If-Modified-Since, either way.
    [{ 'if-none-match': '"x"', 'if-modified-since': at(2000) }, false],
    [{ 'if-none-match': etag, 'if-modified-since': at(1000) }, true],
    // If-Modified-Since alone, at second precision.
    [{ 'if-modified-since': at(1500) }, true],
    [{ 'if-modified-since': at(1501) }, true],
    [{ 'if-modified-since': at(1499) }, false],
    [{ 'if-modified-since': 'not a date' }, false],
    [{ 'if-modified-since': '' }, false],
  ];
  for (const [headers, expected] of cases) assert.is(isNotModified(requestWith(headers), etag, mtimeMs), expected, JSON.stringify(headers));
});

conditional.run();

// ---------------------------------------------------------------------------------------------

const log = suite('accessLog');

log('logTime: Apache %t in UTC', () => {
  const cases: readonly (readonly [Date, string])[] = [
    [new Date(Date.UTC(2026, 10, 26, 23, 13, 35)), '[26/Nov/2026:23:13:35 +0000]'],
    [new Date(Date.UTC(2006, 0, 5, 3, 4, 5, 999)), '[05/Jan/2006:03:04:05 +0000]'],
    [new Date(0), '[01/Jan/1970:00:00:00 +0000]'],
    [new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), '[31/Dec/1999:23:59:59 +0000]'],
  ];
  for (const [date, expected] of cases) assert.is(logTime(date), expected, date.toISOString());
});

interface FakeRequest {
  method?: string;
  httpVersion: string;
  socket: { remoteAddress?: string };
  headers: Record<string, string>;
}

function logLine(req: FakeRequest, url: string, status: number, bytes: number): string {
  return combinedLogLine(req as unknown as IncomingMessage, url, status, bytes, new Date(Date.UTC(2026, 10, 26, 23, 13, 35)));
}

log('combinedLogLine: the exact combined format', () => {
  const req: FakeRequest = {
    method: 'GET',
    httpVersion: '1.1',
    socket: { remoteAddress: '203.0.113.7' },
    headers: { referer: 'https://example.org/from', 'user-agent': 'curl/8.5.0' },
  };
  assert.is(
    logLine(req, '/a%20b?x=1', 200, 1234),
    '203.0.113.7 - - [26/Nov/2026:23:13:35 +0000] "GET /a%20b?x=1 HTTP/1.1" 200 1234 "https://example.org/from" "curl/8.5.0"',
  );
});

log('combinedLogLine: request-controlled values are escaped', () => {
  const base = { method: 'GET', httpVersion: '1.0', socket: { remoteAddress: '::1' } };
  const cases: readonly (readonly [FakeRequest, string, number, number, string])[] = [
    [{ ...base, headers: { 'user-agent': 'a "quoted" \\ agent' } }, '/', 200, 5, '::1 - - [26/Nov/2026:23:13:35 +0000] "GET / HTTP/1.0" 200 5 "-" "a \\"quoted\\" \\\\ agent"'],
    [{ ...base, headers: { 'user-agent': 'x\ny\tz\x7f\x00', referer: 'r\r\n' } }, '/', 200, 5, '::1 - - [26/Nov/2026:23:13:35 +0000] "GET / HTTP/1.0" 200 5 "r\\x0d\\x0a" "x\\x0ay\\x09z\\x7f\\x00"'],
    [{ ...base, headers: {} }, '/a"b', 404, 0, '::1 - - [26/Nov/2026:23:13:35 +0000] "GET /a\\"b HTTP/1.0" 404 - "-" "-"'],
    [{ ...base, headers: { referer: '', 'user-agent': '' } }, '/', 304, 0, '::1 - - [26/Nov/2026:23:13:35 +0000] "GET / HTTP/1.0" 304 - "-" "-"'],
    [{ httpVersion: '1.1', socket: {}, headers: {} }, '*', 400, 12, '- - - [26/Nov/2026:23:13:35 +0000] "- * HTTP/1.1" 400 12 "-" "-"'],
  ];
  for (const [req, url, status, bytes, expected] of cases) {
    const line = logLine(req, url, status, bytes);
    assert.is(line, expected, JSON.stringify(req.headers));
    assert.not.ok(/[\x00-\x1f\x7f]/.test(line), `raw control character in ${JSON.stringify(line)}`);
  }
});

log.run();

// ---------------------------------------------------------------------------------------------

const discover = suite('discover: isHidden and rowForLegacyFile');

const RULE: DataRule = { dataExtensions: ['.tar.gz', '.tgz', '.zip', '.msi'], dataMinBytes: 1_000_000 };
const NO_SIZE_RULE: DataRule = { dataExtensions: ['.tar.gz', '.tgz'], dataMinBytes: undefined };

discover('isHidden', () => {
  const cases: readonly (readonly [string, boolean])[] = [
    ['.htaccess', true],
    ['.git/config', true],
    ['a/.svn/entries', true],
    ['doc/.#index.html', true],
    ['doc/.index.html.swp', true],
    ['index.html', false],
    ['a.b/c.d', false],
    ['doc/x.html', false],
    ['..data', true],
  ];
  for (const [rel, expected] of cases) assert.is(isHidden(rel), expected, rel);
});

discover('rows for ordinary files and data resources', () => {
  const cases: readonly (readonly [DataRule, string, number, ValidRow])[] = [
    [RULE, 'a b.html', 10, { path: '/a b.html', status: 200, source: 'file:a b.html' }],
    [RULE, 'index.html', 10, { path: '/index.html', status: 200, source: 'file:index.html' }],
    [RULE, 'doc/index.html', 10, { path: '/doc/index.html', status: 200, source: 'file:doc/index.html' }],
    [RULE, 'dl/x.tar.gz', 10, { path: '/dl/x.tar.gz', status: 302, source: '/data/dl/x.tar.gz' }],
    [RULE, 'X.TGZ', 10, { path: '/X.TGZ', status: 302, source: '/data/X.TGZ' }],
    [RULE, 'dl/Python 2.5.msi', 10, { path: '/dl/Python 2.5.msi', status: 302, source: '/data/dl/Python 2.5.msi' }],
    // The size rule: at least dataMinBytes is data.
    [RULE, 'big.bin', 1_000_000, { path: '/big.bin', status: 302, source: '/data/big.bin' }],
    [RULE, 'big.html', 5_000_000, { path: '/big.html', status: 302, source: '/data/big.html' }],
    [RULE, 'small.bin', 999_999, { path: '/small.bin', status: 200, source: 'file:small.bin' }],
    [NO_SIZE_RULE, 'huge.bin', 5_000_000_000, { path: '/huge.bin', status: 200, source: 'file:huge.bin' }],
    [NO_SIZE_RULE, 'x.zip', 10, { path: '/x.zip', status: 200, source: 'file:x.zip' }],
    // A name that is only the extension is not a data resource by extension.
    [NO_SIZE_RULE, 'dl/tgz', 10, { path: '/dl/tgz', status: 200, source: 'file:dl/tgz' }],
    // An NFD name: the path is NFC, the source names the real file.
    [RULE, 'cafe\u0301.html', 10, { path: '/caf\u00e9.html', status: 200, source: 'file:cafe\u0301.html' }],
  ];
  for (const [rule, rel, size, expected] of cases) assert.equal(rowForLegacyFile(rule, rel, size), expected, `${JSON.stringify(rel)} (${size} bytes)`);
});

discover('hidden files, and names no row can hold, are skipped with a reason', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['.htaccess', 'hidden'],
    ['.git/config', 'hidden'],
    ['a/.svn/entries', 'hidden'],
    ['doc/.#index.html', 'hidden'],
    ['.tgz', 'hidden'],
    ['a\\b.html', 'backslash'],
    ['dir\\x.tgz', 'backslash'],
    ['a\nb.html', 'control character'],
    ['a/.pagemap-page', 'hidden'],
  ];
  for (const [rel, reason] of cases) {
    const result = rowForLegacyFile(RULE, rel, 10);
    assert.ok('skipped' in result, `${JSON.stringify(rel)} got a row ${JSON.stringify(result)}`);
    const { skipped } = result as { skipped: string };
    assert.ok(skipped.startsWith(`${rel}: `), `${JSON.stringify(skipped)} does not name ${JSON.stringify(rel)}`);
    assert.ok(skipped.includes(reason), `${JSON.stringify(skipped)} lacks ${JSON.stringify(reason)}`);
  }
});

/** The legacy file a row's source names, as the build and Apache read it. */
function fileOfRow(row: ValidRow): string {
  if (row.status === 200) return row.source.slice('file:'.length);
  return canonicalPath(row.source, { allowReserved: true }).slice('/data/'.length);
}

discover('a file named 100%41.html gets the path /100%41.html', () => {
  // The name is literal: its path is /100%41.html (linked as /100%2541.html). rowForLegacyFile
  // hands the canonical path to validateRow, which decodes %41 a second time.
  assert.equal(rowForLegacyFile(RULE, '100%41.html', 10), { path: '/100%41.html', status: 200, source: 'file:100%41.html' });
  const data = rowForLegacyFile(RULE, 'dl/100%41.tgz', 10);
  assert.is((data as ValidRow).path, '/dl/100%41.tgz', JSON.stringify(data));
  assert.is(fileOfRow(data as ValidRow), 'dl/100%41.tgz', JSON.stringify(data));
});

discover('files named q?.html and h#.html get paths with ? and #', () => {
  for (const rel of ['q?.html', 'h#.html', 'faq/What?.html']) {
    const result = rowForLegacyFile(RULE, rel, 10);
    assert.equal(result, { path: '/' + rel, status: 200, source: 'file:' + rel }, JSON.stringify(rel));
  }
  const data = rowForLegacyFile(RULE, 'dl/#1.tgz', 10);
  assert.is((data as ValidRow).path, '/dl/#1.tgz', JSON.stringify(data));
  assert.is(fileOfRow(data as ValidRow), 'dl/#1.tgz', JSON.stringify(data));
});

discover('a file with % that starts no escape keeps its name', () => {
  assert.equal(rowForLegacyFile(RULE, '100%.html', 10), { path: '/100%.html', status: 200, source: 'file:100%.html' });
  assert.equal(rowForLegacyFile(RULE, '%zz.html', 10), { path: '/%zz.html', status: 200, source: 'file:%zz.html' });
});

discover.run();

// ---------------------------------------------------------------------------------------------

const watchSources = suite('watch: sourceForFile');

watchSources('the page source a changed file feeds', () => {
  const roots = { wikiDir: join('/site', 'wiki'), legacyDir: join('/site', 'legacy') };
  const cases: readonly (readonly [string, string | undefined])[] = [
    [join(roots.wikiDir, 'Home.md'), 'wiki:Home'],
    [join(roots.wikiDir, 'A', 'B.md'), 'wiki:A/B'],
    [join(roots.wikiDir, 'Café Society.md'), 'wiki:Café Society'],
    [join(roots.wikiDir, 'logo.png'), undefined],
    [join(roots.wikiDir, 'A', 'notes.txt'), undefined],
    [roots.wikiDir, undefined],
    [join(roots.legacyDir, 'index.html'), 'file:index.html'],
    [join(roots.legacyDir, 'a', 'b c.html'), 'file:a/b c.html'],
    [join(roots.legacyDir, 'doc', 'page.md'), 'file:doc/page.md'],
    [join('/site', 'other', 'x.md'), undefined],
    [join('/site', 'wikiold', 'Home.md'), undefined],
    [join('/site', 'legacy-old', 'x.html'), undefined],
    ['/elsewhere/x.html', undefined],
  ];
  for (const [file, expected] of cases) assert.is(sourceForFile(roots, file), expected, file);
});

watchSources.run();
