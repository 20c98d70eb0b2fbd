/**
 * `map import --from apache` on real rules: python.org's legacy redirects (and its SIG rules,
 * pulled in by `Include REDIRECTS/sigs.conf`), from ../shared/data. The expected answers are
 * not written by hand: the original rules run on a real Apache 2.4, and pagemap — the runtime
 * alone, and Apache with the generated configuration — must answer each sample URL as they do.
 * Smaller configurations pin down each of Apache's meanings the importer keeps.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { convertApache } from '../core/importers/apache.js';
import { readImportFile, rowKinds } from '../core/importers/importFile.js';
import type { ValidRow } from '../core/pageRow.js';
import { type RunningApache, apacheOrSkip, checkConfig, requireApacheInCi, startApache } from './apacheHarness.js';
import { disagreements, rawGet, withStack } from './differential.js';
import { SHARED_DATA, describe, runCli, withTempDir, withTempSite } from './helpers.js';

const REDIRECTS_FILE = join(SHARED_DATA, 'python-org-legacy-redirects.conf');
const SIGS_FILE = join(SHARED_DATA, 'python-org-legacy-sigs.conf');

const binary = apacheOrSkip('python.org import tests against Apache');

/** A ServerRoot laid out as python.org's was: the rules, and REDIRECTS/sigs.conf beside them (releases.conf is not in the data). */
async function pythonOrgServerRoot(dir: string, withEmptyReleases = false): Promise<string> {
  await mkdir(join(dir, 'REDIRECTS'), { recursive: true });
  await copyFile(REDIRECTS_FILE, join(dir, 'legacy-redirects.conf'));
  await copyFile(SIGS_FILE, join(dir, 'REDIRECTS', 'sigs.conf'));
  if (withEmptyReleases) await writeFile(join(dir, 'REDIRECTS', 'releases.conf'), '# not in ../shared/data: Apache needs every Include to exist\n');
  return join(dir, 'legacy-redirects.conf');
}

const PythonOrg = suite('python.org\'s legacy rules, imported');

PythonOrg('every directive becomes a row or is reported with its file, line and reason', async () => {
  const { read, conversion } = await withTempDir(async (dir) => {
    const file = await pythonOrgServerRoot(dir);
    // Places relative to the server root, as people read them.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      return { read: await readImportFile(file, { serverRoot: dir }), conversion: convertApache(file, { serverRoot: dir }) };
    } finally {
      process.chdir(cwd);
    }
  });
  assert.is(read.format, 'apache');
  assert.equal(read.rejects, [], 'every row it made is valid');
  assert.equal(rowKinds(read.rows), { exact: 80, prefix: 0, pattern: 180 });
  // Per file: how many directives became rows (a Redirect becomes two: its path and its subtree), how many were reported.
  const perFile = (name: string) => {
    const rows = conversion.rows.filter((row) => row.where.startsWith(`${name}:`));
    return {
      directives: new Set(rows.map((row) => row.where)).size,
      ...rowKinds(rows.map((row) => ({ path: row.path, status: row.status, source: row.source }) as ValidRow)),
      reported: conversion.reported.filter((entry) => entry.where.startsWith(`${name}:`)).length,
    };
  };
  assert.equal(perFile('legacy-redirects.conf'), { directives: 119, exact: 78, prefix: 0, pattern: 115, reported: 19 });
  assert.equal(perFile('REDIRECTS/sigs.conf'), { directives: 65, exact: 2, prefix: 0, pattern: 65, reported: 0 });
  // Most of the subtrees are pattern rows, not prefix rows: the unanchored rule at line 28
  // (/topics/database/DatabaseAPI-1.0.html) may match under any folder, and in Apache it answers first.
  const reasons = read.reported.map((entry) => `${entry.where.replace(/^.*\//, '')} ${entry.reason}`);
  const expected = [
    /^legacy-redirects\.conf:18 Include REDIRECTS\/releases\.conf: cannot read .*REDIRECTS\/releases\.conf \(no such file\); the rest is imported$/,
    /^legacy-redirects\.conf:113 has a condition on %\{REQUEST_METHOD\} .*; pagemap rows answer by path alone$/,
    /^legacy-redirects\.conf:114 proxies the request to another server \(\[P\]\)/,
    /^legacy-redirects\.conf:84 is never reached: .*legacy-redirects\.conf:32 answers \/topics\/xml first$/,
    /^legacy-redirects\.conf:162 is never reached: .*legacy-redirects\.conf:66 answers \/download\/download_os2\.html first$/,
  ];
  for (const pattern of expected) assert.ok(reasons.some((reason) => pattern.test(reason)), `${pattern} in:\n${reasons.join('\n')}`);
  // sigs.conf's rules came in through the Include, c++ read as PCRE reads it.
  assert.ok(read.rows.some((row) => row.path === '~^(?=^/sigs/c+-sig)^/sigs/c+-sig(.*)$'), 'the c++-sig rule, its condition kept');
  assert.ok(read.notes.some((entry) => /sigs\.conf:\d+$/.test(entry.where) && /c\+\+ is a possessive quantifier/.test(entry.reason)));
  assert.ok(read.rows.some((row) => row.path === '/idle/index.html' || row.path === '~^/idle/.*$'));
});

