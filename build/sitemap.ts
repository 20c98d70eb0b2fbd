/**
 * sitemap.xml and robots.txt, decided as plain data (build/siteFiles.ts writes them): the
 * sitemaps.org 0.9 protocol for every page the build made, its day of last change from the
 * source the build last read, and a robots.txt that lets every crawler in and names the
 * sitemap — unless the map (or the legacy tree) has a robots.txt of its own, which wins.
 */
import { encodePath } from '../core/pagePath.js';
import { dayOf } from './pageRenderer.js';

export const SITEMAP_FILE = 'sitemap.xml';
export const ROBOTS_FILE = 'robots.txt';
/** The protocol's limits for one sitemap file: above either, a sitemap index and numbered sitemaps. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;
/** "less than 2,048 characters" (sitemaps.org): a longer URL is left out. */
const MAX_URL_LENGTH = 2047;

/** Every name a file of pagemap's may have at the root of public/ (the runtime serves these, if written). */
export const SITE_FILE_PATH = /^\/(?:robots\.txt|sitemap(?:-[1-9]\d*)?\.xml)$/;

const XMLNS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
/** A path encodePath leaves as it is and XML needs no escape in (no & or '). */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$()*+,;=:@/]*$/;
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A page the sitemap lists: its path, and when its source last changed. */
export interface SitemapPage {
  path: string;
  mtimeMs: number;
}

/** The numbered sitemap an index points at. */
export function numberedSitemapFile(n: number): string {
  return `sitemap-${n}.xml`;
}

/** The path a page is listed at: a folder's index page as its folder (`/doc/index.html` → `/doc/`). */
export function listedPath(path: string): string {
  return path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text for XML character data or an attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!);
}

export interface RenderedSitemaps {
  /** File (relative to public/) → text: sitemap.xml alone, or the index and its numbered sitemaps. */
  files: Map<string, string>;
  /** How many pages are listed. */
  urls: number;
  /** Pages left out: their URL is too long for the protocol. */
  tooLong: string[];
}

/**
 * The sitemap of `pages` (any order; listed in the order of their paths): one file while it holds at most
 * `maxUrls` URLs and `maxBytes` bytes, else an index (sitemap.xml) pointing at sitemap-1.xml,
 * sitemap-2.xml… each within those limits, each dated by its newest page.
 */
export function renderSitemaps(siteUrl: string, pages: readonly SitemapPage[], limits: { maxUrls?: number; maxBytes?: number } = {}): RenderedSitemaps {
  const maxUrls = limits.maxUrls ?? SITEMAP_MAX_URLS;
  const maxBytes = limits.maxBytes ?? SITEMAP_MAX_BYTES;
  const sorted = [...pages].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const head = `${XML_DECLARATION}<urlset xmlns="${XMLNS}">\n`;
  const tail = '</urlset>\n';
  const base = escapeXml(siteUrl);
  const chunks: { lines: string[]; bytes: number; lastmod: string }[] = [];
  const tooLong: string[] = [];
  let urls = 0;
  for (const page of sorted) {
    const path = listedPath(page.path);
    // Most paths need neither escape: the per-character encoder only for those that do.
    const isPlain = PLAIN_PATH.test(path);
    const encoded = isPlain ? path : encodePath(path);
    if (siteUrl.length + encoded.length > MAX_URL_LENGTH) {
      tooLong.push(path);
      continue;
    }
    const lastmod = dayOf(page.mtimeMs);
    // Only the URL could hold non-ASCII, and it is percent-encoded: characters are bytes.
    const line = `<url><loc>${base}${isPlain ? encoded : escapeXml(encoded)}</loc><lastmod>${lastmod}</lastmod></url>\n`;
    let chunk = chunks.at(-1);
    if (!chunk || chunk.lines.length >= maxUrls || head.length + chunk.bytes + line.length + tail.length > maxBytes) {
      chunk = { lines: [], bytes: 0, lastmod };
      chunks.push(chunk);
    }
    chunk.lines.push(line);
    chunk.bytes += line.length;
    if (lastmod > chunk.lastmod) chunk.lastmod = lastmod;
    urls++;
  }
  const files = new Map<string, string>();
  if (chunks.length <= 1) {
    files.set(SITEMAP_FILE, head + (chunks[0]?.lines.join('') ?? '') + tail);
    return { files, urls, tooLong };
  }
  const index = chunks.map((chunk, i) => {
    files.set(numberedSitemapFile(i + 1), head + chunk.lines.join('') + tail);
    return `<sitemap><loc>${base}/${numberedSitemapFile(i + 1)}</loc><lastmod>${chunk.lastmod}</lastmod></sitemap>\n`;
  });
  files.set(SITEMAP_FILE, `${XML_DECLARATION}<sitemapindex xmlns="${XMLNS}">\n${index.join('')}</sitemapindex>\n`);
  return { files, urls, tooLong };
}

