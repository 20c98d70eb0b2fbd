/**
 * Opening a site's page map: the database is created on first use and seeded from the
 * shipped map export, all or nothing — a seed that fails leaves no database behind.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Config } from './config.js';
import { readMapFile } from './mapTransfer.js';
import { PageMapStore, type StoreOptions } from './pageMap.js';

/** Open (creating and seeding when new) the page map named by the config. */
export async function openPageMap(config: Config, options: StoreOptions = {}): Promise<PageMapStore> {
  const isFirstUse = !existsSync(config.database);
  const store = new PageMapStore(config.database, options);
  if (!isFirstUse || !config.seedMap || options.readonly) return store;
  try {
    store.applyRows(await readMapFile(config.seedMap), 'import');
    return store;
  } catch (error) {
    store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(config.database + suffix, { force: true });
    throw error;
  }
}