PythonOrg('a sample of old URLs answers exactly what the original rules answer on the same Apache: through the runtime and through Apache', async () => {
  requireApacheInCi(binary);
  if (!binary) return;
  await withTempDir(async (dir) => {
    // Apache needs every Include to exist: the reference gets an empty releases.conf; the
    // import reads the data as it is, reports the missing file and imports the rest.
    const referenceRules = await pythonOrgServerRoot(join(dir, 'reference'), true);
    const importRoot = join(dir, 'import');
    const { rows } = await readImportFile(await pythonOrgServerRoot(importRoot), { serverRoot: importRoot });
    const { redirected, reachedRuntime } = await compareWithOriginal(binary, join(dir, 'reference'), { file: referenceRules }, rows, SAMPLE);
    assert.ok(redirected >= 75, `the original rules redirect most of the sample (${redirected} of ${SAMPLE.length})`);
    // Apache answered the imported rules itself: of the sample, only what no rule answers (404 in the original too) reached the runtime.
    assert.equal(reachedRuntime, ['/peps/pep-0008.txt', '/topics/xmlfoo', '/dev', '/dev/index.html', '/nothing-here', '/psf/']);
  });
});

/**
 * Serve `rulesFile` (with RewriteEngine On, ServerRoot `serverRoot`) on a real Apache — the
 * reference — and `rows` through pagemap; every target of `sample` must get the same status
 * and Location from all three, Locations compared as a browser follows them (Apache writes
 * http://Example.org, pagemap http://example.org/). Returns how many the reference
 * redirected, and which reached pagemap's runtime through pagemap's Apache.
 */
async function compareWithOriginal(
  binary: string,
  serverRoot: string,
  rules: { file?: string; documentRoot?: Record<string, string> },
  rows: readonly ValidRow[],
  sample: readonly string[],
): Promise<{ redirected: number; reachedRuntime: string[] }> {
  // The document root holds what the rules need on disk (.htaccess files), nothing else.
  const documentRoot = join(serverRoot, 'document-root');
  await mkdir(documentRoot, { recursive: true });
  const folders = [documentRoot];
  for (const [name, content] of Object.entries(rules.documentRoot ?? {})) {
    await mkdir(dirname(join(documentRoot, name)), { recursive: true });
    folders.push(dirname(join(documentRoot, name)));
    await writeFile(join(documentRoot, name), content);
  }
  const vhost = join(serverRoot, 'vhost.conf');
  await writeFile(
    vhost,
    [
      'RewriteEngine On',
      ...(rules.file ? [`Include "${rules.file}"`] : []),
      `<Directory "${documentRoot}">`,
      '    AllowOverride All',
      '    Options FollowSymLinks',
      '    Require all granted',
      '</Directory>',
      '',
    ].join('\n'),
  );
  let reference: RunningApache | undefined;
  try {
    const readable = [dirname(serverRoot), serverRoot, ...folders, ...(rules.file ? [dirname(rules.file)] : []), ...(existsSync(join(serverRoot, 'REDIRECTS')) ? [join(serverRoot, 'REDIRECTS')] : [])];
    reference = await startApache(binary, serverRoot, documentRoot, vhost, readable);
    let result = { redirected: 0, reachedRuntime: [] as string[] };
    await withStack({ rows }, async (stack) => {
      const answer = async (base: string, target: string) => {
        const response = await rawGet(base, target);
        const location = response.headers.get('location');
        return `${response.status} ${location === undefined ? '' : new URL(location, `${base}${target}`).href.replace(base, '')}`;
      };
      const problems: string[] = [];
      for (const target of sample) {
        const expected = await answer(reference!.url, target);
        if (/^30[12] /.test(expected)) result.redirected++;
        const viaRuntime = await answer(stack.runtime.url, target);
        const viaApache = await answer(stack.apache.url, target);
        if (viaRuntime !== expected || viaApache !== expected) problems.push(`${target}\n    original ${expected}\n    runtime  ${viaRuntime}\n    apache   ${viaApache}`);
      }
      assert.equal(problems, [], problems.join('\n'));
      result.reachedRuntime = sample.filter((target) => stack.runtimeLog.filter((line) => line.includes(`GET ${target} `)).length > 1);
      // pagemap's own Apache and runtime agree byte for byte besides (bodies of pages included), and its configuration passes apache2 -t.
      const differences = await disagreements(stack, sample);
      assert.equal(differences, [], differences.join('\n'));
      checkConfig(binary, stack.apache.configFile);
    });
    return result;
  } catch (error) {
    if (reference) (error as Error).message += `\n--- reference Apache error log ---\n${(await reference.errorLog()).slice(-3000)}`;
    throw error;
  } finally {
    await reference?.stop();
  }
}

