/**
 * `pagemap check`: every internal link and image of every page — wiki pages (their Markdown,
 * raw HTML in it included) and legacy HTML files — followed through the map as a visitor's
 * request would be (exact, prefix and pattern rows, chains, discovery) to its final answer.
 * Links that end in 404, 410 or nowhere are broken, each reported with the page and the line
 * of the source that holds it.
 *
 * Fast by construction: the rows are read once, sources once each (synchronously: thousands
 * of small files), Markdown is parsed (not rendered), HTML is scanned for href and src
 * without a DOM, and each target is answered once however many pages link to it.
 */
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type MarkdownIt from 'markdown-it';
import { createMarkdown, frontMatterLanguage } from '../build/markdown.js';
import { isWrittenSiteFile } from '../build/siteFiles.js';
import type { Config } from '../core/config.js';
import { rowForLegacyFile } from '../core/discovery.js';
import type { PageMapStore } from '../core/pageMap.js';
import { encodePath, escapePath, isPrefixPath, pathForExport } from '../core/pagePath.js';
import { type PageRow, parseSource } from '../core/pageRow.js';
import { isPatternPath } from '../core/patterns.js';
import { SourceLocator } from '../core/sourceFiles.js';
import { resolveRequest } from './resolve.js';

/** One link or image on a page. */
export interface LinkUse {
  /** The page's path, as the map writes it. */
  page: string;
  /** The source file holding the link, and the line. */
  file: string;
  line: number;
  /** As written in the source. */
  href: string;
}

export interface BrokenLink extends LinkUse {
  /** What a visitor following it gets: `404`, `410`, `404 (no row)`, `404 (the page's source is missing)`, … */
  answer: string;
}

export interface LinkReport {
  pages: number;
  links: number;
  broken: BrokenLink[];
}

const HTML_EXTENSIONS = new Set(['.html', '.htm', '.shtml', '.xhtml']);
/** href and src attributes in HTML, quoted or not. */
const ATTRIBUTE = /<[a-zA-Z][^>]*?\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
const MAX_HOPS = 10;

/** The line (1-based) of `offset` in `text`, counting from a sorted list of line starts. */
function lineAt(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Every href and src of an HTML text, with its line (offset by `firstLine` - 1). */
function htmlLinks(text: string, firstLine = 1): { href: string; line: number }[] {
  const starts = lineStartsOf(text);
  return [...text.matchAll(ATTRIBUTE)].map((match) => ({ href: (match[1] ?? match[2] ?? match[3] ?? '').trim(), line: lineAt(starts, match.index) + firstLine - 1 }));
}

/** Every link and image of a Markdown text (front matter skipped), with the line of its block. */
function markdownLinks(md: MarkdownIt, text: string): { href: string; line: number }[] {
  // Lines taken by front matter (opened as the wiki's renderer reads it: `----` is a rule): the parser sees the rest.
  const frontMatter = frontMatterLanguage(text) === undefined ? '' : (/^[^\n]*\n[\s\S]*?\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(text)?.[0] ?? '');
  const offset = frontMatter.split('\n').length - 1;
  const found: { href: string; line: number }[] = [];
  for (const token of md.parse(text.slice(frontMatter.length), {})) {
    const line = (token.map?.[0] ?? 0) + 1 + offset;
    if (token.type === 'html_block') found.push(...htmlLinks(token.content, line));
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') found.push({ href: child.attrGet('href') ?? '', line });
      else if (child.type === 'image') found.push({ href: child.attrGet('src') ?? '', line });
      else if (child.type === 'html_inline') found.push(...htmlLinks(child.content, line).map((link) => ({ ...link, line })));
    }
  }
  return found;
}

