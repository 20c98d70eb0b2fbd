import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidRowError } from '../core/errors.js';
import { type RowInput, type ValidRow, isOrigin, isRedirect, isStatus, parseSource, validateRow } from '../core/pageRow.js';

/** validateRow's error, asserting it is an InvalidRowError whose message starts with the row's path. */
function refusal(input: RowInput, path: string): InvalidRowError {
  let caught: unknown;
  try {
    validateRow(input);
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) assert.unreachable(`accepted ${JSON.stringify(input)}`);
  assert.instance(caught, InvalidRowError, JSON.stringify(input));
  const error = caught as InvalidRowError;
  assert.is(error.code, 'EINVALIDROW');
  assert.ok(error.message.startsWith(`${path}: `), `message ${JSON.stringify(error.message)} does not start with the path ${JSON.stringify(path)}`);
  return error;
}

function accepts(input: RowInput, expected: ValidRow): void {
  let row: ValidRow;
  try {
    row = validateRow(input);
  } catch (error) {
    assert.unreachable(`${JSON.stringify(input)} refused: ${(error as Error).message}`);
    return;
  }
  assert.equal(row, expected, JSON.stringify(input));
}

// ---------------------------------------------------------------------------------------------

const statuses = suite('validateRow: status');

statuses('accepts the five statuses as numbers and as text', () => {
  const cases: readonly (readonly [RowInput, ValidRow])[] = [
    [{ path: '/a', status: 200, source: 'wiki:A' }, { path: '/a', status: 200, source: 'wiki:A' }],
    [{ path: '/a', status: '200', source: 'wiki:A' }, { path: '/a', status: 200, source: 'wiki:A' }],
    [{ path: '/a', status: ' 301 ', source: '/b' }, { path: '/a', status: 301, source: '/b' }],
    [{ path: '/a', status: '302\t', source: 'https://example.org/' }, { path: '/a', status: 302, source: 'https://example.org/' }],
    [{ path: '/a', status: 404 }, { path: '/a', status: 404, source: '' }],
    [{ path: '/a', status: '410' }, { path: '/a', status: 410, source: '' }],
  ];
  for (const [input, expected] of cases) accepts(input, expected);
});

statuses('refuses other statuses, naming the path and the status', () => {
  for (const status of [201, 999, 0, -200, 200.5, 2000, 'abc', '', ' ', '0200', '2 00', '200x', '3e2', 'NaN']) {
    const error = refusal({ path: '/a%20b', status, source: 'wiki:A' }, '/a b');
    assert.ok(error.message.includes(JSON.stringify(String(status))), error.message);
  }
});

statuses('the guards', () => {
  assert.ok(isStatus(200) && isStatus(410));
  assert.not.ok(isStatus('200'));
  assert.not.ok(isStatus(201));
  assert.ok(isOrigin('manual') && isOrigin('import') && isOrigin('discovered'));
  assert.not.ok(isOrigin('auto'));
  assert.ok(isRedirect(301) && isRedirect(302));
  assert.not.ok(isRedirect(200));
});

statuses.run();

// ---------------------------------------------------------------------------------------------

const pages = suite('validateRow: 200 sources');

pages('accepts wiki: and file: sources, taken literally', () => {
  const cases: readonly (readonly [RowInput, ValidRow])[] = [
    [{ path: '/BeginnersGuide/Download', status: 200, source: 'wiki:BeginnersGuide/Download' }, { path: '/BeginnersGuide/Download', status: 200, source: 'wiki:BeginnersGuide/Download' }],
    [{ path: '/doc/', status: 200, source: 'file:doc/index.html' }, { path: '/doc/index.html', status: 200, source: 'file:doc/index.html' }],
    [{ path: '/a%20b', status: 200, source: 'file:a b/c d.html' }, { path: '/a b', status: 200, source: 'file:a b/c d.html' }],
    [{ path: '/x', status: 200, source: 'file:%2e%2e/x' }, { path: '/x', status: 200, source: 'file:%2e%2e/x' }],
    [{ path: '/日本', status: 200, source: 'wiki:日本/Straße' }, { path: '/日本', status: 200, source: 'wiki:日本/Straße' }],
    [{ path: '/x', status: 200, source: 'wiki:Page.markdown' }, { path: '/x', status: 200, source: 'wiki:Page.markdown' }],
  ];
  for (const [input, expected] of cases) accepts(input, expected);
});

