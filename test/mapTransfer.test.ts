import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImportError, InvalidRowError, type PagemapError } from '../core/errors.js';
import { type MapFormat, TSV_HEADER, formatOf, parseMap, readMapFile, serialiseMap } from '../core/mapTransfer.js';
import { pathForExport } from '../core/pagePath.js';
import { type ValidRow, validateRow } from '../core/pageRow.js';

/** parseMap's ImportError, asserted to be one; its problems are returned. */
function problemsOf(text: string, format: MapFormat, name = 'map.tsv'): readonly string[] {
  let caught: unknown;
  try {
    parseMap(text, format, name);
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) assert.unreachable(`accepted ${JSON.stringify(text)}`);
  assert.instance(caught, ImportError);
  const error = caught as ImportError;
  assert.is(error.code, 'EIMPORT');
  assert.ok(error.message.startsWith(`${name}: ${error.problems.length} bad row`), error.message);
  assert.ok(error.message.includes('nothing imported'), error.message);
  for (const problem of error.problems) assert.ok(error.message.includes(problem));
  return error.problems;
}

const ROWS: ValidRow[] = [
  { path: '/index.html', status: 200, source: 'wiki:Home' },
  { path: '/doc/a b.html', status: 200, source: 'file:doc/a b.html' },
  { path: '/old', status: 301, source: '/doc/' },
  { path: '/gone', status: 410, source: '' },
];

// ---------------------------------------------------------------------------------------------

const tsv = suite('parseMap: TSV');

tsv('reads rows with and without the header', () => {
  const body = '/\t200\twiki:Home\n/doc/a b.html\t200\tfile:doc/a b.html\n/old\t301\t/doc/\n/gone\t410\t\n';
  assert.equal(parseMap(`${TSV_HEADER}\n${body}`, 'tsv', 'map.tsv'), ROWS);
  assert.equal(parseMap(body, 'tsv', 'map.tsv'), ROWS);
  assert.equal(parseMap(body.trimEnd(), 'tsv', 'map.tsv'), ROWS, 'no final newline');
  assert.equal(parseMap('', 'tsv', 'map.tsv'), []);
  assert.equal(parseMap(`${TSV_HEADER}\n`, 'tsv', 'map.tsv'), []);
});

tsv('CRLF, a BOM, comments and blank lines', () => {
  const text = `\uFEFF${TSV_HEADER}\r\n# exported 2006-01-01\r\n\r\n/\t200\twiki:Home\r\n   \r\n/doc/a%20b.html\t200\tfile:doc/a b.html\r\n#/commented\t404\r\n/old\t301\t/doc/\r\n\t\r\n/gone\t410\r\n`;
  assert.equal(parseMap(text, 'tsv', 'map.tsv'), ROWS);
  assert.equal(parseMap(`\uFEFF/gone\t410`, 'tsv', 'map.tsv'), [{ path: '/gone', status: 410, source: '' }]);
});

tsv('two-field rows for 404 and 410; the source of a 404 is dropped', () => {
  assert.equal(parseMap('/a\t404\n/b\t410\n/c\t404\twhatever\n', 'tsv', 'map.tsv'), [
    { path: '/a', status: 404, source: '' },
    { path: '/b', status: 410, source: '' },
    { path: '/c', status: 404, source: '' },
  ]);
});

tsv('wrong field counts are bad rows', () => {
  const problems = problemsOf(`${TSV_HEADER}\n/one-field\n/ok\t404\n/four\t301\t/x\textra\n`, 'tsv');
  assert.equal(problems, ['line 2: expected path<TAB>status<TAB>source, found 1 field', 'line 4: expected path<TAB>status<TAB>source, found 4 fields']);
});

tsv('a path given twice, after canonicalisation, names both lines', () => {
  const problems = problemsOf('/a b\t404\n/x\t404\n/a%20b\t410\n/doc/\t404\n/doc/index.html\t404\n/e\u0301\t404\n/é\t404\n', 'tsv');
  assert.equal(problems, ['line 3: /a b is already given at line 1', 'line 5: /doc/index.html is already given at line 4', 'line 7: /é is already given at line 6']);
});

