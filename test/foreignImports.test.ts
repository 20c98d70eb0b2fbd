/**
 * Importers of foreign redirect files: a CSV export (redirect plugins, spreadsheets) and an
 * nginx configuration, converted to rows in pagemap's written form, with every directive that
 * became no row reported and every caveat noted. Every converted row here is checked with
 * validateRow, and the nginx precedence cases are checked by asking pagemap's own resolution
 * what the rows answer, path by path, against what nginx answers.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImportError } from '../core/errors.js';
import type { Conversion, ConvertedRow } from '../core/importers/conversion.js';
import { convertCsv } from '../core/importers/csv.js';
import { convertNginx } from '../core/importers/nginx.js';
import { leadingLiteral, mightMatchUnder, mightOverlap } from '../core/importers/patternReach.js';
import { type PageRow, validateRow } from '../core/pageRow.js';
import { patternMatcher } from '../core/patterns.js';
import { resolveRequest } from '../runtime/resolve.js';
import { seededRandom } from './helpers.js';

/** Every converted row must be one the page map takes. */
function assertRowsValid(conversion: Conversion): Conversion {
  for (const row of conversion.rows) {
    try {
      validateRow({ path: row.path, status: row.status, source: row.source });
    } catch (error) {
      assert.unreachable(`${row.where}: ${row.path} ${row.status} ${row.source} is refused: ${(error as Error).message}`);
    }
  }
  return conversion;
}

const csv = (text: string) => assertRowsValid(convertCsv(text, 'r.csv'));
const nginx = (text: string) => assertRowsValid(convertNginx(text, 'site.conf'));

/** Rows as `path status source`, one string each, for compact comparison. */
const brief = (rows: readonly ConvertedRow[]) => rows.map((row) => `${row.path} ${row.status}${row.source ? ' ' + row.source : ''}`);
const reasons = (entries: readonly { where: string; reason: string }[]) => entries.map((entry) => `${entry.where} ${entry.reason}`);

/** The error a conversion throws, asserted to be an ImportError. */
function importErrorOf(convert: () => unknown): ImportError {
  try {
    convert();
  } catch (error) {
    assert.instance(error, ImportError);
    assert.is((error as ImportError).code, 'EIMPORT');
    return error as ImportError;
  }
  return assert.unreachable('converted without an error') as never;
}

/** What pagemap answers with these rows, as its runtime resolves a request: `301 location`, `410`, `miss`. */
function answersOf(rows: readonly ConvertedRow[]): (asked: string) => string {
  const stored = rows.map((row) => ({ ...validateRow(row), created: '', updated: '', origin: 'import' }) as PageRow);
  const byPath = new Map(stored.map((row) => [row.path, row]));
  const findPattern = patternMatcher(stored.filter((row) => row.path.startsWith('~')));
  return (asked) => {
    const resolution = resolveRequest('GET', asked, (path) => byPath.get(path), findPattern);
    if (resolution.kind === 'redirect') return `${resolution.status} ${resolution.location}`;
    if (resolution.kind === 'status') return String(resolution.status);
    return resolution.kind;
  };
}

function assertAnswers(rows: readonly ConvertedRow[], expected: Record<string, string>): void {
  const answerOf = answersOf(rows);
  for (const [asked, answer] of Object.entries(expected)) assert.is(answerOf(asked), answer, asked);
}

// ---------------------------------------------------------------------------------------

const CsvColumns = suite('CSV: columns found by name, in any order, under the names tools give them');

CsvColumns('each alias of the old path, the new URL and the status, in any order, comma, semicolon or tab separated', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['source,target,status\n/old,/new,302\n', '/old 302 /new'],
    ['Status,Redirect_To,Redirect_From\n302,/new,/old\n', '/old 302 /new'],
    ['FROM;TO;CODE\n/old;/new;302\n', '/old 302 /new'],
    ['old;new;status_code\n/old;/new;302\n', '/old 302 /new'],
    ['Old URL,New URL,HTTP Code\n/old,/new,302\n', '/old 302 /new'],
    ['destination\turl\ttype\n/new\t/old\t302\n', '/old 302 /new'],
    ['path,to,code\n/old,/new,302\n', '/old 302 /new'],
    ['target;redirect-from;status\n/new;/old;302\n', '/old 302 /new'],
  ];
  for (const [text, row] of cases) {
    const conversion = csv(text);
    assert.equal(brief(conversion.rows), [row], text);
    assert.equal(conversion.reported, [], text);
    assert.equal(conversion.notes, [], text);
  }
});

CsvColumns('a redirect plugin\'s export: extra columns ignored, its code column read before its status column (enabled), with a note', () => {
  const conversion = csv('source,target,regex,code,status,hits\n/a,/b,0,301,enabled,12\n');
  assert.equal(brief(conversion.rows), ['/a 301 /b']);
  assert.equal(reasons(conversion.notes), ['r.csv:1 columns "code" and "status" could each be the status; "code" is read as it']);
});

