/**
 * Watch mode: keeps public/ and the Apache rules true while people edit. chokidar watches the
 * wiki, the templates and the legacy root; the map's own changes, made by the CLI in another
 * process, show up in SQLite's data_version. Events are coalesced into batches, processed
 * one batch at a time, each re-rendering exactly what it affects.
 *
 * The watcher never follows a symbolic link out of its root (a legacy tree's `usr -> /usr`
 * would have it watch the whole disk), nor into a folder at all: a folder inside the root is
 * watched where it really is, and a link up the tree would be a loop. Links to files inside
 * the root are followed, so a page whose source is such a link is redone when its target
 * changes.
 *
 * Folders are handed to chokidar a group at a time (see FolderGroups), each group's scan done
 * before the next starts: chokidar given a whole tree reads every folder of it at once.
 */
import { watch, type FSWatcher } from 'chokidar';
import { type Dirent, type Stats, lstatSync, realpathSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { BuildReport, SiteBuilder } from '../build/build.js';
import { type Logger, silentLogger } from '../core/logger.js';

export interface WatchOptions {
  /** Quiet time after the last event before a batch runs. */
  settleMs?: number;
  /** A batch runs at the latest this long after its first event, however busy the disk. */
  maxDelayMs?: number;
  /** How often the map's data_version is checked. */
  pollMs?: number;
  /** Called after each batch, with what it did (tests wait on this). */
  onBatch?: (report: BuildReport, batch: Batch) => void;
  /** Called when a file event is heard, before it waits in a batch (the watch benchmark times chokidar with it). */
  onEvent?: (file: string) => void;
}

/** What one batch of events touched. */
export interface Batch {
  template: boolean;
  map: boolean;
  /** A folder went away: the pages of every file it held are looked at (a whole build). */
  folderGone: boolean;
  /** Page sources whose files changed: `wiki:Name`, `file:rel/path`. */
  sources: Set<string>;
}

/** The source a legacy robots.txt would have (see SiteBuilder's site files). */
const LEGACY_ROBOTS = 'file:robots.txt';

function emptyBatch(): Batch {
  return { template: false, map: false, folderGone: false, sources: new Set() };
}

function isInside(root: string, file: string): boolean {
  return file === root || file.startsWith(root + sep);
}

/** The page source a changed file feeds, or undefined for a file that feeds none. Pure. */
export function sourceForFile(roots: { wikiDir: string; legacyDir: string }, file: string): string | undefined {
  if (isInside(roots.wikiDir, file)) {
    const rel = relative(roots.wikiDir, file).split(sep).join('/');
    return rel.endsWith('.md') ? 'wiki:' + rel.slice(0, -3) : undefined;
  }
  if (isInside(roots.legacyDir, file)) return 'file:' + relative(roots.legacyDir, file).split(sep).join('/');
  return undefined;
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Whether a path is a symbolic link, and why it must not be followed when it must not: it
 * leads to a folder (`quiet`: inside the root that is normal), to somewhere outside
 * `realRoot`, or to nothing (dangling, or a loop).
 */
export function inspectLink(file: string, realRoot: string | undefined): { isLink: boolean; problem?: { reason: string; isQuiet: boolean } } {
  try {
    if (!lstatSync(file).isSymbolicLink()) return { isLink: false };
  } catch {
    return { isLink: false }; // gone already: chokidar will say so
  }
  const target = realpathOrUndefined(file);
  if (target === undefined || realRoot === undefined) return { isLink: true, problem: { reason: 'a symbolic link that leads nowhere, or round in a loop', isQuiet: false } };
  if (!isInside(realRoot, target)) return { isLink: true, problem: { reason: `a symbolic link out of its root, to ${target}`, isQuiet: false } };
  // Its target may have gone since realpath: then it is no folder.
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) return { isLink: true, problem: { reason: 'a symbolic link to a folder', isQuiet: true } };
  return { isLink: true };
}

/**
 * Entries (files and folders) whose folders one chokidar watcher takes at a time. chokidar
 * reads all the folders it is given at once and stats every entry: given the wiki of 100,000
 * pages whole, that was 100,000 requests in flight and ~190 MB that the process kept (glibc
 * keeps the freed memory): `serve --no-build` sat at 249 MB; in groups of this size, 140 MB.
 */
export const SCAN_GROUP_ENTRIES = 2_000;

/** A folder of a tree, as a walk finds it: names and kinds only, nothing stat'ed. */
interface WalkedFolder {
  path: string;
  entries: number;
  /** Its plain files and links, when asked for. */
  files: string[];
}

/** Every folder of the tree at `top`, one readdir at a time; hidden ones and links to folders are not entered (as the watcher's `ignored`). */
async function walkFolders(top: string, withFiles: boolean): Promise<WalkedFolder[]> {
  const found: WalkedFolder[] = [];
  const queue = [top];
  for (let folder = queue.pop(); folder !== undefined; folder = queue.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue; // gone or unreadable meanwhile: chokidar says so, or its folder's events do
    }
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) queue.push(path);
      else if (withFiles) files.push(path);
    }
    found.push({ path: folder, entries: entries.length, files });
  }
  return found;
}