tsv('every bad row is reported with its line, in one ImportError', () => {
  const text = [
    TSV_HEADER,
    '/fine\t200\twiki:Fine',
    '/bad-status\t201\twiki:X',
    '# a comment',
    '',
    '/escape\t200\tfile:../etc/passwd',
    '/fine2\t404',
    'relative\t404',
    '/loop\t301\t/loop',
  ].join('\r\n');
  const problems = problemsOf(text, 'tsv');
  assert.is(problems.length, 4);
  assert.ok(problems[0]!.startsWith('line 3: /bad-status: status "201"'), problems[0]);
  assert.ok(problems[1]!.startsWith('line 6: /escape: '), problems[1]);
  assert.ok(problems[2]!.startsWith('line 8: path "relative" must start with /'), problems[2]);
  assert.ok(problems[3]!.startsWith('line 9: /loop: redirects to itself'), problems[3]);
});

tsv('three bad rows give three problems', () => {
  const problems = problemsOf('/a\t999\n/b\t200\thttp://x\n/c?q\t404\n', 'tsv');
  assert.is(problems.length, 3);
  assert.equal(problems.map((p) => p.slice(0, 'line 1:'.length)), ['line 1:', 'line 2:', 'line 3:']);
});

tsv('the header is only a header on the first line', () => {
  const problems = problemsOf(`/a\t404\n${TSV_HEADER}\n`, 'tsv');
  assert.equal(problems.length, 1);
  assert.ok(problems[0]!.startsWith('line 2: '), problems[0]);
});

tsv.run();

// ---------------------------------------------------------------------------------------------

const json = suite('parseMap: JSON');

json('reads an array of rows, statuses as numbers or text', () => {
  const text = JSON.stringify([
    { path: '/', status: 200, source: 'wiki:Home' },
    { path: '/doc/a%20b.html', status: '200', source: 'file:doc/a b.html' },
    { path: '/old', status: ' 301 ', source: '/doc/' },
    { path: '/gone', status: 410 },
  ]);
  assert.equal(parseMap(text, 'json', 'map.json'), ROWS);
  assert.equal(parseMap('[]', 'json', 'map.json'), []);
  assert.equal(parseMap('[{"path": "/x", "status": 404, "source": null}]', 'json', 'map.json'), [{ path: '/x', status: 404, source: '' }]);
});

json('refuses what is not an array of rows', () => {
  assert.equal(problemsOf('{"path": "/a", "status": 404}', 'json', 'map.json'), ['a JSON map must be an array of {path, status, source}']);
  assert.equal(problemsOf('null', 'json', 'map.json'), ['a JSON map must be an array of {path, status, source}']);
  const broken = problemsOf('[{"path": "/a",', 'json', 'map.json');
  assert.is(broken.length, 1);
  assert.ok(broken[0]!.startsWith('not valid JSON'), broken[0]);
});

json('reports every bad item with its number', () => {
  const text = JSON.stringify([
    { path: '/ok', status: 404 },
    'not an object',
    null,
    [1, 2],
    { status: 404 },
    { path: 42, status: 404 },
    { path: '/no-status' },
    { path: '/bool-status', status: true },
    { path: '/num-source', status: 200, source: 7 },
    { path: '/bad', status: 999 },
    { path: '/ok', status: 410 },
  ]);
  assert.equal(problemsOf(text, 'json', 'map.json'), [
    'item 2: is not an object',
    'item 3: is not an object',
    'item 4: is not an object',
    'item 5: has no "path" string',
    'item 6: has no "path" string',
    'item 7: has no "status"',
    'item 8: has no "status"',
    'item 9: has a "source" that is not a string',
    'item 10: /bad: status "999" is not one of 200, 301, 302, 404, 410',
    'item 11: /ok is already given at item 1',
  ]);
});

json.run();

// ---------------------------------------------------------------------------------------------

const roundTrip = suite('serialiseMap round trip');

