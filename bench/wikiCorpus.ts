/**
 * The wiki-shaped corpus (`--shape wiki`): a deterministic stand-in for the real Python wiki,
 * which is harder on a build than the synthetic corpus in every way that matters —
 *
 * - 3,865 pages, 28 MB of Markdown: a log-normal spread of sizes (mean ~7 kB) plus ten fixed
 *   pages over 100 kB, the largest 440 kB (the wiki's long lists of books and frameworks);
 * - MoinMoin's CamelCase names, most at the top, subpages up to six folders deep, and pages
 *   that are also folders (`SummerOfCode.md` beside `SummerOfCode/2015.md`);
 * - 6,800 redirect rows (301) from the old MoinMoin URLs, whose paths hold spaces,
 *   parentheses, `%` and letters beyond ASCII (é, ü, ß, 日本), each to a page;
 * - 360 attachments (PNG, JPEG, PDF, a few `.py`; 5 kB–2 MB) in the legacy tree with no row.
 *
 * Every page is published at `/Name.html` (`/SummerOfCode/2015.html`), which is where Hugo
 * (uglyURLs, case kept) and Eleventy (the computed permalink) put it too. No legacy file has a
 * row, so no tool copies any: pagemap's build never touches the attachments (discovery serves
 * them at run time), and Hugo and Eleventy copying them would be work the others do not do.
 * They are here for the runtime and discovery benchmarks.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalPath, quoteText } from '../core/pagePath.js';
import { type Corpus, gaussianFrom, randomFrom, writeAll } from './corpusFiles.js';
import { BenchError, median } from './measure.js';
import { type Attachment, attachmentBytes, planAttachments } from './wikiAttachments.js';
import { wikiPageMarkdown, wikiPagePath } from './wikiPage.js';

export const WIKI_PAGES = 3865;
export const WIKI_MARKDOWN_BYTES = 28_000_000;
export const WIKI_REDIRECTS = 6800;
export const WIKI_ATTACHMENTS = 360;
/** The deepest folder a page sits in: `A/B/C/D/E/F/Page.md`. */
export const WIKI_MAX_FOLDERS = 6;
const SMALLEST_PAGE = 300;
const LARGEST_ORDINARY_PAGE = 95_000;

/** The famous pages come first (links favour them); the probe; a chain six folders deep; the ten big ones with their sizes. */
const FIXED: readonly (readonly [string, number?])[] = [
  ['FrontPage'], ['BeginnersGuide'], ['BeginnersGuide/Download'], ['BeginnersGuide/NonProgrammers'], ['BeginnersGuide/Programmers'],
  ['SummerOfCode'], ['SummerOfCode/2015'], ['SummerOfCode/2015/Mentors'], ['SummerOfCode/2016'],
  ['PythonEvents'], ['PythonEvents/Conferences'], ['PythonEvents/Conferences/EuroPython'], ['PythonEvents/Conferences/EuroPython/2015'],
  ['PythonEvents/Conferences/EuroPython/2015/Sprints'], ['PythonEvents/Conferences/EuroPython/2015/Sprints/CoreDevelopment'],
  ['PythonEvents/Conferences/EuroPython/2015/Sprints/CoreDevelopment/Notes'],
  ['PythonBooks', 440_000], ['WebFrameworks', 310_000], ['UsefulModules', 255_000], ['PythonProjects', 212_000],
  ['IntegratedDevelopmentEnvironments', 180_000], ['PythonEditors', 156_000], ['GuiProgramming', 137_000],
  ['LocalUserGroups', 122_000], ['PythonTraining', 111_000], ['DatabaseInterfaces', 103_000],
];
const PROBE = 'SummerOfCode/2015';

const NAME_WORDS = (
  'Python Beginners Guide Download Web Frameworks Summer Code Useful Modules Gui Programming Database Interfaces Testing ' +
  'Tools Editors Advocacy Conferences Jobs Release Notes Windows Compilers Performance Tips Cookbook Asyncio Unicode Howto ' +
  'Sprint Local User Groups Distribution Packaging Porting Jython Iron Stackless Embedded Scientific Numeric Parallel ' +
  'Processing Threading Network Socket Email Xml Json Parsing Regular Expressions Style Idioms Patterns Decorators Generators ' +
  'Iterators Descriptors Metaclasses Context Managers Exceptions Logging Debugging Profiling Memory Extension Writing Cython ' +
  'Bindings Education Teaching Books Podcasts Videos Tutorials Training Community Mailing Lists Irc Meetups Events Planning ' +
  'Organizers Volunteers Sponsors Mentors Students Projects Ideas Proposals Status Reports Archive Migration Contributors ' +
  'Core Developers Governance Foundation Membership Board Minutes Marketing Success Stories Companies Hosting Deployment ' +
  'Servers Cgi Wsgi Templating Admin Forms Sessions Security Cryptography Games Graphics Audio Images Plotting Statistics ' +
  'Machine Learning Finance Astronomy Robotics Hardware Serial Mobile Mac Linux Shell Scripting Automation Build System ' +
  'Integration Version Control Mercurial Subversion Bug Tracker Triage Review Checklist Glossary Links Resources Help ' +
  'Sandbox Syntax Template Category Homepage'
).split(' ');
const LANGUAGE_SUFFIXES = ['De', 'Fr', 'Es', 'Ja', 'PtBr', 'Ru', 'Zh', 'It', 'Ko'];

