/**
 * A site's page map and its folders: the database is created on first use and seeded from
 * the shipped map export, all or nothing (a seed that fails leaves no database behind), and
 * `pagemap init` lays out a new site.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type Config, DEFAULT_CONFIG_FILE, resolveConfig } from './config.js';
import { PagemapError } from './errors.js';
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

const NEW_SITE_CONFIG = {
  wikiDir: 'wiki',
  legacyDir: 'legacy',
  publicDir: 'public',
  database: '.pagemap/pagemap.db',
  apacheDir: '.pagemap/apache',
  runtime: '127.0.0.1:8080',
};

const FIRST_PAGE = `---
title: Welcome
---
# Welcome

This is the first page of the new site, written in Markdown in \`wiki/FrontPage.md\`.
The page map serves it at \`/\`; \`pagemap map list\` shows every row.

Old pages keep answering from \`legacy/\` until each one moves to the wiki.
`;

export interface InitResult {
  dir: string;
  legacyDir: string;
  /** What was made, relative to the working folder. */
  created: string[];
}

/**
 * Lay out a new site in `dir`: config, wiki with a first page, an empty legacy folder, and a
 * page map whose one row serves the first page at /. Refuses a folder that has a config
 * already; never overwrites a file.
 */
export async function initSite(dir: string, cwd = process.cwd()): Promise<InitResult> {
  const root = resolve(cwd, dir);
  const configFile = join(root, DEFAULT_CONFIG_FILE);
  if (existsSync(configFile)) throw new PagemapError('EEXIST', `${configFile} exists already: this folder has a site (edit that file, or run pagemap init in another folder)`);
  const shown = (file: string) => relative(cwd, file) || '.';
  const created: string[] = [];
  await mkdir(root, { recursive: true });
  await writeFile(configFile, JSON.stringify(NEW_SITE_CONFIG, null, 2) + '\n', { flag: 'wx' });
  created.push(shown(configFile));
  const config = resolveConfig({ configFile, env: {} });
  for (const folder of [config.wikiDir, config.legacyDir]) {
    if (!existsSync(folder)) created.push(shown(folder) + '/');
    await mkdir(folder, { recursive: true });
  }
  const firstPage = join(config.wikiDir, 'FrontPage.md');
  if (!existsSync(firstPage)) (await writeFile(firstPage, FIRST_PAGE, { flag: 'wx' }), created.push(shown(firstPage)));
  const store = new PageMapStore(config.database);
  try {
    store.addMissing([{ path: '/index.html', status: 200, source: 'wiki:FrontPage' }], 'manual');
  } finally {
    store.close();
  }
  created.push(`${shown(config.database)} (one row: / serves wiki:FrontPage)`);
  return { dir: shown(root), legacyDir: shown(config.legacyDir), created };
}
