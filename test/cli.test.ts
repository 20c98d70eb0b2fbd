/**
 * The `pagemap` command run as real processes against a throwaway site: help, usage errors,
 * the map commands (set, list, rm, import, export, discover), build, and config errors.
 * Exit codes and stdout/stderr are what scripts and people rely on, so they are asserted
 * exactly where the contract fixes them (house style 7: one `error:` line, non-zero exit).
 */
import { execFile } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_ROOT } from '../core/config.js';
import { CLI, type CliResult, type TempSite, assertOneErrorLine, describe, makeTempSite, runCli, withTempSite } from './helpers.js';

interface ListedRow {
  path: string;
  status: number;
  source: string;
  created: string;
  updated: string;
  origin: string;
}

/** Run `pagemap ARGS --config <site config>` in the site folder. */
function cli(site: TempSite, ...args: string[]): Promise<CliResult> {
  return runCli([...args, '--config', site.configFile], { cwd: site.dir });
}

async function listJson(site: TempSite): Promise<ListedRow[]> {
  const result = await cli(site, 'map', 'list', '--json');
  assert.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ListedRow[];
}

const triples = (rows: readonly ListedRow[]) => rows.map(({ path, status, source }) => ({ path, status, source }));

async function importTsv(site: TempSite, name: string, lines: readonly string[], ...options: string[]): Promise<CliResult> {
  const file = join(site.dir, name);
  await writeFile(file, lines.join('\n') + '\n');
  return cli(site, 'map', 'import', file, ...options);
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// ---------------------------------------------------------------------------------------

const Usage = suite('cli help and usage errors');

Usage('the package\'s bin runs by itself, as npx pagemap runs it (executable, with its #! line)', async () => {
  const ran = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(CLI, ['--help'], (error, stdout) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout })),
  );
  assert.is(ran.code, 0, 'dist/cli/main.js must be executable after npm run compile');
  assert.ok(ran.stdout.includes('Usage: pagemap <command> [options]'));
});

Usage('--help prints usage on stdout for the global command and every subcommand', async () => {
  await withTempSite({}, async (site) => {
    const commands = [['map', 'list'], ['map', 'set'], ['map', 'rm'], ['map', 'import'], ['map', 'export'], ['map', 'discover'], ['build'], ['serve']];
    const [global, ...each] = await Promise.all([
      runCli(['--help'], { cwd: site.dir }),
      ...commands.map((command) => runCli([...command, '--help'], { cwd: site.dir })),
    ]);
    assert.is(global!.code, 0, describe(global!));
    assert.is(global!.stderr, '');
    assert.ok(global!.stdout.includes('Usage: pagemap <command> [options]'), global!.stdout);
    for (const name of ['map list', 'map set', 'map rm', 'map import', 'map export', 'map discover', 'build', 'serve', '--config']) {
      assert.ok(global!.stdout.includes(name), `global help mentions ${name}`);
    }
    commands.forEach((command, i) => {
      const result = each[i]!;
      assert.is(result.code, 0, `${command.join(' ')} --help: ${describe(result)}`);
      assert.is(result.stderr, '');
      assert.ok(result.stdout.startsWith(`Usage: pagemap ${command.join(' ')}`), result.stdout);
    });
  });
});

Usage('an unknown command or option exits 2 with an error: line on stderr', async () => {
  await withTempSite({}, async (site) => {
    const [command, option] = await Promise.all([cli(site, 'frobnicate'), cli(site, 'map', 'list', '--bogus')]);
    assert.is(command.code, 2, describe(command));
    assert.is(command.stdout, '');
    assert.is(command.stderr.split('\n')[0], 'error: unknown command "frobnicate" (see pagemap --help)');
    assert.is(option.code, 2, describe(option));
    assert.is(option.stdout, '');
    assert.ok(assertOneErrorLine(option).includes('--bogus'));
  });
});

// House style 7: a usage error is one `error:` line, whatever went wrong.
Usage('a usage error is a single error: line on stderr', async () => {
  await withTempSite({}, async (site) => {
    const [command, count] = await Promise.all([cli(site, 'frobnicate'), cli(site, 'map', 'set', '/x')]);
    assert.is(command.code, 2);
    assert.is(count.code, 2);
    assert.ok(assertOneErrorLine(count).includes('map set'));
    assert.ok(assertOneErrorLine(command).includes('frobnicate'));
  });
});

