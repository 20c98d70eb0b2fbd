import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidRowError } from '../core/errors.js';
import {
  canonicalPath,
  encodeInvisible,
  encodePath,
  encodeSegment,
  intEscape,
  locationFor,
  pathForExport,
  percentDecode,
  percentEncode,
  problemWithRelativePath,
  quoteText,
} from '../core/pagePath.js';
import { seededRandom } from './helpers.js';

/** A path of exactly `bytes` UTF-8 bytes made of short segments (none near the segment limit). */
function pathOfBytes(bytes: number): string {
  let path = '';
  while (path.length < bytes) path += path.length % 100 === 0 ? '/' : 'a';
  if (path.endsWith('/')) path = path.slice(0, -1) + 'a';
  return path;
}

/** Assert `run` throws an InvalidRowError that names `input` (as JSON, so control characters stay visible). */
function assertRefused(run: () => unknown, input: string, reason?: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) assert.unreachable(`accepted ${JSON.stringify(input)}`);
  assert.instance(caught, InvalidRowError, `${JSON.stringify(input)}: not an InvalidRowError`);
  const error = caught as InvalidRowError;
  assert.is(error.code, 'EINVALIDROW');
  assert.is(error.name, 'InvalidRowError');
  assert.ok(error.message.includes(quoteText(input)), `message ${JSON.stringify(error.message)} does not name ${quoteText(input)}`);
  // Plain text (no control characters, quotes or backslashes) must appear as written, too.
  if (quoteText(input) === `"${input}"`) assert.ok(error.message.includes(input));
  if (reason) assert.ok(error.message.includes(reason), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(reason)}`);
}

// ---------------------------------------------------------------------------------------------

const canonical = suite('canonicalPath');

const ACCEPTED: readonly (readonly [string, string])[] = [
  ['/', '/index.html'],
  ['/doc/', '/doc/index.html'],
  ['/doc/x', '/doc/x'],
  ['/index.html', '/index.html'],
  ['/a b', '/a b'],
  ['/a%20b', '/a b'],
  ['/%41', '/A'],
  ['/%2541', '/%41'],
  ['/%', '/%'],
  ['/a%', '/a%'],
  ['/%4', '/%4'],
  ['/%4g', '/%4g'],
  ['/%zz', '/%zz'],
  ['/100%/x', '/100%/x'],
  ['/%C3%A9', '/é'],
  ['/%c3%a9', '/é'],
  ['/é', '/é'],
  ['/e\u0301', '/é'],
  ['/e%CC%81', '/é'],
  ['/a%3Fb', '/a?b'],
  ['/a%3fb', '/a?b'],
  ['/a%23b', '/a#b'],
  ['/a%2Fb', '/a/b'],
  ['/a%2F', '/a/index.html'],
  ['/database', '/database'],
  ['/data.html', '/data.html'],
  ['/_pagemapx', '/_pagemapx'],
  ['/x/data/y', '/x/data/y'],
  ['/x/_pagemap/y', '/x/_pagemap/y'],
  ['/x/.pagemap-pages', '/x/.pagemap-pages'],
  ['/"quoted"', '/"quoted"'],
  ["/it's", "/it's"],
  ['/[brackets]', '/[brackets]'],
  ['/(parens)', '/(parens)'],
  ['/a+b', '/a+b'],
  ['/a;b', '/a;b'],
  ['/a&b=c', '/a&b=c'],
  ['/a:b@c', '/a:b@c'],
  ['/Straße/日本', '/Straße/日本'],
  ['/%E6%97%A5%E6%9C%AC', '/日本'],
  ['/😀', '/😀'],
  ['/%F0%9F%98%80', '/😀'],
  ['/😀%20x', '/😀 x'],
  ['/~user/', '/~user/index.html'],
  ['/.hidden', '/.hidden'],
  ['/...', '/...'],
  ['/a.b.c', '/a.b.c'],
  ['/BeginnersGuide/Download', '/BeginnersGuide/Download'],
  ['/' + 'a'.repeat(255), '/' + 'a'.repeat(255)],
  // 127 × "é" (2 bytes) + "a" is 255 bytes once NFC; the NFD input is longer, the stored form counts.
  ['/' + 'e\u0301'.repeat(127) + 'a', '/' + 'é'.repeat(127) + 'a'],
  [pathOfBytes(2000), pathOfBytes(2000)],
  // C1 is valid Unicode: mojibake page names (UTF-8 read as Latin-1) are full of it.
  ['/a\u0085b', '/a\u0085b'],
  ['/a%C2%85b', '/a\u0085b'],
  ['/Caf\u00c3\u0083\u00a9', '/Caf\u00c3\u0083\u00a9'],
  ['/a\u009fb', '/a\u009fb'],
];

canonical('accepts and canonicalises', () => {
  for (const [input, expected] of ACCEPTED) {
    let actual: string;
    try {
      actual = canonicalPath(input);
    } catch (error) {
      assert.unreachable(`${JSON.stringify(input)} refused: ${(error as Error).message}`);
      return;
    }
    assert.is(actual, expected, `canonicalPath(${JSON.stringify(input)})`);
  }
});

canonical('the table paths really have the lengths they claim', () => {
  assert.is(Buffer.byteLength(pathOfBytes(2000)), 2000);
  assert.is(Buffer.byteLength(pathOfBytes(2001)), 2001);
  assert.ok(pathOfBytes(2001).split('/').every((s) => s.length < 255));
});

canonical('%20 and a literal space name the same path; NFD and NFC too', () => {
  assert.is(canonicalPath('/a%20b'), canonicalPath('/a b'));
  assert.is(canonicalPath('/%C3%A9'), canonicalPath('/é'));
  assert.is(canonicalPath('/e\u0301'), canonicalPath('/\u00e9'));
  assert.is(canonicalPath('/caf%C3%A9/'), canonicalPath('/cafe\u0301/index.html'));
  assert.is.not(canonicalPath('/%2541'), canonicalPath('/%41'));
});

const REFUSED: readonly (readonly [string, string?])[] = [
  ['', 'is empty'],
  ['doc/x', 'must start with /'],
  ['a', 'must start with /'],
  [' /a', 'must start with /'],
  ['/a?b', 'contains ?'],
  ['/a?', 'contains ?'],
  ['/?', 'contains ?'],
  ['/a#b', 'contains #'],
  ['/#', 'contains #'],
  ['/..', '. or ..'],
  ['/.', '. or ..'],
  ['/a/..', '. or ..'],
  ['/a/./b', '. or ..'],
  ['/../etc/passwd', '. or ..'],
  ['/%2e%2e', '. or ..'],
  ['/%2E%2E/x', '. or ..'],
  ['/a/%2e%2e/b', '. or ..'],
  ['/a/%2e', '. or ..'],
  ['/.%2e/x', '. or ..'],
  ['//', 'empty segment'],
  ['//evil.example', 'empty segment'],
  ['/a//b', 'empty segment'],
  ['/a%2F%2Fb', 'empty segment'],
  ['/%2F', 'empty segment'],
  ['/a\\b', 'backslash'],
  ['/a%5Cb', 'backslash'],
  ['/a%5cb', 'backslash'],
  ['/a\0b', 'control character'],
  ['/a%00b', 'control character'],
  ['/a\rb', 'control character'],
  ['/a\nb', 'control character'],
  ['/a\r\nb', 'control character'],
  ['/a%0D%0Ab', 'control character'],
  ['/a\tb', 'control character'],
  ['/a%09b', 'control character'],
  ['/a\x7fb', 'control character'],
  ['/a%7Fb', 'control character'],
  ['/a\uD800', 'not valid Unicode'],
  ['/a\uDC00b', 'not valid Unicode'],
  ['/%C3%28', 'not UTF-8'],
  ['/%FF', 'not UTF-8'],
  ['/%C3', 'not UTF-8'],
  ['/%C0%AF', 'not UTF-8'], // overlong "/"
  ['/%ED%A0%80', 'not UTF-8'], // an encoded surrogate
  [pathOfBytes(2001), 'longer than 2000 bytes'],
  ['/' + 'a'.repeat(256), 'segment longer than 255 bytes'],
  ['/x/' + 'é'.repeat(128) + '/y', 'segment longer than 255 bytes'],
  ['/_pagemap', '/_pagemap/'],
  ['/_pagemap/', '/_pagemap/'],
  ['/_pagemap/x', '/_pagemap/'],
  ['/data', '/data/'],
  ['/data/', '/data/'],
  ['/data/x', '/data/'],
  ['/data/ftp/python.tgz', '/data/'],
  ['/%64ata/x', '/data/'],
  ['/.pagemap-page', '.pagemap-page'],
  ['/a/.pagemap-page', '.pagemap-page'],
  ['/a/.pagemap-page/b', '.pagemap-page'],
  ['/%2Epagemap-page', '.pagemap-page'],
];

canonical('refuses with an InvalidRowError naming the input', () => {
  for (const [input, reason] of REFUSED) {
    assertRefused(() => canonicalPath(input), input, reason);
  }
});

canonical('refuses inputs that are not strings', () => {
  assert.throws(() => canonicalPath(undefined as unknown as string), (error: unknown) => error instanceof InvalidRowError);
  assert.throws(() => canonicalPath(42 as unknown as string), (error: unknown) => error instanceof InvalidRowError);
});

canonical('allowReserved lets redirect targets under /data and /_pagemap through', () => {
  assert.is(canonicalPath('/data/ftp/x.tgz', { allowReserved: true }), '/data/ftp/x.tgz');
  assert.is(canonicalPath('/data', { allowReserved: true }), '/data');
  assert.is(canonicalPath('/_pagemap/site.css', { allowReserved: true }), '/_pagemap/site.css');
  // ...but nothing else is relaxed.
  assertRefused(() => canonicalPath('/data/../x', { allowReserved: true }), '/data/../x');
  assertRefused(() => canonicalPath('/data/.pagemap-page', { allowReserved: true }), '/data/.pagemap-page');
});

// A lone surrogate must not slip through as U+FFFD when the path also holds %-escapes
// (TextEncoder would silently substitute it).
canonical('a lone surrogate next to a %-escape is refused too', () => {
  assertRefused(() => canonicalPath('/%41\uD800'), '/%41\uD800', 'not valid Unicode');
  assertRefused(() => canonicalPath('/a%20\uDC00'), '/a%20\uDC00', 'not valid Unicode');
  assert.throws(() => percentDecode('%41\uD800'), /not valid Unicode/);
});

canonical.run();

// ---------------------------------------------------------------------------------------------

const decode = suite('percentDecode');

const DECODED: readonly (readonly [string, string])[] = [
  ['', ''],
  ['a b', 'a b'],
  ['%20', ' '],
  ['%41', 'A'],
  ['%2541', '%41'],
  ['%25', '%'],
  ['%', '%'],
  ['%%', '%%'],
  ['%%41', '%A'],
  ['%4', '%4'],
  ['%4g', '%4g'],
  ['%zz', '%zz'],
  ['a%', 'a%'],
  ['%C3%A9', 'é'],
  ['%c3%a9', 'é'],
  ['é%20', 'é '],
  ['%E6%97%A5', '日'],
  ['%F0%9F%98%80', '😀'],
  ['😀%41', '😀A'],
  ['%2e%2e', '..'],
  ['%3F%23', '?#'],
  ['%00', '\0'],
];

decode('decodes %XX, keeps any other % literal', () => {
  for (const [input, expected] of DECODED) assert.is(percentDecode(input), expected, `percentDecode(${JSON.stringify(input)})`);
});

decode('throws on escapes that are not UTF-8', () => {
  for (const input of ['%C3%28', '%FF', '%C3', '%C0%AF', '%ED%A0%80', '%F8%88%80%80%80', 'a%80b']) {
    assert.throws(() => percentDecode(input), undefined, `percentDecode(${JSON.stringify(input)}) should throw`);
  }
});

decode.run();

// ---------------------------------------------------------------------------------------------

const exported = suite('pathForExport');

const EXPORTED: readonly (readonly [string, string])[] = [
  ['/index.html', '/index.html'],
  ['/a b', '/a b'],
  ['/%41', '/%2541'],
  ['/%c3%a9', '/%25c3%25a9'],
  ['/%zz', '/%zz'],
  ['/%4', '/%4'],
  ['/100%', '/100%'],
  ['/a?b', '/a%3Fb'],
  ['/a#b', '/a%23b'],
  ['/%?', '/%%3F'],
  ['/é/日本', '/é/日本'],
];

exported('escapes only what would change meaning', () => {
  for (const [input, expected] of EXPORTED) {
    assert.is(pathForExport(input), expected, `pathForExport(${JSON.stringify(input)})`);
    assert.is(canonicalPath(pathForExport(input)), input, `reads back: ${JSON.stringify(input)}`);
  }
});

exported.run();

// ---------------------------------------------------------------------------------------------

const encoded = suite('encodePath, locationFor, intEscape, encodeInvisible');

const ENCODED: readonly (readonly [string, string])[] = [
  ['/index.html', '/index.html'],
  ['/a b', '/a%20b'],
  ['/Straße/日本', '/Stra%C3%9Fe/%E6%97%A5%E6%9C%AC'],
  ['/"q"', '/%22q%22'],
  ['/[x]', '/%5Bx%5D'],
  ['/a+b;c&d=e', '/a+b;c&d=e'],
  ["/it's(1)*!$,:@~-_.", "/it's(1)*!$,:@~-_."],
  ['/a?b#c', '/a%3Fb%23c'],
  ['/100%', '/100%25'],
  ['/%41', '/%2541'],
  ['/😀', '/%F0%9F%98%80'],
  ['/a`b{c}|^<>', '/a%60b%7Bc%7D%7C%5E%3C%3E'],
];

