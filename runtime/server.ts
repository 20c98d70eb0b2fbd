/**
 * The runtime server: a node:http server for what Apache hands it (or everything, when run
 * alone by `npm start`), following runtime/resolve.ts to the letter. Pages missing from
 * public/ are rendered once and written there, so Apache serves them from then on; paths
 * with no row are looked for in the legacy tree (discovery). Files go out through
 * serve-handler; every error and status page goes out through sendStatus.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import serveHandler from 'serve-handler';
import { SiteBuilder } from '../build/build.js';
import { assetFile, outputFileFor } from '../build/buildPlan.js';
import type { Config } from '../build/config.js';
import { type MediaTypes, contentTypeFor, loadMediaTypes } from '../build/mediaTypes.js';
import { escapeHtml } from '../build/html.js';
import type { PageMapStore } from '../build/pageMap.js';
import { PREFIX_PAGE_FILE, encodePath } from '../build/pagePath.js';
import { SourceLocator } from '../build/sourceFiles.js';
import { logResponses } from './accessLog.js';
import { discoverPath } from './discover.js';
import { FileCache } from './fileCache.js';
import { MissCounter } from './misses.js';
import { type Resolution, SERVED_METHODS, resolveRequest } from './resolve.js';
import { SiteWatcher, type WatchOptions } from './watch.js';

export interface RuntimeOptions {
  host?: string;
  port?: number;
  /** Watch the sources and the map (default true). */
  watch?: boolean | WatchOptions;
  /** Where combined-format log lines go; default: none. */
  accessLog?: (line: string) => void;
  /** Where errors go; default stderr. */
  log?: (line: string) => void;
}

/**
 * Cache-Control: pages and legacy files may change at any moment of a migration, so caches
 * must revalidate (a 304 is cheap); pagemap's assets change only with the templates.
 */
export const CACHE_POLICY = { page: 'no-cache', asset: 'public, max-age=3600' } as const;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 410: 'Gone', 500: 'Internal Server Error' };

/** The regular file's stats, or undefined. Synchronous: see fileCache.ts for why. */
function statFile(file: string): Stats | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats?.isFile() ? stats : undefined;
}

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

/** A running runtime: the server, the watcher, and counters tests can read. */
export class Runtime {
  readonly config: Config;
  readonly store: PageMapStore;
  readonly builder: SiteBuilder;
  readonly server: Server;
  readonly misses: MissCounter;
  watcher: SiteWatcher | undefined;
  /** How many pages the runtime handed to the renderer (single flight keeps it at one per page). */
  renders = 0;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly mediaTypes: MediaTypes;
  private readonly files = new FileCache();
  private readonly log: (line: string) => void;