CsvColumns('a header without the old path or the new URL column is refused, naming the file and the header found', () => {
  const noTarget = importErrorOf(() => convertCsv('old;status\n/a;301\n', 'list.csv'));
  assert.equal(noTarget.problems, ['line 1: the header "old;status" names no column for the new URL (target, to, new, new_url, destination, redirect_to)']);
  assert.ok(noTarget.message.startsWith('list.csv: '), noTarget.message);
  const neither = importErrorOf(() => convertCsv('\n\nname,hits\n/a,3\n', 'list.csv'));
  assert.equal(neither.problems, [
    'line 3: the header "name,hits" names no column for the old path (source, from, old, old_url, redirect_from, path, url) nor for the new URL (target, to, new, new_url, destination, redirect_to)',
  ]);
  assert.match(importErrorOf(() => convertCsv('\uFEFF\r\n', 'list.csv')).problems[0]!, /the file is empty: a CSV redirect list needs a header line/);
  assert.equal(importErrorOf(() => convertCsv('source,target\n/a,/b\n"/c,/d\n/e,/f\n', 'list.csv')).problems, ['line 3: a quoted field opens here and is never closed']);
});

CsvColumns.run();

// ---------------------------------------------------------------------------------------

const CsvQuoting = suite('CSV: RFC 4180 quoting, CRLF line ends and a byte-order mark');

CsvQuoting('quoted fields hold the delimiter, doubled quotes and line breaks; each row names the line its record starts on and keeps its text', () => {
  const text =
    '\uFEFFsource;target;status;note\r\n' +
    '"/a;b";"/c ""quoted"" d";301;x\r\n' +
    '/two;/t;302;"first line\r\nsecond; line"\r\n' +
    '\r\n' +
    '  "/three" ; /3 ;301;""\r\n' +
    ';;;\r\n';
  const conversion = csv(text);
  assert.equal(conversion.rows, [
    { where: 'r.csv:2', path: '/a;b', status: 301, source: '/c "quoted" d', original: '"/a;b";"/c ""quoted"" d";301;x' },
    { where: 'r.csv:3', path: '/two', status: 302, source: '/t', original: '/two;/t;302;"first line\r\nsecond; line"' },
    { where: 'r.csv:6', path: '/three', status: 301, source: '/3', original: '  "/three" ; /3 ;301;""' },
  ]);
  assert.equal(conversion.reported, [], 'blank lines and empty records are skipped');
});

CsvQuoting('comma-separated with quoted commas; LF and lone CR line ends; a quote inside a field is text', () => {
  assert.equal(brief(csv('source,target\n"/a,b","https://example.org/?x=1,2"\n/c"d,/e\n').rows), ['/a,b 301 https://example.org/?x=1,2', '/c"d 301 /e']);
  const mac = csv('source,target,status\r/a,/b,301\r/c,/d,410\r');
  assert.equal(mac.rows.map((row) => row.where), ['r.csv:2', 'r.csv:3']);
});

CsvQuoting('an Excel sep= line before the header names the delimiter', () => {
  const conversion = csv('sep=;\nsource;target;status\n/a;/b,c;302\n');
  assert.equal(conversion.rows, [{ where: 'r.csv:3', path: '/a', status: 302, source: '/b,c', original: '/a;/b,c;302' }]);
});

CsvQuoting.run();

// ---------------------------------------------------------------------------------------

const CsvValues = suite('CSV: statuses and old paths');

CsvValues('statuses as codes or words; 307 and 308 reported (they keep the method); anything else reported; a 410\'s target noted as dropped', () => {
  const text = [
    'source,target,status',
    '/p1,/t,301',
    '/p2,/t,permanent',
    '/p3,/t,302',
    '/p4,/t,Temporary',
    '/p5,/t,redirect',
    '/p6,,gone',
    '/p7,,410',
    '/p8,,404',
    '/p9,/t,301 Moved Permanently',
    '/p10,/t,307',
    '/p11,/t,308 Permanent Redirect',
    '/p12,/t,303',
    '/p13,/t,enabled',
    '/p14,,301',
    '/p15,/t,410',
  ].join('\n');
  const conversion = csv(text);
  assert.equal(brief(conversion.rows), ['/p1 301 /t', '/p2 301 /t', '/p3 302 /t', '/p4 302 /t', '/p5 302 /t', '/p6 410', '/p7 410', '/p8 404', '/p9 301 /t', '/p15 410']);
  assert.equal(reasons(conversion.reported), [
    'r.csv:11 status 307 keeps the method; pagemap answers 301 or 302',
    'r.csv:12 status 308 keeps the method; pagemap answers 301 or 302',
    'r.csv:13 status "303" is not one pagemap answers (301 or permanent, 302 or temporary, 404, 410 or gone)',
    'r.csv:14 status "enabled" is not one pagemap answers (301 or permanent, 302 or temporary, 404, 410 or gone)',
    'r.csv:15 has status 301 and no new URL',
  ]);
  assert.equal(reasons(conversion.notes), ['r.csv:16 has status 410, so its new URL "/t" is not kept']);
});

