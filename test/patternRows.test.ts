/**
 * Pattern rows: `~^/old/(.*)\.html$ 301 /new/${lowercase:$1}/` answers what a prefix cannot
 * say, after exact and prefix rows, the first match in the rows' order winning. Only the
 * regular-expression syntax Node and Apache's PCRE read alike is accepted, matched on the
 * path's UTF-8 bytes as PCRE reads them. (Runtime against real Apache: apache.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidRowError } from '../core/errors.js';
import { PageMapStore } from '../core/pageMap.js';
import { type PageRow, type ValidRow, validateRow } from '../core/pageRow.js';
import { checkPattern, compilePattern, fillTarget, matchPattern, patternMatcher } from '../core/patterns.js';
import { type Resolution, resolveRequest } from '../runtime/resolve.js';
import { describe, runCli, withSite, withTempSite } from './helpers.js';

const Syntax = suite('pattern rows: the syntax Node and PCRE read alike');

Syntax('the common core is accepted: python.org\'s kind of rules and the usual constructs', () => {
  const accepted = [
    '^/doc/(.*)$',
    '^/(dev|download)/?$',
    '^/psa/(?:Members|Join)\\.html$',
    '^/[A-Za-z0-9_-]+/x$',
    '^/a{2,3}b{2}c{1,}$',
    '^/lazy/(.+?)(\\d*)$',
    '^/esc/\\.\\-\\/\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$',
    '^/[^/]+/\\d\\D\\w\\W\\s\\S\\b\\B',
    '^/\\x41(?=b)(?!c)',
    '^/[\\d\\w\\s._-]+$',
    '^/q"uote',
    '^/(a+)?(b*){3}(c|d)+(x.y)*',
  ];
  for (const source of accepted) {
    const checked = checkPattern(source, false);
    assert.ok(!('problem' in checked), `${source}: ${'problem' in checked ? checked.problem : ''}`);
  }
  assert.equal(checkPattern('^/(a)(?:b)(c(d))', false), { groups: 3, forNode: '^/(a)(?:b)(c(d))', forApache: '^/(a)(?:b)(c(d))' });
  // Written for the Apache directive: a quote by its code, a leading ! escaped (mod_rewrite reads it as "not").
  assert.is((checkPattern('^/q"uote', false) as { forApache: string }).forApache, '^/q\\x22uote');
  assert.is((checkPattern('!x', false) as { forApache: string }).forApache, '\\!x');
});

Syntax('what the two engines read differently is refused, with the reason', () => {
  const refused: readonly (readonly [string, RegExp, boolean?])[] = [
    ['', /is empty/],
    ['^/(?<=a)b', /lookbehind/],
    ['^/(?<!a)b', /lookbehind/],
    ['^/(?<name>a)', /\(\?<…\)/],
    ['^/(?i)a', /\(\?i…\)/],
    ['^/(?>a)', /\(\?>…\)/],
    ['^/c++', /possessive/],
    ['^/a{2}+', /possessive/],
    ['^/a?+', /possessive/],
    ['^/(a)\\1', /backreference/],
    ['^/[[:alpha:]]', /POSIX class/],
    ['^/[]a]', /starts a class with \]/],
    ['^/[^]a]', /starts a class with \]/],
    ['^/\\p{L}', /escape \\p/],
    ['^/a\\Z', /escape \\Z/],
    ['^/\\Aa', /escape \\A/],
    ['^/\\u0041', /escape \\u/],
    ['^/[\\d-z]', /start of a range/],
    ['^/[a-\\d]', /end of a range/],
    ['^/[\\S]', /\\S inside a class/],
    ['^/x{,3}', /not a quantifier/],
    ['^/a{', /not a quantifier/],
    ['^/[abc', /leaves a \[class\] open/],
    ['^/(a', /does not parse/],
    ['^/a\\', /lone backslash/],
    ['^/\\xZZ', /two hex digits/],
    ['^/a\tb', /control character/],
    ['^/café', /caseless/, true],
    ['^/(a+)+$', /repeats a group that itself repeats/],
    ['^/(?:x(a*)b)*$', /repeats a group that itself repeats/],
    ['^/((a)+){2,}', /repeats a group that itself repeats/],
    ['^/\\xe9', /caseless/, true],
  ];
  for (const [source, reason, isCaseless] of refused) {
    const checked = checkPattern(source, isCaseless ?? false);
    assert.ok('problem' in checked, `${source} should be refused`);
    assert.match((checked as { problem: string }).problem, reason, source);
  }
  // Beyond ASCII is fine when the pattern is not caseless.
  assert.ok(!('problem' in checkPattern('^/café', false)));
});

Syntax('a row: never a page; its target names only captures the pattern has, and ${lowercase:$N} is the one transform', () => {
  const refuse = (input: Parameters<typeof validateRow>[0], reason: RegExp) =>
    assert.throws(() => validateRow(input), (error: unknown) => error instanceof InvalidRowError && reason.test((error as Error).message), JSON.stringify(input));
  refuse({ path: '~^/x$', status: 200, source: 'wiki:X' }, /a pattern row redirects or retires/);
  refuse({ path: '~^/x/(.*)$', status: 301, source: '/y/$2' }, /names \$2, which the pattern does not capture \(it has 1 group/);
  refuse({ path: '~^/x/(.*)$', status: 301, source: '/y/${upper:$1}' }, /names \$\{upper:\$1\}/);
  refuse({ path: '~^/x/(.*)$', status: 301, source: '/y/$0' }, /a \$ that is not \$1–\$9/);
  refuse({ path: '~^/(?<=x)', status: 410 }, /lookbehind/);
  // Targets are normalised as browsers would, the references kept as written.
  assert.equal(validateRow({ path: '~^/old/(.*)$', status: 301, source: 'http://example.org/a b/${lowercase:$1}?x=$1' }), {
    path: '~^/old/(.*)$',
    status: 301,
    source: 'http://example.org/a%20b/${lowercase:$1}?x=$1',
  });
  assert.equal(validateRow({ path: '~*^/gone/', status: 410, source: 'ignored' }), { path: '~*^/gone/', status: 410, source: '' });
});

Syntax('matching is on the path\'s UTF-8 bytes, as PCRE reads it: . is one byte, \\s is never byte A0, lowercase is ASCII', () => {
  const matches = (source: string, path: string) => matchPattern(compilePattern(source), path);
  assert.is(matches('~^/.$', '/é'), undefined, 'é is two bytes');
  assert.ok(matches('~^/..$', '/é'));
  // U+00A0 is C2 A0 in UTF-8: Node's \s would take byte A0, PCRE's does not.
  assert.is(matches('~^/a.\\s', '/a\u00a0'), undefined);
  assert.ok(matches('~^/a\\s', '/a b'));
  assert.ok(matches('~*^/FAQ$', '/faq'));
  // A capture may split a character; it is escaped byte by byte.
  assert.is(fillTarget('/bytes/$1/$2', matches('~^/dot/(.)(.)', '/dot/é')!), '/bytes/%c3/%a9');
  assert.is(fillTarget('/n/${lowercase:$1}', matches('~^/x/(.*)$', '/x/ÉA b?')!), '/n/%c3%89a%20b%3f');
});

Syntax.run();

// ---------------------------------------------------------------------------------------

const ROWS: ValidRow[] = [
  { path: '/old/exact.html', status: 301, source: '/somewhere' },
  { path: '/old/keep.html', status: 200, source: 'wiki:Keep' },
  { path: '/old/guide/index.html', status: 200, source: 'wiki:Guide' },
  { path: '/old/pre/', status: 410, source: '' },
  { path: '/start', status: 301, source: '/old/Chain.html' },
  { path: '/landing', status: 301, source: '/final' },
  { path: '~^/old/(.*)\\.html$', status: 301, source: '/new/${lowercase:$1}/' },
  { path: '~^/old/', status: 302, source: '/never' },
  { path: '~*^/faq(\\d+)$', status: 302, source: 'https://example.org/faq?n=$1' },
  { path: '~^/closed/', status: 301, source: '/landing' },
  { path: '~^/gone/', status: 410, source: '' },
];

function lookups(rows: readonly ValidRow[]) {
  const full = rows.map((row) => ({ ...row, created: '', updated: '', origin: 'manual' }) as PageRow);
  const byPath = new Map(full.map((row) => [row.path, row]));
  return { getRow: (path: string) => byPath.get(path), findPattern: patternMatcher(full.filter((row) => row.path.startsWith('~'))) };
}

const Resolve = suite('pattern rows: what they answer');

Resolve('exact rows, DirectorySlash and prefix rows come first; then the first pattern that matches, its captures filled in', () => {
  const { getRow, findPattern } = lookups(ROWS);
  const cases: readonly (readonly [string, Resolution | string])[] = [
    ['/old/exact.html', { kind: 'redirect', status: 301, location: '/somewhere' }],
    ['/old/keep.html', 'page'],
    ['/old/guide', { kind: 'redirect', status: 301, location: '/old/guide/' }],
    ['/old/guide/', 'page'],
    ['/old/pre/x.html', { kind: 'status', status: 410, path: '/old/pre/x.html' }],
    ['/old/Foo.html?x=1', { kind: 'redirect', status: 301, location: '/new/foo/?x=1' }],
    ['/old/a%20b.html', { kind: 'redirect', status: 301, location: '/new/a%20b/' }],
    // The second pattern: the first did not match.
    ['/old/other', { kind: 'redirect', status: 302, location: '/never' }],
    ['/FAQ12?x=1', { kind: 'redirect', status: 302, location: 'https://example.org/faq?n=12' }],
    ['/gone/a/b', { kind: 'status', status: 410, path: '/gone/a/b' }],
    // A fixed target's chain is followed; so is an exact row's through a pattern row.
    ['/closed/x?y=1', { kind: 'redirect', status: 301, location: '/final?y=1' }],
    ['/start', { kind: 'redirect', status: 301, location: '/new/chain/' }],
    ['/elsewhere', { kind: 'miss', path: '/elsewhere' }],
  ];
  for (const [raw, expected] of cases) {
    const resolution = resolveRequest('GET', raw, getRow, findPattern);
    if (typeof expected === 'string') assert.is(resolution.kind, expected, raw);
    else assert.equal(resolution, expected, raw);
  }
});

Resolve.run();

// ---------------------------------------------------------------------------------------

const Store = suite('pattern rows: their order in the map, and loops');

Store('pattern rows keep the order they were added in; an edit keeps a row\'s place; a replacing import takes the file\'s order', async () => {
  await withSite({}, async ({ store }) => {
    store.set({ path: '~^/b', status: 301, source: 'http://example.org/1' });
    store.set({ path: '~^/a', status: 301, source: 'http://example.org/2' });
    store.set({ path: '/z', status: 410 });
    store.set({ path: '~^/', status: 301, source: 'http://example.org/3' });
    const patterns = () => store.all().filter((row) => row.path.startsWith('~')).map((row) => row.path);
    assert.equal(patterns(), ['~^/b', '~^/a', '~^/']);
    assert.equal(store.list().map((row) => row.path).slice(-3), ['~^/b', '~^/a', '~^/'], 'map list shows them last, in order');
    assert.is(store.findPattern('/bb')?.target, 'http://example.org/1');
    assert.is(store.findPattern('/ab')?.target, 'http://example.org/2');
    // Its own writes are seen at once.
    store.set({ path: '~^/b', status: 301, source: 'http://example.org/changed' });
    assert.equal(patterns(), ['~^/b', '~^/a', '~^/']);
    assert.is(store.findPattern('/bb')?.target, 'http://example.org/changed');
    const batch = [
      { path: '~^/', status: 301, source: 'http://example.org/3' },
      { path: '~^/b', status: 301, source: 'http://example.org/changed' },
      { path: '~^/c', status: 404 },
    ];
    const summary = store.applyRows(batch.map((row) => validateRow(row)), 'import', { replace: true });
    assert.equal(summary, { added: 1, updated: 2, unchanged: 0, removed: 2 }, 'a row that only moved counts as updated');
    assert.equal(patterns(), ['~^/', '~^/b', '~^/c']);
    assert.is(store.findPattern('/bb')?.target, 'http://example.org/3');
    // An import without --replace puts new pattern rows after the others.
    store.applyRows([validateRow({ path: '~^/d', status: 410 }), validateRow(batch[0]!)], 'import');
    assert.equal(patterns(), ['~^/', '~^/b', '~^/c', '~^/d']);
  });
});

Store('a running server sees pattern rows another process writes, without a restart', async () => {
  await withSite({}, async ({ store }) => {
    assert.is(store.findPattern('/old/x'), undefined);
    const other = new PageMapStore(store.file);
    try {
      other.set({ path: '~^/old/(.*)$', status: 301, source: '/new/$1' });
    } finally {
      other.close();
    }
    assert.is(store.findPattern('/old/x')?.target, '/new/x');
  });
});

Store('a loop through a pattern row is refused naming it, whichever row closes it, and nothing is written', async () => {
  await withSite({}, async ({ store }) => {
    assert.throws(() => store.set({ path: '~^/a/(.*)$', status: 301, source: '/a/x/$1' }), /~\^\/a\/\(\.\*\)\$: would make a redirect loop: ~\^\/a\/\(\.\*\)\$ → ~\^\/a\/\(\.\*\)\$/);
    store.set({ path: '~^/old/(.*)\\.html$', status: 301, source: '/new/${lowercase:$1}/' });
    // An exact row sending one of the new paths back.
    assert.throws(() => store.set({ path: '/new/abc/', status: 301, source: '/old/ABC.html' }), /\/new\/abc\/index\.html: would make a redirect loop: \/new\/abc\/index\.html → ~\^\/old\/\(\.\*\)\\\.html\$ → \/new\/abc\/index\.html/);
    // The other way round: the exact row first, then a pattern row that sends its target back.
    store.set({ path: '/x/one', status: 301, source: '/y/one' });
    assert.throws(() => store.set({ path: '~^/y/(.*)$', status: 302, source: '/x/$1' }), /would make a redirect loop: \/x\/one → ~\^\/y\/\(\.\*\)\$ → \/x\/one/);
    assert.throws(
      () => store.applyRows([validateRow({ path: '/p', status: 301, source: '/q.html' }), validateRow({ path: '~^/(q)\\.html$', status: 301, source: '/p' })], 'import'),
      /would make a redirect loop/,
    );
    assert.equal(store.all().map((row) => row.path), ['/x/one', '~^/old/(.*)\\.html$']);
  });
});

Store.run();

// ---------------------------------------------------------------------------------------

const Files = suite('pattern rows: in map files and on the command line');

Files('set, list, export, import and rm take the ~ form; an export imports back to the same map, in the same order', async () => {
  await withTempSite({}, async (site) => {
    for (const args of [
      ['~^/old/(.*)\\.html$', '301', '/new/${lowercase:$1}/'],
      ['~*^/faq(\\d+)$', '302', 'https://example.org/faq?n=$1'],
      ['~^/gone/', '410'],
    ]) {
      const set = await runCli(['map', 'set', ...args], { cwd: site.dir });
      assert.is(set.code, 0, describe(set));
    }
    const bad = await runCli(['map', 'set', '~^/(?<=x)', '301', '/'], { cwd: site.dir });
    assert.is(bad.code, 1);
    assert.is(bad.stderr, "error: ~^/(?<=x): the pattern uses lookbehind (?<=…), which Node and Apache's PCRE do not read alike\n");
    const listed = await runCli(['map', 'list', '--search', '~'], { cwd: site.dir });
    assert.is(listed.stdout, '301  ~^/old/(.*)\\.html$  /new/${lowercase:$1}/\n302  ~*^/faq(\\d+)$  https://example.org/faq?n=$1\n410  ~^/gone/\n');
    const exported = await runCli(['map', 'export', 'out.tsv'], { cwd: site.dir });
    assert.is(exported.code, 0, describe(exported));
    const text = await readFile(join(site.dir, 'out.tsv'), 'utf8');
    assert.ok(text.endsWith('~^/old/(.*)\\.html$\t301\t/new/${lowercase:$1}/\n~*^/faq(\\d+)$\t302\thttps://example.org/faq?n=$1\n~^/gone/\t410\t\n'), text);
    // Reordered by hand and imported with --replace: the file's order is the map's.
    const lines = text.trimEnd().split('\n');
    await writeFile(join(site.dir, 'reordered.tsv'), [...lines.slice(0, -3), lines.at(-1), lines.at(-3), lines.at(-2)].join('\n') + '\n');
    const imported = await runCli(['map', 'import', '--replace', 'reordered.tsv'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    const relisted = await runCli(['map', 'list', '--search', '~'], { cwd: site.dir });
    assert.is(relisted.stdout, '410  ~^/gone/\n301  ~^/old/(.*)\\.html$  /new/${lowercase:$1}/\n302  ~*^/faq(\\d+)$  https://example.org/faq?n=$1\n');
    const removed = await runCli(['map', 'rm', '~^/gone/'], { cwd: site.dir });
    assert.is(removed.code, 0, describe(removed));
    assert.ok(!(await runCli(['map', 'list'], { cwd: site.dir })).stdout.includes('~^/gone/'));
  });
});

Files('a build that changes the pattern rows says Apache needs a reload; one that changes only exact rows does not', async () => {
  await withTempSite({ 'wiki/FrontPage.md': '# Front\n' }, async (site) => {
    const run = async (...args: string[]) => {
      const result = await runCli(args, { cwd: site.dir });
      assert.is(result.code, 0, describe(result));
      return result;
    };
    await run('map', 'set', '/', '200', 'wiki:FrontPage');
    await run('build');
    await run('map', 'set', '~^/old/(.*)$', '301', '/new/$1');
    assert.match((await run('build')).stderr, /pagemap\.conf changed: reload Apache \(apachectl graceful\)/);
    await run('map', 'set', '/moved.html', '301', '/');
    assert.not.match((await run('build')).stderr, /reload Apache/);
    assert.match(await readFile(join(site.dir, 'state/apache/pagemap.conf'), 'utf8'), /RewriteRule "\^\/old\/\(\.\*\)\$" "\/new\/\$\{pm_escape:\$1\}" \[R=301,NE,L,UnsafeAllow3F\]/);
  });
});

Files.run();
