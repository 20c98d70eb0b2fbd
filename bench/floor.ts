/**
 * Floors for the build benchmark, each run as its own process so it is timed like the tools:
 * what this machine needs just to write the output files, and what pagemap's Markdown step
 * costs by itself. A build can only beat these by doing less work, so they show how much of
 * a build's time is disk and how much is rendering.
 *
 *   node dist/bench/floor.js write OUT_DIR COUNT BYTES   write COUNT files, 100 per folder, sync
 *   node dist/bench/floor.js render WIKI_DIR             read and render every .md, write nothing
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMarkdown, renderWiki } from '../build/markdown.js';

function writeFiles(outDir: string, count: number, bytes: number): void {
  const body = Buffer.alloc(bytes, 'x');
  for (let i = 0; i < count; i++) {
    const dir = join(outDir, `section-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `page-${i}.html`), body);
  }
}

async function renderAll(wikiDir: string): Promise<number> {
  const md = await createMarkdown();
  let pages = 0;
  for (const rel of readdirSync(wikiDir, { recursive: true, encoding: 'utf8' })) {
    if (!rel.endsWith('.md')) continue;
    const document = renderWiki(md, readFileSync(join(wikiDir, rel), 'utf8'), rel, rel);
    if (!document.html) throw new Error(`${rel} rendered to nothing`);
    pages++;
  }
  return pages;
}

const [mode, dir, ...rest] = process.argv.slice(2);
if (mode === 'write' && dir && rest.length === 2) {
  writeFiles(dir, Number(rest[0]), Number(rest[1]));
} else if (mode === 'render' && dir) {
  process.stdout.write(`${await renderAll(dir)}\n`);
} else {
  process.stderr.write('usage: floor.js write OUT_DIR COUNT BYTES | floor.js render WIKI_DIR\n');
  process.exitCode = 2;
}
