/**
 * The site template (DESIGN.md "The python.org look"): `page.html` with {{placeholders}},
 * the left navigation from `nav.json`, and breadcrumbs from the page's path. Loading checks
 * everything once; filling a page is then string concatenation.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { escapeHtml } from '../core/html.js';
import { ASSET_PREFIX, encodeInvisible, encodePath, percentDecode } from '../core/pagePath.js';

export const PLACEHOLDERS = ['title', 'assets', 'nav', 'breadcrumbs', 'content', 'lastModified', 'lastModifiedLine'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

export interface NavItem {
  title: string;
  href: string;
}
export type NavSection = (NavItem & { items?: NavItem[] }) | { heading: string };

export interface SiteTemplate {
  readonly dir: string;
  /** Changes whenever anything that shapes a wiki page does. */
  readonly hash: string;
  /** page.html split at its placeholders: even indexes literal text, odd indexes names. */
  readonly parts: readonly string[];
  readonly nav: readonly NavSection[];
}

export interface PageFill {
  path: string;
  title: string;
  content: string;
  /** The day the source last changed (YYYY-MM-DD); empty for pages that have no such day (404, 410). */
  lastModified: string;
  breadcrumbs: string;
  /** The left navigation's HTML, when not the site's own (the runtime's admin page has its own). */
  nav?: string;
}

/** A change here changes every rendered page's hash, so the next build re-renders them. */
const RENDERER_VERSION = '3';

function checkNav(file: string, data: unknown): NavSection[] {
  const sections = (data as { sections?: unknown } | null)?.sections;
  if (!Array.isArray(sections)) throw new ConfigError(`${file}: expected {"sections": [...]}`);
  const isItem = (x: unknown): x is NavItem =>
    typeof (x as NavItem)?.title === 'string' && typeof (x as NavItem)?.href === 'string' && (x as NavItem).href !== '';
  sections.forEach((section: unknown, i) => {
    if (typeof (section as { heading?: unknown })?.heading === 'string') return;
    const items = (section as { items?: unknown })?.items;
    if (!isItem(section) || (items !== undefined && !(Array.isArray(items) && items.every(isItem)))) {
      throw new ConfigError(`${file}: section ${i + 1} needs "title" and "href" (and "items" of {title, href}), or "heading"`);
    }
  });
  return sections as NavSection[];
}

