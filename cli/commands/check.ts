/** `pagemap check`: every internal link and image of every page, followed through the map. */
import { relative } from 'node:path';
import { checkLinks } from '../../runtime/linkCheck.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, logger, plural, withStore } from '../context.js';

export const check = defineCommand({
  name: 'check',
  positionals: [0, 0],
  summary: 'find the internal links and images that lead nowhere',
  description: `Follow every internal link and image of every page — wiki pages (their Markdown and the HTML
in it) and legacy HTML files — through the map, as a visitor's request would go (exact,
prefix and pattern rows, redirect chains, discovery of legacy files), and report each that
ends in 404, 410 or nowhere: the source file and line, the link, what it gets, the page.
Exits 1 when any link is broken.`,
  options: {
    json: { type: 'boolean', description: 'print the broken links as JSON' },
  },
  async run({ values }) {
    const config = configFrom(values.config);
    const report = await withStore(config, (store) => checkLinks(config, store));
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else for (const link of report.broken) process.stdout.write(`${relative(process.cwd(), link.file)}:${link.line}: ${link.href} → ${link.answer} (on ${link.page})\n`);
    logger.info(`${plural(report.links, 'internal link')} on ${plural(report.pages, 'page')} checked: ${report.broken.length === 0 ? 'none broken' : `${report.broken.length} broken`}`);
    return report.broken.length > 0 ? 1 : 0;
  },
});
