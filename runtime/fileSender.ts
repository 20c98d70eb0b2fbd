/**
 * Sending a file from public/ or the legacy tree: conditional GET, small files from memory
 * (fileCache.ts), big files and ranges streamed by serve-handler, HEAD without reading a byte.
 *
 * Symbolic links are never followed, as in the Apache configuration pagemap writes
 * (`-FollowSymLinks`): a link anywhere under the root answers 403. The file is opened without
 * following a final link, and once open the kernel is asked where it really is
 * (/proc/self/fd): it must be at its own path under the root. So what is checked is what is
 * sent, whatever links appear or are swapped meanwhile, and no byte from outside the two trees
 * ever leaves.
 */
import { type Stats, closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import serveHandler from 'serve-handler';
import { isAbsent } from '../core/errors.js';
import { type MediaTypes, contentTypeFor } from './mediaTypes.js';
import { PREFIX_PAGE_FILE, encodePath } from '../core/pagePath.js';
import { FileCache } from './fileCache.js';

/** What is at a path under a root, as far as serving goes. */
export type FileLookup = { kind: 'file'; stats: Stats } | { kind: 'link' } | { kind: 'absent' };
/** An open file, checked to lie at its own path under the root. */
type Opened = { kind: 'file'; fd: number; stats: Stats } | { kind: 'link' } | { kind: 'absent' };

export type SendOutcome = 'sent' | 'absent' | 'link';

/**
 * Cache-Control: pages and legacy files may change at any moment of a migration, so caches
 * must revalidate (a 304 is cheap); pagemap's assets change only with the templates.
 */
export const CACHE_POLICY = { page: 'no-cache', asset: 'public, max-age=3600' } as const;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Apache's default ETag (FileETag MTime Size): size and mtime in microseconds, in hex. */
export function etagFor(stats: Pick<Stats, 'size' | 'mtimeMs'>): string {
  return `"${Math.floor(stats.mtimeMs * 1000).toString(16)}-${stats.size.toString(16)}"`;
}

/** RFC 9110 conditional GET: If-None-Match wins; If-Modified-Since only without it. */
export function isNotModified(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || t === etag || t === `W/${etag}`;
    });
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** What the path names now, without following a link in its last segment. */
export function lookUp(file: string): FileLookup {
  let stats: Stats | undefined;
  try {
    stats = lstatSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if (isAbsent(error) || (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return { kind: 'absent' };
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'link' };
    throw error;
  }
  if (!stats) return { kind: 'absent' };
  if (stats.isSymbolicLink()) return { kind: 'link' };
  return stats.isFile() ? { kind: 'file', stats } : { kind: 'absent' };
}

/** Where an open file really is, by the kernel's account; undefined where /proc is not mounted. */
function pathOfOpenFile(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Open `rel` under `realRoot` (a real path) for reading, refusing links anywhere below the root. */
export function openInside(realRoot: string, rel: string): Opened {
  const file = join(realRoot, rel);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { kind: 'link' }; // the last segment is a link, or too many links on the way
    if (isAbsent(error) || code === 'ENAMETOOLONG' || code === 'EISDIR') return { kind: 'absent' };
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return (closeSync(fd), { kind: 'absent' });
    // A folder on the way that is a link makes the file's real path differ from its own.
    const real = pathOfOpenFile(fd) ?? join(realpathSync.native(dirname(file)), rel.slice(rel.lastIndexOf('/') + 1));
    if (real !== file) return (closeSync(fd), real.endsWith(' (deleted)') ? { kind: 'absent' } : { kind: 'link' });
    return { kind: 'file', fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export class FileSender {
  private readonly mediaTypes: MediaTypes;
  private readonly cache = new FileCache();
  /** Each root's real path: roots stay put while the runtime runs. */
  private readonly realRoots = new Map<string, string | null>();

  constructor(mediaTypes: MediaTypes) {
    this.mediaTypes = mediaTypes;
  }

  private realRoot(root: string): string | null {
    let real = this.realRoots.get(root);
    if (real === undefined) {
      try {
        real = realpathSync.native(root);
      } catch (error) {
        if (!isAbsent(error)) throw error;
        real = null; // not there (yet): look again next time
      }
      if (real !== null) this.realRoots.set(root, real);
    }
    return real;
  }

  /** Open a file for sending, or say why not. */
  private open(root: string, rel: string): Opened {
    const realRoot = this.realRoot(root);
    return realRoot === null ? { kind: 'absent' } : openInside(realRoot, rel);
  }

  /** A small file's bytes (the styled 404 page, say), from memory when it is unchanged. */
  read(root: string, rel: string): Buffer | undefined {
    const file = join(root, rel);
    const found = lookUp(file);
    if (found.kind !== 'file') return undefined;
    const cached = this.cache.get(file, found.stats);
    if (cached) return cached.body;
    const opened = this.open(root, rel);
    if (opened.kind !== 'file') return undefined;
    try {
      const body = readFileSync(opened.fd);
      this.cache.put(file, { body, stats: opened.stats });
      return body;
    } finally {
      closeSync(opened.fd);
    }
  }

  /**
   * Send `rel` under `root`: 304 when the client's copy is current, 200 (or 206 for a range)
   * otherwise. Sends nothing and says so when the file is absent or is reached through a link.
   */
  async send(req: IncomingMessage, res: ServerResponse, root: string, rel: string, cacheControl: string, transformHtml?: (body: Buffer) => Buffer): Promise<SendOutcome> {
    if (transformHtml && contentTypeFor(this.mediaTypes, rel)?.startsWith('text/html')) return this.sendTransformed(req, res, root, rel, transformHtml);
    const file = join(root, rel);
    // The hot path: one lstat, then memory.
    const found = lookUp(file);
    if (found.kind !== 'file') return found.kind;
    const isRange = req.headers.range !== undefined;
    const cached = isRange ? undefined : this.cache.get(file, found.stats);
    if (cached) {
      this.sendFromMemory(req, res, rel, cached.body, cached.stats, cacheControl);
      return 'sent';
    }
    const opened = this.open(root, rel);
    if (opened.kind !== 'file') return opened.kind;
    const { fd, stats } = opened;
    if (isNotModified(req, etagFor(stats), stats.mtimeMs)) {
      closeSync(fd);
      this.sendNotModified(res, stats, cacheControl);
    } else if (!isRange && stats.size <= this.cache.maxFileBytes) {
      let body: Buffer;
      try {
        body = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
      this.cache.put(file, { body, stats });
      this.sendFromMemory(req, res, rel, body, stats, cacheControl);
    } else {
      await this.stream(req, res, rel, fd, stats, cacheControl);
    }
    return 'sent';
  }

  /**
   * An HTML page with something added for this answer only (the live-reload script): read
   * through the same checked descriptor, sent whole, never cached by the browser or here.
   */
  private sendTransformed(req: IncomingMessage, res: ServerResponse, root: string, rel: string, transform: (body: Buffer) => Buffer): SendOutcome {
    const opened = this.open(root, rel);
    if (opened.kind !== 'file') return opened.kind;
    let body: Buffer;
    try {
      body = transform(readFileSync(opened.fd));
    } finally {
      closeSync(opened.fd);
    }
    res.writeHead(200, { 'Content-Type': contentTypeFor(this.mediaTypes, rel)!, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return 'sent';
  }

  private sendNotModified(res: ServerResponse, stats: Stats, cacheControl: string): void {
    res.writeHead(304, { ETag: etagFor(stats), 'Last-Modified': stats.mtime.toUTCString(), 'Cache-Control': cacheControl });
    res.end();
  }

  private headersFor(rel: string, stats: Stats, cacheControl: string): Record<string, string> {
    const type = contentTypeFor(this.mediaTypes, rel);
    return {
      ...(type ? { 'Content-Type': type } : {}),
      'Last-Modified': stats.mtime.toUTCString(),
      ETag: etagFor(stats),
      'Cache-Control': cacheControl,
      'Accept-Ranges': 'bytes',
    };
  }

  private sendFromMemory(req: IncomingMessage, res: ServerResponse, rel: string, body: Buffer, stats: Stats, cacheControl: string): void {
    const headers = this.headersFor(rel, stats, cacheControl);
    if (isNotModified(req, headers.ETag!, stats.mtimeMs)) return this.sendNotModified(res, stats, cacheControl);
    res.writeHead(200, { ...headers, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * Big files and ranges through serve-handler, fed the open file: its stat and its read go to
   * the descriptor checked above, never to the path again; HEAD reads nothing.
   *
   * Two things stay from serve-handler's design. It takes the file's path from the request's
   * URL, which is not the file's (`/doc/` is doc/index.html, a /data path lives in another
   * tree): it is handed a view of the request whose url is the file's own path, so the real
   * request (and the access log) is left as it came. And it removes a header given as null,
   * which is how no Content-Type goes out where Apache sends none and no Content-Disposition
   * names `.pagemap-page`. (Its typings allow only strings there, and want an fs.ReadStream
   * where any stream will do: hence the two casts.)
   */
  private async stream(req: IncomingMessage, res: ServerResponse, rel: string, fd: number, stats: Stats, cacheControl: string): Promise<void> {
    let isHandedOver = false;
    const { 'Content-Type': type, ETag: etag } = this.headersFor(rel, stats, cacheControl);
    res.setHeader('ETag', etag!);
    res.setHeader('Cache-Control', cacheControl);
    const removed = null as unknown as string;
    const headers = [
      { key: 'Content-Type', value: type ?? removed },
      { key: 'Content-Disposition', value: removed },
    ];
    const view = Object.create(req, { url: { value: encodePath('/' + rel) } }) as IncomingMessage;
    try {
      await serveHandler(
        view,
        res,
        {
          public: '/',
          directoryListing: false,
          cleanUrls: false,
          etag: false,
          // minimatch's ** skips dot files, hence the second pattern.
          headers: [{ source: '**', headers }, { source: `**/${PREFIX_PAGE_FILE}`, headers }],
        },
        {
          lstat: async () => stats,
          realpath: async (path: string) => path,
          createReadStream: (_path: string, options: { start?: number; end?: number } = {}) => {
            if (req.method === 'HEAD') return Readable.from([]);
            isHandedOver = true;
            const stream = createReadStream('', { fd, start: options.start, end: options.end, autoClose: true });
            res.once('close', () => stream.destroy());
            return stream;
          },
        } as unknown as Parameters<typeof serveHandler>[3],
      );
    } finally {
      if (!isHandedOver) closeSync(fd);
    }
  }
}