encoded('encodePath encodes each segment for a URL', () => {
  for (const [input, expected] of ENCODED) assert.is(encodePath(input), expected, `encodePath(${JSON.stringify(input)})`);
});

encoded('locationFor keeps escapes and URL syntax, encodes the rest', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['/a b', '/a%20b'],
    ['/a%20b', '/a%20b'],
    ['/é', '/%C3%A9'],
    ['/e\u0301', '/e%CC%81'],
    ['https://example.org/x?y=1&z=2#f', 'https://example.org/x?y=1&z=2#f'],
    ['https://example.org/a b?q=é', 'https://example.org/a%20b?q=%C3%A9'],
    ['/100%', '/100%25'],
    ['/%zz', '/%25zz'],
    ['/%4', '/%254'],
    ['/a"b<c>', '/a%22b%3Cc%3E'],
    ['/[x]', '/[x]'],
    ['/😀', '/%F0%9F%98%80'],
    ['/a\\b', '/a%5Cb'],
    ['/a\r\nb', '/a%0D%0Ab'],
    ['/data/ftp/x.tgz', '/data/ftp/x.tgz'],
  ];
  for (const [input, expected] of cases) assert.is(locationFor(input), expected, `locationFor(${JSON.stringify(input)})`);
  assert.is(locationFor('/a b'), locationFor('/a%20b'));
});