/** Old URLs of python.org, touching every kind of rule in both files, with queries, case and escapes. */
const SAMPLE = [
  '/psf/records/board/minutes-2003-04-17.html',
  '/psf/records/board/minutes-ABC/Def.html?x=1',
  '/peps/',
  '/peps//',
  '/peps/pep-0008.html',
  '/peps/PEP-0008.html',
  '/peps/pep-0008.txt',
  '/psf/license/',
  '/psf/license/x.html',
  '/doc/peps',
  '/doc/peps/pep-0001.html',
  '/psf/about/mission',
  '/psf/about/mission/x',
  '/psf/Users.html',
  '/psf/press.html',
  '/psf/News.html',
  '/psf/A%20B.html',
  '/psf/donate',
  '/psf/donate?amount=5',
  '/psf/donate/x',
  '/topics/database/DatabaseAPI-1.0.html',
  '/x/topics/database/DatabaseAPI-2.0.html',
  '/topics/database/',
  '/consortium',
  '/consortium/',
  '/consortium/members.html',
  '/topics/xml/a/b.html?q=1',
  '/topics/xmlfoo',
  '/topics/web',
  '/audio',
  '/contact.html',
  '/doc/nonenglish/',
  '/doc/nonenglish/x.html',
  '/doc/NonEnglish.html',
  '/doc/faq/gui/',
  '/doc/faq/gui/x.html',
  '/dev/',
  '/dev',
  '/dev/index.html',
  '/dev/lists.html',
  '/dev/doc/devel/whatsnew',
  '/Jobs',
  '/jobs',
  '/Jobs.html',
  '/help/',
  '/~barry',
  '/~barry/x',
  '/~rmasse',
  '/editors',
  '/editors/',
  '/foo/editors/',
  '/mailman-bugs',
  '/mailman-bugs/',
  '/mailman-bugs/x',
  '/mailman/listinfo/python-list',
  '/pipermail/python-dev/2003-May/',
  '/pycon/2003',
  '/pycon/2003/',
  '/pycon/dc2004',
  '/pycon/anything',
  '/pycon',
  '/community/pycon/register/x',
  '/ar',
  '/dfw/x',
  '/doc/howto/',
  '/doc/howto/regex.html',
  '/download/download_os2.html',
  '/patches?x=1',
  '/security/advisory.html?id=2',
  '/topics/learn/books.html',
  '/psa/',
  '/psa/Users.html',
  '/windows/',
  '/sigs',
  '/sigs/',
  '/sigs/c++-sig/',
  '/sigs/c%2B%2B-sig/',
  '/sigs/cc-sig/x.html',
  '/sigs/c-sig/Index.html',
  '/sigs/db-sig/',
  '/sigs/DB-SIG/x.html',
  '/sigs/db-sig/Archive.HTML',
  '/sigs/xml-sig/Foo.html',
  '/sigs/compiler-sig/X.html',
  '/sigs/web-sig/?x=1',
  '/idle/',
  '/idle/x.html',
  '/community/sigs/current/c++-sig',
  '/community/sigs/current/c++-sig/x',
  '/nothing-here',
  '/psf/',
];

