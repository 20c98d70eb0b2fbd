/**
 * Wiki source → HTML body: front matter by gray-matter, Markdown by markdown-it in its
 * CommonMark preset plus tables (the spec check in test/ measures exactly this setup).
 */
import type { MarkdownIt } from 'markdown-it';
import { SourceError } from './errors.js';
import { escapeHtml } from './html.js';

let matter: typeof import('gray-matter') | undefined;

/**
 * The Markdown engine every wiki page goes through (raw HTML allowed: the wiki is the site's
 * own, trusted content). Loaded on first use, with gray-matter, so start-up stays light.
 */
export async function createMarkdown(): Promise<MarkdownIt> {
  const [{ default: markdownIt }, grayMatter] = await Promise.all([import('markdown-it'), import('gray-matter')]);
  // gray-matter is CommonJS: its function arrives as the default export.
  matter ??= (grayMatter as unknown as { default: typeof import('gray-matter') }).default;
  return markdownIt('commonmark', { html: true }).enable('table');
}

export interface WikiDocument {
  title: string;
  /** The page body as HTML, starting with an h1. */
  html: string;
  /** Front matter, for templates and later features. */
  data: Readonly<Record<string, unknown>>;
}

function firstH1(tokens: ReturnType<MarkdownIt['parse']>): string | undefined {
  const open = tokens[0];
  if (open?.type !== 'heading_open' || open.tag !== 'h1') return undefined;
  return tokens[1]?.children?.map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : '')).join('') ?? '';
}

/**
 * Render one wiki page. The title comes from front matter `title`, else a leading `# h1`,
 * else the page name; a page without a leading h1 gets one with its title.
 * `what` names the source in errors (e.g. `wiki:About (content/wiki/About.md)`).
 */
export function renderWiki(md: MarkdownIt, text: string, fallbackTitle: string, what: string): WikiDocument {
  if (!matter) throw new Error('createMarkdown() must run before renderWiki()');
  let parsed: { data: Record<string, unknown>; content: string };
  try {
    // Passing options turns off gray-matter's unbounded cache keyed by file text. Most of its
    // cost is set-up, so a page without front matter skips it.
    parsed = text.startsWith('---') ? matter!(text, {}) : { data: {}, content: text };
  } catch (error) {
    throw new SourceError(`${what}: bad front matter: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const data = parsed.data ?? {};
  if (data.title !== undefined && typeof data.title !== 'string' && typeof data.title !== 'number') {
    throw new SourceError(`${what}: front matter "title" must be text`);
  }
  const tokens = md.parse(parsed.content, {});
  const heading = firstH1(tokens);
  const title = String(data.title ?? '').trim() || heading?.trim() || fallbackTitle;
  const body = md.renderer.render(tokens, md.options, {});
  return { title, html: heading === undefined ? `<h1>${escapeHtml(title)}</h1>\n${body}` : body, data };
}