CsvValues('a row without a status is a 301, said in one note: for a file without the column, or for its empty cells', () => {
  const withoutColumn = csv('from,to\n/a,/b\n/c,/d\n');
  assert.equal(brief(withoutColumn.rows), ['/a 301 /b', '/c 301 /d']);
  assert.equal(withoutColumn.notes, [{ where: 'r.csv:1', reason: 'the header names no status column: every row is read as 301, a permanent redirect', original: 'from,to' }]);
  const emptyCells = csv('from,to,status\n/a,/b,302\n/c,/d,\n/e,/f,\n/g,/h,\n');
  assert.equal(brief(emptyCells.rows), ['/a 302 /b', '/c 301 /d', '/e 301 /f', '/g 301 /h']);
  assert.equal(reasons(emptyCells.notes), ['r.csv:3 no status given: this row and 2 others read as 301, a permanent redirect']);
});

CsvValues('a full URL becomes its path, its host noted once; a query is reported; pattern and prefix rows stay as written; a plugin\'s regex is reported', () => {
  const text = [
    'source,target',
    'http://example.org/old/page.html,/new',
    'https://Example.org/a%20b,/c',
    'http://other.example/x,/y',
    '/q?id=1,/z',
    'http://example.org/p?x,/w',
    '~^/regex/(.*)$,/n/$1',
    '~*^/caseless$,/n',
    '/prefix/*,/p/*',
    '/plain,/pl',
    ',/nothing',
  ].join('\n');
  const conversion = csv(text);
  assert.equal(brief(conversion.rows), ['/old/page.html 301 /new', '/a%20b 301 /c', '/x 301 /y', '~^/regex/(.*)$ 301 /n/$1', '~*^/caseless$ 301 /n', '/prefix/* 301 /p/*', '/plain 301 /pl']);
  assert.equal(reasons(conversion.reported), [
    'r.csv:5 the old path "/q?id=1" has a query: pagemap matches paths, not queries (a row for /q would answer every query)',
    'r.csv:6 the old path "http://example.org/p?x" has a query: pagemap matches paths, not queries (a row for /p would answer every query)',
    'r.csv:11 has no old path',
  ]);
  assert.equal(
    reasons(conversion.notes.filter((note) => note.reason.includes('host'))),
    [
      'r.csv:2 the old path is a URL on example.org: its path is kept, the host dropped (this and every other URL on example.org)',
      'r.csv:4 the old path is a URL on other.example: its path is kept, the host dropped (this and every other URL on other.example)',
    ],
  );
  const plugin = csv('source,target,regex,code\n/a.*,/b,1,301\n/c,/d,0,301\n');
  assert.equal(brief(plugin.rows), ['/c 301 /d']);
  assert.equal(reasons(plugin.reported), ['r.csv:2 the old path "/a.*" is a regular expression of the tool that exported it (its regex column says so); write it as a pagemap pattern row, ~regex']);
});

CsvValues.run();

// ---------------------------------------------------------------------------------------

const NginxSyntax = suite('nginx: the configuration read as nginx reads it');

NginxSyntax('comments, quoted strings holding ; { } and #, backslash escapes, ${var}; each row named by its line', () => {
  const conversion = nginx(String.raw`# a comment with ; and { and }
server {   # a comment after the brace
    server_name "example.org";
    location = "/a;b{c}" { return 301 '/semi;colon{brace}'; }  # quoted ; and {
    location = /hash#tag {
        return 301 /x#frag;   # a # inside a word is text
    }
    location = /esc { return 301 "/q\"uote"; }
    rewrite "^/dot\\.html$" /d permanent;   # \\ is one backslash to nginx, quoted or not
    location = /var { return 301 https://new.example${'${request_uri}'}; }
}
`);
  assert.equal(conversion.rows, [
    { where: 'site.conf:9', path: '/dot.html', status: 301, source: '/d', original: String.raw`rewrite "^/dot\\.html$" /d permanent;` },
    { where: 'site.conf:4', path: '/a;b{c}', status: 301, source: '/semi;colon{brace}', original: `location = "/a;b{c}" { return 301 '/semi;colon{brace}'; }` },
    { where: 'site.conf:6', path: '~^/hash#tag$', status: 301, source: '/x#frag', original: 'location = /hash#tag { return 301 /x#frag; }' },
    { where: 'site.conf:8', path: '/esc', status: 301, source: '/q"uote', original: String.raw`location = /esc { return 301 "/q\"uote"; }` },
  ]);
  assert.equal(reasons(conversion.reported), ['site.conf:10 return names the nginx variable ${request_uri}, which pagemap cannot fill in']);
});

NginxSyntax('what nginx refuses to read is refused whole, with the line: an unclosed block or quote, a missing ;, a } too many', () => {
  const problemOf = (text: string) => importErrorOf(() => convertNginx(text, 'site.conf')).problems;
  assert.equal(problemOf('server {\n  location = /a { return 301 /b; }\n'), ['line 1: the block server is never closed (no "}")']);
  assert.equal(problemOf('server {\n  location = /a { return 301 /b }\n}\n'), ['line 2: unexpected "}": the directive return on line 2 has no ";"']);
  assert.equal(problemOf('server { }\n}\n'), ['line 2: unexpected "}": no block is open']);
  assert.equal(problemOf('server {\n  return 301 "/a;\n}\n'), ['line 2: a double-quoted string opens here and is never closed']);
  assert.equal(problemOf('rewrite ^/a$ /b permanent'), ['line 1: the directive rewrite has no ";" before the end of the file']);
  assert.equal(problemOf('return 301 "/a"x;'), ['line 1: unexpected "x" after a quoted string']);
});

