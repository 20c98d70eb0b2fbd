/**
 * Apache at scale (issue: "Apache serves public/"): the cost of one request must not grow
 * with the number of redirects. Two sites that differ only in their redirect rows — 100 and
 * 100,000 — each served by a real Apache with the generated configuration; wrk measures a
 * redirect (a map hit) and a static page (a map miss, then the file) on both, interleaved.
 * A third Apache serves the small site with symbolic links followed, as the configuration
 * did before links were refused: the price of Apache's per-segment link checks. Others serve
 * it with 1,000 prefix rows, and with 10, 100 and 1,000 pattern rows besides: what those cost
 * the requests that reach them.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APACHE_CONFIG_FILE, findHttxt2dbm } from '../build/apacheConfig.js';
import { runBuild } from '../build/build.js';
import { PACKAGE_ROOT, resolveConfig } from '../core/config.js';
import { PageMapStore } from '../core/pageMap.js';
import { type RunningApache, findApache, startApache } from '../test/apacheHarness.js';
import { BenchError, markdownTable, median } from './measure.js';
import { removeWhenDone } from './scratch.js';
import { type WrkOptions, pathsScript, requestsPerSecond, wrkVersion } from './wrk.js';

export interface ApacheBenchOptions {
  sizes: readonly number[];
  runs: number;
  wrk: WrkOptions;
  log: (line: string) => void;
}

const STATIC_PAGES = 500;
/** Prefix rows in the prefixed variant: each map miss then looks the folders of its path up. */
const PREFIX_ROWS = 1000;
/** Pattern rows in the patterned variants: every request without a map entry is tried against each, in order. */
const PATTERN_ROWS = [10, 100, 1000] as const;
const DISTINCT_REDIRECTS = 100;
const KINDS = ['redirect', 'static page'] as const;

interface SiteVariant {
  redirects: number;
  /** Apache's link checks off, as the configuration was before links were refused. */
  followLinks?: boolean;
  /** Prefix rows elsewhere in the tree, which make every map miss look each folder of its path up. */
  prefixes?: number;
  /** Pattern rows, each matching its own area; a request one answers is tried against those before it. */
  patterns?: number;
}

type SiteScripts = Record<(typeof KINDS)[number] | 'pattern', string | undefined>;