/** A folder's inode and birth time (a folder made at once often gets the inode just freed; where the file system keeps no birth time, the inode alone tells); undefined when it is not a folder. */
function folderIdentity(path: string): string | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isDirectory() ? `${stats.ino}:${stats.birthtimeMs}` : undefined;
  } catch {
    return undefined; // gone, or not a path at all (chokidar names a watched link's events as if it were a folder)
  }
}

/**
 * The chokidar watchers, each watching its folders at depth 0 (a folder's own entries; its
 * subfolders belong to other groups). A folder and its parent are never in one watcher — the
 * groups alternate by the parity of the folder's depth on disk — because unwatching a folder
 * leaves it ignored by its watcher for good, and the watcher of the parent must still see
 * the folder come back.
 */
class FolderGroups {
  /** Each folder watched: its watcher, and who the folder was when handed over (a folder replaced in one go keeps its path, often its inode too). */
  private readonly owners = new Map<string, { watcher: FSWatcher; identity: string | undefined }>();
  private readonly create: (folders: string[]) => FSWatcher;

  constructor(create: (folders: string[]) => FSWatcher) {
    this.create = create;
  }

  /** Watch every folder of these trees not watched yet; resolves once chokidar has scanned them all. */
  async add(folders: readonly WalkedFolder[]): Promise<void> {
    const open: [WalkedFolder[], WalkedFolder[]] = [[], []];
    const entries = [0, 0];
    const taken = new Set<string>();
    for (const folder of folders) {
      if (this.owners.has(folder.path) || taken.has(folder.path)) continue;
      taken.add(folder.path);
      const parity = folder.path.split(sep).length % 2;
      open[parity]!.push(folder);
      entries[parity]! += folder.entries + 1;
      if (entries[parity]! >= SCAN_GROUP_ENTRIES) ((await this.watchGroup(open[parity]!)), (open[parity] = []), (entries[parity] = 0));
    }
    for (const group of open) if (group.length) await this.watchGroup(group);
  }

  private async watchGroup(group: readonly WalkedFolder[]): Promise<void> {
    const folders = group.map((folder) => folder.path);
    const watcher = this.create(folders);
    for (const folder of folders) this.owners.set(folder, { watcher, identity: folderIdentity(folder) });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  /** `folder` and everything below it are gone: stop watching them, and close a watcher left with nothing. */
  remove(folder: string): void {
    const byWatcher = new Map<FSWatcher, string[]>();
    for (const [path, { watcher }] of this.owners) {
      if (!isInside(folder, path)) continue;
      this.owners.delete(path);
      byWatcher.set(watcher, [...(byWatcher.get(watcher) ?? []), path]);
    }
    const stillOwned = this.watchers();
    for (const [watcher, paths] of byWatcher) void (stillOwned.has(watcher) ? watcher.unwatch(paths) : watcher.close());
  }

  /** Every folder watched. */
  folders(): string[] {
    return [...this.owners.keys()];
  }

  /** What the watcher of `folder` watches in it by name. */
  watchedIn(folder: string): string[] {
    return this.owners.get(folder)?.watcher.getWatched()[folder] ?? [];
  }

  /**
   * Whether the folder watched at `path` is still the one there, given what is there now
   * (folderIdentity): false when it is gone, or another folder took its place in one go
   * (deleted and made again, as a checkout does — chokidar does not notice, and the old
   * folder's watch hears nothing more); undefined for a path not watched.
   */
  isStillThere(path: string, identity: string | undefined): boolean | undefined {
    const owned = this.owners.get(path);
    if (!owned) return undefined;
    return identity !== undefined && identity === owned.identity;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers()].map((watcher) => watcher.close()));
    this.owners.clear();
  }

  /** Every watcher that owns a folder. */
  private watchers(): Set<FSWatcher> {
    return new Set([...this.owners.values()].map((owned) => owned.watcher));
  }
}

