/**
 * Wiki page → finished HTML file: read the Markdown, render it into the site template, write
 * it atomically. Synchronous once created, so it runs the same on the main thread and in
 * render workers (renderPool.ts), where blocking I/O costs nothing. Breadcrumb links depend
 * on which other pages exist, which only the main thread knows: it passes them in as a
 * "shape" with a placeholder where the page's title goes.
 */
import { readFileSync, statSync } from 'node:fs';
import type { MarkdownIt } from 'markdown-it';
import { writeFileAtomicSync } from './atomicWrite.js';
import { hashParts } from './hashParts.js';
import { createMarkdown, renderWiki } from './markdown.js';
import { signatureOf } from '../core/sourceFiles.js';
import { type SiteTemplate, fillBreadcrumbTitle, fillTemplate } from './template.js';

/** Everything a render needs besides the Markdown text. */
interface RenderTask {
  path: string;
  /** The title when neither front matter nor a leading h1 gives one. */
  fallbackTitle: string;
  mtimeMs: number;
  /** Whether the footer says when the source last changed (not on the 404 and 410 pages). */
  isDated: boolean;
  /** From breadcrumbShape(). */
  crumbs: string;
  /** Names the source in errors, e.g. `wiki:About (/site/wiki/About.md)`. */
  what: string;
}

/** A page to produce, as plain data (it crosses to worker threads). */
export interface ProduceRequest extends RenderTask {
  /** The Markdown file, absolute. */
  source: string;
  /** The output file, absolute. */
  target: string;
  /** The source hash recorded with the current output, when only the source may have changed. */
  previousHash?: string;
  /** The source hash recorded with the current output, intact, when only the page's surroundings changed (a template): equal → re-wrap. */
  rewrapHash?: string;
}

export interface ProduceResult {
  sourceHash: string;
  /** Signature of the file written; absent when the source turned out unchanged and nothing was written. */
  outputSig?: string;
  /** The page was re-wrapped: its body taken from the page written before, its Markdown not rendered. */
  isRewrapped?: boolean;
}

/**
 * Around a page's body in every page written: the body's format (a change to the Markdown
 * rendering must bump it) and the page title. A template change then re-wraps a page whose
 * source is unchanged — body and title read back from the page itself — instead of rendering
 * its Markdown again: no cache to keep, nothing stored twice.
 */
const BODY_FORMAT = '1';
const BODY_START = '<!--pagemap:body ';
const BODY_END = '<!--/pagemap:body-->';

function markBody(html: string, title: string): string {
  return `${BODY_START}${BODY_FORMAT} ${encodeURIComponent(title)}-->${html}${BODY_END}`;
}

/** The marked body and title of a page written by this format, or undefined. */
export function readMarkedBody(page: string): { title: string; html: string } | undefined {
  const start = page.indexOf(BODY_START);
  const end = page.lastIndexOf(BODY_END);
  if (start < 0 || end < start) return undefined;
  const headEnd = page.indexOf('-->', start);
  const [format, title] = page.slice(start + BODY_START.length, headEnd).split(' ');
  if (format !== BODY_FORMAT || title === undefined) return undefined;
  try {
    return { title: decodeURIComponent(title), html: page.slice(headEnd + 3, end) };
  } catch {
    return undefined;
  }
}

const DAY_MS = 86_400_000;
/** Days formatted so far (a site's pages share few; bounded all the same). */
const dayTexts = new Map<number, string>();

/**
 * The day a source was last modified, as the footer and the sitemap show it (YYYY-MM-DD).
 * Remembered per day: asked twice per page and once per sitemap line, and formatting a Date
 * costs more than the rest of either.
 */
export function dayOf(mtimeMs: number): string {
  const day = Math.floor(mtimeMs / DAY_MS);
  let text = dayTexts.get(day);
  if (text === undefined) {
    if (dayTexts.size >= 10_000) dayTexts.clear();
    dayTexts.set(day, (text = new Date(mtimeMs).toISOString().slice(0, 10)));
  }
  return text;
}

export class PageRenderer {
  readonly template: SiteTemplate;
  private readonly md: MarkdownIt;
  /** The template holds the body in one place only, so a page's body can be told from the template around it. */
  private readonly hasOneBody: boolean;

  private constructor(template: SiteTemplate, md: MarkdownIt) {
    this.template = template;
    this.md = md;
    this.hasOneBody = template.parts.filter((part, i) => i % 2 === 1 && part === 'content').length === 1;
  }

  /** Markdown is loaded here, not at start-up: a build with nothing to render never pays for it. */
  static create(template: SiteTemplate): PageRenderer {
    return new PageRenderer(template, createMarkdown());
  }

  /** Render Markdown text into a complete page. */
  render(text: string, task: RenderTask): string {
    const document = renderWiki(this.md, text, task.fallbackTitle, task.what);
    return this.wrap(document.title, document.html, task);
  }

  /** A body and title in the template: the page. */
  private wrap(title: string, html: string, task: RenderTask): string {
    return fillTemplate(this.template, {
      path: task.path,
      title,
      content: markBody(html, title),
      lastModified: task.isDated ? dayOf(task.mtimeMs) : '',
      breadcrumbs: fillBreadcrumbTitle(task.crumbs, title),
    });
  }

  /**
   * Read, hash, and — unless the hash is the recorded one — write one page: re-wrapped from
   * the page written before when only its surroundings changed, else rendered.
   */
  produce(request: ProduceRequest): ProduceResult {
    const text = readFileSync(request.source, 'utf8');
    const sourceHash = hashParts(text, dayOf(request.mtimeMs));
    if (sourceHash === request.previousHash) return { sourceHash };
    const old = sourceHash === request.rewrapHash && this.hasOneBody ? readMarkedBody(readFileSync(request.target, 'utf8')) : undefined;
    writeFileAtomicSync(request.target, old ? this.wrap(old.title, old.html, request) : this.render(text, request));
    return { sourceHash, outputSig: signatureOf(statSync(request.target)), isRewrapped: old !== undefined };
  }

}
