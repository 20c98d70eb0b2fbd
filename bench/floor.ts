/**
 * Floors for the build benchmark, each run as its own process so it is timed like the tools:
 * what this machine needs just to write the output files, and what pagemap's Markdown step
 * costs by itself. A build can only beat these by doing less work, so they show how much of
 * a build's time is disk and how much is rendering.
 *
 *   node dist/bench/floor.js write OUT_DIR COUNT BYTES   write COUNT files, 100 per folder, sync
 *   node dist/bench/floor.js render WIKI_DIR             read and render every .md, write nothing
 *   node dist/bench/floor.js render-split WIKI_DIR N [OUT_DIR]
 *        the same split over N worker threads (page i to thread i mod N), as the build splits
 *        it; with OUT_DIR each page's HTML body is also written there (sync, no template, no
 *        temp file): the least a build that renders and writes can do
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createMarkdown, renderWiki } from '../build/markdown.js';

function writeFiles(outDir: string, count: number, bytes: number): void {
  const body = Buffer.alloc(bytes, 'x');
  for (let i = 0; i < count; i++) {
    const dir = join(outDir, `section-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `page-${i}.html`), body);
  }
}

interface RenderJob {
  wikiDir: string;
  /** Where the bodies go, or nowhere. */
  outDir?: string;
  /** This thread's pages: those whose index is `part` mod `parts`. */
  part: number;
  parts: number;
}

/** Read and render the wiki's pages (and write them, given outDir); how many. */
function renderAll({ wikiDir, outDir, part, parts }: RenderJob): number {
  const md = createMarkdown();
  const madeDirs = new Set<string>();
  let pages = 0;
  const files = readdirSync(wikiDir, { recursive: true, encoding: 'utf8' }).filter((rel) => rel.endsWith('.md'));
  for (let i = part; i < files.length; i += parts) {
    const rel = files[i]!;
    const document = renderWiki(md, readFileSync(join(wikiDir, rel), 'utf8'), rel, rel);
    if (!document.html) throw new Error(`${rel} rendered to nothing`);
    if (outDir) {
      const target = join(outDir, rel.slice(0, -'.md'.length) + '.html');
      const dir = dirname(target);
      if (!madeDirs.has(dir)) (mkdirSync(dir, { recursive: true }), madeDirs.add(dir));
      writeFileSync(target, document.html);
    }
    pages++;
  }
  return pages;
}

/** renderAll over `threads` worker threads at once; the pages rendered in all. */
async function renderSplit(wikiDir: string, threads: number, outDir: string | undefined): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: threads }, (_, part) => {
      const job: RenderJob = { wikiDir, outDir, part, parts: threads };
      const worker = new Worker(new URL(import.meta.url), { workerData: job });
      return new Promise<number>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

if (!isMainThread) {
  parentPort!.postMessage(renderAll(workerData as RenderJob));
} else {
  const [mode, dir, ...rest] = process.argv.slice(2);
  if (mode === 'write' && dir && rest.length === 2) {
    writeFiles(dir, Number(rest[0]), Number(rest[1]));
  } else if (mode === 'render' && dir) {
    process.stdout.write(`${renderAll({ wikiDir: dir, part: 0, parts: 1 })}\n`);
  } else if (mode === 'render-split' && dir && (rest.length === 1 || rest.length === 2)) {
    process.stdout.write(`${await renderSplit(dir, Number(rest[0]), rest[1])}\n`);
  } else {
    process.stderr.write('usage: floor.js write OUT_DIR COUNT BYTES | floor.js render WIKI_DIR | floor.js render-split WIKI_DIR THREADS [OUT_DIR]\n');
    process.exitCode = 2;
  }
}