encoded('intEscape writes what mod_rewrite\'s int:escape does (lower-case hex); encodeInvisible encodes control characters only', () => {
  assert.is(intEscape('/a b/c%d/é/~x_y.html'), '/a%20b/c%25d/%c3%a9/~x_y.html');
  assert.is(intEscape("/a+b$c,d;e=f&g!h*i'(j):k@l"), "/a+b$c,d;e=f&g!h*i'(j):k@l");
  assert.is(intEscape('/[x]?#"'), '/%5bx%5d%3f%23%22');
  assert.is(encodeInvisible('Docs é [x] 100%'), 'Docs é [x] 100%');
  assert.is(encodeInvisible('a\u0085b\u0001c\u007f'), 'a%C2%85b%01c%7F');
});

encoded('each encoder, whose text needing no escape comes back as it is, agrees with its rule applied a character at a time', () => {
  // The rules, written out apart from the code: which characters each leaves bare.
  const rules: [string, (text: string) => string, (char: string, next: string) => boolean][] = [
    ['encodeSegment', encodeSegment, (c) => /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(c)],
    ['encodePath', encodePath, (c) => /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/.test(c)],
    ['locationFor', locationFor, (c, next) => /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]$/.test(c) || (c === '%' && /^[0-9A-Fa-f]{2}/.test(next))],
    ['encodeInvisible', encodeInvisible, (c) => !/[\u0000-\u001f\u007f-\u009f]/.test(c)],
  ];
  const pieces = ['a', 'Z', '0', '-', '.', '~', '!', "'", '(', '*', ';', '=', ':', '@', '/', '?', '#', '[', ']', '%', '%4', '%41', ' ', '"', '<', '\\', '^', '`', '{', '|', '\u0000', '\u001f', '\u007f', '\u0085', 'é', '€', '😀', '\n'];
  const random = seededRandom(11);
  for (let i = 0; i < 5000; i++) {
    let text = '';
    for (let n = Math.floor(random() * 8); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)];
    for (const [name, encode, isBare] of rules) assert.is(encode(text), percentEncode(text, isBare), `${name}(${JSON.stringify(text)})`);
    const lower = percentEncode(text, (c) => /^[A-Za-z0-9$\-_.+!*'(),:;@&=/~]$/.test(c)).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    assert.is(intEscape(text), lower, `intEscape(${JSON.stringify(text)})`);
  }
});