export class SiteWatcher {
  private readonly builder: SiteBuilder;
  private readonly logger: Logger;
  private readonly options: Required<Omit<WatchOptions, 'onBatch' | 'onEvent'>> & Pick<WatchOptions, 'onBatch' | 'onEvent'>;
  private groups: FolderGroups | undefined;
  /** New folders are taken one batch after another, so their scans stay bounded too. */
  private adding: Promise<void> = Promise.resolve();
  /** Folders that appeared and wait to be watched. */
  private readonly newFolders = new Set<string>();
  private pending = emptyBatch();
  private hasPending = false;
  private firstEventAt = 0;
  private settleTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private dataVersion = 0;
  private isClosed = false;
  /** Links already reported: each is said once, however often chokidar asks. */
  private readonly logged = new Set<string>();

  constructor(builder: SiteBuilder, logger: Logger = silentLogger, options: WatchOptions = {}) {
    this.builder = builder;
    this.logger = logger;
    this.options = {
      settleMs: options.settleMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 1000,
      pollMs: options.pollMs ?? 250,
      onBatch: options.onBatch,
      onEvent: options.onEvent,
    };
  }

  /** Start watching; resolves once chokidar has scanned the trees. */
  async start(): Promise<void> {
    const { config, store } = this.builder;
    const roots = [config.wikiDir, config.templatesDir, config.legacyDir];
    this.dataVersion = store.dataVersion();
    const realRoots = new Map(roots.map((root) => [root, realpathOrUndefined(root)]));
    const isIgnored = (file: string, stats?: Stats): boolean => {
      if (realRoots.has(file)) return false;
      // Hidden files (editor swap files, .git) feed no page.
      if (basename(file).startsWith('.')) return true;
      const root = roots.find((r) => isInside(r, file));
      if (root === undefined) return false;
      const { isLink, problem } = inspectLink(file, realRoots.get(root));
      if (problem && !problem.isQuiet) this.logOnce(file, `pagemap watch: not following ${file}: ${problem.reason}`);
      if (problem) return true;
      // A plain file is heard through its folder's events ('raw' below), not watched itself:
      // chokidar's watch per file cost ~6 KB and an inotify watch each (600 MB and 100,000 of
      // the kernel's ~190,000 at 100,000 pages). A link to a file is watched itself, so that
      // its target's changes are heard under its name.
      return stats?.isFile() === true && !isLink;
    };
    this.groups = new FolderGroups((folders) => {
      const watcher = watch(folders, { ignoreInitial: true, ignored: isIgnored, depth: 0 });
      watcher.on('all', (event, file) => this.onFileEvent(event, file));
      watcher.on('raw', (_event, name, details) => this.onFolderEvent(name, (details as { watchedPath?: string }).watchedPath));
      watcher.on('error', (error) => this.logger.error(`pagemap watch: ${(error as Error).message ?? error}`));
      return watcher;
    });
    for (const root of roots) await this.groups.add(await walkFolders(root, false));
    this.pollTimer = setInterval(() => this.pollMap(), this.options.pollMs);
    this.pollTimer.unref();
  }