  constructor(config: Config, store: PageMapStore, builder: SiteBuilder, options: RuntimeOptions = {}) {
    this.config = config;
    this.store = store;
    this.builder = builder;
    this.misses = new MissCounter(store);
    this.mediaTypes = loadMediaTypes(config.mimeTypes);
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    const logRequest = options.accessLog ? logResponses(options.accessLog) : undefined;
    this.server = createServer((req, res) => {
      logRequest?.(req, res);
      this.handle(req, res).catch((error: unknown) => {
        this.log(`pagemap: ${req.method} ${req.url}: ${(error as Error).stack ?? error}`);
        if (!res.headersSent) this.sendStatus(req, res, 500).catch(() => res.destroy());
        else res.destroy();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    let resolution = resolveRequest(method, url, (path) => this.store.getCanonical(path));
    if (resolution.kind === 'miss') resolution = this.discover(method, url, resolution.path);
    return this.answer(req, res, resolution);
  }

  /** No row: look in the legacy tree (the index rule included), else count the miss. */
  private discover(method: string, url: string, path: string): Resolution {
    const found = discoverPath(this.config, this.store, path) ?? (path.endsWith('/index.html') ? undefined : discoverPath(this.config, this.store, path + '/index.html'));
    if (found) return resolveRequest(method, url, (p) => this.store.getCanonical(p));
    this.misses.count(path);
    return { kind: 'status', status: 404, path };
  }

  private async answer(req: IncomingMessage, res: ServerResponse, resolution: Resolution): Promise<void> {
    switch (resolution.kind) {
      case 'error':
        return this.sendStatus(req, res, resolution.status, resolution.status === 405 ? { Allow: SERVED_METHODS.join(', ') } : {});
      case 'redirect': {
        const body = `<!DOCTYPE html>\n<title>Moved</title>\n<p>This page has moved to <a href="${escapeHtml(resolution.location)}">${escapeHtml(resolution.location)}</a>.</p>\n`;
        res.writeHead(resolution.status, { Location: resolution.location, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      case 'status':
        return this.sendStatus(req, res, resolution.status);
      case 'miss':
        return this.sendStatus(req, res, 404);
      case 'asset': {
        const rel = assetFile(resolution.rel);
        const stats = statFile(join(this.config.publicDir, rel));
        return stats ? this.sendFile(req, res, this.config.publicDir, rel, stats, CACHE_POLICY.asset) : this.sendStatus(req, res, 404);
      }
      case 'data': {
        const file = new SourceLocator().findIfSafe(this.config.legacyDir, resolution.rel);
        return file ? this.sendFile(req, res, this.config.legacyDir, resolution.rel, file.stats, CACHE_POLICY.page) : this.sendStatus(req, res, 404);
      }
      case 'page': {
        const { path } = resolution.row;
        const rel = outputFileFor(path, this.store.hasPageBelow(path));
        const target = join(this.config.publicDir, rel);
        const stats = statFile(target) ?? (await this.renderOnce(path), statFile(target));
        if (!stats) return this.sendStatus(req, res, 404);
        return this.sendFile(req, res, this.config.publicDir, rel, stats, CACHE_POLICY.page);
      }
    }
  }

  /** Render (or copy) one page into public/; concurrent requests for it share one render. */
  renderOnce(path: string): Promise<void> {
    let flight = this.inFlight.get(path);
    if (!flight) {
      // A request that looked just before an earlier flight landed starts another; the build
      // then finds the page current and writes nothing.
      flight = this.builder
        .buildPaths([path], { onRender: () => this.renders++ })
        .then((report) => {
          for (const failure of report.failures) this.log(`pagemap: cannot render ${failure.path}: ${failure.message}`);
        })
        .finally(() => this.inFlight.delete(path));
      this.inFlight.set(path, flight);
    }
    return flight;
  }

  /**
   * Send a file: conditional requests answered here; small files from memory (fileCache.ts);
   * ranges and big files through serve-handler (streaming, ranges, Last-Modified). The type is
   * Apache's (mediaTypes.ts), not serve-handler's own table.
   */
  private async sendFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, stats: Stats, cacheControl: string): Promise<void> {
    const etag = etagFor(stats);
    const lastModified = stats.mtime.toUTCString();
    if (isNotModified(req, etag, stats.mtimeMs)) {
      res.writeHead(304, { ETag: etag, 'Last-Modified': lastModified, 'Cache-Control': cacheControl });
      return void res.end();
    }
    const type = contentTypeFor(this.mediaTypes, rel);
    const cached = req.headers.range === undefined ? this.files.read(join(root, rel), stats) : undefined;
    if (cached) {
      res.writeHead(200, {
        ...(type ? { 'Content-Type': type } : {}),
        'Content-Length': cached.body.length,
        'Last-Modified': cached.stats.mtime.toUTCString(),
        ETag: etagFor(cached.stats),
        'Cache-Control': cacheControl,
        'Accept-Ranges': 'bytes',
      });
      return void res.end(req.method === 'HEAD' ? undefined : cached.body);
    }
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', cacheControl);
    // null removes a header: no type where Apache sends none, and no Content-Disposition,
    // whose file name (.pagemap-page) is an implementation detail.
    const headers = [
      { key: 'Content-Type', value: (type ?? null) as string },
      { key: 'Content-Disposition', value: null as unknown as string },
    ];
    req.url = encodePath('/' + rel);
    await serveHandler(req, res, {
      public: root,
      directoryListing: false,
      cleanUrls: false,
      trailingSlash: false,
      symlinks: true,
      etag: false,
      // minimatch's ** skips dot files, hence the second pattern.
      headers: [{ source: '**', headers }, { source: `**/${PREFIX_PAGE_FILE}`, headers }],
    });
  }

  /** Every error and status page: the styled page for 404/410, plain text otherwise. */
  private async sendStatus(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}): Promise<void> {
    let body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
    let type = 'text/plain; charset=utf-8';
    if (status === 404 || status === 410) {
      const file = assetFile(`${status}.html`);
      const page = this.files.read(join(this.config.publicDir, file));
      // Typed as Apache types it when its ErrorDocument serves the same file.
      if (page) ((body = page.body.toString('utf8')), (type = contentTypeFor(this.mediaTypes, file) ?? 'text/html'));
    }
    res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': CACHE_POLICY.page });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** The address actually bound, as http://host:port. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** Graceful stop: no new connections, in-flight requests and renders finish, misses are written. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await this.watcher?.close();
    await closed;
    await Promise.allSettled(this.inFlight.values());
    await this.builder.close();
    this.misses.flush();
  }
}

/** Start the runtime on the config's address (or the options'); resolves once listening and watching. */
export async function startRuntime(config: Config, store: PageMapStore, options: RuntimeOptions = {}): Promise<Runtime> {
  // One render worker: a miss for a big page must not stall every other request.
  const builder = await SiteBuilder.open(config, store, { keepWorkers: 1 });
  const runtime = new Runtime(config, store, builder, options);
  const watchOptions = options.watch ?? true;
  if (watchOptions !== false) {
    runtime.watcher = new SiteWatcher(builder, { log: options.log, ...(watchOptions === true ? {} : watchOptions) });
    await runtime.watcher.start();
  }
  await new Promise<void>((resolve, reject) => {
    runtime.server.once('error', reject);
    runtime.server.listen(options.port ?? config.port, options.host ?? config.host, () => (runtime.server.off('error', reject), resolve()));
  });
  return runtime;
}
