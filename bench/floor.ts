/**
 * Floors for the build benchmark, each run as its own process so it is timed like the tools:
 * what this machine needs just to write the output files, and what pagemap's Markdown step
 * costs by itself. A build can only beat these by doing less work, so they show how much of
 * a build's time is disk and how much is rendering.
 *
 *   node dist/bench/floor.js write OUT_DIR COUNT BYTES   write COUNT files, 100 per folder, sync
 *   node dist/bench/floor.js render WIKI_DIR             read and render every .md, write nothing
 *   node dist/bench/floor.js render-split WIKI_DIR N     the same split over N worker threads
 *                                                        (page i to thread i mod N), as the build splits it
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Read and render the wiki's pages — all of them, or those whose index is `part` mod `parts`. */
async function renderAll(wikiDir: string, part = 0, parts = 1): Promise<number> {
  const md = await createMarkdown();
  let pages = 0;
  const files = readdirSync(wikiDir, { recursive: true, encoding: 'utf8' }).filter((rel) => rel.endsWith('.md'));
  for (let i = part; i < files.length; i += parts) {
    const rel = files[i]!;
    const document = renderWiki(md, readFileSync(join(wikiDir, rel), 'utf8'), rel, rel);
    if (!document.html) throw new Error(`${rel} rendered to nothing`);
    pages++;
  }
  return pages;
}

/** renderAll over `threads` worker threads at once; the pages rendered in all. */
async function renderSplit(wikiDir: string, threads: number): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: threads }, (_, part) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { wikiDir, part, parts: threads } });
      return new Promise<number>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

if (!isMainThread) {
  const { wikiDir, part, parts } = workerData as { wikiDir: string; part: number; parts: number };
  parentPort!.postMessage(await renderAll(wikiDir, part, parts));
} else {
  const [mode, dir, ...rest] = process.argv.slice(2);
  if (mode === 'write' && dir && rest.length === 2) {
    writeFiles(dir, Number(rest[0]), Number(rest[1]));
  } else if (mode === 'render' && dir) {
    process.stdout.write(`${await renderAll(dir)}\n`);
  } else if (mode === 'render-split' && dir && rest.length === 1) {
    process.stdout.write(`${await renderSplit(dir, Number(rest[0]))}\n`);
  } else {
    process.stderr.write('usage: floor.js write OUT_DIR COUNT BYTES | floor.js render WIKI_DIR | floor.js render-split WIKI_DIR THREADS\n');
    process.exitCode = 2;
  }
}