Usage('--version prints the version; a mistyped command or option gets a "did you mean"', async () => {
  await withTempSite({}, async (site) => {
    const { version } = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    const shown = await runCli(['--version'], { cwd: site.dir });
    assert.is(shown.code, 0);
    assert.is(shown.stdout, `${version}\n`);
    const [command, sub, option, far] = await Promise.all([
      cli(site, 'biuld'),
      cli(site, 'map', 'lst'),
      cli(site, 'map', 'list', '--stauts', '200'),
      cli(site, 'map', 'list', '--nothing-like-it'),
    ]);
    for (const result of [command, sub, option, far]) assert.is(result.code, 2, describe(result));
    assert.is(assertOneErrorLine(command), 'error: unknown command "biuld" (did you mean "build"?) (see pagemap --help)');
    assert.is(assertOneErrorLine(sub), 'error: unknown map command "lst" (did you mean "map list"?) (see pagemap --help)');
    assert.is(assertOneErrorLine(option), 'error: map list: unknown option --stauts (did you mean --status?) (see pagemap map list --help)');
    assert.is(assertOneErrorLine(far), 'error: map list: unknown option --nothing-like-it (see pagemap map list --help)');
  });
});

Usage('a command\'s help lists its options, each once, as declared', async () => {
  await withTempSite({}, async (site) => {
    const help = await runCli(['map', 'list', '--help'], { cwd: site.dir });
    assert.is(help.code, 0);
    assert.ok(help.stdout.startsWith('Usage: pagemap map list [--status N] [--search TEXT] [--origin O] [--json] [--chains]\n'), help.stdout);
    for (const line of ['  --status N', '  --search TEXT', '  --json', '  --config FILE', '  -h, --help']) assert.ok(help.stdout.includes(`\n${line}`), `${line} in:\n${help.stdout}`);
  });
});

// "Every command takes … --help", the map group included.
Usage('pagemap map --help prints the map commands', async () => {
  await withTempSite({}, async (site) => {
    const result = await runCli(['map', '--help'], { cwd: site.dir });
    assert.is(result.code, 0, describe(result));
    assert.is(result.stderr, '');
    assert.ok(result.stdout.includes('map list') && result.stdout.includes('map set'), result.stdout);
  });
});

Usage.run();

// ---------------------------------------------------------------------------------------

const MapEdit = suite('cli map set, list, rm');

MapEdit('map set takes every status; map list prints them plain, as JSON and filtered', async () => {
  await withTempSite({}, async (site) => {
    const sets: [string, string, string?][] = [
      ['/doc/', '200', 'wiki:Doc'],
      ['/old_page.html', '200', 'file:old_page.html'],
      ['/moved', '301', 'https://www.python.org/about/'],
      ['/temp', '302', '/doc/'],
      ['/missing', '404'],
      ['/gone', '410'],
    ];
    await site.write({ 'wiki/Doc.md': '# Doc\n', 'legacy/old_page.html': '<p>old</p>\n' });
    for (const args of sets) {
      const result = await cli(site, 'map', 'set', ...(args.filter((a) => a !== undefined) as string[]));
      assert.is(result.code, 0, describe(result));
      assert.is(result.stderr, `added: ${args[0]}\n`);
    }
    const imported = await importTsv(site, 'more.tsv', ['/imp/a\t200\twiki:ImpA', '/imp/b\t301\t/moved']);
    assert.is(imported.code, 0, describe(imported));

    const [plain, json, moved, search, origin] = await Promise.all([
      cli(site, 'map', 'list'),
      cli(site, 'map', 'list', '--json'),
      cli(site, 'map', 'list', '--status', '301'),
      cli(site, 'map', 'list', '--search', '_p'),
      cli(site, 'map', 'list', '--origin', 'import'),
    ]);
    assert.is(plain.code, 0, describe(plain));
    assert.is(
      plain.stdout,
      [
        '200  /doc/index.html  wiki:Doc',
        '410  /gone',
        '200  /imp/a  wiki:ImpA',
        '301  /imp/b  /moved',
        '404  /missing',
        '301  /moved  https://www.python.org/about/',
        '200  /old_page.html  file:old_page.html',
        '302  /temp  /doc/',
        '',
      ].join('\n'),
    );

    assert.is(json.code, 0, describe(json));
    const rows = JSON.parse(json.stdout) as ListedRow[];
    assert.ok(Array.isArray(rows));
    for (const row of rows) {
      assert.equal(Object.keys(row).sort(), ['created', 'origin', 'path', 'source', 'status', 'updated']);
      assert.match(row.created, ISO_TIME);
      assert.match(row.updated, ISO_TIME);
      assert.is(row.origin, row.path.startsWith('/imp/') ? 'import' : 'manual', row.path);
    }
    assert.equal(triples(rows), [
      { path: '/doc/index.html', status: 200, source: 'wiki:Doc' },
      { path: '/gone', status: 410, source: '' },
      { path: '/imp/a', status: 200, source: 'wiki:ImpA' },
      { path: '/imp/b', status: 301, source: '/moved' },
      { path: '/missing', status: 404, source: '' },
      { path: '/moved', status: 301, source: 'https://www.python.org/about/' },
      { path: '/old_page.html', status: 200, source: 'file:old_page.html' },
      { path: '/temp', status: 302, source: '/doc/' },
    ]);

    assert.is(moved.stdout, '301  /imp/b  /moved\n301  /moved  https://www.python.org/about/\n');
    // `_` is matched literally, not as LIKE's any-character (which would also hit /imp/… and /temp).
    assert.is(search.stdout, '200  /old_page.html  file:old_page.html\n');
    assert.is(origin.stdout, '200  /imp/a  wiki:ImpA\n301  /imp/b  /moved\n');
  });
});