pages('refuses a 200 without wiki: or file:', () => {
  for (const source of ['http://example.org/', 'https://example.org/', '/b', '', 'Wiki:A', ' wiki:A', 'wiki', 'file', 'content/x.md']) {
    const error = refusal({ path: '/p', status: 200, source }, '/p');
    assert.ok(error.message.includes('wiki:Name or file:rel/path'), error.message);
  }
  refusal({ path: '/p', status: 200 }, '/p');
  refusal({ path: '/p', status: 200, source: null }, '/p');
});

pages('refuses unsafe wiki names', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['wiki:', 'empty'],
    ['wiki:a/../b', '..'],
    ['wiki:..', '..'],
    ['wiki:../Secret', '..'],
    ['wiki:./A', '..'],
    ['wiki:/A', 'absolute'],
    ['wiki:a//b', 'empty segment'],
    ['wiki:A/', 'empty segment'],
    ['wiki:a\\b', 'backslash'],
    ['wiki:a\nb', 'control'],
    ['wiki:a\rb', 'control'],
    ['wiki:a\0', 'control'],
    ['wiki:A.md', 'without .md'],
    ['wiki:Guide/Download.md', 'without .md'],
    ['wiki:C:/x', 'drive'],
  ];
  for (const [source, reason] of cases) {
    const error = refusal({ path: '/w', status: 200, source }, '/w');
    assert.ok(error.message.includes(reason), `${JSON.stringify(source)}: ${error.message}`);
    assert.ok(error.message.includes(JSON.stringify(source)), error.message);
  }
});

pages('refuses file: paths that leave the legacy root', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['file:../etc/passwd', '..'],
    ['file:/etc/passwd', 'absolute'],
    ['file:a/../../b', '..'],
    ['file:a/../b', '..'],
    ['file:C:/x', 'drive'],
    ['file:c:\\x', 'backslash'],
    ['file:a\\b', 'backslash'],
    ['file:..\\..\\x', 'backslash'],
    ['file:', 'empty'],
    ['file:a//b', 'empty segment'],
    ['file:dir/', 'empty segment'],
    ['file:a\0b', 'control'],
  ];
  for (const [source, reason] of cases) {
    const error = refusal({ path: '/f', status: 200, source }, '/f');
    assert.ok(error.message.includes(reason), `${JSON.stringify(source)}: ${error.message}`);
  }
});

pages.run();

// ---------------------------------------------------------------------------------------------

const redirects = suite('validateRow: redirect targets');

redirects('accepts http(s) URLs and site paths, reserved prefixes included; a URL is normalised as a browser reads it', () => {
  const targets: readonly (readonly [string, string])[] = [
    ['https://example.org/x?y=1', 'https://example.org/x?y=1'],
    ['http://example.org', 'http://example.org/'],
    ['https://example.org/a%20b?q=%C3%A9#top', 'https://example.org/a%20b?q=%C3%A9#top'],
    ['HTTPS://EXAMPLE.ORG/', 'https://example.org/'],
    ['https://example.org/é', 'https://example.org/%C3%A9'],
    // As people write them: spaces inside, around, and C1 characters.
    ['http://example.org/a b', 'http://example.org/a%20b'],
    ['https://example.org/a\u00a0b', 'https://example.org/a%C2%A0b'],
    ['https://example.org/a\u0085', 'https://example.org/a%C2%85'],
    [' https://example.org/x ', 'https://example.org/x'],
    ['/about/', '/about/'],
    ['/data/ftp/x.tgz', '/data/ftp/x.tgz'],
    ['/_pagemap/site.css', '/_pagemap/site.css'],
    ['/b?x=1', '/b?x=1'],
    ['/a b', '/a b'],
    ['/café', '/café'],
    [' /b ', '/b'],
    ['/a%20b/', '/a%20b/'],
    ['/a/', '/a/'],
    ['/', '/'],
  ];
  for (const status of [301, 302] as const) {
    for (const [source, stored] of targets) accepts({ path: '/a', status, source }, { path: '/a', status, source: stored });
  }
});