NginxSyntax.run();

// ---------------------------------------------------------------------------------------

const NginxRewrite = suite('nginx: server-level rewrite');

NginxRewrite('permanent is 301, redirect 302, a URL replacement 302 whatever the flag but permanent; an internal rewrite is reported', () => {
  const conversion = nginx(`server {
    rewrite ^/docs/(.*)$ /documentation/$1 permanent;
    rewrite ^/tmp/(.+)\\.html$ /t/$1/ redirect;
    rewrite ^/ext/(.*)$ https://ext.example/$1;
    rewrite ^/ext2/(.*)$ http://ext.example/$1 last;
    rewrite ^/perm/(.*)$ https://ext.example/p/$1 permanent;
    rewrite ^/app/(.*)$ /index.php?q=$1 last;
    rewrite ^/inner$ /other break;
    rewrite ^/plain$ /other;
    rewrite ^/bad$ /other sometimes;
  }`);
  assert.equal(brief(conversion.rows), [
    '~^/docs/(.*)$ 301 /documentation/$1',
    '~^/tmp/(.+)\\.html$ 302 /t/$1/',
    '~^/ext/(.*)$ 302 https://ext.example/$1',
    '~^/ext2/(.*)$ 302 http://ext.example/$1',
    '~^/perm/(.*)$ 301 https://ext.example/p/$1',
  ]);
  assert.equal(reasons(conversion.reported), [
    'site.conf:7 is an internal rewrite (last), not a redirect: nginx serves /index.php?q=$1 in its place, the address unchanged, and later rules see the new path',
    'site.conf:8 is an internal rewrite (break), not a redirect: nginx serves /other in its place, the address unchanged, and later rules see the new path',
    'site.conf:9 is an internal rewrite (no flag), not a redirect: nginx serves /other in its place, the address unchanged, and later rules see the new path',
    'site.conf:10 has the flag "sometimes", which nginx does not know (last, break, redirect, permanent)',
  ]);
  assert.equal(conversion.rows[0]!.original, 'rewrite ^/docs/(.*)$ /documentation/$1 permanent;');
  assertAnswers(conversion.rows, { '/docs/a/b?x=1': '301 /documentation/a/b?x=1', '/tmp/Page.html': '302 /t/Page/', '/docs': 'miss' });
});

NginxRewrite('the query: a replacement ending in ? or with its own ?args is reported; other variables are reported by name; $N beyond the groups too', () => {
  const conversion = nginx(`
    rewrite ^/a$ /b? permanent;
    rewrite ^/c/(.*)$ /d?id=$1 permanent;
    rewrite ^/e$ $scheme://$host/e permanent;
    rewrite ^/f$ /g$is_args$args permanent;
    rewrite ^/h(.*)$ /i/$2 permanent;
    rewrite ^/j$ /k$ permanent;
    rewrite (?i)^/Caseless/(.*)$ /l/$1 permanent;
  `);
  assert.equal(brief(conversion.rows), ['~*^/Caseless/(.*)$ 301 /l/$1']);
  assert.equal(reasons(conversion.reported), [
    "site.conf:2 ends in ?, so nginx drops the request's query; pagemap passes the query on unless the target has its own",
    "site.conf:3 has a query of its own, after which nginx appends the request's query with &; pagemap drops the request's query when the target has one",
    'site.conf:4 names the nginx variables $scheme, $host, which pagemap cannot fill in',
    'site.conf:5 names the nginx variables $is_args, $args, which pagemap cannot fill in',
    'site.conf:6 names $2, which the regex does not capture (it has 1 group)',
    'site.conf:7 has a $ that names no variable',
  ]);
});

NginxRewrite('a regex pagemap refuses is reported with checkPattern\'s reason', () => {
  const conversion = nginx(`
    rewrite ^/(?<name>x)$ /y permanent;
    rewrite "^/a{,3}$" /y permanent;
    rewrite ^/(a)\\1$ /y permanent;
  `);
  assert.equal(conversion.rows, []);
  assert.equal(reasons(conversion.reported), [
    "site.conf:2 the regex uses (?<…), a group Node and Apache's PCRE do not read alike; only ( ), (?: ), (?= ) and (?! ) are accepted",
    'site.conf:3 the regex has a { that is not a quantifier {n}, {n,} or {n,m}; write \\{ for a literal {',
    'site.conf:4 the regex uses a backreference (\\1), which pagemap does not carry over',
  ]);
});

