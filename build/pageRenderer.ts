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
import { hashParts } from './buildPlan.js';
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
}

export interface ProduceResult {
  sourceHash: string;
  /** Signature of the file written; absent when the source turned out unchanged and nothing was written. */
  outputSig?: string;
}

/** The day a source was last modified, as the footer shows it (YYYY-MM-DD). */
export function dayOf(mtimeMs: number): string {
  return new Date(mtimeMs).toISOString().slice(0, 10);
}

export class PageRenderer {
  readonly template: SiteTemplate;
  private readonly md: MarkdownIt;

  private constructor(template: SiteTemplate, md: MarkdownIt) {
    this.template = template;
    this.md = md;
  }

  /** Markdown is loaded here, not at start-up: a build with nothing to render never pays for it. */
  static async create(template: SiteTemplate): Promise<PageRenderer> {
    return new PageRenderer(template, await createMarkdown());
  }

  /** Render Markdown text into a complete page. */
  render(text: string, task: RenderTask): string {
    const document = renderWiki(this.md, text, task.fallbackTitle, task.what);
    return fillTemplate(this.template, {
      path: task.path,
      title: document.title,
      content: document.html,
      lastModified: task.isDated ? dayOf(task.mtimeMs) : '',
      breadcrumbs: fillBreadcrumbTitle(task.crumbs, document.title),
    });
  }

  /** Read, hash, and — unless the hash is the recorded one — render and write one page. */
  produce(request: ProduceRequest): ProduceResult {
    const text = readFileSync(request.source, 'utf8');
    const sourceHash = hashParts(text, dayOf(request.mtimeMs));
    if (sourceHash === request.previousHash) return { sourceHash };
    writeFileAtomicSync(request.target, this.render(text, request));
    return { sourceHash, outputSig: signatureOf(statSync(request.target)) };
  }
}