PythonOrg.run();

// ---------------------------------------------------------------------------------------

const Meanings = suite('Apache\'s meanings, kept by the importer');

function convert(text: string, files: Record<string, string> = {}) {
  return withTempDir(async (dir) => {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    await writeFile(join(dir, 'site.conf'), text);
    const conversion = convertApache(join(dir, 'site.conf'));
    return {
      rows: conversion.rows.map((row) => `${row.path} ${row.status} ${row.source}`.trim()),
      reported: conversion.reported.map((entry) => `${entry.where.replace(/^.*\//, '')} ${entry.reason}`),
      notes: conversion.notes.map((entry) => `${entry.where.replace(/^.*\//, '')} ${entry.reason}`),
    };
  });
}

Meanings('[R] alone is 302; a full URL without [R] redirects (302); [G] is 410; R=404 is 404; [L]-less and flag forms in any case', async () => {
  const { rows, notes } = await convert(
    ['RewriteRule ^/a$ /b [R]', 'RewriteRule ^/c$ http://example.org/c', 'RewriteRule ^/d$ - [G]', 'RewriteRule ^/e$ - [R=404,L]', 'rewriterule ^/f$ /g [redirect=permanent,last]'].join('\n'),
  );
  assert.equal(rows, ['/a 302 /b', '/c 302 http://example.org/c', '/d 410', '/e 404', '/f 301 /g']);
  assert.ok(notes.some((note) => /^site\.conf:2 a full URL without \[R\] redirects \(302\)/.test(note)), notes.join('\n'));
});

Meanings('rewrite rules run before Redirect lines whatever their order; Redirect matches whole segments, the rest going after its target', async () => {
  const { rows } = await convert(['Redirect permanent /a http://example.org/new', 'RewriteRule ^/a/(x.*)$ /rewritten/$1 [R=301,L]', 'RedirectTemp /b/ /bee/'].join('\n'));
  assert.equal(rows, [
    '~^/a/(x.*)$ 301 /rewritten/$1',
    '/a 301 http://example.org/new',
    // An earlier pattern may answer under /a/: the subtree keeps its place after it, as a pattern.
    '~^/a/(.*)$ 301 http://example.org/new/$1',
    '/b/* 302 /bee/*',
  ]);
});

Meanings('a directive an earlier one always answers is reported as never reached; an exact row waits behind an earlier pattern that matches it', async () => {
  const { rows, reported, notes } = await convert(
    ['RewriteRule ^/old/(.*)$ /new/$1 [R=301,L]', 'RewriteRule ^/old/x$ /never [R=301,L]', 'RewriteRule ^/keep$ /kept [R=301,L]', 'Redirect /keep /below', 'Redirect /a/ /one/', 'Redirect /a/b /two'].join('\n'),
  );
  assert.equal(rows, ['~^/old/(.*)$ 301 /new/$1', '/keep 301 /kept', '/keep/* 302 /below/*', '/a/* 302 /one/*']);
  const place = (line: number) => new RegExp(`\\S*site\\.conf:${line}`);
  assert.is(reported.length, 2, reported.join('\n'));
  assert.match(reported[0]!, new RegExp(`^site\\.conf:2 is never reached: ${place(1).source} answers /old/x first$`));
  assert.match(reported[1]!, new RegExp(`^site\\.conf:6 is never reached: ${place(5).source} answers /a/b first$`));
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, new RegExp(`^site\\.conf:4 answers below /keep/ only: ${place(3).source} answers /keep itself first$`));
});

Meanings('conditions on the path become lookaheads ([OR] and ! included); a RewriteMap int:tolower declared after its use is read', async () => {
  const { rows } = await convert(
    [
      'RewriteCond %{REQUEST_URI} \\.html$ [OR]',
      'RewriteCond %{REQUEST_URI} \\.htm$',
      'RewriteCond %{REQUEST_FILENAME} !^/docs/keep',
      'RewriteRule ^/docs/(.*)$ http://example.org/${lc:$1} [R=301,L]',
      'RewriteMap lc int:tolower',
    ].join('\n'),
  );
  // Anchored conditions and patterns are tried at the start alone; unanchored ones anywhere (.*).
  assert.equal(rows, ['~^(?:(?=.*(?:\\.html$))|(?=.*(?:\\.htm$)))(?!^/docs/keep)^/docs/(.*)$ 301 http://example.org/${lowercase:$1}']);
});