NginxRewrite('^/literal$ becomes an exact row, unless an earlier pattern row matches the path: then it stays a pattern row behind it, noted', () => {
  const conversion = nginx(`
    rewrite ^/old\\.html$ https://new.example/old permanent;
    rewrite ^/old/(.*)$ https://new.example/all/$1 permanent;
    rewrite ^/old/special$ https://new.example/special permanent;
    rewrite ^/Lone$ https://new.example/lone permanent;
    rewrite (?i)^/loud$ https://new.example/loud permanent;
    rewrite ^/old\\.html$ https://new.example/twice permanent;
    rewrite ^/a%20b$ https://new.example/ab permanent;
    rewrite ^/dir/$ https://new.example/dir permanent;
  `);
  assert.equal(brief(conversion.rows), [
    '/old.html 301 https://new.example/old',
    '~^/old/(.*)$ 301 https://new.example/all/$1',
    '~^/old/special$ 301 https://new.example/special',
    '/Lone 301 https://new.example/lone',
    '~*^/loud$ 301 https://new.example/loud',
    '~^/a%20b$ 301 https://new.example/ab',
    '/dir/ 301 https://new.example/dir',
  ]);
  assert.equal(reasons(conversion.notes), [
    'site.conf:4 the pattern row from site.conf:3 (~^/old/(.*)$) matches /old/special first, in nginx as in pagemap; kept a pattern row behind it, as an exact row would be tried first',
  ]);
  assert.equal(reasons(conversion.reported), ['site.conf:7 never applies: /old.html is answered first by the row from site.conf:2']);
  // As nginx answers: the earlier rewrite wins; rewrite is case-sensitive, (?i) is not.
  assertAnswers(conversion.rows, {
    '/old/special': '301 https://new.example/all/special',
    '/Lone': '301 https://new.example/lone',
    '/lone': 'miss',
    '/LOUD': '301 https://new.example/loud',
    '/a%2520b': '301 https://new.example/ab',
    '/a%20b': 'miss',
  });
});

NginxRewrite.run();

// ---------------------------------------------------------------------------------------

const NginxLocations = suite('nginx: locations whose one directive is return');

NginxLocations('= is an exact row, a prefix ending in / a prefix row (its subtree to the one URL), one without a / a pattern, ~ and ~* pattern rows', () => {
  const conversion = nginx(`server {
    location = /gone { return 410; }
    location = /missing { return 404; }
    location = /moved { return 301 https://new.example/moved; }
    location = /for-now { return 302 /elsewhere; }
    location =/attached { return https://new.example/attached; }
    location /topics/xml/ { return 301 https://xml.example/topics; }
    location /retired/ { return 410; }
    location /odd* { return 301 https://new.example/odd*; }
    location /star/ { return 301 https://new.example/*; }
    location ~ ^/news/(\\d+)/(.*)$ { return 301 https://new.example/n/$1?slug=$2; }
    location ~* ^/FAQ/(\\d+)$ { return 302 https://new.example/faq/$1; }
    location ~*(?i)^/ignored { return 410; }
  }`);
  assert.equal(brief(conversion.rows), [
    '/gone 410',
    '/missing 404',
    '/moved 301 https://new.example/moved',
    '/for-now 302 /elsewhere',
    '/attached 302 https://new.example/attached',
    '~^/news/(\\d+)/(.*)$ 301 https://new.example/n/$1?slug=$2',
    '~*^/FAQ/(\\d+)$ 302 https://new.example/faq/$1',
    '~*^/ignored 410',
    '/topics/xml/* 301 https://xml.example/topics',
    '/retired/* 410',
    '/star/* 301 https://new.example/%2A',
    '~^/odd\\* 301 https://new.example/odd*',
  ]);
  assert.equal(conversion.reported, []);
  assert.equal(conversion.rows[0]!.where, 'site.conf:2');
  assert.equal(conversion.rows[0]!.original, 'location = /gone { return 410; }');
  assertAnswers(conversion.rows, {
    '/topics/xml/a/b.html?q=1': '301 https://xml.example/topics?q=1',
    '/topics/xml/': '301 https://xml.example/topics',
    '/retired/x': '410',
    '/odd*/one': '301 https://new.example/odd*',
    '/odd-one': 'miss',
    '/news/12/title': '301 https://new.example/n/12?slug=title',
    '/faq/7': '302 https://new.example/faq/7',
    '/gone': '410',
  });
});

NginxLocations('the where of a location\'s row is its return\'s line; the query and a 410\'s text are noted; $is_args$args is what pagemap does anyway', () => {
  const conversion = nginx(`server {
    location = /a {
        access_log off;
        return 301 /b;
    }
    location = /c { return 301 /d; }
    location = /e { return 410 "gone for good"; }
    location = /f { return 301 /g$is_args$args; }
  }`);
  assert.equal(brief(conversion.rows), ['/a 301 /b', '/c 301 /d', '/e 410', '/f 301 /g']);
  assert.equal(conversion.rows[0]!.where, 'site.conf:4');
  assert.equal(conversion.rows[0]!.original, 'location = /a { return 301 /b; }');
  assert.equal(reasons(conversion.notes), [
    "site.conf:4 nginx's return does not pass the request's query on (unless its URL names $args); pagemap's row does, so /old?x=1 goes to the target with ?x=1 (noted once, for every such return)",
    'site.conf:7 the text after return 410 is not kept: pagemap answers with its own page',
  ]);
});

