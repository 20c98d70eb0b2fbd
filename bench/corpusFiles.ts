/**
 * What every generated benchmark corpus is, whatever its shape, and the two helpers the
 * generators share: a seeded PRNG (the same corpus on every machine, every run), normal draws
 * from it, and a writer that makes folders as it goes.
 */
import { mkdir, writeFile } from 'node:fs/promises';

/** `synthetic`: N uniform pages in section-K/page-M.md (bench/corpus.ts). `wiki`: shaped like the Python wiki (bench/wikiCorpus.ts). */
export const CORPUS_SHAPES = ['synthetic', 'wiki'] as const;
export type CorpusShape = (typeof CORPUS_SHAPES)[number];

export interface Corpus {
  shape: CorpusShape;
  wikiDir: string;
  legacyDir: string;
  /** The page map (TSV): one wiki: row per page, file: rows, 301 (and for the synthetic shape 410) rows. */
  mapFile: string;
  pages: number;
  /** Legacy files that have a file: row, and how many of them are .html: every tool copies these as they are. */
  legacyFiles: number;
  legacyHtmlFiles: number;
  /** The folder Hugo and Eleventy copy whole (the legacy files with rows), or undefined when there is nothing to copy. */
  copiedDir: string | undefined;
  redirects: number;
  /** Total bytes of Markdown written, and the largest page's. */
  markdownBytes: number;
  largestPageBytes: number;
  /** Legacy files with no row (reached only through discovery), and their total bytes. */
  attachments: number;
  attachmentBytes: number;
  /** Shape-specific facts for the report, one sentence. */
  description: string;
  /** A page that has a table and a code block, to check every tool's output for it. */
  probe: { name: string; path: string; title: string };
  /** The Markdown file of page `index` (0 ≤ index < pages): what the one-page edit appends to. */
  pageFile(index: number): string;
}

/** mulberry32: small, fast and the same on every machine. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw from `random` (Box–Muller), for log-normal sizes. */
export function gaussianFrom(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Write every (absolute file, contents) pair, making folders as needed: how many bytes, and the largest file's. */
export async function writeAll(files: Iterable<[string, string | Uint8Array]>): Promise<{ bytes: number; largest: number }> {
  const made = new Set<string>();
  let bytes = 0;
  let largest = 0;
  for (const [file, contents] of files) {
    const dir = file.slice(0, file.lastIndexOf('/'));
    if (!made.has(dir)) (await mkdir(dir, { recursive: true }), made.add(dir));
    await writeFile(file, contents);
    const size = typeof contents === 'string' ? Buffer.byteLength(contents) : contents.byteLength;
    bytes += size;
    largest = Math.max(largest, size);
  }
  return { bytes, largest };
}
