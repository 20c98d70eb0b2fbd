/**
 * The runtime server: request dispatch. A node:http server for what Apache hands it (or
 * everything, when run alone by `npm start`), following runtime/resolve.ts to the letter.
 * Pages missing from public/ are rendered once and written there, so Apache serves them from
 * then on; paths with no row are looked for in the legacy tree (discovery). Files go out
 * through fileSender.ts, everything else through statusPages.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BuildFailure, type BuildReport, SiteBuilder } from '../build/build.js';
import { assetFile } from '../build/buildPlan.js';
import { isWrittenSiteFile } from '../build/siteFiles.js';
import { outputFileFor } from '../core/pagePath.js';
import type { Config } from '../core/config.js';
import { discoverPath } from '../core/discovery.js';
import { PagemapError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { PageMapStore } from '../core/pageMap.js';
import { logResponses } from './accessLog.js';
import { AdminServer, isAdminTarget } from './admin/adminServer.js';
import { CACHE_POLICY, FileSender, type SendOutcome } from './fileSender.js';
import { loadMediaTypes } from './mediaTypes.js';
import { LIVE_RELOAD_PATH, LiveReload, isDirectRequest, withLiveReload } from './liveReload.js';
import { MissCounter } from './misses.js';
import { type Resolution, SERVED_METHODS, resolveRequest } from './resolve.js';
import { StatusPages } from './statusPages.js';
import { SiteWatcher, type WatchOptions } from './watch.js';

export interface RuntimeOptions {
  host?: string;
  port?: number;
  /** Watch the sources and the map (default true). */
  watch?: boolean | WatchOptions;
  /** Pages sent straight to a browser reload themselves when the watcher rebuilds them (default false; `serve` turns it on). */
  liveReload?: boolean;
  /** Access lines, errors and progress; default: none. */
  logger?: Logger;
}

/** A running runtime: the server, the watcher, and counters tests can read. */
export class Runtime {
  readonly config: Config;
  readonly store: PageMapStore;
  readonly builder: SiteBuilder;
  readonly server: Server;
  readonly misses: MissCounter;
  readonly admin: AdminServer;
  watcher: SiteWatcher | undefined;
  /** The pages' event streams, when live reload is on. */
  liveReload: LiveReload | undefined;
  /** How many pages the runtime handed to the renderer (single flight keeps it at one per page). */
  renders = 0;
  private readonly inFlight = new Map<string, Promise<BuildFailure | undefined>>();
  /** Pages asked for and waiting for the next batch. */
  private readonly queued = new Map<string, Waiting>();
  private batchesRunning = 0;
  private readonly files: FileSender;
  private readonly status: StatusPages;
  private readonly logger: Logger;