NginxLocations('reported, once per location: 307, 308, 200, other codes, variables, $N without a regex, anything beside the return, a named location, an empty one', () => {
  const conversion = nginx(`server {
    location = /a { return 307 /b; }
    location = /c { return 308 https://new.example/c; }
    location = /d { return 200 "hello"; }
    location = /e { return 403; }
    location /f/ { return 301 https://$host/f; }
    location ~ ^/g/(.*)$ { return 301 /h/$1$is_args$args?x; }
    location ~ ^/i/(.*)$ { return 301 /j/$uri; }
    location /k/ { return 301 /l/$1; }
    location /m/ {
        proxy_pass http://backend;
        proxy_set_header Host $host;
    }
    location = /n { rewrite ^ /o last; return 301 /p; }
    location @fallback { return 301 /q; }
    location /r/ { }
    location /s/ { if ($args) { return 301 /t; } }
    location = /u { return 301; }
    location = /v { return /w; }
  }`);
  assert.equal(conversion.rows, []);
  assert.equal(reasons(conversion.reported), [
    'site.conf:2 return 307: 307 keeps the method; pagemap answers 301 or 302',
    'site.conf:3 return 308: 308 keeps the method; pagemap answers 301 or 302',
    'site.conf:4 return 200 answers with a text of its own: a page, not a redirect',
    'site.conf:5 return 403: pagemap answers 301, 302, 404 or 410',
    'site.conf:6 return names the nginx variable $host, which pagemap cannot fill in',
    'site.conf:7 return names the nginx variables $is_args, $args, which pagemap cannot fill in',
    'site.conf:8 return names the nginx variable $uri, which pagemap cannot fill in',
    'site.conf:9 return names $1, but its location is not a regex and captures nothing',
    'site.conf:10 holds proxy_pass, proxy_set_header, not a single return: pagemap converts a location whose one directive is return',
    'site.conf:14 holds rewrite, return, not a single return: pagemap converts a location whose one directive is return',
    'site.conf:15 is a named location (@fallback), reached only from try_files or error_page; not converted',
    'site.conf:16 holds no return: nginx serves these paths itself; pagemap converts a location whose one directive is return',
    'site.conf:17 holds if, not a single return: pagemap converts a location whose one directive is return',
    'site.conf:18 return 301 has no URL',
    'site.conf:19 is not return CODE [URL or TEXT] nor return URL',
  ]);
  // A location over several lines is reported by its head.
  assert.is(conversion.reported[8]!.original, 'location /m/ { … }');
});

NginxLocations.run();

// ---------------------------------------------------------------------------------------

const NginxOrder = suite('nginx: precedence kept — server rewrites, =, ^~, regexes in order, the longest plain prefix');

NginxOrder('a plain prefix a regex might also match becomes a pattern row after the regexes; ^~ stays a prefix row; server rewrites come first wherever written', () => {
  const conversion = nginx(`server {
    location /docs/ { return 301 https://new.example/docs; }
    location ~ \\.pdf$ { return 410; }
    location ^~ /static/ { return 301 https://cdn.example/; }
    location = /docs/old.pdf { return 301 https://new.example/exact; }
    rewrite ^/docs/legacy/(.*)$ https://legacy.example/$1 permanent;
  }`);
  assert.equal(brief(conversion.rows), [
    '~^/docs/legacy/(.*)$ 301 https://legacy.example/$1',
    '/docs/old.pdf 301 https://new.example/exact',
    '/static/* 301 https://cdn.example/',
    '~\\.pdf$ 410',
    '~^/docs/ 301 https://new.example/docs',
  ]);
  assertAnswers(conversion.rows, {
    '/docs/old.pdf': '301 https://new.example/exact',
    '/docs/a.pdf': '410',
    '/docs/intro': '301 https://new.example/docs',
    '/docs/legacy/x.pdf': '301 https://legacy.example/x.pdf',
    '/static/a.pdf': '301 https://cdn.example/',
    '/other.pdf': '410',
    '/other': 'miss',
  });
});

NginxOrder('prefixes no regex can reach stay prefix rows, the longest answering; a prefix without a trailing / matches by string, as a pattern', () => {
  const conversion = nginx(`server {
    location /blog/ { return 301 https://blog.example/; }
    location /blog/2020/ { return 410; }
    location /b { return 301 https://b.example/; }
    location ~ ^/news/(\\d+)$ { return 301 https://new.example/n/$1; }
  }`);
  assert.equal(brief(conversion.rows), ['~^/news/(\\d+)$ 301 https://new.example/n/$1', '/blog/2020/* 410', '/blog/* 301 https://blog.example/', '~^/b 301 https://b.example/']);
  assertAnswers(conversion.rows, {
    '/blog/x': '301 https://blog.example/',
    '/blog/2020/x': '410',
    '/bar': '301 https://b.example/',
    '/b': '301 https://b.example/',
    '/news/12': '301 https://new.example/n/12',
    '/news/x': 'miss',
  });
});

NginxOrder('a ^~ prefix over a longer plain prefix that had to be a pattern leaves its paths to it (a lookahead), before the regexes', () => {
  const conversion = nginx(`server {
    location ^~ /a/ { return 301 https://x.example/a; }
    location /a/b/ { return 301 https://x.example/b; }
    location ~ ^/a/b/c { return 410; }
  }`);
  assert.equal(brief(conversion.rows), ['~^/a/(?!b/) 301 https://x.example/a', '~^/a/b/c 410', '~^/a/b/ 301 https://x.example/b']);
  assertAnswers(conversion.rows, { '/a/x': '301 https://x.example/a', '/a/b/c1': '410', '/a/b/z': '301 https://x.example/b', '/a/bc': '301 https://x.example/a' });
});

