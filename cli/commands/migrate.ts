/** `pagemap migrate PATH | --all-under FOLDER`: legacy pages moved to the wiki, one or a subtree. */
import type { MigratedPage } from '../../build/migrate.js';
import { pathForExport } from '../../core/pagePath.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, logger, plural, withStore } from '../context.js';

export const migrate = defineCommand({
  name: 'migrate',
  args: '[PATH]',
  positionals: [0, 1],
  summary: 'move a legacy HTML page (or a subtree of them) to the wiki',
  description: `Convert the legacy HTML page at PATH to Markdown (its main content: the old site's
navigation, banner and footer left out; headings, links, images, lists, tables, <pre> and
definition lists kept; relative links made site paths), write it as a wiki page with its
title in front matter (wiki:doc/tutorial for /doc/tutorial.html, or --to wiki:Name), switch
the row to it and rebuild that page. The legacy file is never touched; the page keeps its
path. --dry-run prints the Markdown and writes nothing. --all-under FOLDER moves every
legacy HTML page at or below FOLDER and reports each.`,
  options: {
    to: { type: 'string', description: 'the wiki page to write (wiki:Name); default from the path' },
    'all-under': { type: 'string', description: 'move every legacy HTML page at or below this folder' },
    'dry-run': { type: 'boolean', description: 'print the Markdown; write nothing' },
  },
  async run({ values, positionals }) {
    const path = positionals[0];
    const folder = values['all-under'];
    if ((path === undefined) === (folder === undefined)) throw new UsageError('migrate: give a PATH or --all-under FOLDER (one of them)');
    if (folder !== undefined && values.to !== undefined) throw new UsageError('migrate: --to names one page; with --all-under each page is named from its path');
    // Loaded here: the HTML converter (turndown, domino) would cost every other command ~50 ms of start-up.
    const { migratePage, pagesUnder, planMigration } = await import('../../build/migrate.js');
    const isDryRun = values['dry-run'] === true;
    const config = configFrom(values.config);
    return withStore(config, async (store) => {
      const move = async (pagePath: string): Promise<MigratedPage> => (isDryRun ? planMigration(config, store, pagePath, values.to) : migratePage(config, store, pagePath, values.to));
      if (path !== undefined) {
        const page = await move(path);
        if (isDryRun) process.stdout.write(page.text);
        logger.info(`${isDryRun ? 'would migrate' : 'migrated'} ${pathForExport(page.path)}: file:${page.legacyFile} → wiki:${page.wikiName} (${page.wikiFile}, read as ${page.encoding})`);
        return 0;
      }
      const paths = pagesUnder(store, folder!);
      let failed = 0;
      for (const pagePath of paths) {
        try {
          const page = await move(pagePath);
          logger.info(`${isDryRun ? 'would migrate' : 'migrated'} ${pathForExport(page.path)} → wiki:${page.wikiName}`);
        } catch (error) {
          failed++;
          logger.info(`not migrated: ${(error as Error).message}`);
        }
      }
      logger.info(`${folder}: ${plural(paths.length - failed, 'page')} ${isDryRun ? 'would be migrated' : 'migrated'}${failed ? `, ${failed} not` : ''}${paths.length === 0 ? ' (no legacy HTML page there)' : ''}`);
      return failed > 0 ? 1 : 0;
    });
  },
});