/** A site of one variant behind its own Apache, and the wrk scripts of its request mixes. */
async function setUpSite(root: string, variant: SiteVariant, log: (line: string) => void): Promise<{ apache: RunningApache; scripts: SiteScripts }> {
  const { redirects, followLinks = false, prefixes = 0, patterns = 0 } = variant;
  const dir = join(root, `site-${redirects}${followLinks ? '-follow' : ''}${prefixes ? `-prefixes${prefixes}` : ''}${patterns ? `-patterns${patterns}` : ''}`);
  await mkdir(join(dir, 'wiki'), { recursive: true });
  await mkdir(join(dir, 'legacy'), { recursive: true });
  await writeFile(join(dir, 'wiki/Page.md'), '# A page\n\nSome text.\n');
  await writeFile(
    join(dir, 'pagemap.config.json'),
    // No sitemap: it is no part of what is measured, and without a siteUrl the build would warn.
    JSON.stringify({ wikiDir: 'wiki', legacyDir: 'legacy', templatesDir: join(PACKAGE_ROOT, 'templates'), runtime: '127.0.0.1:9', sitemap: false }),
  );
  const config = resolveConfig({ configFile: join(dir, 'pagemap.config.json'), env: {} });
  const store = new PageMapStore(config.database);
  const rows = [];
  for (let i = 0; i < STATIC_PAGES; i++) rows.push({ path: `/static/p${i}.html`, status: 200 as const, source: 'wiki:Page' });
  for (let i = 0; i < redirects; i++) rows.push({ path: `/old/section ${i % 97}/r${i}.html`, status: (i % 3 ? 301 : 302) as 301 | 302, source: `/static/p${i % STATIC_PAGES}.html` });
  for (let i = 0; i < prefixes; i++) rows.push({ path: `/retired/area ${i}/`, status: 301 as const, source: `https://archive.example.org/area${i}/*` });
  for (let i = 0; i < patterns; i++) rows.push({ path: `~^/moved/area${i}/(.*)\\.html$`, status: 301 as const, source: `https://archive.example.org/area${i}/\${lowercase:$1}` });
  store.applyRows(rows, 'import');
  const report = await runBuild(config, store);
  store.close();
  if (report.failures.length || report.warnings.length) throw new BenchError(`site with ${redirects} redirects: ${JSON.stringify([...report.failures, ...report.warnings])}`);
  log(`site with ${redirects} redirect rows built in ${report.elapsedMs.toFixed(0)} ms`);
  const apacheDir = join(dir, 'apache-server');
  await mkdir(apacheDir);
  const readable = [root, dir, join(dir, '.pagemap'), config.publicDir, config.legacyDir, config.apacheDir];
  let include = join(config.apacheDir, APACHE_CONFIG_FILE);
  if (followLinks) {
    const followed = join(config.apacheDir, 'follow-links.conf');
    await writeFile(followed, (await readFile(include, 'utf8')).replaceAll('-FollowSymLinks', '+FollowSymLinks'));
    include = followed;
  }
  const apache = await startApache(findApache()!, apacheDir, undefined, include, readable);
  // The same request mix on every map: DISTINCT_REDIRECTS rows, spread evenly over the map, so
  // only the map's size differs between the sites (mod_rewrite caches lookups per key).
  const distinct = Math.min(redirects, DISTINCT_REDIRECTS);
  const redirectPaths = Array.from({ length: distinct }, (_, k) => {
    const i = Math.floor((k * redirects) / distinct);
    return encodeURI(`/old/section ${i % 97}/r${i}.html`);
  });
  const staticPaths = Array.from({ length: STATIC_PAGES }, (_, i) => `/static/p${i}.html`);
  // Requests the pattern rows answer, spread evenly over them: on average half are tried first.
  const patternPaths = Array.from({ length: Math.min(patterns, DISTINCT_REDIRECTS) }, (_, k) => `/moved/area${Math.floor((k * patterns) / Math.min(patterns, DISTINCT_REDIRECTS))}/Page${k}.html`);
  return {
    apache,
    scripts: {
      redirect: pathsScript(dir, 'redirect', redirectPaths),
      'static page': pathsScript(dir, 'static', staticPaths),
      pattern: patterns ? pathsScript(dir, 'pattern', patternPaths) : undefined,
    },
  };
}