encoded.run();

// ---------------------------------------------------------------------------------------------

const relative = suite('problemWithRelativePath');

relative('accepts plain relative paths', () => {
  for (const rel of ['a', 'a/b', 'BeginnersGuide/Download', 'a b/c d.html', '.hidden', 'é/日本', 'a%2e%2e', '...', 'x'.repeat(255), 'Caf\u00c3\u0083\u00a9']) {
    assert.is(problemWithRelativePath(rel), undefined, JSON.stringify(rel));
  }
});

relative('names what is wrong with unsafe ones', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['', 'empty'],
    ['a\uD800', 'Unicode'],
    ['a\0', 'control'],
    ['a\nb', 'control'],
    ['a\\b', 'backslash'],
    ['..\\x', 'backslash'],
    ['/etc/passwd', 'absolute'],
    ['C:/x', 'drive'],
    ['c:x', 'drive'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['..', '..'],
    ['../x', '..'],
    ['a/../../b', '..'],
    ['.', '..'],
    ['./a', '..'],
    ['x'.repeat(256), 'longer than 255'],
  ];
  for (const [rel, reason] of cases) {
    const problem = problemWithRelativePath(rel);
    assert.type(problem, 'string', JSON.stringify(rel));
    assert.ok(problem!.includes(reason), `${JSON.stringify(rel)}: ${JSON.stringify(problem)} lacks ${JSON.stringify(reason)}`);
  }
});