Meanings('what rows cannot say is reported with the reason, and the rest imported', async () => {
  const { rows, reported } = await convert(
    [
      'RewriteCond %{HTTP_HOST} ^old\\.example\\.org$',
      'RewriteRule ^/(.*)$ http://new.example.org/$1 [R=301,L]',
      'RewriteCond %{QUERY_STRING} id=(\\d+)',
      'RewriteRule ^/item$ /items/%1? [R=301,L]',
      'RewriteCond %{REQUEST_FILENAME} !-f',
      'RewriteRule ^/x$ /y [R=301,L]',
      'RewriteRule ^/internal$ /other.html [L]',
      'RewriteRule ^/forbidden - [F]',
      'RewriteRule ^/proxied(.*)$ http://backend/$1 [P]',
      'RewriteRule ^/q$ /r?a=1 [R=301,QSA]',
      'RewriteRule ^/m/(.*)$ /n/${other:$1} [R=301]',
      'RewriteMap other txt:/etc/map.txt',
      'RewriteRule ^/(?<name>x)$ /y [R=301]',
      'RewriteRule ^/t$ /u [R=307]',
      'Include missing.conf',
      '<Directory /srv/www>',
      'Redirect /in-dir /x',
      '</Directory>',
      'ServerName www.example.org',
      'Redirect /fine /ok',
    ].join('\n'),
  );
  assert.equal(rows, ['/fine 302 /ok', '/fine/* 302 /ok/*']);
  const expected: [number, RegExp][] = [
    [15, /Include missing\.conf: cannot read .*missing\.conf \(no such file\); Apache reads a relative Include from its ServerRoot: give it with --server-root; the rest is imported/],
    [2, /has a condition on %\{HTTP_HOST\}/],
    [4, /has a condition on %\{QUERY_STRING\}/],
    [6, /has a condition testing the file system \(!-f/],
    [7, /rewrites the path inside the server \(no \[R\]\): not a redirect/],
    [8, /forbids the path \(\[F\], 403\)/],
    [9, /proxies the request/],
    [10, /merges the request's query into the target's own \(\[QSA\]\)/],
    [11, /uses the RewriteMap other \(txt:\/etc\/map\.txt\)/],
    [12, /declares a map of kind txt:\/etc\/map\.txt/],
    [13, /its pattern uses \(\?<…\)/],
    [14, /answers 307/],
    [17, /sits in <Directory \/srv\/www>/],
    [19, /not a redirect: set aside/],
  ];
  for (const [line, reason] of expected) assert.ok(reported.some((entry) => entry.startsWith(`site.conf:${line} `) && reason.test(entry)), `line ${line} ${reason} in:\n${reported.join('\n')}`);
  assert.is(reported.length, expected.length, reported.join('\n'));
});

Meanings('an Include is read from the including file\'s folder, or from --server-root as Apache reads it', async () => {
  const relative = await convert('Include more/rules.conf\n', { 'more/rules.conf': 'Redirect 410 /gone\n' });
  assert.equal(relative.rows, ['/gone 410', '/gone/* 410']);
  await withTempDir(async (dir) => {
    await mkdir(join(dir, 'conf', 'extra'), { recursive: true });
    await mkdir(join(dir, 'root', 'extra'), { recursive: true });
    await writeFile(join(dir, 'conf', 'site.conf'), 'Include extra/*.conf\n');
    await writeFile(join(dir, 'root', 'extra', 'b.conf'), 'Redirect /b /bee\n');
    await writeFile(join(dir, 'root', 'extra', 'a.conf'), 'Redirect /a /ay\n');
    const fromRoot = convertApache(join(dir, 'conf', 'site.conf'), { serverRoot: join(dir, 'root') });
    assert.equal(fromRoot.rows.map((row) => `${row.path} ${row.where.replace(/^.*\//, '')}`), ['/a a.conf:1', '/a/* a.conf:1', '/b b.conf:1', '/b/* b.conf:1']);
  });
});

Meanings('on a real Apache, a configuration full of Apache\'s quirks answers as the original does', async () => {
  requireApacheInCi(binary);
  if (!binary) return;
  await withTempDir(async (dir) => {
    const rulesFile = join(dir, 'quirks.conf');
    await writeFile(rulesFile, QUIRKS);
    const { rows, rejects } = await readImportFile(rulesFile);
    assert.equal(rejects, []);
    await compareWithOriginal(binary, dir, { file: rulesFile }, rows, QUIRKS_SAMPLE);
  });
});

/** Each line a meaning of Apache's the importer must keep. */
const QUIRKS = [
  'Redirect permanent /x/y /xy',
  'Redirect permanent /x /xx',
  'RewriteMap lc int:tolower',
  'RewriteCond %{REQUEST_URI} \\.html$ [OR]',
  'RewriteCond %{REQUEST_URI} \\.htm$',
  'RewriteCond %{REQUEST_FILENAME} !^/docs/keep',
  'RewriteRule ^/docs/(.*)$ http://example.org/${lc:$1} [R=301,L]',
  'RewriteRule ^/Case/(\\w+)$ /case/$1 [NC,R=302,L]',
  'RewriteRule ^/old-file$ /new-file [R,L]',
  'RewriteRule ^/gone-dir/ - [G]',
  'RewriteRule ^/missing - [R=404]',
  'RewriteRule ^/full/(.*) https://other.example.org/$1',
  'RewriteRule ^/hash/(.*)$ /target/$1#section [R=301,L]',
  'RewriteRule ^/frag/(.*)$ /target/$1#section [R=301,NE,L]',
  'RewriteRule ^/pct/(.*)$ /p\\%41/$1 [R=301,L]',
  'RewriteRule ^/own-query/(.*)$ /q?page=$1 [R=301,L]',
  'RewriteRule ^/pass/(.*)$ /p/$1?%{QUERY_STRING} [R=301,L]',
  'RewriteRule unanchored(/.*)?$ /ua$1 [R=301,L]',
  'RewriteRule ^/relative$ rel-target [R=301,L]',
  'RewriteRule ^/no-group$ /ng-$1 [R=301,L]',
  'RewriteRule possessive/a++b /pos [R=301,L]',
  'RedirectMatch 302 ^/rm/(\\d+)/(.*)$ http://example.org/rm%20x/$2?id=$1',
  'Redirect gone /b',
  'RedirectTemp /m/ /mm/',
  'Redirect /docs http://example.org/docs-alias',
].join('\n');

const QUIRKS_SAMPLE = [
  '/x', '/x/', '/x/y', '/x/y/z?q=1', '/x/z', '/xa',
  '/docs/Intro.HTML', '/docs/Intro.html', '/docs/Intro.htm?x=1', '/docs/keep/A.html', '/docs/plain', '/docs', '/docs/',
  '/Case/abc', '/CASE/abc', '/case/ABC',
  '/old-file', '/old-file?x=1', '/gone-dir/x', '/gone-dir', '/missing', '/missing/x',
  '/full/a%20b?q=1', '/hash/x', '/frag/x', '/pct/x', '/own-query/3?drop=1', '/pass/x?keep=1', '/pass/x',
  '/unanchored', '/a/unanchored/b', '/a/unanchored', '/relative', '/no-group', '/possessive/aab', '/x/possessive/ab', '/possessive/b',
  '/rm/12/a%20b', '/rm/12/a?q=1', '/rm/x/a', '/b', '/b/c', '/bb', '/m/', '/m/a', '/m', '/nothing',
];

Meanings('a .htaccess is read as the per-directory rules of its folder: patterns below it, substitutions from its RewriteBase, as the original answers', async () => {
  requireApacheInCi(binary);
  if (!binary) return;
  for (const [folder, file, sample] of HTACCESS) {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'import'));
      const copy = join(dir, 'import', '.htaccess');
      await writeFile(copy, file);
      const { rows, rejects, reported } = await readImportFile(copy, { folder });
      assert.equal(rejects, []);
      assert.equal(reported.map((entry) => entry.reason), folder === '/' ? ['not a redirect: set aside'] : []);
      const { redirected } = await compareWithOriginal(binary, join(dir, 'reference'), { documentRoot: { [`${folder.slice(1)}.htaccess`]: file } }, rows, sample);
      assert.ok(redirected >= sample.length / 2, `${folder}: ${redirected} of ${sample.length} redirected`);
    });
  }
  // Without a RewriteBase, Apache puts the folder's path on disk into a relative redirect; pagemap reads it from the folder's URL, and says so.
  await withTempDir(async (dir) => {
    const file = join(dir, '.htaccess');
    await writeFile(file, 'RewriteEngine On\nRewriteRule ^(.*)\\.htm$ $1.html [R=301,L]\n');
    const conversion = convertApache(file, { folder: '/docs' });
    assert.equal(conversion.rows.map((row) => `${row.path} ${row.source}`), ['~^/docs/(.*)\\.htm$ /docs/$1.html']);
    assert.match(conversion.notes[0]!.reason, /with no RewriteBase: Apache would put the folder's path on disk into the URL; read from \/docs\/, as RewriteBase \/docs\/ says/);
  });
});