NginxOrder('an exact location an earlier server rewrite matches stays a pattern row behind it; the same path twice is reported', () => {
  const conversion = nginx(`server {
    rewrite ^/old/(.*)$ https://new.example/all/$1 permanent;
    rewrite ^/lone$ https://new.example/lone permanent;
    location = /old/x { return 410; }
    location = /lone { return 410; }
    location = /lone { return 404; }
    location /old/ { return 410; }
  }`);
  assert.equal(brief(conversion.rows), ['~^/old/(.*)$ 301 https://new.example/all/$1', '/lone 301 https://new.example/lone', '~^/old/x$ 410', '~^/old/ 410']);
  assert.equal(reasons(conversion.reported), [
    'site.conf:6 repeats the location on line 5, which nginx refuses',
    'site.conf:5 never applies: /lone is answered first by the row from site.conf:3',
  ]);
  assert.equal(reasons(conversion.notes), [
    'site.conf:4 the pattern row from site.conf:2 (~^/old/(.*)$) matches /old/x first, in nginx as in pagemap; kept a pattern row behind it, as an exact row would be tried first',
  ]);
  assertAnswers(conversion.rows, { '/old/x': '301 https://new.example/all/x', '/lone': '301 https://new.example/lone' });
});

NginxOrder('a row over paths nginx gives to a location that was not converted says so', () => {
  const conversion = nginx(`server {
    location ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }
    location = /old/keep { root /srv; }
    location /old/ { return 301 https://new.example/; }
    location ^~ /static/ { return 410; }
    location /static/live/ { root /srv; }
    location ~ ^/news/ { return 410; }
    location ~ ^/blog/ { return 410; }
  }`);
  assert.equal(brief(conversion.rows), ['/static/* 410', '~^/news/ 410', '~^/blog/ 410', '/old/* 301 https://new.example/']);
  assert.equal(reasons(conversion.notes.filter((note) => note.reason.startsWith('nginx answers'))), [
    'site.conf:5 nginx answers some of these paths from locations not converted (site.conf:6); this row answers them too',
    'site.conf:7 nginx answers some of these paths from locations not converted (site.conf:2); this row answers them too',
    'site.conf:8 nginx answers some of these paths from locations not converted (site.conf:2); this row answers them too',
    'site.conf:4 nginx answers some of these paths from locations not converted (site.conf:2, site.conf:3); this row answers them too',
  ]);
});

/** Which rule nginx answers a path with, modelled on its documented order, for the rule kinds below. */
function nginxChooses(rules: readonly (readonly [string, string])[], path: string): number | undefined {
  const rewrite = rules.findIndex(([kind, match]) => kind === 'rewrite' && new RegExp(match).test(path));
  if (rewrite >= 0) return rewrite;
  const exact = rules.findIndex(([kind, match]) => kind === '=' && match === path);
  if (exact >= 0) return exact;
  let longest: number | undefined;
  rules.forEach(([kind, match], index) => {
    if ((kind === '' || kind === '^~') && path.startsWith(match) && (longest === undefined || match.length > rules[longest]![1].length)) longest = index;
  });
  if (longest !== undefined && rules[longest]![0] === '^~') return longest;
  const regex = rules.findIndex(([kind, match]) => (kind === '~' || kind === '~*') && new RegExp(match, kind === '~*' ? 'i' : '').test(path));
  return regex >= 0 ? regex : longest;
}

NginxOrder('random servers of rewrites and locations: pagemap answers every path with the rule nginx chooses', () => {
  const kinds: readonly (readonly [string, string])[] = [
    ['', '/a/'], ['^~', '/a/b/'], ['', '/a/b/c/'], ['~', '^/a/b'], ['~*', '\\.PDF$'], ['rewrite', '^/a/(.*)$'], ['=', '/a/b/x'], ['', '/a'],
    ['', '/'], ['^~', '/a'], ['rewrite', '^/a/b/x$'], ['^~', '/b/'], ['~', '^/b/x'], ['=', '/ab'], ['', '/a/b/'], ['^~', '/a/b/c/'], ['~', '^/a/b/c/d'], ['rewrite', '^/b/(x|y)'],
  ];
  const paths = ['/a', '/a/', '/a/b', '/a/b/', '/a/b/x', '/a/b/c/', '/a/b/c/d', '/a/bz', '/ab', '/abc', '/b/', '/b/x', '/b/y', '/x.pdf', '/a/x.PDF', '/a/b/c/x.pdf', '/', '/zz'];
  const random = seededRandom(9);
  for (let round = 0; round < 300; round++) {
    // Each kind at most once: nginx refuses a location given twice.
    const rules = [...new Set(Array.from({ length: 1 + Math.floor(random() * 8) }, () => kinds[Math.floor(random() * kinds.length)]!))];
    const config = rules.map(([kind, match], index) => (kind === 'rewrite' ? `rewrite ${match} https://t.example/${index} permanent;` : `location ${kind} ${match} { return 301 https://t.example/${index}; }`));
    const { rows, reported } = nginx(`server {\n${config.join('\n')}\n}`);
    // A prefix location and a ^~ one on the same path are the same location to nginx, which refuses the second; so does the import.
    const repeated = reported.filter((entry) => entry.reason.startsWith('repeats the location')).map((entry) => entry.where);
    const kept = rules.filter((_rule, index) => !repeated.includes(`site.conf:${index + 2}`));
    const answerOf = answersOf(rows);
    for (const path of paths) {
      const chosen = nginxChooses(kept, path);
      const expected = chosen === undefined ? 'miss' : `301 https://t.example/${rules.indexOf(kept[chosen]!)}`;
      assert.is(answerOf(path), expected, `${path} with\n${config.join('\n')}`);
    }
  }
});