/** Load and check a templates folder. Errors name the file and what is wrong. */
export async function loadTemplate(dir: string): Promise<SiteTemplate> {
  const pageFile = join(dir, 'page.html');
  const navFile = join(dir, 'nav.json');
  const read = (file: string) =>
    readFile(file, 'utf8').catch((error: unknown) => {
      throw new ConfigError(`cannot read template ${file}: ${(error as Error).message}`, { cause: error });
    });
  const [page, navText] = await Promise.all([read(pageFile), read(navFile)]);
  const parts = page.split(/\{\{\s*([A-Za-z]+)\s*\}\}/);
  for (let i = 1; i < parts.length; i += 2) {
    if (!PLACEHOLDERS.includes(parts[i] as Placeholder)) {
      throw new ConfigError(`${pageFile}: unknown placeholder {{${parts[i]}}} (known: ${PLACEHOLDERS.join(', ')})`);
    }
  }
  if (!parts.includes('content')) throw new ConfigError(`${pageFile}: has no {{content}} placeholder`);
  let navData: unknown;
  try {
    navData = JSON.parse(navText);
  } catch (error) {
    throw new ConfigError(`${navFile}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const nav = checkNav(navFile, navData);
  const hash = createHash('sha256').update(RENDERER_VERSION).update('\0').update(page).update('\0').update(navText).digest('hex');
  return Object.freeze({ dir, hash, parts: Object.freeze(parts), nav: Object.freeze(nav) });
}

/** A nav href as written in nav.json (readable, maybe with spaces) → the href to emit. */
function hrefOf(href: string): string {
  if (!href.startsWith('/')) return href;
  try {
    return encodePath(percentDecode(href));
  } catch {
    return href;
  }
}

/** The decoded public URL of a path (a directory index as its directory), for matching nav hrefs. */
function urlPathOf(path: string): string {
  return path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path;
}

function decodedHref(href: string): string {
  try {
    return percentDecode(href);
  } catch {
    return href;
  }
}

/** Which nav section a page belongs to: the one listing it, else the longest href prefix. */
export function currentSectionIndex(nav: readonly NavSection[], path: string): number {
  const url = urlPathOf(path);
  let best = -1;
  let bestLength = 0;
  nav.forEach((section, index) => {
    if (!('href' in section)) return;
    const hrefs = [section.href, ...(section.items ?? []).map((item) => item.href)].map(decodedHref);
    if (hrefs.some((h) => h === url || h === path)) {
      if (bestLength !== Infinity) ((best = index), (bestLength = Infinity));
      return;
    }
    const href = decodedHref(section.href);
    if (href.endsWith('/') && url.startsWith(href) && href.length > bestLength) ((best = index), (bestLength = href.length));
  });
  return best;
}

function link(item: NavItem, url: string): string {
  const current = decodedHref(item.href) === url ? ' aria-current="page"' : '';
  return `<a href="${escapeHtml(hrefOf(item.href))}"${current}>${escapeHtml(item.title)}</a>`;
}

/** The left navigation for one page: every section, the current one marked and opened. */
export function renderNav(nav: readonly NavSection[], path: string): string {
  const current = currentSectionIndex(nav, path);
  const url = urlPathOf(path);
  const sections = nav.map((section, index) => {
    if (!('href' in section)) return `<li class="nav-heading">${escapeHtml(section.heading)}</li>`;
    const isCurrent = index === current;
    const items =
      isCurrent && section.items?.length ? `<ul class="nav-items">${section.items.map((item) => `<li>${link(item, url)}</li>`).join('')}</ul>` : '';
    return `<li class="nav-section${isCurrent ? ' current' : ''}">${link(section, url)}${items}</li>`;
  });
  return `<ul class="nav-sections">${sections.join('')}</ul>`;
}

/** Answers "is there a 200 page at this canonical path?" for breadcrumb links. */
export type HasPage = (path: string) => boolean;

/** Each nav href (decoded) → its title, the first that names it; made once per nav. */
const navLabels = new WeakMap<readonly NavSection[], Map<string, string>>();

function labelsOf(nav: readonly NavSection[]): Map<string, string> {
  let labels = navLabels.get(nav);
  if (!labels) {
    labels = new Map();
    for (const section of nav) {
      if (!('href' in section)) continue;
      for (const item of [section, ...(section.items ?? [])]) if (!labels.has(decodedHref(item.href))) labels.set(decodedHref(item.href), item.title);
    }
    navLabels.set(nav, labels);
  }
  return labels;
}

/** The folder whose parents a page's breadcrumbs list: /a/b for /a/b/c.html and for /a/b/c/index.html; empty at the top. */
function crumbFolder(path: string): string {
  const isIndex = path.endsWith('/index.html');
  return path.slice(0, path.lastIndexOf('/', isIndex ? path.length - '/index.html'.length - 1 : path.length));
}

/**
 * Breadcrumbs from the path: Home, then each parent folder — linked when a page answers
 * there (its index, else the bare path), labelled from the nav when the nav names it —
 * then the page's own title.
 */
export function renderBreadcrumbs(nav: readonly NavSection[], path: string, title: string, hasPage: HasPage): string {
  if (path === '/index.html') return `<span class="here">${escapeHtml(title)}</span>`;
  return `${folderCrumbs(nav, crumbFolder(path), hasPage)}<span class="here">${escapeHtml(title)}</span>`;
}

/**
 * Home and the folders down to `folder`, each followed by the separator. `known`: the crumbs
 * of folders already made, so a folder adds its own crumb to its parent's.
 */
function folderCrumbs(nav: readonly NavSection[], folder: string, hasPage: HasPage, known?: Map<string, string>): string {
  let crumbs = known?.get(folder);
  if (crumbs === undefined) {
    const cut = folder.lastIndexOf('/');
    crumbs = cut < 0 ? HOME_CRUMB : folderCrumbs(nav, folder.slice(0, cut), hasPage, known) + folderCrumb(labelsOf(nav), folder, hasPage);
    known?.set(folder, crumbs);
  }
  return crumbs;
}

/** One folder's crumb and the separator after it: linked when a page answers there (its index, else the bare path). */
function folderCrumb(labels: ReadonlyMap<string, string>, dir: string, hasPage: HasPage): string {
  const label = escapeHtml(labels.get(dir + '/') ?? labels.get(dir) ?? encodeInvisible(dir.slice(dir.lastIndexOf('/') + 1)));
  if (hasPage(dir + '/index.html')) return `<a href="${escapeHtml(encodePath(dir + '/'))}">${label}</a>${CRUMB_SEPARATOR}`;
  if (hasPage(dir)) return `<a href="${escapeHtml(encodePath(dir))}">${label}</a>${CRUMB_SEPARATOR}`;
  return `<span>${label}</span>${CRUMB_SEPARATOR}`;
}

const CRUMB_SEPARATOR = ' <span class="sep">&gt;</span> ';
const HOME_CRUMB = `<a href="/">Home</a>${CRUMB_SEPARATOR}`;

/** Stands for the page title in a breadcrumb shape; NUL never occurs in a title or a path. */
const TITLE_SLOT = '\u0000title\u0000';

/**
 * A page's breadcrumbs with its title left open: which other pages exist is known where the
 * build is planned, the title only once the page is rendered (fillBreadcrumbTitle).
 */
export function breadcrumbShape(nav: readonly NavSection[], path: string, hasPage: HasPage, folders?: Map<string, string>): string {
  if (!folders || path === '/index.html') return renderBreadcrumbs(nav, path, TITLE_SLOT, hasPage);
  // `folders`: the crumbs of each folder so far, for a caller shaping many pages against the
  // same nav and pages — every page in a folder shares them.
  return `${folderCrumbs(nav, crumbFolder(path), hasPage, folders)}<span class="here">${TITLE_SLOT}</span>`;
}

export function fillBreadcrumbTitle(shape: string, title: string): string {
  return shape.replace(TITLE_SLOT, () => escapeHtml(title));
}

/** Fill page.html. {{content}}, {{breadcrumbs}}, {{nav}} and {{lastModifiedLine}} are HTML; everything else is escaped here. */
export function fillTemplate(template: SiteTemplate, fill: PageFill): string {
  const values: Record<Placeholder, string> = {
    title: escapeHtml(fill.title),
    assets: ASSET_PREFIX,
    nav: fill.nav ?? renderNav(template.nav, fill.path),
    breadcrumbs: fill.breadcrumbs,
    content: fill.content,
    lastModified: escapeHtml(fill.lastModified),
    // The whole footer line, so a page without a date has no line at all.
    lastModifiedLine: fill.lastModified ? `<p class="last-modified">Page last modified ${escapeHtml(fill.lastModified)}</p>` : '',
  };
  let out = '';
  for (let i = 0; i < template.parts.length; i++) out += i % 2 ? values[template.parts[i] as Placeholder] : template.parts[i];
  return out;
}
