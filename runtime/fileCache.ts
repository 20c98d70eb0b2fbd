/**
 * The runtime's memory cache of small files (the 2006 plan's memcached, inside the process):
 * a page served from memory costs one lstat, where streaming it costs an open, reads and a
 * close through the thread pool — together most of a request's time. Every hit is checked
 * against a fresh lstat of the path: the same device, inode, size and mtime, so an edit (by
 * the build, the watcher, or anyone) is seen at once, and a path that now leads to another
 * file — through a link swapped in, say — never gets the old bytes or the new file's.
 */
import type { Stats } from 'node:fs';

export interface CachedFile {
  body: Buffer;
  stats: Stats;
}

export interface FileCacheOptions {
  /** Files larger than this are streamed, not cached. */
  maxFileBytes?: number;
  /** The cache's total size; the least recently read files go first. */
  maxTotalBytes?: number;
}

function isSameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export class FileCache {
  readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;
  private readonly entries = new Map<string, CachedFile>();
  private totalBytes = 0;

  constructor(options: FileCacheOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? 256 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024;
  }

  /** The cached bytes of `file`, when `stats` (just taken) shows the very file that was cached, unchanged. */
  get(file: string, stats: Stats): CachedFile | undefined {
    const cached = this.entries.get(file);
    if (!cached) return undefined;
    this.entries.delete(file);
    if (!isSameFile(cached.stats, stats)) {
      this.totalBytes -= cached.body.length;
      return undefined;
    }
    this.entries.set(file, cached); // Map order is recency order: move it to the end.
    return cached;
  }

  /** Keep the bytes of a file read whole (and verified) by the caller. */
  put(file: string, entry: CachedFile): void {
    if (entry.body.length > this.maxFileBytes || entry.body.length !== entry.stats.size) return;
    const old = this.entries.get(file);
    if (old) (this.entries.delete(file), (this.totalBytes -= old.body.length));
    this.entries.set(file, entry);
    this.totalBytes += entry.body.length;
    for (const [oldest, { body }] of this.entries) {
      if (this.totalBytes <= this.maxTotalBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= body.length;
    }
  }
}