/** The robots.txt pagemap writes when the site has none: every crawler may fetch everything; the sitemap named when there is one. */
export function renderRobots(sitemapUrl: string | undefined): string {
  const lines = [
    '# Written by pagemap: every page may be crawled. To publish your own, give /robots.txt a row',
    '# in the page map (pagemap then writes none), or set "sitemap": false in the configuration.',
    'User-agent: *',
    'Disallow:',
  ];
  if (sitemapUrl) lines.push('', `Sitemap: ${sitemapUrl}`);
  return lines.join('\n') + '\n';
}

/** What the site-file decision needs to know about the site. */
export interface SiteFilesInput {
  siteUrl: string | undefined;
  /** The `sitemap` setting: false writes neither file. */
  isEnabled: boolean;
  /** Every page the build made (only read when a sitemap is written). */
  pages: () => readonly SitemapPage[];
  /** Whether the map has a row at this path, or pages below it: then that path is the map's, not pagemap's. */
  isTaken: (path: string) => boolean;
  /** Whether the legacy root holds a robots.txt (the runtime discovers and serves it as is). */
  hasLegacyRobots: boolean;
  maxUrls?: number;
}

export interface SiteFilesPlan {
  /** File (relative to public/) → text. */
  files: Map<string, string>;
  /** URLs in the sitemap (0 when none is written). */
  urls: number;
  /** Worth telling the webmaster: why there is no sitemap, what was left out of it. */
  warnings: string[];
}

/** Which of pagemap's root files the site gets, and their text. Pure. */
export function planSiteFiles(input: SiteFilesInput): SiteFilesPlan {
  const plan: SiteFilesPlan = { files: new Map(), urls: 0, warnings: [] };
  if (!input.isEnabled) return plan;
  let sitemapUrl: string | undefined;
  if (input.siteUrl === undefined) {
    plan.warnings.push(`no sitemap.xml: the sitemaps protocol needs absolute URLs, and the configuration has no siteUrl (set it, e.g. "siteUrl": "https://www.example.org", or set "sitemap": false)`);
  } else {
    const sitemaps = renderSitemaps(input.siteUrl, input.pages(), { maxUrls: input.maxUrls });
    const taken = [...sitemaps.files.keys()].find((file) => input.isTaken('/' + file));
    if (taken) {
      plan.warnings.push(`no sitemap.xml: the page map has a row for /${taken} (or pages below it), which answers there`);
    } else {
      for (const [file, text] of sitemaps.files) plan.files.set(file, text);
      plan.urls = sitemaps.urls;
      sitemapUrl = `${input.siteUrl}/${SITEMAP_FILE}`;
      const [first] = sitemaps.tooLong;
      if (first !== undefined) {
        const count = sitemaps.tooLong.length;
        plan.warnings.push(`${count} page${count === 1 ? '' : 's'} left out of sitemap.xml: the URL is longer than the 2,048 characters the protocol allows (${encodePath(first)}${count > 1 ? ', …' : ''})`);
      }
    }
  }
  if (!input.isTaken('/' + ROBOTS_FILE) && !input.hasLegacyRobots) plan.files.set(ROBOTS_FILE, renderRobots(sitemapUrl));
  return plan;
}