redirects('refuses what is not a safe target', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['', 'needs a target'],
    ['http://', 'does not parse'],
    ['https://', 'does not parse'],
    ['ftp://x', 'http(s)://'],
    ['javascript:alert(1)', 'http(s)://'],
    ['JavaScript:alert(1)', 'http(s)://'],
    ['data:text/html,<script>x</script>', 'http(s)://'],
    ['mailto:webmaster@python.org', 'http(s)://'],
    ['example.org/x', 'http(s)://'],
    ['about', 'http(s)://'],
    ['//evil.example', 'protocol-relative'],
    ['//evil.example/x', 'protocol-relative'],
    ['/\\evil.example', 'not a valid path'],
    ['/%5Cevil.example', 'not a valid path'],
    ['/a\r\nSet-Cookie: x', 'control character'],
    ['/a\nb', 'control character'],
    ['/a\tb', 'control character'],
    ['https://example.org/\r\nSet-Cookie: x', 'control character'],
    ['/a/../b', 'not a valid path'],
    ['/a//b', 'not a valid path'],
    ['/%C3%28', 'not a valid path'],
    ['/b\uD800', 'not valid Unicode'],
  ];
  for (const status of [301, 302] as const) {
    for (const [source, reason] of cases) {
      const error = refusal({ path: '/a', status, source }, '/a');
      assert.ok(error.message.includes(reason), `${JSON.stringify(source)}: ${error.message}`);
    }
  }
  refusal({ path: '/a', status: 301 }, '/a');
  refusal({ path: '/a', status: 301, source: null }, '/a');
});

redirects('refuses a redirect to itself, in any spelling', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['/a', '/a', '/a'],
    ['/a b', '/a%20b', '/a b'],
    ['/a%20b', '/a b', '/a b'],
    ['/doc/', '/doc/', '/doc/index.html'],
    ['/doc/', '/doc/index.html', '/doc/index.html'],
    ['/doc/index.html', '/doc/', '/doc/index.html'],
    ['/é', '/e\u0301', '/é'],
  ];
  for (const [path, source, canonical] of cases) {
    const error = refusal({ path, status: 301, source }, canonical);
    assert.ok(error.message.includes('redirects to itself'), error.message);
  }
});

// Regression: the runtime and Apache look rows up by path alone and a target with its own
// query keeps it, so "/a" → "/a?x=1" answers /a?x=1 with the same redirect again: an endless
// loop, as is "/a" → "/a#top" (the browser drops the fragment and asks for /a). validateRow
// only calls a target "itself" when it has no query or fragment.
redirects('a redirect to its own path with a query or fragment is refused (it loops)', () => {
  for (const source of ['/a?x=1', '/a#top', '/a%20b?x=1']) {
    const path = source.startsWith('/a%20b') ? '/a b' : '/a';
    const error = refusal({ path, status: 301, source }, path);
    assert.ok(error.message.includes('redirects to itself'), error.message);
  }
});

redirects.run();

// ---------------------------------------------------------------------------------------------

const gone = suite('validateRow: 404 and 410');

gone('store an empty source whatever is given', () => {
  for (const status of [404, 410, '404', ' 410 '] as const) {
    for (const source of [undefined, null, '', 'anything', 'wiki:A', '/a\r\nSet-Cookie: x', 'javascript:alert(1)', '\0']) {
      accepts({ path: '/gone', status, source }, { path: '/gone', status: Number(String(status).trim()) as 404 | 410, source: '' });
    }
  }
});

gone('still check the path', () => {
  let caught: unknown;
  try {
    validateRow({ path: '/data/x', status: 404 });
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, InvalidRowError);
  assert.ok((caught as Error).message.includes('"/data/x"'));
});

gone.run();

// ---------------------------------------------------------------------------------------------

const sources = suite('parseSource');

sources('splits a stored source into what it points at', () => {
  assert.equal(parseSource(200, 'wiki:Guide/Download'), { kind: 'wiki', name: 'Guide/Download' });
  assert.equal(parseSource(200, 'file:a b/c.html'), { kind: 'file', rel: 'a b/c.html' });
  assert.equal(parseSource(301, '/about/'), { kind: 'redirect', target: '/about/' });
  assert.equal(parseSource(302, 'https://example.org/?x=1'), { kind: 'redirect', target: 'https://example.org/?x=1' });
  assert.equal(parseSource(404, ''), { kind: 'none' });
  assert.equal(parseSource(410, ''), { kind: 'none' });
});

sources.run();