  private logOnce(key: string, line: string): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.logger.info(line);
  }

  /** Every folder chokidar watches (tests check that nothing outside the roots is among them). */
  watchedFolders(): string[] {
    return this.groups?.folders() ?? [];
  }

  /** What chokidar watches in one folder by name: its subfolders and links to files, never a plain file. */
  watchedIn(folder: string): string[] {
    return this.groups?.watchedIn(folder) ?? [];
  }

  /**
   * A folder appeared (made, or moved in whole): watch its tree, then take every file in it as
   * changed — they may have been written before its watch began. Folders that appear together
   * (a checkout, a copy) are watched together, in groups like the first scan's.
   */
  private onNewFolder(folder: string): void {
    this.newFolders.add(folder);
    if (this.newFolders.size > 1) return; // already on its way
    this.adding = this.adding.then(async () => {
      const folders = [...this.newFolders];
      this.newFolders.clear();
      if (this.isClosed || !this.groups) return;
      try {
        const walked = (await Promise.all(folders.map((top) => walkFolders(top, false)))).flat();
        await this.groups.add(walked);
        for (const top of folders) for (const { files } of await walkFolders(top, true)) for (const file of files) this.onFileEvent('change', file);
      } catch (error) {
        this.logger.error(`pagemap watch: cannot watch ${folders.join(', ')}: ${(error as Error).message}`);
      }
    });
  }

  /** A folder went away (deleted, or moved out): its files' pages are looked at, by a whole build. */
  private onFolderGone(folder: string): void {
    this.groups?.remove(folder);
    this.pending.folderGone = true;
    this.schedule();
  }

  /**
   * Something happened to `name` in a watched folder (made, changed, moved, removed): the file
   * is taken as changed, and the build looks at what is there. Events of a watched file itself
   * (a link) come through onFileEvent as well; the build finds such a page current the second time.
   */
  private onFolderEvent(name: string | null, folder: string | undefined): void {
    if (folder === undefined) return;
    // Without a name (not on Linux) there is no telling which file changed: look at everything.
    if (!name) return void ((this.pending.map = true), this.schedule());
    if (basename(name).startsWith('.')) return;
    const path = join(folder, name);
    const identity = folderIdentity(path);
    const isStillThere = this.groups?.isStillThere(path, identity);
    if (isStillThere === false) this.onFolderGone(path);
    // A folder not watched (yet): chokidar says so too, unless it was replaced in one go.
    if (isStillThere !== true && identity !== undefined) return this.onNewFolder(path);
    if (isStillThere === undefined) this.onFileEvent('change', path);
  }

  private onFileEvent(event: string, file: string): void {
    if (event === 'addDir') return this.onNewFolder(file);
    if (event === 'unlinkDir') return this.onFolderGone(file);
    this.options.onEvent?.(file);
    const { config } = this.builder;
    if (isInside(config.templatesDir, file)) this.pending.template = true;
    else {
      const source = sourceForFile(config, file);
      if (!source) return;
      this.pending.sources.add(source);
    }
    this.schedule();
  }

  private pollMap(): void {
    try {
      const version = this.builder.store.dataVersion();
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.pending.map = true;
      this.schedule();
    } catch (error) {
      this.logger.error(`pagemap watch: cannot read the map: ${(error as Error).message}`);
    }
  }

  /** The map changed through this process's own connection (the admin page), which data_version does not show. */
  noteMapChange(): void {
    this.pending.map = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.isClosed) return;
    const now = Date.now();
    if (!this.hasPending) ((this.hasPending = true), (this.firstEventAt = now));
    clearTimeout(this.settleTimer);
    const wait = Math.max(0, Math.min(this.options.settleMs, this.firstEventAt + this.options.maxDelayMs - now));
    this.settleTimer = setTimeout(() => this.startBatch(), wait);
  }

  private startBatch(): void {
    const batch = this.pending;
    this.pending = emptyBatch();
    this.hasPending = false;
    this.running = this.running.then(() => this.process(batch));
  }

  private async process(batch: Batch): Promise<void> {
    const { builder, logger } = this;
    try {
      if (batch.template) {
        await builder.reloadTemplate().catch((error: unknown) => logger.error(`pagemap watch: template not reloaded, keeping the old one: ${(error as Error).message}`));
      }
      let report: BuildReport;
      if (batch.template || batch.map || batch.folderGone) {
        report = await builder.build();
      } else {
        const paths = new Set<string>();
        for (const source of batch.sources) for (const path of builder.store.pathsWithSource(source)) paths.add(path);
        // A legacy robots.txt without a row decides whether pagemap writes its own.
        if (paths.size === 0 && !batch.sources.has(LEGACY_ROBOTS)) return;
        // The sitemap dates pages by their sources: it is redone with them (and rewritten only if that changed it).
        report = await builder.build({ paths, siteFiles: true });
      }
      const { counts } = report;
      const siteFiles = [...(report.siteFiles?.written ?? []), ...(report.siteFiles?.removed ?? [])];
      if (counts.written || counts.removed || counts.failed || siteFiles.length) {
        const also = siteFiles.length ? `; ${siteFiles.join(', ')} updated` : '';
        logger.info(`pagemap watch: ${counts.written} written, ${counts.removed} removed, ${counts.failed} failed${also} (${report.elapsedMs.toFixed(0)} ms)`);
      }
      for (const failure of report.failures) logger.error(`pagemap watch: failed: ${failure.path}: ${failure.message}`);
      this.options.onBatch?.(report, batch);
    } catch (error) {
      logger.error(`pagemap watch: ${(error as Error).stack ?? error}`);
    }
  }

  /** Resolves when no batch is waiting or running. */
  async idle(): Promise<void> {
    while (this.hasPending) await new Promise((r) => setTimeout(r, this.options.settleMs));
    await this.running;
  }

  /** Stop watching; a batch in progress completes first. */
  async close(): Promise<void> {
    this.isClosed = true;
    clearTimeout(this.settleTimer);
    clearInterval(this.pollTimer);
    await this.adding;
    await this.groups?.close();
    await this.running;
  }
}
