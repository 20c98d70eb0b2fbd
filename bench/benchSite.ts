/**
 * A pagemap site over a generated corpus, set up as every benchmark sets one up: the CLI it
 * runs, the configuration it writes, the map it imports.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/config.js';
import type { Corpus } from './corpusFiles.js';
import { timeProcess } from './measure.js';

/** The compiled `pagemap` command. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/**
 * Write `dir`/pagemap.config.json for `corpus` (outputs in `dir`: public/, state/; concurrency
 * left to its default, as a user would leave it), plus `extra` settings. Returns the file.
 */
export async function writeSiteConfig(dir: string, corpus: Pick<Corpus, 'wikiDir' | 'legacyDir'>, extra: Record<string, unknown> = {}): Promise<string> {
  const configFile = join(dir, 'pagemap.config.json');
  const settings = { wikiDir: corpus.wikiDir, legacyDir: corpus.legacyDir, publicDir: 'public', database: 'state/pagemap.db', apacheDir: 'state/apache', templatesDir: join(PACKAGE_ROOT, 'templates'), ...extra };
  await writeFile(configFile, JSON.stringify(settings, null, 2));
  return configFile;
}

/** writeSiteConfig, then `pagemap map import` of the corpus's map (timed). */
export async function importedSite(dir: string, corpus: Corpus): Promise<{ configFile: string; importMs: number }> {
  const configFile = await writeSiteConfig(dir, corpus);
  const imported = timeProcess(process.execPath, [CLI, 'map', 'import', corpus.mapFile, '--config', configFile], { cwd: dir });
  return { configFile, importMs: imported.ms };
}
