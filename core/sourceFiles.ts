/**
 * Safe access to the two source trees, the wiki and the legacy root. Nothing outside a root
 * is ever read: not by `..`, encoded `..`, backslashes, absolute paths, or symbolic links
 * that point out of it (DESIGN.md "Sources").
 */
import { type Stats, lstatSync, realpathSync, statSync } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SourceError, isAbsent } from './errors.js';
import { problemWithRelativePath, quoteText } from './pagePath.js';

export interface SourceFile {
  /** Absolute, symlinks resolved. */
  absolute: string;
  /** Where it really is under its root (symlinks resolved), / separated. */
  realRel: string;
  stats: Stats;
  size: number;
  mtimeMs: number;
  /** size:mtime, which changes whenever the file does (the build's cheap change test). */
  sig: string;
}

export function signatureOf(stats: { size: number; mtimeMs: number }): string {
  return `${stats.size}:${stats.mtimeMs}`;
}

/** The mtime a signature holds (the build's record of a source's last stat); undefined for an empty one. */
export function mtimeOfSignature(sig: string): number | undefined {
  const mtimeMs = sig === '' ? NaN : Number(sig.slice(sig.indexOf(':') + 1));
  return Number.isFinite(mtimeMs) ? mtimeMs : undefined;
}

/**
 * Finds files inside a root, synchronously: a build stats thousands of sources, and a sync
 * stat costs a fraction of a promise round trip through the thread pool. Folder real paths
 * are cached (one lstat per folder, not per file), so only a file that is itself a symbolic
 * link costs another. Make a new locator for each build or request: the cache assumes
 * folders do not move while it lives.
 */
export class SourceLocator {
  private readonly realDirs = new Map<string, string | null>();
  /** Each root as given → normalised, for joining checked relative paths by hand. */
  private readonly roots = new Map<string, string>();

  private realDir(dir: string): string | null {
    let real = this.realDirs.get(dir);
    if (real === undefined) this.realDirs.set(dir, (real = absentAsNull(() => realpathSync.native(dir))));
    return real;
  }

  /**
   * realDir() of a folder below `root` (normalised), from its parent's: one lstat a folder,
   * where realpath takes one a component of it (a wiki's folders six deep made that a tenth of
   * its no-op rebuild). A folder that is a link is resolved whole.
   */
  private realDirBelow(root: string, dir: string): string | null {
    if (dir.length <= root.length) return this.realDir(dir);
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      const cut = dir.lastIndexOf(sep);
      const parent = this.realDirBelow(root, dir.slice(0, cut));
      const stats = parent === null ? null : absentAsNull(() => lstatSync(dir));
      if (parent === null || stats === null) real = null;
      else if (stats.isSymbolicLink()) real = absentAsNull(() => realpathSync.native(dir));
      else real = stats.isDirectory() ? joinUnder(parent, dir.slice(cut + 1)) : null;
      this.realDirs.set(dir, real);
    }
    return real;
  }

  /** find() for requests: a path that is unsafe (a link out of the root, `..`) or unreadable counts as absent. */
  findIfSafe(root: string, rel: string): SourceFile | undefined {
    try {
      return this.find(root, rel, 'file');
    } catch {
      return undefined;
    }
  }

  /**
   * The regular file at `rel` inside `root`, or undefined when there is none. Throws
   * SourceError when `rel` is unsafe or resolves outside the root.
   */
  find(root: string, rel: string, what: string): SourceFile | undefined {
    const problem = problemWithRelativePath(rel);
    if (problem) throw new SourceError(`${what} ${quoteText(rel)} ${problem}`);
    const base = this.realDir(root);
    // `rel` is checked (no ., .. or empty segment, no backslash, not absolute): joined and split by hand.
    let normalRoot = this.roots.get(root);
    if (normalRoot === undefined) this.roots.set(root, (normalRoot = join(root, '.')));
    const full = joinUnder(normalRoot, rel);
    const cut = full.lastIndexOf(sep);
    const dir = cut === 0 ? this.realDir(sep) : this.realDirBelow(normalRoot, full.slice(0, cut));
    if (base === null || dir === null) return undefined;
    const outside = () => new SourceError(`${what} ${quoteText(rel)} resolves outside its root ${root}`);
    if (dir !== base && !dir.startsWith(base + sep)) throw outside();
    let absolute = joinUnder(dir, full.slice(cut + 1));
    let stats = lstatSync(absolute, { throwIfNoEntry: false });
    if (stats?.isSymbolicLink()) {
      try {
        absolute = realpathSync.native(absolute);
      } catch {
        return undefined; // dangling or looping link
      }
      if (!absolute.startsWith(base + sep)) throw outside();
      stats = statSync(absolute, { throwIfNoEntry: false });
    }
    if (!stats?.isFile()) return undefined;
    const realRel = sep === '/' ? absolute.slice(base.length + 1) : absolute.slice(base.length + 1).split(sep).join('/');
    return { absolute, realRel, stats, size: stats.size, mtimeMs: stats.mtimeMs, sig: signatureOf(stats) };
  }
}

/** What `look` finds, or null when nothing is there (absent, or a loop of links). */
function absentAsNull<T>(look: () => T): T | null {
  try {
    return look();
  } catch (error) {
    if (isAbsent(error) || (error as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw error;
  }
}

/**
 * `dir` (normalised) + `rel` (checked: no empty, `.` or `..` segment), / separated:
 * path.join without its normalising pass, which a build doing this per page notices.
 */
export function joinUnder(dir: string, rel: string): string {
  const name = sep === '/' ? rel : rel.split('/').join(sep);
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

export interface LegacyEntry {
  /** Relative to the legacy root, with / separators. */
  rel: string;
  /** Where the file really is, for a link to a file elsewhere in the tree; else rel. */
  realRel: string;
  size: number;
}

/**
 * Every regular file under the legacy root, depth first in name order. Symbolic links are
 * followed only when they resolve to a file inside the root; directories are not followed
 * through links (no cycles).
 */
export async function* walkLegacyTree(root: string): AsyncGenerator<LegacyEntry> {
  const base = await realpath(root);
  async function* walk(dir: string, prefix: string): AsyncGenerator<LegacyEntry> {
    const entries = [];
    for await (const entry of await opendir(dir)) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = prefix + entry.name;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* walk(full, rel + '/');
      } else if (entry.isFile()) {
        yield { rel, realRel: rel, size: (await stat(full)).size };
      } else if (entry.isSymbolicLink()) {
        const target = await realpath(full).catch(() => undefined);
        if (!target?.startsWith(base + sep)) continue;
        const stats = await stat(target);
        if (stats.isFile()) yield { rel, realRel: target.slice(base.length + 1).split(sep).join('/'), size: stats.size };
      }
    }
  }
  yield* walk(base, '');
}