MapEdit('a bad map set is refused with one error: line naming the path; map rm of a missing row fails', async () => {
  await withTempSite({}, async (site) => {
    const seeded = await importTsv(site, 'seed.tsv', ['/x\t200\twiki:X', '/a\t301\t/b', '/keep\t404\t']);
    assert.is(seeded.code, 0, describe(seeded));

    const bad = await Promise.all([
      cli(site, 'map', 'set', '/x', '200', 'http://x'),
      cli(site, 'map', 'set', '/a', '301', '/b\r\nX: y'),
      cli(site, 'map', 'set', '/../x', '404'),
    ]);
    for (const [result, path] of [
      [bad[0]!, '/x'],
      [bad[1]!, '/a'],
      [bad[2]!, '/../x'],
    ] as const) {
      assert.is(result.code, 1, describe(result));
      assert.is(result.stdout, '');
      assert.ok(assertOneErrorLine(result).includes(path), `${result.stderr} names ${path}`);
    }

    const removed = await cli(site, 'map', 'rm', '/keep');
    assert.is(removed.code, 0, describe(removed));
    assert.is(removed.stderr, 'removed: /keep\n');
    const missing = await cli(site, 'map', 'rm', '/nope');
    assert.ok(missing.code !== 0, describe(missing));
    assert.ok(assertOneErrorLine(missing).includes('/nope'));

    const rows = await listJson(site);
    // The refused rows left /x and /a exactly as imported: same values, never re-written.
    assert.equal(triples(rows), [
      { path: '/a', status: 301, source: '/b' },
      { path: '/x', status: 200, source: 'wiki:X' },
    ]);
    for (const row of rows) {
      assert.is(row.origin, 'import');
      assert.is(row.updated, row.created, row.path);
    }
  });
});

MapEdit.run();

// ---------------------------------------------------------------------------------------

const Import = suite('cli map import');