/** The site path a link points at (with its query), or undefined for another site, a fragment alone, mail and the like. */
function internalTarget(href: string, pageUrl: URL): string | undefined {
  if (href === '' || href.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return undefined;
  let url: URL;
  try {
    url = new URL(href, pageUrl);
  } catch {
    return undefined;
  }
  return url.origin === pageUrl.origin ? `${url.pathname}${url.search}` : undefined;
}

/** What following links through the map needs: the rows, the source trees, answers already found. */
class LinkFollower {
  private readonly answers = new Map<string, string | undefined>();
  private readonly locator = new SourceLocator();

  /** Every row by path, read once: a check asks for the same few thousand paths many times over. */
  private readonly rows: Map<string, PageRow>;

  constructor(
    private readonly config: Config,
    private readonly store: PageMapStore,
    rows: readonly PageRow[],
  ) {
    this.rows = new Map(rows.map((row) => [row.path, row]));
  }

  private sourceExists(row: PageRow): boolean {
    const source = parseSource(200, row.source);
    if (source.kind === 'wiki') return this.locator.findIfSafe(this.config.wikiDir, `${source.name}.md`) !== undefined;
    return source.kind === 'file' && this.locator.findIfSafe(this.config.legacyDir, source.rel) !== undefined;
  }

  /** Why a visitor following `target` (a site path and query) ends nowhere; undefined when it ends at a page or another site. */
  problemWith(target: string): string | undefined {
    if (this.answers.has(target)) return this.answers.get(target);
    const answer = this.follow(target);
    this.answers.set(target, answer);
    return answer;
  }

  private follow(first: string): string | undefined {
    let target = first;
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const resolution = resolveRequest('GET', target, (path) => this.rows.get(path), this.store.findPattern, (path) => isWrittenSiteFile(this.store, path));
      switch (resolution.kind) {
        case 'page':
          return this.sourceExists(resolution.row) ? undefined : `404 (the source of ${pathForExport(resolution.row.path)}, ${resolution.row.source}, is missing)`;
        case 'redirect': {
          const next = internalTarget(resolution.location, new URL(target, 'http://pagemap.invalid'));
          if (next === undefined) return undefined; // another site: not ours to check
          target = next;
          continue;
        }
        case 'status':
          return hop === 0 ? String(resolution.status) : `${resolution.status} (after redirects, at ${target})`;
        case 'error':
          return `${resolution.status} (${resolution.reason})`;
        case 'site':
          return undefined; // sitemap.xml or robots.txt, written by the build
        case 'asset':
          return this.locator.findIfSafe(join(this.config.publicDir, '_pagemap'), resolution.rel) ? undefined : '404 (no such pagemap asset)';
        case 'data':
          return this.locator.findIfSafe(this.config.legacyDir, resolution.rel) ? undefined : '404 (no such file under /data)';
        case 'miss': {
          // The runtime would discover a legacy file there, or the folder's index.html.
          const isDiscovered = [resolution.path, `${resolution.path}/index.html`].some((path) => {
            const rel = path.slice(1);
            const file = this.locator.findIfSafe(this.config.legacyDir, rel);
            const row = file && rowForLegacyFile(this.config, rel, file.size, file.realRel);
            return row && !('skipped' in row) && row.path === path;
          });
          return isDiscovered ? undefined : hop === 0 ? '404 (no row, no legacy file)' : `404 (after redirects, at ${target})`;
        }
      }
    }
    return `a chain of more than ${MAX_HOPS} redirects`;
  }
}

/** A page's path as people ask for it: a folder's index as the folder. */
function shownPage(path: string): string {
  return escapePath(path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path);
}

/** The links of one page: from its wiki page's Markdown, or its legacy HTML file; none for other files. */
function linksOf(config: Config, md: MarkdownIt, locator: SourceLocator, row: PageRow): { file: string; links: { href: string; line: number }[] } | undefined {
  const source = parseSource(200, row.source);
  if (source.kind === 'wiki') {
    const found = locator.findIfSafe(config.wikiDir, `${source.name}.md`);
    return found && { file: found.absolute, links: markdownLinks(md, readFileSync(found.absolute, 'utf8')) };
  }
  if (source.kind !== 'file' || !HTML_EXTENSIONS.has(extname(source.rel).toLowerCase())) return undefined;
  const found = locator.findIfSafe(config.legacyDir, source.rel);
  // Legacy HTML is read as Latin-1: only the ASCII of tags and addresses matters here.
  return found && { file: found.absolute, links: htmlLinks(readFileSync(found.absolute, 'latin1')) };
}

/** Check every page's links. */
export async function checkLinks(config: Config, store: PageMapStore): Promise<LinkReport> {
  // The wiki's own parser, without what only styles text: links and code spans are found as the wiki finds them.
  const md = createMarkdown().disable(['emphasis', 'newline', 'text_join'], true);
  const locator = new SourceLocator();
  const rows = store.all();
  const follower = new LinkFollower(config, store, rows);
  const pages = rows.filter((row) => row.status === 200 && !isPrefixPath(row.path) && !isPatternPath(row.path));
  const report: LinkReport = { pages: 0, links: 0, broken: [] };
  for (const row of pages) {
    const found = linksOf(config, md, locator, row);
    if (!found) continue;
    report.pages++;
    const pageUrl = new URL(encodePath(row.path), 'http://pagemap.invalid');
    for (const { href, line } of found.links) {
      const target = internalTarget(href, pageUrl);
      if (target === undefined) continue;
      report.links++;
      const answer = follower.problemWith(target);
      if (answer) report.broken.push({ page: shownPage(row.path), file: found.file, line, href, answer });
    }
  }
  return report;
}
