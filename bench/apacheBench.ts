/**
 * Apache at scale (issue: "Apache serves public/"): the cost of one request must not grow
 * with the number of redirects. Two sites that differ only in their redirect rows — 100 and
 * 100,000 — each served by a real Apache with the generated configuration; wrk measures a
 * redirect (a map hit) and a static page (a map miss, then the file) on both, interleaved.
 * A third Apache serves the small site with symbolic links followed, as the configuration
 * did before links were refused: the price of Apache's per-segment link checks.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APACHE_CONFIG_FILE, findHttxt2dbm } from '../build/apacheConfig.js';
import { runBuild } from '../build/build.js';
import { PACKAGE_ROOT, resolveConfig } from '../core/config.js';
import { PageMapStore } from '../core/pageMap.js';
import { type RunningApache, findApache, startApache } from '../test/apacheHarness.js';
import { BenchError, markdownTable, median } from './measure.js';
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
const DISTINCT_REDIRECTS = 100;
const KINDS = ['redirect', 'static page'] as const;

/**
 * A site with `redirects` rows behind its own Apache; `followLinks` turns Apache's link checks
 * off; `prefixes` adds that many prefix rows (elsewhere in the tree), which make every map miss
 * look each folder of its path up.
 */
async function setUpSite(
  root: string,
  redirects: number,
  log: (line: string) => void,
  followLinks = false,
  prefixes = 0,
): Promise<{ apache: RunningApache; scripts: Record<(typeof KINDS)[number], string> }> {
  const dir = join(root, `site-${redirects}${followLinks ? '-follow' : ''}${prefixes ? `-prefixes${prefixes}` : ''}`);
  await mkdir(join(dir, 'wiki'), { recursive: true });
  await mkdir(join(dir, 'legacy'), { recursive: true });
  await writeFile(join(dir, 'wiki/Page.md'), '# A page\n\nSome text.\n');
  await writeFile(
    join(dir, 'pagemap.config.json'),
    JSON.stringify({ wikiDir: 'wiki', legacyDir: 'legacy', templatesDir: join(PACKAGE_ROOT, 'templates'), runtime: '127.0.0.1:9' }),
  );
  const config = resolveConfig({ configFile: join(dir, 'pagemap.config.json'), env: {} });
  const store = new PageMapStore(config.database);
  const rows = [];
  for (let i = 0; i < STATIC_PAGES; i++) rows.push({ path: `/static/p${i}.html`, status: 200 as const, source: 'wiki:Page' });
  for (let i = 0; i < redirects; i++) rows.push({ path: `/old/section ${i % 97}/r${i}.html`, status: (i % 3 ? 301 : 302) as 301 | 302, source: `/static/p${i % STATIC_PAGES}.html` });
  for (let i = 0; i < prefixes; i++) rows.push({ path: `/retired/area ${i}/`, status: 301 as const, source: `https://archive.example.org/area${i}/*` });
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
  return { apache, scripts: { redirect: pathsScript(dir, 'redirect', redirectPaths), 'static page': pathsScript(dir, 'static', staticPaths) } };
}

export async function runApacheBench(options: ApacheBenchOptions): Promise<string> {
  if (!findApache()) throw new BenchError('Apache is not installed: apt-get install -y apache2 apache2-utils');
  if (!findHttxt2dbm()) throw new BenchError('httxt2dbm is not installed: apt-get install -y apache2-utils');
  const version = wrkVersion();
  const root = await mkdtemp(join(tmpdir(), 'pagemap-bench-apache-'));
  const sites = new Map<number, Awaited<ReturnType<typeof setUpSite>>>();
  const samples = new Map<string, number[]>();
  let following: Awaited<ReturnType<typeof setUpSite>> | undefined;
  let prefixed: Awaited<ReturnType<typeof setUpSite>> | undefined;
  try {
    for (const size of options.sizes) sites.set(size, await setUpSite(root, size, options.log));
    following = await setUpSite(root, options.sizes[0]!, options.log, true);
    prefixed = await setUpSite(root, options.sizes[0]!, options.log, false, PREFIX_ROWS);
    for (let run = 0; run < options.runs; run++) {
      options.log(`apache round ${run + 1}/${options.runs}`);
      const followed = requestsPerSecond(following.apache.url, options.wrk, following.scripts['static page']).rps;
      samples.set('followed', [...(samples.get('followed') ?? []), followed]);
      for (const kind of KINDS) {
        const rps = requestsPerSecond(prefixed.apache.url, options.wrk, prefixed.scripts[kind]).rps;
        samples.set(`${kind}@prefixed`, [...(samples.get(`${kind}@prefixed`) ?? []), rps]);
      }
      for (const kind of KINDS) {
        for (const size of options.sizes) {
          const site = sites.get(size)!;
          const { rps, non2xx3xx } = requestsPerSecond(site.apache.url, options.wrk, site.scripts[kind]);
          if (non2xx3xx > 0) {
            const errors = (await site.apache.errorLog()).split('\n').slice(-5).join('\n');
            throw new BenchError(`${kind} at ${size} rows: ${non2xx3xx} responses were not 2xx/3xx; Apache's error log ends:\n${errors}`);
          }
          const key = `${kind}@${size}`;
          samples.set(key, [...(samples.get(key) ?? []), rps]);
        }
      }
    }
  } finally {
    for (const site of sites.values()) await site.apache.stop();
    await following?.apache.stop();
    await prefixed?.apache.stop();
    await rm(root, { recursive: true, force: true });
  }
  const [small, large] = [options.sizes[0]!, options.sizes[options.sizes.length - 1]!];
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
  ].join('\n');
}