Import('TSV and JSON imports apply; a file with bad rows names each and changes nothing; --replace', async () => {
  await withTempSite({}, async (site) => {
    await writeFile(join(site.dir, 'good.tsv'), 'path\tstatus\tsource\n# a comment\n\n/t1\t200\twiki:T1\r\n/t2/\t301\thttps://example.org/t2\n/shared\t410\t\n');
    const tsv = await cli(site, 'map', 'import', join(site.dir, 'good.tsv'));
    assert.is(tsv.code, 0, describe(tsv));
    assert.match(tsv.stderr, /3 added, 0 updated, 0 unchanged, 0 removed/);

    await writeFile(
      join(site.dir, 'good.json'),
      JSON.stringify([
        { path: '/j1', status: 200, source: 'file:j1.html' },
        { path: '/shared', status: '302', source: '/t1' },
      ]),
    );
    const json = await cli(site, 'map', 'import', join(site.dir, 'good.json'));
    assert.is(json.code, 0, describe(json));
    assert.match(json.stderr, /1 added, 1 updated, 0 unchanged, 0 removed/);

    const before = await listJson(site);
    assert.equal(triples(before), [
      { path: '/j1', status: 200, source: 'file:j1.html' },
      { path: '/shared', status: 302, source: '/t1' },
      { path: '/t1', status: 200, source: 'wiki:T1' },
      { path: '/t2/index.html', status: 301, source: 'https://example.org/t2' },
    ]);
    assert.ok(before.every((row) => row.origin === 'import'));

    const badTsv = join(site.dir, 'bad.tsv');
    await writeFile(
      badTsv,
      [
        'path\tstatus\tsource', // line 1
        '/new1\t200\twiki:New1', // line 2: good
        '/b1\t999\t', // line 3: bad status
        '/t1\t404\t', // line 4: good, would change /t1
        '/b2\t301\tftp://x', // line 5: bad target
        '/../b3\t200\twiki:B3', // line 6: bad path
        '/new2\t410\t', // line 7: good
      ].join('\n') + '\n',
    );
    const badJson = join(site.dir, 'bad.json');
    await writeFile(badJson, JSON.stringify([{ path: '/new3', status: 200, source: 'wiki:N' }, { status: 200, source: 'wiki:N' }, { path: '/j1', status: 404 }, { path: '/b4', status: 299 }]));
    const [tsvResult, jsonResult] = await Promise.all([cli(site, 'map', 'import', badTsv), cli(site, 'map', 'import', badJson)]);

    assert.is(tsvResult.code, 1, describe(tsvResult));
    const tsvLines = tsvResult.stderr.trimEnd().split('\n');
    assert.ok(tsvLines[0]!.startsWith(`error: ${badTsv}: 3 bad rows, nothing imported`), tsvLines[0]);
    assert.is(tsvLines.length, 4, tsvResult.stderr);
    assert.ok(tsvLines[1]!.includes('line 3') && tsvLines[1]!.includes('/b1'), tsvLines[1]);
    assert.ok(tsvLines[2]!.includes('line 5') && tsvLines[2]!.includes('/b2'), tsvLines[2]);
    assert.ok(tsvLines[3]!.includes('line 6') && tsvLines[3]!.includes('/../b3'), tsvLines[3]);

    assert.is(jsonResult.code, 1, describe(jsonResult));
    const jsonLines = jsonResult.stderr.trimEnd().split('\n');
    assert.ok(jsonLines[0]!.startsWith(`error: ${badJson}: 2 bad rows, nothing imported`), jsonLines[0]);
    assert.is(jsonLines.length, 3, jsonResult.stderr);
    assert.ok(jsonLines[1]!.includes('item 2'), jsonLines[1]);
    assert.ok(jsonLines[2]!.includes('item 4') && jsonLines[2]!.includes('/b4'), jsonLines[2]);

    // All or nothing: not even the good rows (nor the change to /t1 or /j1) went in.
    assert.equal(await listJson(site), before);

    const replaced = await importTsv(site, 'replace.tsv', ['/t1\t200\twiki:T1', '/r1\t404\t'], '--replace');
    assert.is(replaced.code, 0, describe(replaced));
    assert.match(replaced.stderr, /1 added, 0 updated, 1 unchanged, 3 removed/, replaced.stderr);
    const after = await listJson(site);
    assert.equal(triples(after), [
      { path: '/r1', status: 404, source: '' },
      { path: '/t1', status: 200, source: 'wiki:T1' },
    ]);
    // /t1 was unchanged, so it is the same row as before.
    assert.equal(
      after.find((row) => row.path === '/t1'),
      before.find((row) => row.path === '/t1'),
    );
  });
});

Import.run();

// ---------------------------------------------------------------------------------------

const Export = suite('cli map export');

