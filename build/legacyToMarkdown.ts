/**
 * A legacy HTML page as a wiki page: its bytes decoded as the page says (or as a browser of
 * its day would guess), its main content found and the site's chrome left out (navigation
 * columns, banners, footers), its links and images made site paths that stay valid from the
 * page's URL, then Markdown by turndown with GitHub tables. Pure: bytes and a URL in, a title
 * and Markdown out.
 *
 * What the era's HTML holds and how it comes out: table layouts (the cell holding the text is
 * kept, layout tables unwrapped; tables of data become Markdown tables), `<font>` and
 * `<center>` (their text kept), entities, `<pre>` (fenced code), definition lists (kept as
 * HTML, which the wiki renders), relative links and images (resolved).
 */
import { createDocument } from '@mixmark-io/domino';
import { gfm } from '@joplin/turndown-plugin-gfm';
import TurndownService from 'turndown';

export interface ConvertedPage {
  title: string;
  markdown: string;
  /** How the bytes were decoded, and why: `utf-8 (meta charset)`, `windows-1252 (not UTF-8)`. */
  encoding: string;
}

/** Labels a `<meta>` may give, as the WHATWG encoding names TextDecoder knows. */
function declaredCharset(head: string): string | undefined {
  const match = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(head);
  return match?.[1]?.toLowerCase();
}

// windows-1252's 0x80–0x9F (the rest is Latin-1). Node's TextDecoder reads them as C1 controls,
// but browsers — and the WHATWG standard for every "Latin-1" label — read € – “ ” ’ … there.
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80]!);
}

/**
 * The page's text: by its `<meta>` charset when it names one TextDecoder knows (every
 * "Latin-1" label read as windows-1252, as browsers do), else UTF-8 when the bytes are valid
 * UTF-8, else windows-1252, the guess of a browser of the day.
 */
