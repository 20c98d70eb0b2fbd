/**
 * Hugo and Eleventy set up to do the same job as pagemap on the same files: every Markdown
 * page rendered into a layout made from pagemap's own page.html (same markup, a static nav),
 * written where pagemap's row puts it — its wiki name plus .html, `/section-N/page-M.html`
 * in the synthetic corpus, `/SummerOfCode/2015.html` in the wiki-shaped one (case kept) — and
 * the legacy files that have rows copied as they are. List pages, taxonomies, feeds and
 * sitemaps are turned off, because pagemap makes none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../core/config.js';
import { ASSET_PREFIX } from '../core/pagePath.js';
import { loadTemplate, renderNav } from '../build/template.js';
import type { Corpus } from './corpusFiles.js';
import { BenchError } from './measure.js';

/** Where the benchmark keeps tools that are not project dependencies (outside the project, reused across runs). */
export const TOOLS_DIR = join(tmpdir(), 'pagemap-bench-tools');
const ELEVENTY_SPEC = '@11ty/eleventy@3';

export interface Competitor {
  name: string;
  version: string;
  command: string;
  args: readonly string[];
  cwd: string;
  outDir: string;
}

type Fill = Record<'title' | 'content' | 'lastModified', string>;

/** pagemap's page.html with its placeholders turned into another engine's expressions. */
async function layoutFor(fill: Fill): Promise<string> {
  const template = await loadTemplate(join(PACKAGE_ROOT, 'templates'));
  const nav = renderNav(template.nav, '/section-0/page-0.html');
  const breadcrumbs = `<a href="/">Home</a><span class="sep">&gt;</span><span class="here">${fill.title}</span>`;
  const values: Record<string, string> = { ...fill, assets: ASSET_PREFIX, nav, breadcrumbs };
  return template.parts
    .map((part, i) => {
      if (i % 2) return values[part]!;
      // Literal text is copied verbatim; anything that looks like template syntax would not be.
      if (/\{\{|\{%|\{#/.test(part)) throw new BenchError(`templates/page.html has text that Hugo or Nunjucks would read as template syntax`);
      return part;
    })
    .join('');
}

/** The first line a command prints, or 'unknown' when it cannot run or fails. */
export function firstLineOf(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return 'unknown';
  return result.stdout.trim().split('\n')[0]!;
}

/** Hugo from PATH, or a clear message telling how to get it. */
export async function setUpHugo(root: string, corpus: Corpus): Promise<Competitor> {
  const found = spawnSync('hugo', ['version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new BenchError('hugo is not installed. Install it (Debian: apt-get install -y hugo), or leave it out with --tools pagemap,eleventy');
  }
  const site = join(root, 'hugo');
  await mkdir(join(site, 'layouts', '_default'), { recursive: true });
  // uglyURLs gives Name.html like pagemap, disablePathToLower keeps its case (SummerOfCode.html);
  // unsafe lets raw HTML through like pagemap's markdown-it (html: true).
  const config = [
    'baseURL = "http://localhost/"',
    `contentDir = ${JSON.stringify(corpus.wikiDir)}`,
    ...(corpus.copiedDir ? [`staticDir = ${JSON.stringify(corpus.copiedDir)}`] : []),
    'uglyURLs = true',
    'disablePathToLower = true',
    'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "home", "section"]',
    '[frontmatter]',
    'lastmod = [":fileModTime"]',
    '[markup.goldmark.renderer]',
    'unsafe = true',
  ];
  await writeFile(join(site, 'config.toml'), config.join('\n') + '\n');
  const single = await layoutFor({ title: '{{ .Title }}', content: '{{ .Content }}', lastModified: '{{ .Lastmod.Format "2006-01-02" }}' });
  await writeFile(join(site, 'layouts', '_default', 'single.html'), single);
  await writeFile(join(site, 'layouts', '_default', 'list.html'), single);
  const outDir = join(root, 'hugo-out');
  return { name: 'hugo', version: found.stdout.trim().split('\n')[0]!.replace(/^hugo /, ''), command: 'hugo', args: ['--quiet', '-s', site, '-d', outDir], cwd: site, outDir };
}

/** The Eleventy CLI, installed on demand into TOOLS_DIR (never into the project). */
export function eleventyCli(log: (line: string) => void): string {
  const cli = join(TOOLS_DIR, 'node_modules', '@11ty', 'eleventy', 'cmd.cjs');
  if (existsSync(cli)) return cli;
  log(`installing ${ELEVENTY_SPEC} into ${TOOLS_DIR} (once; not a project dependency)`);
  const result = spawnSync('npm', ['install', '--prefix', TOOLS_DIR, '--no-audit', '--no-fund', '--loglevel=error', ELEVENTY_SPEC], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0 || !existsSync(cli)) {
    throw new BenchError(
      `cannot install ${ELEVENTY_SPEC} into ${TOOLS_DIR}: ${result.error?.message ?? result.stderr.trim()}\nLeave Eleventy out with --tools pagemap,hugo`,
    );
  }
  return cli;
}

export async function setUpEleventy(root: string, corpus: Corpus, log: (line: string) => void): Promise<Competitor> {
  const cli = eleventyCli(log);
  const version = (JSON.parse(readFileSync(join(cli, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const site = join(root, 'eleventy');
  const includes = join(site, '_includes');
  await mkdir(includes, { recursive: true });
  const layout = await layoutFor({ title: '{{ title }}', content: '{{ content | safe }}', lastModified: '{{ page.date.toISOString().slice(0, 10) }}' });
  await writeFile(join(includes, 'page.njk'), layout);
  const copy = corpus.copiedDir ? `  eleventyConfig.addPassthroughCopy({ ${JSON.stringify(corpus.copiedDir)}: "/" });\n` : '';
  // Markdown is not run through Liquid first (pagemap does not template page text either).
  const config = `import { relative, resolve } from "node:path";
const WIKI = ${JSON.stringify(corpus.wikiDir)};
export default function (eleventyConfig) {
${copy}  eleventyConfig.addGlobalData("layout", "page.njk");
  eleventyConfig.addGlobalData("eleventyComputed", { permalink: (data) => "/" + relative(WIKI, resolve(data.page.inputPath)).replace(/\\.md$/, ".html") });
  return {
    templateFormats: ["md"],
    markdownTemplateEngine: false,
    dir: { input: WIKI, includes: ${JSON.stringify(relative(corpus.wikiDir, includes))} },
  };
}
`;
  const configFile = join(site, 'eleventy.config.mjs');
  await writeFile(configFile, config);
  const outDir = join(root, 'eleventy-out');
  return {
    name: 'eleventy',
    version: `${version} (@11ty/eleventy)`,
    command: process.execPath,
    args: [cli, `--config=${configFile}`, `--input=${corpus.wikiDir}`, `--output=${outDir}`, '--quiet'],
    cwd: site,
    outDir,
  };
}