Export('export to stdout, .tsv and .json; each imports into a fresh site as the same map', async () => {
  const seed = [
    '/a b.html\t200\tfile:a b.html',
    '/caf%C3%A9/\t200\twiki:Café',
    // NFD é (e + U+0301): stored NFC.
    '/e\u0301t\u00e9.html\t302\t/caf%C3%A9/',
    '/lit%2541\t410\t',
    '/what%3F\t301\thttps://example.org/?q=a%20b',
    '/hash%23tag.html\t404\t',
    '/100%\t302\t/a b.html',
    '/space dir/x y/\t200\tfile:space dir/x y.html',
    '/Ünï cødé\t301\t/lit%2541',
  ];
  const sites: TempSite[] = [];
  try {
    const [a, b, c] = await Promise.all([makeTempSite(), makeTempSite(), makeTempSite()]);
    sites.push(a, b, c);
    const seeded = await importTsv(a, 'seed.tsv', seed);
    assert.is(seeded.code, 0, describe(seeded));
    const tsvFile = join(a.dir, 'export.tsv');
    const jsonFile = join(a.dir, 'export.json');
    const [rowsA, stdout, toTsv, toJson] = await Promise.all([
      listJson(a),
      cli(a, 'map', 'export'),
      cli(a, 'map', 'export', tsvFile),
      cli(a, 'map', 'export', jsonFile),
    ]);
    for (const result of [stdout, toTsv, toJson]) assert.is(result.code, 0, describe(result));

    // The awkward inputs really are the awkward stored paths.
    assert.equal(
      rowsA.map((row) => row.path),
      ['/100%', '/a b.html', '/café/index.html', '/hash#tag.html', '/lit%41', '/space dir/x y/index.html', '/what?', '/Ünï cødé', '/été.html'],
    );

    const lines = stdout.stdout.split('\n');
    assert.is(lines[0], 'path\tstatus\tsource');
    assert.is(lines.length, rowsA.length + 2); // header, rows, and the final newline
    assert.ok(lines.includes('/lit%2541\t410\t'), stdout.stdout);
    assert.ok(lines.includes('/what%3F\t301\thttps://example.org/?q=a%20b'), stdout.stdout);
    assert.ok(lines.includes('/hash%23tag.html\t404\t'), stdout.stdout);
    assert.ok(lines.includes('/café/index.html\t200\twiki:Café'), stdout.stdout);
    assert.is(await readFile(tsvFile, 'utf8'), stdout.stdout);

    const exportedJson = JSON.parse(await readFile(jsonFile, 'utf8')) as unknown[];
    assert.is(exportedJson.length, rowsA.length);
    assert.equal(exportedJson[4], { path: '/lit%2541', status: 410, source: '' });

    const [intoB, intoC] = await Promise.all([cli(b, 'map', 'import', tsvFile), cli(c, 'map', 'import', jsonFile)]);
    assert.is(intoB.code, 0, describe(intoB));
    assert.is(intoC.code, 0, describe(intoC));
    const [rowsB, rowsC] = await Promise.all([listJson(b), listJson(c)]);
    assert.equal(triples(rowsB), triples(rowsA));
    assert.equal(triples(rowsC), triples(rowsA));
  } finally {
    await Promise.all(sites.map((site) => site.remove()));
  }
});

Export.run();

// ---------------------------------------------------------------------------------------

const Discover = suite('cli map discover');

Discover('adds a discovered row per legacy file, skips hidden files and links out of the root, keeps existing rows', async () => {
  await withTempSite(
    {
      'legacy/a b.html': 'a b',
      'legacy/dl/x.tar.gz': 'archive',
      'legacy/.htaccess': 'Deny from all',
      'legacy/docs/nested/deep.html': 'deep',
      'legacy/index.html': 'home',
      'legacy/mapped.html': 'mapped',
      'outside/secret.html': 'secret',
    },
    async (site) => {
      await symlink(join(site.dir, 'outside', 'secret.html'), join(site.dir, 'legacy', 'escape.html'));
      await symlink('../outside', join(site.dir, 'legacy', 'outdir'));
      const mapped = await cli(site, 'map', 'set', '/mapped.html', '301', '/index.html');
      assert.is(mapped.code, 0, describe(mapped));

      const result = await cli(site, 'map', 'discover');
      assert.is(result.code, 0, describe(result));
      assert.ok(result.stderr.includes('skipped: .htaccess: hidden file'), result.stderr);
      assert.match(result.stderr, /discovered 4 new of \d+ legacy files/);
      // What was added is listed, as map list prints rows.
      assert.is(result.stdout, '200  /a b.html  file:a b.html\n302  /dl/x.tar.gz  /data/dl/x.tar.gz\n200  /docs/nested/deep.html  file:docs/nested/deep.html\n200  /index.html  file:index.html\n');

      const rows = await listJson(site);
      assert.equal(
        rows.map(({ path, status, source, origin }) => ({ path, status, source, origin })),
        [
          { path: '/a b.html', status: 200, source: 'file:a b.html', origin: 'discovered' },
          { path: '/dl/x.tar.gz', status: 302, source: '/data/dl/x.tar.gz', origin: 'discovered' },
          { path: '/docs/nested/deep.html', status: 200, source: 'file:docs/nested/deep.html', origin: 'discovered' },
          { path: '/index.html', status: 200, source: 'file:index.html', origin: 'discovered' },
          { path: '/mapped.html', status: 301, source: '/index.html', origin: 'manual' },
        ],
      );
    },
  );
});