const AWKWARD: ValidRow[] = [
  { path: '/index.html', status: 200, source: 'wiki:Home' },
  { path: '/a b/c d.html', status: 200, source: 'file:a b/c d.html' },
  { path: '/%41', status: 200, source: 'file:%41' },
  { path: '/%c3%a9', status: 404, source: '' },
  { path: '/100%', status: 200, source: 'file:100%.html' },
  { path: '/%zz/%4', status: 410, source: '' },
  { path: '/what?', status: 200, source: 'wiki:What' },
  { path: '/a#b', status: 200, source: 'wiki:A#b' },
  { path: '/%?#', status: 404, source: '' },
  { path: '/Straße/日本/😀', status: 200, source: 'wiki:Straße/日本' },
  { path: '/"quoted" [x] + ; & = \'', status: 200, source: 'file:q.html' },
  { path: '/old', status: 301, source: 'https://example.org/x?y=1&z=%41#top' },
  { path: '/tmp', status: 302, source: '/new page?q=a b' },
  { path: '/dl/python.tgz', status: 302, source: '/data/dl/python.tgz' },
  { path: '/gone', status: 410, source: '' },
  { path: '/doc/index.html', status: 404, source: '' },
  { path: '/#', status: 404, source: '' },
];

roundTrip('the awkward rows are valid rows in stored form', () => {
  for (const row of AWKWARD) assert.equal(validateRow({ ...row, path: pathForExport(row.path) }), row, row.path);
});

for (const format of ['tsv', 'json'] as const) {
  roundTrip(`${format}: serialise then parse gives the same rows`, () => {
    const text = serialiseMap(AWKWARD, format);
    assert.equal(parseMap(text, format, `map.${format}`), AWKWARD);
    // And again: serialising is stable.
    assert.is(serialiseMap(parseMap(text, format, `map.${format}`), format), text);
  });
}

roundTrip('the TSV form: a header, one line per row, literal %XX written as %25XX', () => {
  const text = serialiseMap(
    [
      { path: '/%41', status: 200, source: 'file:%41' },
      { path: '/a?b#c', status: 404, source: '' },
    ],
    'tsv',
  );
  assert.is(text, `${TSV_HEADER}\n/%2541\t200\tfile:%41\n/a%3Fb%23c\t404\t\n`);
  assert.is(serialiseMap([], 'tsv'), `${TSV_HEADER}\n`);
  assert.is(serialiseMap([], 'json'), '[]\n');
});

roundTrip('readMapFile reads both formats from disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-transfer-'));
  try {
    for (const name of ['map.tsv', 'map.txt', 'MAP.JSON']) {
      const file = join(dir, name);
      await writeFile(file, serialiseMap(AWKWARD, formatOf(name)));
      assert.equal(await readMapFile(file), AWKWARD, name);
    }
    let caught: unknown;
    try {
      await readMapFile(join(dir, 'missing.tsv'));
    } catch (error) {
      caught = error;
    }
    // A file that cannot be read is not "1 bad row": it says what is wrong with the file.
    assert.is((caught as PagemapError).code, 'EREAD');
    assert.is((caught as Error).message, `cannot read map file ${join(dir, 'missing.tsv')}: no such file; nothing imported`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

roundTrip.run();

// ---------------------------------------------------------------------------------------------

const formats = suite('formatOf');

formats('tells the format from the extension', () => {
  const cases: readonly (readonly [string, MapFormat])[] = [
    ['map.tsv', 'tsv'],
    ['map.txt', 'tsv'],
    ['map.json', 'json'],
    ['MAP.TSV', 'tsv'],
    ['Map.Json', 'json'],
    ['/some/dir.json/map.tsv', 'tsv'],
    ['export.2006.json', 'json'],
  ];
  for (const [file, format] of cases) assert.is(formatOf(file), format, file);
});

formats('refuses any other extension, naming the file', () => {
  for (const file of ['map.csv', 'map', 'map.tsv.gz', 'map.jsonl', '.tsv']) {
    let caught: unknown;
    try {
      formatOf(file);
    } catch (error) {
      caught = error;
    }
    assert.instance(caught, InvalidRowError, file);
    assert.ok((caught as Error).message.startsWith(`${file}: `), (caught as Error).message);
  }
});

formats.run();