const HTACCESS: [string, string, string[]][] = [
  [
    '/',
    [
      'RewriteEngine On',
      'Options -Indexes',
      'RewriteBase /',
      'RewriteRule ^old/(.*)\\.html$ new/$1 [R=301,L]',
      'RewriteRule ^Blog/(\\d+)/?$ /blog/post-$1 [R=302,L,NC]',
      'RewriteCond %{REQUEST_URI} !^/keep',
      'RewriteRule ^k(.*)$ /new-k$1 [R=301,L]',
      'RewriteRule legacy\\.php$ /modern [R=301,L]',
      'Redirect 301 /gone-page /elsewhere',
      'RedirectMatch 410 ^/dead/',
    ].join('\n'),
    ['/old/a.html', '/old/sub/b.html?x=1', '/Blog/12', '/blog/12/', '/kitten', '/keep/x', '/a/legacy.php', '/legacy.php', '/gone-page', '/gone-page/x', '/dead/x', '/nothing'],
  ],
  [
    '/docs/',
    ['RewriteEngine On', 'RewriteBase /docs/', 'RewriteRule ^(.*)\\.htm$ $1.html [R=301,L]', 'RewriteRule ^old$ /docs/new [R=301,L]', 'RewriteRule ^manual/(.*)$ http://example.org/manual/$1 [R=302,L]'].join('\n'),
    ['/docs/a.htm', '/docs/sub/b.htm?x=1', '/docs/old', '/docs/a.html', '/docs/manual/x/y', '/docs/'],
  ],
];

