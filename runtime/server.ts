/**
 * The runtime server: a node:http server that answers what Apache hands it (or everything,
 * when run alone by `npm start`), following runtime/resolve.ts. Files go out through
 * serve-handler; errors are values rendered in one place (sendStatus).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import serveHandler from 'serve-handler';
import { assetFile, outputFileFor } from '../build/buildPlan.js';
import type { Config } from '../build/config.js';
import { isAbsent } from '../build/errors.js';
import { escapeHtml } from '../build/html.js';
import type { PageMapStore } from '../build/pageMap.js';
import { encodePath } from '../build/pagePath.js';
import { findInside } from '../build/sourceFiles.js';
import { type Resolution, SERVED_METHODS, resolveRequest } from './resolve.js';

export interface RuntimeOptions {
  host?: string;
  port?: number;
}

export interface RunningServer {
  server: Server;
  /** http://host:port, the address actually bound (port 0 becomes a real port). */
  url: string;
  close: () => Promise<void>;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 410: 'Gone', 500: 'Internal Server Error' };

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if (isAbsent(error)) return false;
    throw error;
  }
}

/** Hand one file to serve-handler, which does types, lengths, ranges and ETags. */
function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string): Promise<void> {
  req.url = encodePath('/' + rel);
  return serveHandler(req, res, { public: root, directoryListing: false, cleanUrls: false, trailingSlash: false, symlinks: true, etag: true });
}

export function createRuntime(config: Config, store: PageMapStore): Server {
  /** Every error and status page goes out here: the styled page for 404/410, plain text otherwise. */
  async function sendStatus(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}): Promise<void> {
    let body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
    let type = 'text/plain; charset=utf-8';
    if (status === 404 || status === 410) {
      const page = await readFile(join(config.publicDir, assetFile(`${status}.html`))).catch(() => undefined);
      if (page) (body = page.toString('utf8')), (type = 'text/html; charset=utf-8');
    }
    res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function answer(req: IncomingMessage, res: ServerResponse, resolution: Resolution): Promise<void> {
    switch (resolution.kind) {
      case 'error':
        return sendStatus(req, res, resolution.status, resolution.status === 405 ? { Allow: SERVED_METHODS.join(', ') } : {});
      case 'redirect': {
        const body = `<!DOCTYPE html><title>Moved</title><p>Moved to <a href="${escapeHtml(resolution.location)}">${escapeHtml(resolution.location)}</a>.</p>\n`;
        res.writeHead(resolution.status, { Location: resolution.location, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      case 'status':
        return sendStatus(req, res, resolution.status);
      case 'asset': {
        const rel = assetFile(resolution.rel);
        return (await isFile(join(config.publicDir, rel))) ? serveFile(req, res, config.publicDir, rel) : sendStatus(req, res, 404);
      }
      case 'data': {
        const file = await findInside(config.legacyDir, resolution.rel, 'data file').catch(() => undefined);
        return file ? serveFile(req, res, config.legacyDir, resolution.rel) : sendStatus(req, res, 404);
      }
      case 'page': {
        const rel = outputFileFor(resolution.row.path, store.hasPageBelow(resolution.row.path));
        if (!(await isFile(join(config.publicDir, rel)))) return sendStatus(req, res, 404);
        // serve-handler names no type for extension-less files; wiki pages are HTML.
        if (resolution.row.source.startsWith('wiki:')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
        return serveFile(req, res, config.publicDir, rel);
      }
      case 'miss':
        return sendStatus(req, res, 404);
    }
  }

  return createServer((req, res) => {
    const resolution = resolveRequest(req.method ?? 'GET', req.url ?? '/', (path) => store.getCanonical(path));
    answer(req, res, resolution).catch((error: unknown) => {
      console.error(`pagemap: ${req.method} ${req.url}: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) void sendStatus(req, res, 500).catch(() => res.destroy());
      else res.destroy();
    });
  });
}

/** Start the runtime on the config's address (or the options'); resolves once listening. */
export async function startRuntime(config: Config, store: PageMapStore, options: RuntimeOptions = {}): Promise<RunningServer> {
  const server = createRuntime(config, store);
  const host = options.host ?? config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, host, () => (server.off('error', reject), resolve()));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
