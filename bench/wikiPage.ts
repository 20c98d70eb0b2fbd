/**
 * One page of the wiki-shaped corpus: Markdown as a MoinMoin page becomes when converted —
 * link-heavy paragraphs (other pages by their public paths, PyPI, the docs), lists of links,
 * tables, fenced code, headings, quotes and some raw HTML — grown block by block to a given
 * size in bytes. Deterministic: the same page from the same seed on every machine.
 *
 * Nothing here may read as template syntax to Hugo or Eleventy (`{{`, `{%`): every tool must
 * render the same text as Markdown and nothing else.
 */
import { randomFrom } from './corpusFiles.js';

export interface WikiPageInput {
  /** The page's wiki name (`SummerOfCode/2015`), its title as MoinMoin showed it. */
  name: string;
  /** Where this page's generator starts (one per page and corpus seed). */
  seed: number;
  /** The size to grow the page to, in bytes (UTF-8, front matter included). */
  bytes: number;
  /** Every page's wiki name, for links; the first ones are the famous pages, linked more often. */
  names: readonly string[];
  /** Public paths (already URL-encoded) of this page's attachments, for images and links. */
  attachments: readonly string[];
  /** Put a table and a code block right after the first paragraph (the benchmark's probe page). */
  hasTableAndCode?: boolean;
}

/** The public path of a wiki page: `/SummerOfCode/2015.html`, the same for pagemap, Hugo and Eleventy. */
export function wikiPagePath(name: string): string {
  return `/${name}.html`;
}

const PROSE = (
  'python module package interpreter release download install library source tutorial guide ' +
  'function class object string list dictionary tuple iterator generator exception import ' +
  'documentation community mailing conference developer version binary windows linux mac ' +
  'unicode encoding socket thread process regular expression parser compiler bytecode memory ' +
  'extension embedding standard test framework web server client database query editor shell ' +
  'page wiki mentor student project sprint meeting talk slides proposal deadline patch review ' +
  'the a of to and in is it for with on as by that this be are from or at an which see also ' +
  'you can should will use more about here there some other new old first last please note'
).split(' ');
const TERMS = ['None', 'self', 'len()', 'dict', '__init__', 'setup.py', 'pip install', 'python -m venv', 'sys.path', 'yield', 'async def', 'import this', 'PYTHONPATH', '*.pyc'];
const PACKAGES = ['requests', 'numpy', 'django', 'flask', 'twisted', 'pygame', 'wxpython', 'pyqt5', 'sqlalchemy', 'lxml', 'scipy', 'matplotlib', 'pillow', 'cython', 'pytest', 'sphinx', 'setuptools', 'ipython'];
const IDENTIFIERS = ['data', 'result', 'items', 'name', 'value', 'path', 'count', 'config', 'handler', 'node', 'buffer', 'line', 'key', 'args', 'options', 'total'];
const CLASSES = ['Parser', 'Handler', 'Node', 'Client', 'Server', 'Config', 'Widget', 'Record', 'Task', 'Plugin'];
const NOTE_CLASSES = ['note', 'warning', 'tip', 'highlight', 'small', 'deprecated'];

