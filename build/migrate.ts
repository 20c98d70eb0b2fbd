/**
 * Moving a legacy page to the wiki (`pagemap migrate`): its main content as Markdown in a new
 * wiki page with its title in front matter, its row switched to `wiki:`, that page rebuilt.
 * The legacy file is never touched, and the row keeps its path: every link to the page, and
 * every relative link on it, stays valid. A running `serve`/`watch` sees the new wiki page and
 * the changed row by itself.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';
import { SiteBuilder } from './build.js';
import { legacyPageToMarkdown } from './legacyToMarkdown.js';
import type { Config } from '../core/config.js';
import { PagemapError } from '../core/errors.js';
import type { PageMapStore } from '../core/pageMap.js';
import { pathForExport, quoteText } from '../core/pagePath.js';
import { type PageRow, parseSource, validateRow } from '../core/pageRow.js';
import { SourceLocator } from '../core/sourceFiles.js';

/** A page that cannot be migrated, and why. */
export class MigrateError extends PagemapError {
  constructor(message: string) {
    super('EMIGRATE', message);
  }
}

export interface MigratedPage {
  path: string;
  /** The legacy file it came from, relative to the legacy root. */
  legacyFile: string;
  wikiName: string;
  wikiFile: string;
  title: string;
  encoding: string;
  /** The wiki page as written: front matter, then Markdown. */
  text: string;
}

const HTML_EXTENSIONS = new Set(['.html', '.htm', '.shtml', '.xhtml', '']);

/** The wiki name a page path suggests: `/doc/tutorial.html` → `doc/tutorial`, `/about/` → `about`, `/` → `FrontPage`. */
export function wikiNameFor(path: string): string {
  const withoutIndex = path.endsWith('/index.html') ? path.slice(0, -'/index.html'.length) : path;
  const name = withoutIndex.slice(1).replace(/\.(s?html?|xhtml)$/i, '');
  return name === '' ? 'FrontPage' : name;
}

/** YAML front matter holding the title (a JSON string is a YAML double-quoted scalar) and where the page came from. */
function frontMatter(title: string, legacyFile: string): string {
  return `---\ntitle: ${JSON.stringify(title)}\nmigrated_from: ${JSON.stringify(`file:${legacyFile}`)}\n---\n\n`;
}

/**
 * What migrating the row at `path` would write, without writing it: the row must be a 200
 * page whose source is an HTML legacy file, and the wiki page must not exist yet.
 */
export function planMigration(config: Config, store: PageMapStore, path: string, wikiName?: string): MigratedPage {
  const row: PageRow | undefined = store.get(path);
  if (!row) throw new MigrateError(`${path}: no row; migrate moves a page the map serves from a legacy file`);
  const shown = pathForExport(row.path);
  if (row.status !== 200) throw new MigrateError(`${shown}: a ${row.status} row, not a page`);
  const source = parseSource(200, row.source);
  if (source.kind !== 'file') throw new MigrateError(`${shown}: already a wiki page (${row.source})`);
  if (!HTML_EXTENSIONS.has(extname(source.rel).toLowerCase())) throw new MigrateError(`${shown}: ${quoteText(source.rel)} is not an HTML page; it stays a legacy file`);
  const found = new SourceLocator().find(config.legacyDir, source.rel, 'legacy file');
  if (!found) throw new MigrateError(`${shown}: legacy file ${join(config.legacyDir, source.rel)} does not exist`);
  const name = (wikiName ?? wikiNameFor(row.path)).replace(/^wiki:/, '');
  // The row it becomes, checked now: a bad name is refused before anything is written.
  validateRow({ path: row.path, status: 200, source: `wiki:${name}` });
  const wikiFile = join(config.wikiDir, `${name}.md`);
  if (new SourceLocator().findIfSafe(config.wikiDir, `${name}.md`)) {
    throw new MigrateError(`${shown}: wiki page ${wikiFile} already exists; name another with --to wiki:Name`);
  }
  const converted = legacyPageToMarkdown(readFileSync(found.absolute), row.path);
  return {
    path: row.path,
    legacyFile: source.rel,
    wikiName: name,
    wikiFile,
    title: converted.title,
    encoding: converted.encoding,
    text: frontMatter(converted.title, source.rel) + converted.markdown,
  };
}

/**
 * Migrate the row at `path`: write the wiki page, switch the row to it, rebuild the page. A
 * row that cannot be switched leaves no wiki page behind.
 */
export async function migratePage(config: Config, store: PageMapStore, path: string, wikiName?: string): Promise<MigratedPage> {
  const plan = planMigration(config, store, path, wikiName);
  await writeFileAtomic(plan.wikiFile, plan.text);
  try {
    store.set({ path: plan.path, status: 200, source: `wiki:${plan.wikiName}` });
  } catch (error) {
    await rm(plan.wikiFile, { force: true });
    throw error;
  }
  const builder = await SiteBuilder.open(config, store);
  const report = await builder.build({ paths: [plan.path] });
  if (report.failures.length) throw new MigrateError(`${pathForExport(plan.path)}: migrated to ${plan.wikiFile}, but it did not build: ${report.failures.map((failure) => failure.message).join('; ')}`);
  return plan;
}

/** The rows a subtree migration takes: 200 pages from HTML legacy files at or below `folder`, by path. */
export function pagesUnder(store: PageMapStore, folder: string): string[] {
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  return store
    .list({ status: 200 })
    .filter((row) => row.path.startsWith(prefix) && row.source.startsWith('file:') && HTML_EXTENSIONS.has(extname(row.source).toLowerCase()))
    .map((row) => row.path);
}