export async function runApacheBench(options: ApacheBenchOptions): Promise<string> {
  if (!findApache()) throw new BenchError('Apache is not installed: apt-get install -y apache2 apache2-utils');
  if (!findHttxt2dbm()) throw new BenchError('httxt2dbm is not installed: apt-get install -y apache2-utils');
  const version = wrkVersion();
  const root = await mkdtemp(join(tmpdir(), 'pagemap-bench-apache-'));
  const sites = new Map<number, Awaited<ReturnType<typeof setUpSite>>>();
  const patterned = new Map<number, Awaited<ReturnType<typeof setUpSite>>>();
  const samples = new Map<string, number[]>();
  const sample = (key: string, site: Awaited<ReturnType<typeof setUpSite>>, script: string) => {
    const { rps, non2xx3xx } = requestsPerSecond(site.apache.url, options.wrk, script);
    if (non2xx3xx > 0) throw new BenchError(`${key}: ${non2xx3xx} responses were not 2xx/3xx`);
    samples.set(key, [...(samples.get(key) ?? []), rps]);
  };
  let following: Awaited<ReturnType<typeof setUpSite>> | undefined;
  let prefixed: Awaited<ReturnType<typeof setUpSite>> | undefined;
  const small = options.sizes[0]!;
  try {
    for (const size of options.sizes) sites.set(size, await setUpSite(root, { redirects: size }, options.log));
    following = await setUpSite(root, { redirects: small, followLinks: true }, options.log);
    prefixed = await setUpSite(root, { redirects: small, prefixes: PREFIX_ROWS }, options.log);
    for (const patterns of PATTERN_ROWS) patterned.set(patterns, await setUpSite(root, { redirects: small, patterns }, options.log));
    for (let run = 0; run < options.runs; run++) {
      options.log(`apache round ${run + 1}/${options.runs}`);
      sample('followed', following, following.scripts['static page']!);
      for (const kind of KINDS) sample(`${kind}@prefixed`, prefixed, prefixed.scripts[kind]!);
      for (const [patterns, site] of patterned) for (const kind of [...KINDS, 'pattern'] as const) sample(`${kind}@patterns${patterns}`, site, site.scripts[kind]!);
      for (const kind of KINDS) {
        for (const size of options.sizes) {
          const site = sites.get(size)!;
          try {
            sample(`${kind}@${size}`, site, site.scripts[kind]!);
          } catch (error) {
            const errors = (await site.apache.errorLog()).split('\n').slice(-5).join('\n');
            throw new BenchError(`${kind} at ${size} rows: ${(error as Error).message}; Apache's error log ends:\n${errors}`);
          }
        }
      }
    }
  } finally {
    for (const site of [...sites.values(), ...patterned.values()]) await site.apache.stop();
    await following?.apache.stop();
    await prefixed?.apache.stop();
    removeWhenDone(root);
  }
  const large = options.sizes[options.sizes.length - 1]!;
  const rows = KINDS.map((kind) => {
    const a = median(samples.get(`${kind}@${small}`)!);
    const b = median(samples.get(`${kind}@${large}`)!);
    return [kind, a.toFixed(0), b.toFixed(0), `${((b / a) * 100).toFixed(1)}%`];
  });
  const refused = median(samples.get(`static page@${small}`)!);
  const followed = median(samples.get('followed')!);
  return [
    `wrk: ${version}; ${options.wrk.threads} threads, ${options.wrk.connections} connections, ${options.wrk.seconds} s a sample; ${options.runs} samples each, interleaved.`,
    `Redirect requests cycle through the same number of distinct rows on both maps (${Math.min(small, DISTINCT_REDIRECTS)}, spread evenly over the map); static requests through ${STATIC_PAGES} pages that have no map entry (every one a lookup that misses).`,
    '',
    markdownTable(['request', `req/s at ${small.toLocaleString('en')} rows (median)`, `req/s at ${large.toLocaleString('en')} rows (median)`, 'large / small'], rows),
    '',
    `The price of refusing symbolic links (Options -FollowSymLinks, an lstat per path segment), on the same static pages at ${small.toLocaleString('en')} rows:`,
    '',
    markdownTable(
      ['static page', 'req/s (median)', 'of links followed'],
      [
        ['links followed (+FollowSymLinks)', followed.toFixed(0), '100%'],
        ['links refused (-FollowSymLinks, as generated)', refused.toFixed(0), `${((refused / followed) * 100).toFixed(1)}%`],
      ],
    ),
    '',
    `The price of prefix rows: the same requests at ${small.toLocaleString('en')} rows, and with ${PREFIX_ROWS.toLocaleString('en')} prefix rows besides (every map miss then looks each folder of its path up):`,
    '',
    markdownTable(
      ['request', 'req/s without prefix rows', `req/s with ${PREFIX_ROWS.toLocaleString('en')} prefix rows`, 'with / without'],
      KINDS.map((kind) => {
        const without = median(samples.get(`${kind}@${small}`)!);
        const withPrefixes = median(samples.get(`${kind}@prefixed`)!);
        return [kind, without.toFixed(0), withPrefixes.toFixed(0), `${((withPrefixes / without) * 100).toFixed(1)}%`];
      }),
    ),
    '',
    `The price of pattern rows: the same requests at ${small.toLocaleString('en')} rows, then with ${PATTERN_ROWS.join(', ')} pattern rows besides (req/s, median, and the share of the site without them); "pattern" requests are answered by a pattern row, spread evenly over them:`,
    '',
    markdownTable(
      ['request', 'without pattern rows', ...PATTERN_ROWS.map((n) => `with ${n.toLocaleString('en')}`)],
      [...KINDS, 'pattern' as const].map((kind) => {
        const without = kind === 'pattern' ? undefined : median(samples.get(`${kind}@${small}`)!);
        const cells = PATTERN_ROWS.map((patterns) => {
          const rps = median(samples.get(`${kind}@patterns${patterns}`)!);
          return without === undefined ? rps.toFixed(0) : `${rps.toFixed(0)} (${((rps / without) * 100).toFixed(1)}%)`;
        });
        return [kind, without === undefined ? '–' : without.toFixed(0), ...cells];
      }),
    ),
  ].join('\n');
}