  constructor(config: Config, store: PageMapStore, builder: SiteBuilder, logger: Logger = silentLogger) {
    this.config = config;
    this.store = store;
    this.builder = builder;
    this.logger = logger;
    this.misses = new MissCounter(store, { max: config.missesMax, logger });
    const mediaTypes = loadMediaTypes(config.mimeTypes);
    this.files = new FileSender(mediaTypes);
    this.status = new StatusPages(config.publicDir, this.files, mediaTypes);
    this.admin = new AdminServer({
      config,
      store,
      template: () => builder.siteTemplate,
      applyMapChange: () => this.applyMapChange(),
      flushMisses: () => this.misses.flush(),
    });
    const logRequest = logResponses((line) => logger.access(line));
    this.server = createServer((req, res) => {
      logRequest(req, res);
      this.handle(req, res).catch((error: unknown) => {
        logger.error(`pagemap: ${req.method} ${req.url}: ${(error as Error).stack ?? error}`);
        if (!res.headersSent) this.status.send(req, res, 500);
        else res.destroy();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (isAdminTarget(url)) return this.admin.handle(req, res);
    if (this.liveReload && method === 'GET' && url.startsWith(`${LIVE_RELOAD_PATH}?`)) {
      const path = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('path') ?? '';
      return this.liveReload.listen(req, res, path.slice(0, 2048));
    }
    let resolution = resolveRequest(method, url, (path) => this.store.getCanonical(path), this.store.findPattern, this.isSiteFile);
    if (resolution.kind === 'miss') resolution = this.discover(method, url, resolution.path, req.headers.referer);
    return this.answer(req, res, resolution);
  }

  /** sitemap.xml and robots.txt, when the build wrote them (Apache serves them as the files they are). */
  private readonly isSiteFile = (path: string): boolean => isWrittenSiteFile(this.store, path);

  /** No row: look in the legacy tree (the index rule included), else count the miss. */
  private discover(method: string, url: string, path: string, referrer: string | undefined): Resolution {
    const found = discoverPath(this.config, this.store, path) ?? (path.endsWith('/index.html') ? undefined : discoverPath(this.config, this.store, path + '/index.html'));
    if (found) return resolveRequest(method, url, (p) => this.store.getCanonical(p), this.store.findPattern, this.isSiteFile);
    this.misses.count(path, referrer);
    return { kind: 'status', status: 404, path };
  }

  private async answer(req: IncomingMessage, res: ServerResponse, resolution: Resolution): Promise<void> {
    switch (resolution.kind) {
      case 'error':
        return this.status.send(req, res, resolution.status, resolution.status === 405 ? { Allow: SERVED_METHODS.join(', ') } : {});
      case 'redirect':
        return this.status.redirect(req, res, resolution.status, resolution.location);
      case 'status':
        return this.status.send(req, res, resolution.status);
      case 'miss':
        return this.status.send(req, res, 404);
      case 'asset':
        return this.sendOutcome(req, res, await this.files.send(req, res, this.config.publicDir, assetFile(resolution.rel), CACHE_POLICY.asset));
      case 'data':
        return this.sendOutcome(req, res, await this.files.send(req, res, this.config.legacyDir, resolution.rel, CACHE_POLICY.page));
      case 'site':
        return this.sendOutcome(req, res, await this.files.send(req, res, this.config.publicDir, resolution.rel, CACHE_POLICY.page));
      case 'page': {
        const { path } = resolution.row;
        const rel = outputFileFor(path, this.store.hasPageBelow(path));
        // A browser asking the runtime directly (not through Apache) gets the live-reload script.
        const addScript = this.liveReload && isDirectRequest(req) ? (body: Buffer) => withLiveReload(body, path) : undefined;
        let outcome = await this.files.send(req, res, this.config.publicDir, rel, CACHE_POLICY.page, addScript);
        if (outcome === 'absent') {
          const failure = await this.renderOnce(path);
          // A page whose source is missing is absent (404); one that cannot be made is broken.
          if (failure && !failure.isMissingSource) return this.status.send(req, res, 500);
          outcome = await this.files.send(req, res, this.config.publicDir, rel, CACHE_POLICY.page, addScript);
        }
        return this.sendOutcome(req, res, outcome);
      }
    }
  }

  /** The answer when a file was not sent: 404 for none, 403 for a symbolic link (as Apache's -FollowSymLinks). */
  private sendOutcome(req: IncomingMessage, res: ServerResponse, outcome: SendOutcome): void {
    if (outcome === 'absent') this.status.send(req, res, 404);
    else if (outcome === 'link') this.status.send(req, res, 403);
  }

  /**
   * Render (or copy) one page into public/; concurrent requests for it share one render.
   * Resolves to the page's failure, if it failed (logged here, with the path).
   *
   * Misses are built in batches, not one build each: a page asked for while MAX_BATCHES builds
   * run waits for the next, which takes every page queued by then — one plan, two database
   * transactions and one look at the folders for all of them (one build per page spent more
   * of the main thread on that than the workers spent rendering).
   */
  renderOnce(path: string): Promise<BuildFailure | undefined> {
    let flight = this.inFlight.get(path);
    if (!flight) {
      // A request that looked just before an earlier flight landed starts another; the build
      // then finds the page current and writes nothing.
      flight = new Promise<BuildFailure | undefined>((resolve, reject) => this.queued.set(path, { resolve, reject })).finally(() => this.inFlight.delete(path));
      this.inFlight.set(path, flight);
      // After this turn's other requests have joined the queue.
      queueMicrotask(() => this.startBatch());
    }
    return flight;
  }

  private startBatch(): void {
    if (this.batchesRunning >= MAX_BATCHES || this.queued.size === 0) return;
    const batch = new Map<string, Waiting>();
    for (const [path, waiting] of this.queued) {
      if (batch.size === MAX_BATCH_PAGES) break;
      batch.set(path, waiting);
    }
    for (const path of batch.keys()) this.queued.delete(path);
    this.batchesRunning++;
    this.builder
      .build({ paths: [...batch.keys()], onRender: () => this.renders++ })
      .then(
        (report) => {
          this.logFailures(report);
          for (const [path, { resolve }] of batch) resolve(report.failures.find((failure) => failure.path === path));
        },
        (error: unknown) => {
          for (const { reject } of batch.values()) reject(error);
        },
      )
      .finally(() => {
        this.batchesRunning--;
        this.startBatch();
      });
  }

  /**
   * After the admin page changed the map through this process's own connection: the watcher's
   * map rebuild (which also tells open tabs), or a whole build when nothing watches; resolves
   * when public/ and the Apache rules agree with the map again.
   */
  async applyMapChange(): Promise<void> {
    if (this.watcher) {
      this.watcher.noteMapChange();
      return this.watcher.idle();
    }
    const report = await this.builder.build();
    this.logFailures(report);
  }

  private logFailures(report: BuildReport): void {
    for (const failure of report.failures) this.logger.error(`pagemap: cannot render ${failure.path}: ${failure.message}`);
  }

  /** The address actually bound, as http://host:port. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** Graceful stop: no new connections, in-flight requests and renders finish, misses are written. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    this.server.closeIdleConnections();
    await this.watcher?.close();
    this.liveReload?.close();
    await closed;
    await Promise.allSettled(this.inFlight.values());
    await this.builder.close();
    this.misses.flush();
  }
}

/** A request waiting for its page's batch. */
interface Waiting {
  resolve: (failure: BuildFailure | undefined) => void;
  reject: (error: unknown) => void;
}

/** Builds of missed pages at once: one a core keeps the render workers busy while the next batch gathers. */
const MAX_BATCHES = 2;
/** Pages in one batch at most, so one batch's answer never waits long behind many pages. */
const MAX_BATCH_PAGES = 64;

/** The port is taken, or not ours to take: say which, and how to pick another. */
export class ListenError extends PagemapError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'is in use' : cause.code === 'EACCES' ? 'needs privileges this process lacks' : `cannot be used (${cause.message})`;
    super(cause.code ?? 'ELISTEN', `${host}:${port} ${why}: pick another port with --port N or PORT=N (or "runtime" in pagemap.config.json)`, { cause });
  }
}

/**
 * Start the runtime on the config's address (or the options'); resolves once listening and
 * watching. It listens first, so a port in use fails at once with nothing left running.
 */
export async function startRuntime(config: Config, store: PageMapStore, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? silentLogger;
  const builder = await SiteBuilder.open(config, store, { keepRenderer: true, wholeBuildsApart: true });
  const runtime = new Runtime(config, store, builder, logger);
  const host = options.host ?? config.host;
  const port = options.port ?? config.port;
  try {
    await new Promise<void>((resolve, reject) => {
      runtime.server.once('error', reject);
      runtime.server.listen(port, host, () => (runtime.server.off('error', reject), resolve()));
    });
  } catch (error) {
    await runtime.close();
    throw new ListenError(host, port, error as NodeJS.ErrnoException);
  }
  const watchOptions = options.watch ?? true;
  if (watchOptions !== false) {
    const given = watchOptions === true ? {} : watchOptions;
    // A page's output signature, as the build recorded it: changed by whoever rebuilt the page.
    if (options.liveReload) runtime.liveReload = new LiveReload((path) => store.outputsFor(path).map((record) => record.outputSig).join(' '));
    const onBatch: WatchOptions['onBatch'] = (report, batch) => {
      runtime.liveReload?.refresh();
      given.onBatch?.(report, batch);
    };
    runtime.watcher = new SiteWatcher(builder, logger, { ...given, onBatch });
    await runtime.watcher.start();
  }
  return runtime;
}
