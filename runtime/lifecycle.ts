/**
 * The long-running commands from start to stop: `pagemap serve` (listen, build, serve and
 * watch) and `pagemap watch` (build, then keep public/ and the Apache rules current), each
 * until it is told to stop, then stopping gracefully: in-flight requests and renders finish,
 * counted misses are written, workers and watchers are closed.
 */
import { type BuildOptions, SiteBuilder, describeBuild } from '../build/build.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { PageMapStore } from '../core/pageMap.js';
import { startRuntime } from './server.js';
import { SiteWatcher } from './watch.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export interface ServeOptions {
  host?: string;
  port?: number;
  watch: boolean;
  /** Pages reload themselves in the browser when rebuilt (with watch). */
  liveReload?: boolean;
  build: boolean;
  logger: Logger;
  /** Stop when this settles. */
  until: Promise<unknown>;
  onProgress?: BuildOptions['onProgress'];
}

/**
 * Serve the site until `until`. It listens first, so a port in use fails at once (ListenError)
 * with nothing left running, before any building. Resolves once stopped.
 */
export async function serveSite(config: Config, store: PageMapStore, options: ServeOptions): Promise<void> {
  const { logger } = options;
  const runtime = await startRuntime(config, store, { host: options.host, port: options.port, watch: options.watch, liveReload: options.watch && options.liveReload, logger });
  try {
    const { host, port } = config.runtimeAddress;
    const bound = new URL(runtime.url);
    if (Number(bound.port) !== port || (options.host !== undefined && options.host !== host)) {
      logger.info(`warning: Apache's pagemap.conf sends misses to ${host}:${port} (runtime in ${config.configFile ?? 'the defaults'}); this server listens on ${bound.host}, so Apache does not reach it`);
    }
    if (options.build) for (const line of describeBuild(await runtime.builder.build({ onProgress: options.onProgress }))) logger.info(line);
    logger.info(`pagemap: serving ${config.publicDir} on ${runtime.url}/${options.watch ? `, watching for changes${runtime.liveReload ? ' (pages reload themselves)' : ''}` : ''}`);
    await options.until;
    logger.info('pagemap: stopping');
  } finally {
    await runtime.close();
  }
}

/** Build, then keep public/ and the Apache rules current until `until`. */
export async function watchSite(config: Config, store: PageMapStore, options: Pick<ServeOptions, 'logger' | 'until' | 'onProgress'>): Promise<void> {
  const { logger } = options;
  const builder = await SiteBuilder.open(config, store, { keepRenderer: true, wholeBuildsApart: true });
  try {
    for (const line of describeBuild(await builder.build({ onProgress: options.onProgress }))) logger.info(line);
    const watcher = new SiteWatcher(builder, logger);
    await watcher.start();
    logger.info(`pagemap: watching ${config.wikiDir}, ${config.templatesDir}, ${config.legacyDir} and the map`);
    await options.until;
    await watcher.close();
  } finally {
    await builder.close();
  }
}