// Old MoinMoin URLs for the redirect rows: where they lived, and the odd things their names held.
const OLD_PREFIXES = ['/moin/', '/wiki/', '/cgi-bin/moinmoin/'];
const QUALIFIERS = ['old', 'draft', 'obsolete', 'copy', '2006', 'Deutsch', 'français', 'archived'];
const PERCENT_NAMES = ['100% Pure Python', 'Python 3 (100%)', 'Discount 50%Cafe', 'Coverage 95%', 'Progress 80%Done', '%20 in URLs', 'Rabatt 20%DE'];
const FOREIGN = ['Deutsch/Übersicht', 'Deutsch/Anfänger', 'Deutsch/Einführung', 'Deutsch/Straße', 'Deutsch/Grüße', 'Français/Débutants', 'Français/Présentation', 'Español/Guía', '日本語/入門', '日本語/日本のユーザー会', 'Schweiz/Zürich', 'Café'];

export interface WikiCorpusOptions {
  seed?: number;
}

interface Plan {
  names: string[];
  sizes: number[];
  attachments: Attachment[];
}

/** Page names: the fixed ones, then new top-level pages and subpages of existing ones (hubs draw more), unique ignoring case. */
function planNames(random: () => number): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const camel = (n: number) => Array.from({ length: n }, () => pick(NAME_WORDS)).join('');
  const names = FIXED.map(([name]) => name);
  const taken = new Set(names.map((n) => n.toLowerCase()));
  const parentsOfChildren: string[] = names.filter((n) => n.includes('/')).map((n) => n.slice(0, n.lastIndexOf('/')));
  while (names.length < WIKI_PAGES) {
    let name: string;
    if (random() < 0.58) name = camel(2 + Math.floor(random() * 2));
    else {
      const parent = random() < 0.4 ? pick(parentsOfChildren) : pick(names);
      const r = random();
      const leaf = r < 0.55 ? camel(1 + Math.floor(random() * 3)) : r < 0.8 ? String(1995 + Math.floor(random() * 30)) : r < 0.9 ? camel(1) + Math.floor(random() * 40) : pick(LANGUAGE_SUFFIXES);
      name = `${parent}/${leaf}`;
    }
    if (name.split('/').length - 1 > WIKI_MAX_FOLDERS || taken.has(name.toLowerCase())) continue;
    taken.add(name.toLowerCase());
    names.push(name);
    if (name.includes('/')) parentsOfChildren.push(name.slice(0, name.lastIndexOf('/')));
  }
  return names;
}

/**
 * Page sizes: the fixed big ones; the rest log-normal (σ 1) below 100 kB — a draw above
 * LARGEST_ORDINARY_PAGE is drawn again, so no size piles up at the cap — scaled so that all
 * add up to WIKI_MARKDOWN_BYTES.
 */
function planSizes(random: () => number): number[] {
  const gaussian = gaussianFrom(random);
  const fixed = FIXED.map(([, bytes]) => bytes);
  const budget = WIKI_MARKDOWN_BYTES - fixed.reduce((sum: number, bytes) => sum + (bytes ?? 0), 0);
  const count = WIKI_PAGES - fixed.filter(Boolean).length;
  const unit = budget / count / Math.exp(0.5); // the median that gives the budget's mean
  const draws = Array.from({ length: count }, () => {
    let size: number;
    do size = unit * Math.exp(gaussian());
    while (size > LARGEST_ORDINARY_PAGE);
    return Math.max(SMALLEST_PAGE, size);
  });
  const scale = budget / draws.reduce((sum, s) => sum + s, 0);
  let next = 0;
  return Array.from({ length: WIKI_PAGES }, (_, i) => Math.round(fixed[i] ?? Math.min(LARGEST_ORDINARY_PAGE, draws[next++]! * scale)));
}

/** The old URLs, each to a page: plain, with spaces, parentheses, `%`, letters beyond ASCII, or all of these. */
function planRedirects(names: readonly string[], random: () => number): [path: string, target: string][] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const spaced = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2');
  const leaf = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  const taken = new Set<string>();
  const rows: [string, string][] = [];
  for (let i = 0; i < WIKI_REDIRECTS; i++) {
    const target = names[random() < 0.4 ? Math.floor(random() * Math.min(200, names.length)) : Math.floor(random() * names.length)]!;
    const kind = i % 20;
    const prefix = OLD_PREFIXES[i % OLD_PREFIXES.length]!;
    let rest: string;
    if (kind < 6) rest = target;
    else if (kind < 10) rest = spaced(target);
    else if (kind < 13) rest = `${pick([target, spaced(target)])} (${pick(QUALIFIERS)})`;
    else if (kind < 15) rest = `${target}/${pick(PERCENT_NAMES)}`;
    else if (kind < 19) rest = `${pick(FOREIGN)}/${spaced(leaf(target))}`;
    else rest = `${pick(FOREIGN)}/${spaced(target)} (${pick(QUALIFIERS)}) ${pick(PERCENT_NAMES)}`;
    let path = prefix + rest;
    for (let n = 2; taken.has(path); n++) path = `${prefix}${rest}-${n}`;
    taken.add(path);
    rows.push([path, wikiPagePath(target)]);
  }
  return rows;
}

