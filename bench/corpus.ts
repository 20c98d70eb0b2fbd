/**
 * The synthetic corpus (`--shape synthetic`, the default): a deterministic site of N wiki
 * pages of ordinary Markdown (front matter, headings, paragraphs with links and emphasis,
 * lists, a fenced code block, a table in some pages) in nested folders, ~5% legacy files,
 * and the page map that ties them together. The same Markdown files are fed to every tool,
 * so the comparison is on identical input. Its bytes are fixed: published figures depend on
 * them (BENCHMARKS.md), so a change here must leave every file as it was.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Corpus, randomFrom, writeAll } from './corpusFiles.js';

/** Pages per section folder: section-12/page-1234.md. */
export const PAGES_PER_SECTION = 100;

export interface CorpusOptions {
  pages: number;
  seed?: number;
}

const WORDS = (
  'python module package interpreter release download install library source tutorial guide ' +
  'function class object string list dictionary tuple iterator generator exception import ' +
  'documentation community mailing conference developer version binary windows linux macintosh ' +
  'unicode encoding socket thread process regular expression parser compiler bytecode memory ' +
  'garbage collector extension embedding standard test unit framework web server client cgi ' +
  'database query cursor transaction editor shell path environment variable option argument ' +
  'the a of to and in is it for with on as by that this be are from or at an which'
).split(' ');

const LANGUAGES = ['python', 'sh', 'text', 'ini'] as const;

export function pageName(index: number): string {
  return `section-${Math.floor(index / PAGES_PER_SECTION)}/page-${index}`;
}

export function pagePath(index: number): string {
  return `/${pageName(index)}.html`;
}

function titleOf(index: number): string {
  const random = randomFrom(index * 7 + 1);
  const words = Array.from({ length: 2 + Math.floor(random() * 4) }, () => WORDS[Math.floor(random() * 40)]!);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') + ` ${index}`;
}

function hasTable(index: number): boolean {
  return index % 3 === 0;
}

/** The Markdown of page `index` of a `total`-page corpus. */
export function pageMarkdown(index: number, total: number, seed = 1): string {
  const random = randomFrom((seed * 1_000_003) ^ index);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const link = () => {
    const target = Math.floor(random() * total);
    return `[${titleOf(target)}](${pagePath(target)})`;
  };
  const sentence = () => {
    const parts = [words(between(4, 10))];
    const r = random();
    if (r < 0.25) parts.push(`*${words(2)}*`);
    else if (r < 0.4) parts.push(`**${words(2)}**`);
    else if (r < 0.55) parts.push(`\`${pick(WORDS)}()\``);
    else if (r < 0.75) parts.push(link());
    else if (r < 0.8) parts.push(`[the old site](https://www.python.org/${pick(WORDS)}/)`);
    parts.push(words(between(3, 9)));
    const text = parts.join(' ');
    return text[0]!.toUpperCase() + text.slice(1) + '.';
  };
  const paragraph = () => Array.from({ length: between(2, 5) }, sentence).join(' ');

  const out = ['---', `title: ${JSON.stringify(titleOf(index))}`, '---', '', paragraph(), ''];
  const sections = between(2, 5);
  for (let s = 0; s < sections; s++) {
    out.push(`## ${words(between(2, 4))} ${s + 1}`, '', paragraph(), '');
    if (random() < 0.5) out.push(paragraph(), '');
    if (s === 0) {
      const ordered = random() < 0.3;
      for (let i = 0; i < between(3, 6); i++) out.push(`${ordered ? `${i + 1}.` : '-'} ${sentence()}`);
      out.push('');
    }
    if (s === 1) {
      out.push('```' + pick(LANGUAGES));
      for (let i = 0; i < between(5, 15); i++) out.push(`${'    '.repeat(between(0, 2))}${pick(WORDS)}_${i} = ${pick(WORDS)}(${pick(WORDS)}, ${i})`);
      out.push('```', '');
    }
    if (s === 1 && hasTable(index)) {
      out.push('| Version | Platform | Notes |', '| --- | --- | --- |');
      for (let i = 0; i < between(3, 8); i++) out.push(`| 2.${i} | ${pick(WORDS)} | ${words(between(2, 6))} |`);
      out.push('');
    }
    if (random() < 0.3) out.push(`### ${words(3)}`, '', `> ${sentence()}`, '');
  }
  return out.join('\n');
}