/** The Markdown of one page, within a few bytes of `page.bytes`. */
export function wikiPageMarkdown(page: WikiPageInput): string {
  const random = randomFrom(page.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const words = (n: number) => Array.from({ length: n }, () => pick(PROSE)).join(' ');
  const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);
  const famous = Math.min(60, page.names.length);
  const pageLink = () => {
    const target = page.names[random() < 0.3 ? Math.floor(random() * famous) : Math.floor(random() * page.names.length)]!;
    return `[${random() < 0.7 ? target : target.slice(target.lastIndexOf('/') + 1)}](${wikiPagePath(target)})`;
  };
  const externalLink = () => {
    const pkg = pick(PACKAGES);
    return pick([`[${pkg}](https://pypi.org/project/${pkg}/)`, `[the ${pkg} docs](https://docs.python.org/3/library/${pick(IDENTIFIERS)}.html)`, `<https://github.com/${pkg}/${pkg}>`]);
  };
  const phrase = () => {
    const parts = [words(between(3, 8))];
    for (let k = between(1, 3); k > 0; k--) {
      const r = random();
      if (r < 0.48) parts.push(pageLink());
      else if (r < 0.58) parts.push(`**${words(2)}**`);
      else if (r < 0.68) parts.push(`*${words(between(1, 3))}*`);
      else if (r < 0.78) parts.push(`\`${pick(TERMS)}\``);
      else if (r < 0.86) parts.push(externalLink());
      else if (r < 0.9) parts.push(`<span class="${pick(NOTE_CLASSES)}">${words(2)}</span>`);
      parts.push(words(between(2, 7)));
    }
    return parts.join(' ');
  };
  const sentence = () => capital(phrase()) + '.';
  const paragraph = () => Array.from({ length: between(2, 6) }, sentence).join(' ');
  const isBig = page.bytes > 50_000;

  const codeLine = (): string =>
    pick<() => string>([
      () => `import ${pick(PACKAGES)}`,
      () => `from ${pick(PACKAGES)} import ${pick(IDENTIFIERS)}`,
      () => `def ${pick(IDENTIFIERS)}_${pick(IDENTIFIERS)}(${pick(IDENTIFIERS)}, ${pick(IDENTIFIERS)}=None):`,
      () => `    if ${pick(IDENTIFIERS)} < ${between(0, 99)} and ${pick(IDENTIFIERS)} > ${between(0, 9)}:`,
      () => `        return [x for x in ${pick(IDENTIFIERS)} if x & ${between(1, 255)}]`,
      () => `    print("${words(between(2, 5))}")`,
      () => `class ${pick(CLASSES)}(${pick(CLASSES)}):`,
      () => `    ${pick(IDENTIFIERS)} = {'${pick(IDENTIFIERS)}': ${between(0, 999)}, "${pick(IDENTIFIERS)}": ${pick(IDENTIFIERS)}}`,
      () => `# ${words(between(3, 8))}`,
      () => `>>> ${pick(IDENTIFIERS)}.${pick(IDENTIFIERS)}(${between(0, 99)})`,
    ])();
  const code = () => {
    const language = pick(['python', 'python', 'python', 'pycon', 'sh', 'text', 'ini']);
    const lines = Array.from({ length: between(3, isBig ? 40 : 20) }, () =>
      language === 'sh' ? `$ ${pick(['pip install', 'python -m', 'python3 -m pip install --user'])} ${pick(PACKAGES)}` : codeLine(),
    );
    return ['```' + language, ...lines, '```'].join('\n');
  };
  const table = () => {
    const columns = between(2, 5);
    const header = Array.from({ length: columns }, () => capital(pick(PROSE)));
    const cell = () => pick<() => string>([() => words(between(1, 4)), pageLink, () => `\`${pick(TERMS)}\``, () => `${between(1, 3)}.${between(0, 12)}`, externalLink])();
    const rows = Array.from({ length: between(3, isBig ? 60 : 12) }, () => `| ${Array.from({ length: columns }, cell).join(' | ')} |`);
    return [`| ${header.join(' | ')} |`, `|${' --- |'.repeat(columns)}`, ...rows].join('\n');
  };
  const linkList = () => Array.from({ length: between(3, isBig ? 40 : 15) }, () => `* ${pageLink()}${random() < 0.6 ? ` - ${phrase()}` : ''}`).join('\n');
  const numbered = () => Array.from({ length: between(3, 8) }, (_, i) => `${i + 1}. ${sentence()}`).join('\n');
  const nested = () => Array.from({ length: between(2, 4) }, () => [`- ${sentence()}`, ...Array.from({ length: between(1, 3) }, () => `  - ${phrase()}`)].join('\n')).join('\n');
  const rawHtml = () =>
    pick<() => string>([
      () => `<div class="${pick(NOTE_CLASSES)}">\n<strong>${capital(words(1))}:</strong> ${words(between(8, 20))}\n</div>`,
      () => `<!-- ${words(between(3, 8))} -->`,
      () => `<a id="${pick(IDENTIFIERS)}-${between(1, 99)}"></a>`,
      () => `<dl>\n<dt>${capital(words(2))}</dt>\n<dd>${words(between(6, 14))}</dd>\n</dl>`,
      () => `<details>\n<summary>${capital(words(3))}</summary>\n\n${paragraph()}\n\n</details>`,
    ])();
  const attachment = () => {
    const path = pick(page.attachments);
    const file = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    return /\.(png|jpe?g)$/.test(path) ? `![${file}](${path})` : `Attachment: [${file}](${path})`;
  };
  const heading = () => `${'#'.repeat(pick([2, 2, 2, 3, 3, 4]))} ${capital(words(between(1, 4)))}`;
  const blocks: [number, () => string][] = [
    [30, paragraph],
    [12, heading],
    [isBig ? 16 : 10, linkList],
    [5, numbered],
    [4, nested],
    [isBig ? 10 : 6, table],
    [9, code],
    [6, rawHtml],
    [4, () => Array.from({ length: between(1, 3) }, () => `> ${sentence()}`).join('\n')],
    [1, () => '----'],
    [page.attachments.length ? 3 : 0, attachment],
  ];
  const weight = blocks.reduce((sum, [w]) => sum + w, 0);
  const block = () => {
    let r = random() * weight;
    for (const [w, make] of blocks) if ((r -= w) < 0) return make();
    return paragraph();
  };

  const out = ['---', `title: ${JSON.stringify(page.name)}`, '---', '', paragraph()];
  if (page.hasTableAndCode) out.push('', table(), '', code());
  let used = out.reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
  // Blocks while they fit (the fourth that does not ends it), then plain words to the exact size.
  for (let misses = 0; misses < 4; ) {
    const next = block();
    const size = Buffer.byteLength(next) + 2;
    if (used + size > page.bytes) misses++;
    else (out.push('', next), (used += size));
  }
  let filler = '';
  while (used + filler.length + 2 < page.bytes) filler += (filler ? ' ' : '') + pick(PROSE);
  const fill = page.bytes - used - 3; // '', the words, '.'
  if (fill > 0) out.push('', capital(filler.slice(0, fill)) + '.');
  return out.join('\n') + '\n';
}