NginxOrder('what a pattern might match is told from its anchored literal text; anything else might match anywhere', () => {
  assert.equal(leadingLiteral('^/old/(.*)$'), { text: '/old/', isWhole: false });
  assert.equal(leadingLiteral('^/old\\.html$'), { text: '/old.html', isWhole: true });
  assert.equal(leadingLiteral('^/ab?c'), { text: '/a', isWhole: false }, 'a quantified character is not part of it');
  assert.equal(leadingLiteral('^/a\\d'), { text: '/a', isWhole: false });
  assert.is(leadingLiteral('^/a|/b'), undefined, 'the ^ anchors the first branch only');
  assert.is(leadingLiteral('\\.pdf$'), undefined);
  const cases: readonly (readonly [string, string, boolean])[] = [
    ['~^/news/', '/blog/', false],
    ['~^/news/', '/news/2020/', true],
    ['~^/n', '/news/', true],
    ['~^/news/x$', '/news/', true],
    ['~^/news$', '/news/', false],
    ['~*^/NEWS/', '/news/', true],
    ['~^/NEWS/', '/news/', false],
    ['~\\.pdf$', '/blog/', true],
    ['~^/(a|b)/', '/c/', true],
  ];
  for (const [pattern, prefix, expected] of cases) assert.is(mightMatchUnder(pattern, prefix), expected, `${pattern} under ${prefix}`);
  assert.is(mightOverlap('~^/a/', '~^/b/'), false);
  assert.is(mightOverlap('~^/a/', '~^/a/b'), true);
  assert.is(mightOverlap('~*^/A/', '~^/a/'), true);
  assert.is(mightOverlap('~^/a/', '~\\.php$'), true);
});

NginxOrder.run();

// ---------------------------------------------------------------------------------------

const NginxRest = suite('nginx: what is not a redirect is ignored; what could be one is reported; several servers are merged');

NginxRest('a whole nginx.conf: settings that cannot redirect are ignored; if, a server-level return, break, include, a redirecting error_page and unknown directives are reported', () => {
  const conversion = nginx(`user www-data;
worker_processes auto;
events { worker_connections 768; }
http {
    include mime.types;
    sendfile on;
    gzip on;
    map $uri $new { default 0; ~^/old 1; }
    upstream backend { server 127.0.0.1:8080; }
    server {
        listen 80;
        server_name example.org www.example.org;
        return 301 https://example.org$request_uri;
    }
    server {
        listen 443 ssl http2;
        server_name example.org;
        ssl_certificate /etc/ssl/cert.pem;
        root /srv/www;
        index index.html;
        access_log /var/log/nginx/access.log;
        error_page 404 /404.html;
        error_page 500 =301 /sorry;
        include conf.d/redirects.conf;
        if ($host = www.example.org) {
            return 301 https://example.org$request_uri;
        }
        set $flag 1;
        break;
        more_set_headers "X-Thing: 1";
        rewrite ^/old$ https://example.org/new permanent;
    }
}
`);
  assert.equal(brief(conversion.rows), ['/old 301 https://example.org/new']);
  assert.equal(reasons(conversion.reported), [
    "site.conf:13 is a return outside any location: it answers every path of the server (a whole-host redirect, often http → https); pagemap's rows are per path — write a /* prefix row if the whole site moves",
    'site.conf:23 redirects on an error (error_page … =3xx or a URL), which pagemap cannot say: a row answers a path, not an error',
    'site.conf:24 includes another file, which may hold redirects: convert that file too',
    'site.conf:25 is an if block (if ($host = www.example.org)): pagemap rows match the path alone, not conditions',
    'site.conf:29 stops the rewrite directives after it; they are converted as if it were not there',
    'site.conf:30 is not something pagemap converts (more_set_headers); check whether it redirects',
  ]);
  assert.is(conversion.reported[3]!.original, 'if ($host = www.example.org) { … }');
  assert.equal(conversion.notes, [
    {
      where: 'site.conf:15',
      reason: 'the file has 2 server blocks (server_name example.org www.example.org; example.org): their rows are merged into one map, as for one site',
      original: 'server {',
    },
  ]);
});

NginxRest('a file of server-level directives alone (one included into a server) converts as a server', () => {
  const conversion = nginx('# redirects.conf\nrewrite ^/a/(.*)$ /b/$1 permanent;\nlocation = /c { return 410; }\n');
  assert.equal(brief(conversion.rows), ['~^/a/(.*)$ 301 /b/$1', '/c 410']);
  assert.equal(conversion.notes, []);
  assert.equal(conversion.reported, []);
});

NginxRest.run();