Discover.run();

// ---------------------------------------------------------------------------------------

const Build = suite('cli build');

const LOGO = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]);

Build('builds a wiki page and a legacy file into public/', async () => {
  await withTempSite({ 'wiki/About.md': '---\ntitle: About Python\n---\n# About\n\nHello *world*.\n', 'legacy/old/logo.png': LOGO }, async (site) => {
    const seeded = await importTsv(site, 'seed.tsv', ['/about/\t200\twiki:About', '/old/logo.png\t200\tfile:old/logo.png']);
    assert.is(seeded.code, 0, describe(seeded));
    const result = await cli(site, 'build');
    assert.is(result.code, 0, describe(result));
    assert.match(result.stderr, /built 2 pages in .*, 0 failed/);

    const page = await readFile(join(site.dir, 'public', 'about', 'index.html'), 'utf8');
    assert.ok(page.startsWith('<!DOCTYPE html>'), page.slice(0, 100));
    assert.ok(page.includes('<h1>About</h1>'), page);
    assert.ok(page.includes('<p>Hello <em>world</em>.</p>'), page);
    assert.equal(new Uint8Array(await readFile(join(site.dir, 'public', 'old', 'logo.png'))), LOGO);
    assert.ok(existsSync(join(site.dir, 'state', 'apache', 'pagemap.conf')));
  });
});

Build('a row whose wiki page is missing fails the build, names the path, and the rest is built', async () => {
  await withTempSite({ 'wiki/Ok.md': '# Ok\n' }, async (site) => {
    const seeded = await importTsv(site, 'seed.tsv', ['/ok.html\t200\twiki:Ok', '/gone.html\t200\twiki:Gone']);
    assert.is(seeded.code, 0, describe(seeded));
    const result = await cli(site, 'build');
    assert.is(result.code, 1, describe(result));
    const failed = result.stderr.split('\n').filter((line) => line.includes('/gone.html'));
    assert.is(failed.length, 1, result.stderr);
    assert.ok(failed[0]!.includes('Gone'), failed[0]);
    assert.not.ok(result.stderr.includes('/ok.html'), result.stderr);
    assert.ok((await readFile(join(site.dir, 'public', 'ok.html'), 'utf8')).includes('<h1>Ok</h1>'));
    assert.not.ok(existsSync(join(site.dir, 'public', 'gone.html')));
  });
});

Build.run();

// ---------------------------------------------------------------------------------------

const ConfigErrors = suite('cli config errors');

ConfigErrors('--config naming a missing file, or a config with an unknown key, is one error: line naming it', async () => {
  await withTempSite({ 'odd.config.json': JSON.stringify({ wikiDir: 'wiki', colour: 'blue' }) }, async (site) => {
    const missingFile = join(site.dir, 'nope.config.json');
    const [missing, unknown] = await Promise.all([
      runCli(['map', 'list', '--config', missingFile], { cwd: site.dir }),
      runCli(['map', 'list', '--config', join(site.dir, 'odd.config.json')], { cwd: site.dir }),
    ]);
    assert.is(missing.code, 1, describe(missing));
    assert.is(missing.stdout, '');
    assert.ok(assertOneErrorLine(missing).includes(missingFile));
    assert.is(unknown.code, 1, describe(unknown));
    assert.is(unknown.stdout, '');
    assert.ok(assertOneErrorLine(unknown).includes('"colour"'));
    assert.not.ok(existsSync(join(site.dir, 'state')), 'no database was created');
  });
});

ConfigErrors.run();
