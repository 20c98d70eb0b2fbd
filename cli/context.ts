/**
 * What every command shares: finding the config, opening the page map for the length of a
 * command, and saying things the same way (the logger, counts, rows, build progress).
 */
import type { BuildOptions } from '../build/build.js';
import { type Config, resolveConfig } from '../core/config.js';
import { consoleLogger } from '../core/logger.js';
import { type PageMapStore, databaseProblem } from '../core/pageMap.js';
import { pathForExport } from '../core/pagePath.js';
import type { ValidRow } from '../core/pageRow.js';
import { openPageMap } from '../core/site.js';

/** Messages on stderr, access lines on stdout: the command line's logger. */
export const logger = consoleLogger;

/** "1 page", "2 pages". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The config for `--config FILE` (or the one found), saying what is used when there is none. */
export function configFrom(configFile: string | undefined): Config {
  const config = resolveConfig({ configFile });
  if (config.notice) logger.info(`pagemap: ${config.notice}`);
  return config;
}

/** Open the page map for one command; SQLite's complaints become one line naming the file. */
export async function withStore<T>(config: Config, use: (store: PageMapStore) => Promise<T> | T): Promise<T> {
  const store = await openPageMap(config);
  try {
    return await use(store);
  } catch (error) {
    throw databaseProblem(store.file, error) ?? error;
  } finally {
    store.close();
  }
}

/** One row as `map list` prints it. */
export function formatRow(row: ValidRow): string {
  return `${row.status}  ${pathForExport(row.path)}${row.source ? '  ' + row.source : ''}\n`;
}

/** A progress line that rewrites itself, on a terminal only. */
export function progressLine(): BuildOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  let lastShown = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - lastShown < 100 && done < total) return;
    lastShown = now;
    process.stderr.write(`\rbuilding ${done}/${total}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}
