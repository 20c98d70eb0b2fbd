/**
 * Editors see their edits (`serve` in watch mode): a page the runtime sends straight to a
 * browser carries a few lines of script that listen on `/_pagemap/live` (server-sent events)
 * and reload the page when the watcher rebuilds it. The script lives only in the runtime's
 * answer — never in public/, so Apache never serves it — and only for a request that did not
 * come through a proxy (Apache adds X-Forwarded-For). The listeners are anonymous, so they
 * are bounded: at most MAX_LISTENERS at once, the oldest let go first; each costs one lookup
 * of its page's output record per batch of the watcher.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LIVE_RELOAD_PATH = '/_pagemap/live';
/** Open event streams at once; a tab past that takes the oldest one's place. */
export const MAX_LISTENERS = 64;
const KEEP_ALIVE_MS = 25_000;

/** The script for a page at `path` (canonical): the path as JSON, with `<` escaped so no text ends the script early. */
export function liveReloadScript(path: string): string {
  const quoted = JSON.stringify(path).replace(/</g, '\\u003c');
  return `<script>/* pagemap live reload: serve only */new EventSource(${JSON.stringify(LIVE_RELOAD_PATH + '?path=')}+encodeURIComponent(${quoted})).addEventListener('reload',function(){location.reload()});</script>`;
}

/** The page with the script put before `</body>` (or at the end when it has none). */
export function withLiveReload(html: Buffer, path: string): Buffer {
  const text = html.toString('utf8');
  const at = text.toLowerCase().lastIndexOf('</body>');
  const script = liveReloadScript(path);
  return Buffer.from(at < 0 ? text + script : text.slice(0, at) + script + text.slice(at), 'utf8');
}

/** Whether a request came to the runtime directly (a proxy in front, like Apache, says X-Forwarded-For). */
export function isDirectRequest(req: IncomingMessage): boolean {
  return req.headers['x-forwarded-for'] === undefined && req.headers.via === undefined;
}

interface Listener {
  path: string;
  res: ServerResponse;
  /** The page's output as the build last recorded it, when the listener came or was last told. */
  signature: string;
}

/**
 * The listeners of pages, told to reload when a page's output changes — whoever rebuilt it:
 * the watcher, or another process (`pagemap migrate`, `pagemap build`), whose change the
 * watcher notices as a map or source change. `signatureOf` reads what the build recorded.
 */
export class LiveReload {
  private readonly listeners = new Set<Listener>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly signatureOf: (path: string) => string;
  private isClosed = false;

  constructor(signatureOf: (path: string) => string) {
    this.signatureOf = signatureOf;
    // A comment now and then keeps proxies and browsers from closing an idle stream.
    this.keepAlive = setInterval(() => {
      for (const { res } of this.listeners) res.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS).unref();
  }

  /** `GET /_pagemap/live?path=/doc/index.html`: an event stream for that page. */
  listen(req: IncomingMessage, res: ServerResponse, path: string): void {
    // Stopping: 204 tells an EventSource not to come back (a tab would otherwise hold the server open).
    if (this.isClosed) return void res.writeHead(204).end();
    if (this.listeners.size >= MAX_LISTENERS) {
      const oldest = this.listeners.values().next().value!;
      this.listeners.delete(oldest);
      oldest.res.end();
    }
    const listener = { path, res, signature: this.signatureOf(path) };
    this.listeners.add(listener);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': listening\n\n');
    req.on('close', () => this.listeners.delete(listener));
  }

  /** After the watcher's work: tell each page whose output changed since its listener last heard. */
  refresh(): void {
    for (const listener of this.listeners) {
      const signature = this.signatureOf(listener.path);
      if (signature === listener.signature) continue;
      listener.signature = signature;
      listener.res.write('event: reload\ndata: rebuilt\n\n');
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  close(): void {
    this.isClosed = true;
    clearInterval(this.keepAlive);
    for (const { res } of this.listeners) res.end();
    this.listeners.clear();
  }
}