function legacyFile(index: number): { rel: string; text: string; isHtml: boolean } {
  const section = index % 20;
  if (index % 5 === 4) return { rel: `old/section-${section}/notes-${index}.txt`, text: `Notes ${index}\n\n${'Plain text from the old site. '.repeat(40)}\n`, isHtml: false };
  const body = Array.from({ length: 12 }, (_, i) => `<p>Legacy paragraph ${i} of document ${index}: <a href="/old/section-${section}/">back</a>, <b>bold</b> text.</p>`).join('\n');
  return {
    rel: `old/section-${section}/doc-${index}.html`,
    text: `<!DOCTYPE html>\n<html><head><title>Old document ${index}</title></head>\n<body>\n<h1>Old document ${index}</h1>\n${body}\n</body></html>\n`,
    isHtml: true,
  };
}

/** Write the corpus under `root` (wiki/, legacy/, pagemap.tsv). */
export async function writeCorpus(root: string, options: CorpusOptions): Promise<Corpus> {
  const { pages } = options;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(pages) || pages < 1) throw new Error(`--pages must be a whole number of at least 1, got ${pages}`);
  const wikiDir = join(root, 'wiki');
  const legacyDir = join(root, 'legacy');
  const rows = ['path\tstatus\tsource'];

  function* markdownFiles(): Generator<[string, string]> {
    for (let i = 0; i < pages; i++) {
      rows.push(`${pagePath(i)}\t200\twiki:${pageName(i)}`);
      yield [join(wikiDir, pageName(i) + '.md'), pageMarkdown(i, pages, seed)];
    }
  }
  const markdown = await writeAll(markdownFiles());

  const legacyCount = Math.max(1, Math.round(pages * 0.05));
  let legacyHtmlFiles = 0;
  const legacy: [string, string][] = [];
  for (let i = 0; i < legacyCount; i++) {
    const file = legacyFile(i);
    if (file.isHtml) legacyHtmlFiles++;
    rows.push(`/${file.rel}\t200\tfile:${file.rel}`);
    legacy.push([join(legacyDir, file.rel), file.text]);
  }
  await writeAll(legacy);

  const redirects = Math.max(1, Math.round(pages * 0.03));
  for (let i = 0; i < redirects; i++) {
    const target = (i * 37) % pages;
    rows.push(`/wiki/OldPage${i}\t301\t${pagePath(target)}`);
  }
  for (let i = 0; i < 5; i++) rows.push(`/gone/thing-${i}.html\t410\t`);

  const mapFile = join(root, 'pagemap.tsv');
  await writeFile(mapFile, rows.join('\n') + '\n');
  const probeIndex = Math.min(pages - 1, 3 * Math.floor(pages / 6));
  const probeWithTable = hasTable(probeIndex) ? probeIndex : 0;
  return {
    shape: 'synthetic',
    wikiDir,
    legacyDir,
    mapFile,
    pages,
    legacyFiles: legacyCount,
    legacyHtmlFiles,
    copiedDir: legacyDir,
    redirects,
    markdownBytes: markdown.bytes,
    largestPageBytes: markdown.largest,
    attachments: 0,
    attachmentBytes: 0,
    description: `${Math.ceil(pages / PAGES_PER_SECTION)} section folders one deep (${PAGES_PER_SECTION} pages each); every legacy file has a row; 5 rows 410`,
    probe: { name: pageName(probeWithTable), path: pagePath(probeWithTable), title: titleOf(probeWithTable) },
    pageFile: (index) => join(wikiDir, pageName(index) + '.md'),
  };
}