Meanings.run();

// ---------------------------------------------------------------------------------------

const Cli = suite('map import --from apache on the command line');

Cli('guessed from the content; --dry-run prints rows and the report and writes nothing; the import then reports counts per kind', async () => {
  await withTempSite({}, async (site) => {
    await writeFile(join(site.dir, 'old.conf'), 'RedirectPermanent /a http://example.org/a\nRewriteRule ^/b/(.*)$ /c/$1 [R=301,L]\nRewriteCond %{HTTP_HOST} x\nRewriteRule ^/d$ /e [R]\n');
    const dry = await runCli(['map', 'import', 'old.conf', '--dry-run'], { cwd: site.dir });
    assert.is(dry.code, 0, describe(dry));
    assert.is(dry.stdout, 'path\tstatus\tsource\n~^/b/(.*)$\t301\t/c/$1\n/a\t301\thttp://example.org/a\n/a/*\t301\thttp://example.org/a/*\n');
    assert.match(dry.stderr, /^old\.conf:4: not imported: has a condition on %\{HTTP_HOST\}/m);
    assert.match(dry.stderr, /old\.conf \(apache\), dry run: 3 rows \(1 exact, 1 prefix, 1 pattern\); 1 directive not imported, 0 notes; nothing written\n$/);
    assert.is((await runCli(['map', 'list'], { cwd: site.dir })).stdout, '', 'a dry run writes nothing');
    const imported = await runCli(['map', 'import', 'old.conf'], { cwd: site.dir });
    assert.is(imported.code, 0, describe(imported));
    assert.match(imported.stderr, /imported old\.conf \(apache\): 3 rows \(1 exact, 1 prefix, 1 pattern\); 1 directive not imported, 0 notes; 3 added, 0 updated, 0 unchanged, 0 removed\n$/);
    assert.is((await runCli(['map', 'list', '--search', '~'], { cwd: site.dir })).stdout, '301  ~^/b/(.*)$  /c/$1\n');
  });
});

Cli.run();