/**
 * A redirect path as the map file writes it: every `%` as `%25`, since the import decodes
 * `%XX` escapes (core/mapTransfer.ts, core/pagePath.ts). Checked to read back as itself.
 */
function mapPathOf(path: string): string {
  const written = path.replaceAll('%', '%25');
  const read = canonicalPath(written);
  if (read !== path) throw new BenchError(`redirect path ${quoteText(path)} would import as ${quoteText(read)}`);
  return written;
}

function describe(plan: Plan, redirects: readonly [string, string][]): string {
  const { names, sizes, attachments } = plan;
  const folders = new Set(names.filter((n) => n.includes('/')).map((n) => n.slice(0, n.lastIndexOf('/'))));
  const alsoFolders = names.filter((n) => folders.has(n)).length;
  const deepest = Math.max(...names.map((n) => n.split('/').length - 1));
  const count = (test: RegExp) => redirects.filter(([path]) => test.test(path)).length.toLocaleString('en');
  const kinds = (['png', 'jpeg', 'pdf', 'py'] as const).map((kind) => `${attachments.filter((a) => a.kind === kind).length} ${kind}`).join(', ');
  const attachmentMb = attachments.reduce((sum, a) => sum + a.bytes, 0) / 1e6;
  return [
    `${names.filter((n) => !n.includes('/')).length.toLocaleString('en')} pages at the top, folders up to ${deepest} deep, ${alsoFolders} pages that are also folders`,
    `${sizes.filter((s) => s > 100_000).length} pages over 100 kB, median page ${(median(sizes) / 1000).toFixed(1)} kB`,
    `redirect paths with a space ${count(/ /)}, parentheses ${count(/[()]/)}, % ${count(/%/)}, beyond ASCII ${count(/[^\x00-\x7f]/)}`,
    `attachments ${kinds} (${attachmentMb.toFixed(1)} MB, no rows, not copied by any tool)`,
  ].join('; ');
}

/** Write the wiki-shaped corpus under `root` (wiki/, legacy/, pagemap.tsv). */
export async function writeWikiCorpus(root: string, options: WikiCorpusOptions = {}): Promise<Corpus> {
  const seed = options.seed ?? 1;
  const wikiDir = join(root, 'wiki');
  const legacyDir = join(root, 'legacy');
  const names = planNames(randomFrom(seed * 1_000_003 + 1));
  const plan: Plan = { names, sizes: planSizes(randomFrom(seed * 1_000_003 + 2)), attachments: planAttachments(WIKI_ATTACHMENTS, names, seed * 1_000_003 + 3) };
  const hrefsByPage = new Map<number, string[]>();
  for (const a of plan.attachments) hrefsByPage.set(a.page, [...(hrefsByPage.get(a.page) ?? []), a.href]);

  function* pages(): Generator<[string, string]> {
    for (let i = 0; i < WIKI_PAGES; i++) {
      const name = names[i]!;
      const input = { name, seed: seed * 7_919 + i * 104_729 + 17, bytes: plan.sizes[i]!, names, attachments: hrefsByPage.get(i) ?? [], hasTableAndCode: name === PROBE };
      yield [join(wikiDir, name + '.md'), wikiPageMarkdown(input)];
    }
  }
  const markdown = await writeAll(pages());
  function* attachmentFiles(): Generator<[string, Uint8Array]> {
    for (const [k, a] of plan.attachments.entries()) yield [join(legacyDir, a.rel), attachmentBytes(a, seed * 31 + k)];
  }
  const attachments = await writeAll(attachmentFiles());

  const redirects = planRedirects(names, randomFrom(seed * 1_000_003 + 4));
  const rows = ['path\tstatus\tsource', ...names.map((name) => `${wikiPagePath(name)}\t200\twiki:${name}`)];
  for (const [path, target] of redirects) rows.push(`${mapPathOf(path)}\t301\t${target}`);
  const mapFile = join(root, 'pagemap.tsv');
  await writeFile(mapFile, rows.join('\n') + '\n');

  return {
    shape: 'wiki',
    wikiDir,
    legacyDir,
    mapFile,
    pages: WIKI_PAGES,
    legacyFiles: 0,
    legacyHtmlFiles: 0,
    copiedDir: undefined,
    redirects: redirects.length,
    markdownBytes: markdown.bytes,
    largestPageBytes: markdown.largest,
    attachments: plan.attachments.length,
    attachmentBytes: attachments.bytes,
    description: describe(plan, redirects),
    probe: { name: PROBE, path: wikiPagePath(PROBE), title: PROBE },
    pageFile: (index) => join(wikiDir, names[index]! + '.md'),
  };
}