export function decodeLegacyHtml(bytes: Uint8Array): { text: string; encoding: string } {
  const head = Buffer.from(bytes.subarray(0, 2048)).toString('latin1');
  const declared = declaredCharset(head);
  if (declared) {
    try {
      const decoder = new TextDecoder(declared);
      const text = decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
      return { text, encoding: `${decoder.encoding} (meta charset ${declared})` };
    } catch {
      // An unknown label: guessed below, as a browser would.
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8 (valid UTF-8, no charset given)' };
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252 (not UTF-8, no charset given)' };
  }
}

const CHROME = 'script, style, noscript, nav, header, footer, iframe, form, object, embed, applet';
const CHROME_NAMES = /(^|[\s_-])(nav|navigation|menu|sidebar|footer|header|banner|breadcrumbs?|toolbar)([\s_-]|$)/i;
const CONTENT_NAMES = /^(content|main|maincontent|main-content|article|page-content|body-content)$/i;

function words(node: Node): number {
  return (node.textContent ?? '').replace(/\s+/g, ' ').trim().length;
}

/** Text that is not link text: what a reader reads, as opposed to what a menu offers. */
function readingText(element: Element): number {
  let count = words(element);
  for (const link of Array.from(element.querySelectorAll('a'))) count -= words(link);
  return Math.max(count, 0);
}

/**
 * The element holding the page's content: one its author named (`<main>`, `id="content"`),
 * else the deepest element holding more than half of the page's reading text — in a table
 * layout, the cell beside the navigation column, without the banner or the footer.
 */
function contentElement(document: Document): Element {
  const named = document.querySelector('main, article') ?? Array.from(document.querySelectorAll('[id], [class]')).find((element) => CONTENT_NAMES.test(element.id) || CONTENT_NAMES.test(element.className));
  if (named) return named;
  const body = document.body;
  const total = readingText(body);
  let best: Element = body;
  for (;;) {
    // A heading beside it means the text around it belongs to the content too.
    if (Array.from(best.children).some((child) => HEADINGS.has(child.tagName))) break;
    const next = Array.from(best.children).find((child) => CONTAINERS.has(child.tagName) && readingText(child) > 0.5 * total);
    if (!next) break;
    best = next;
  }
  // Stopped inside a table's rows (a table of questions, say): the table is content, with what surrounds it.
  while (TABLE_PARTS.has(best.tagName) && best.parentElement) best = best.parentElement;
  return best;
}

const TABLE_PARTS = new Set(['TABLE', 'THEAD', 'TBODY', 'TFOOT', 'TR']);
const HEADINGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
/** What a page's content may sit inside: never a paragraph, list or heading itself. */
const CONTAINERS = new Set([...TABLE_PARTS, 'TD', 'TH', 'DIV', 'FONT', 'CENTER', 'SPAN', 'SECTION', 'BLOCKQUOTE', 'FORM']);

/** A table's own rows (not those of tables inside it), each as its own cells. */
function tableRows(table: Element): Element[][] {
  const rows = Array.from(table.children).flatMap((child) => (child.tagName === 'TR' ? [child] : ['THEAD', 'TBODY', 'TFOOT'].includes(child.tagName) ? Array.from(child.children) : []));
  return rows.filter((row) => row.tagName === 'TR').map((row) => Array.from(row.children).filter((cell) => cell.tagName === 'TD' || cell.tagName === 'TH'));
}

/** A table that lays a page out rather than holding data: one column, or cells holding blocks or other tables. */
function isLayoutTable(table: Element): boolean {
  const rows = tableRows(table);
  if (rows.every((cells) => cells.length <= 1)) return true;
  // (domino answers undefined, not null, when querySelector finds nothing.)
  return rows.flat().some((cell) => Boolean(cell.querySelector('table, h1, h2, h3, h4, h5, h6, ul, ol, dl, pre, blockquote')) || cell.querySelectorAll('p').length > 1);
}

// domino, turndown's DOM, has the DOM of 2014: insertBefore and removeChild, not replaceWith or append.
function replaceWithNodes(element: Element, nodes: readonly Node[]): void {
  const parent = element.parentNode;
  if (!parent) return;
  for (const node of nodes) parent.insertBefore(node, element);
  parent.removeChild(element);
}

/** Replace an element by its children. */
function unwrap(element: Element): void {
  replaceWithNodes(element, Array.from(element.childNodes));
}

/** A layout table as the blocks of its cells, in reading order. */
function unwrapLayoutTable(table: Element): void {
  const document = table.ownerDocument;
  const blocks = tableRows(table).flatMap((cells) =>
    cells.map((cell) => {
      const block = document.createElement('div');
      for (const child of Array.from(cell.childNodes)) block.appendChild(child);
      return block;
    }),
  );
  replaceWithNodes(table, blocks);
}

/** A link or image address as a site path when it points into the site (resolved from the page's URL); others as written. */
function siteAddress(address: string, pageUrl: URL): string {
  if (address.startsWith('#') || /^(mailto|javascript|data|ftp|news):/i.test(address)) return address;
  let resolved: URL;
  try {
    resolved = new URL(address, pageUrl);
  } catch {
    return address;
  }
  return resolved.origin === pageUrl.origin ? `${resolved.pathname}${resolved.search}${resolved.hash}` : address;
}

function markdownConverter(): TurndownService {
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*' });
  turndown.use(gfm);
  // The wiki renders HTML blocks; Markdown has no definition list.
  turndown.keep(['dl']);
  // The era's <pre> holds text, not <code>: a fenced block of it as it is.
  turndown.addRule('preformatted', {
    filter: (node) => node.nodeName === 'PRE' && node.querySelector('code') == null,
    replacement: (_content, node) => {
      const text = (node.textContent ?? '').replace(/^\n/, '').replace(/\n$/, '');
      const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((run) => run[0].length + 1)));
      return `\n\n${fence}\n${text}\n${fence}\n\n`;
    },
  });
  // <tt> was inline code before <code> was.
  turndown.addRule('teletype', {
    filter: (node) => ['TT', 'KBD', 'SAMP'].includes(node.nodeName),
    replacement: (content, node) => {
      // The text itself, not the Markdown escapes turndown puts into content.
      const text = (node.textContent ?? '').replace(/\s+/g, ' ');
      if (text.trim() === '') return content;
      const ticks = '`'.repeat(Math.max(1, ...[...text.matchAll(/`+/g)].map((run) => run[0].length + 1)));
      return ticks.length > 1 || text.startsWith('`') ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
    },
  });
  turndown.remove(['script', 'style']);
  return turndown;
}

/**
 * Convert a legacy page: `bytes` as stored, `pagePath` the URL path it is served at (relative
 * links resolve from there). The title is the page's `<title>`, else its first heading, else
 * the last part of the path.
 */
export function legacyPageToMarkdown(bytes: Uint8Array, pagePath: string): ConvertedPage {
  const { text, encoding } = decodeLegacyHtml(bytes);
  const document = createDocument(text);
  const pageUrl = new URL(pagePath, 'http://pagemap.invalid');
  const headingTitle = () => document.querySelector('h1, h2')?.textContent;
  const title = (document.title || headingTitle() || decodeURIComponent(pageUrl.pathname.split('/').filter(Boolean).at(-1) ?? 'Untitled'))
    .replace(/\s+/g, ' ')
    .trim();

  for (const element of Array.from(document.querySelectorAll(CHROME))) element.parentNode?.removeChild(element);
  for (const element of Array.from(document.querySelectorAll('[id], [class]'))) {
    if (element !== document.body && (CHROME_NAMES.test(element.id) || CHROME_NAMES.test(element.className))) element.parentNode?.removeChild(element);
  }
  const content = contentElement(document);
  for (const element of Array.from(content.querySelectorAll('a[href]'))) element.setAttribute('href', siteAddress(element.getAttribute('href')!, pageUrl));
  for (const element of Array.from(content.querySelectorAll('img[src]'))) element.setAttribute('src', siteAddress(element.getAttribute('src')!, pageUrl));
  // Innermost first, so that an unwrapped outer table sees its inner ones already settled.
  for (const table of Array.from(content.querySelectorAll('table')).reverse()) {
    if (isLayoutTable(table)) unwrapLayoutTable(table);
  }
  for (const element of Array.from(content.querySelectorAll('font, center, span, basefont, big, small, blink, marquee'))) unwrap(element);
  // Handed over as text: turndown's table rules walk a tree of their own parsing.
  const markdown = markdownConverter()
    .turndown(content.innerHTML)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, markdown: `${markdown}\n`, encoding };
}