relative.run();

// ---------------------------------------------------------------------------------------------

const properties = suite('path properties');

// Pieces people (and attackers) write; lone surrogates are left out (see the surrogate test above).
const PIECES = [
  'a', 'Z', '0', '/', '/', '/', '%', '%2', '%41', '%25', '%2541', '%20', ' ', '.', '..', 'é', 'e\u0301', '%C3%A9', '%c3',
  '日本', '😀', '?', '#', '%3F', '%23', '%2F', '%5C', '\\', '"', "'", '[', ']', '+', ';', '&', '=', '~', '%zz', '%4',
  'index.html', 'data', '_pagemap', '%00', '\r', '\u0085', '\x7f', '.pagemap-page', '%2e', '<', '>', '`', '{', '|',
];

function* inputs(count: number): Generator<string> {
  const next = seededRandom(20060101);
  for (let i = 0; i < count; i++) {
    let text = '/';
    const length = 1 + Math.floor(next() * 8);
    for (let j = 0; j < length; j++) text += PIECES[Math.floor(next() * PIECES.length)];
    yield text;
  }
}

properties('every accepted path survives export, URL encoding and Location', () => {
  let accepted = 0;
  let refused = 0;
  for (const input of inputs(5000)) {
    let path: string;
    try {
      path = canonicalPath(input);
    } catch (error) {
      assert.instance(error, InvalidRowError, JSON.stringify(input));
      assert.ok((error as Error).message.includes(quoteText(input)), JSON.stringify(input));
      refused++;
      continue;
    }
    accepted++;
    const where = `input ${JSON.stringify(input)} → ${JSON.stringify(path)}`;
    assert.is(canonicalPath(pathForExport(canonicalPath(input))), path, `export round trip: ${where}`);
    assert.is(decodeURIComponent(encodePath(path)), path, `encodePath round trip: ${where}`);
    assert.ok(/^[\x21-\x7e]*$/.test(encodePath(path)), `encodePath is printable ASCII: ${where}`);
    if (!input.includes('?') && !input.includes('#')) {
      const location = locationFor(input);
      assert.ok(/^[\x21-\x7e]*$/.test(location), `locationFor is printable ASCII: ${where}`);
      assert.is(canonicalPath(location), path, `a Location names the same row: ${where}`);
    }
  }
  // The generator must exercise both sides.
  assert.ok(accepted > 500, `only ${accepted} accepted`);
  assert.ok(refused > 500, `only ${refused} refused`);
});

properties.run();
