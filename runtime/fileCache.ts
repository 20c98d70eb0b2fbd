/**
 * The runtime's memory cache of small files (the 2006 plan's memcached, inside the process):
 * a page served from memory costs one stat, where streaming it costs an open, reads and a
 * close through the thread pool — together most of a request's time. Every hit is checked
 * against the file's size and mtime, so an edit (by the build, the watcher, or anyone) is
 * seen at once; the stat is synchronous because a cached stat is a few microseconds and a
 * promise round trip is not.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';

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

export class FileCache {
  private readonly entries = new Map<string, CachedFile>();
  private totalBytes = 0;
  private readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;

  constructor(options: FileCacheOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? 256 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The file's current bytes and stats when it is small enough to cache; undefined when it is
   * too big (stream it) or not a regular file.
   */
  read(file: string, stats = statSync(file, { throwIfNoEntry: false })): CachedFile | undefined {
    const cached = this.entries.get(file);
    if (!stats?.isFile() || stats.size > this.maxFileBytes) {
      if (cached) this.drop(file, cached);
      return undefined;
    }
    if (cached && cached.stats.size === stats.size && cached.stats.mtimeMs === stats.mtimeMs && cached.stats.ino === stats.ino) {
      // Map order is recency order: move it to the end.
      this.entries.delete(file);
      this.entries.set(file, cached);
      return cached;
    }
    if (cached) this.drop(file, cached);
    const body = readFileSync(file);
    // A write between the stat and the read: do not cache bytes that do not match the stats.
    if (body.length !== stats.size) return { body, stats: statSync(file) };
    const entry = { body, stats };
    this.entries.set(file, entry);
    this.totalBytes += body.length;
    for (const [oldest, old] of this.entries) {
      if (this.totalBytes <= this.maxTotalBytes) break;
      this.drop(oldest, old);
    }
    return entry;
  }

  private drop(file: string, entry: CachedFile): void {
    this.entries.delete(file);
    this.totalBytes -= entry.body.length;
  }
}
