/**
 * Every answer that is not a file: the styled 404 and 410 pages (the files the build writes
 * into public/_pagemap/, typed as Apache's ErrorDocument types them), one plain line for the
 * other statuses, and the short page a redirect carries.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { assetFile } from '../build/buildPlan.js';
import { escapeHtml } from '../core/html.js';
import { CACHE_POLICY, type FileSender } from './fileSender.js';
import { type MediaTypes, contentTypeFor } from './mediaTypes.js';

export class StatusPages {
  private readonly publicDir: string;
  private readonly files: FileSender;
  private readonly mediaTypes: MediaTypes;

  constructor(publicDir: string, files: FileSender, mediaTypes: MediaTypes) {
    this.publicDir = publicDir;
    this.files = files;
    this.mediaTypes = mediaTypes;
  }

  /** Answer `status` with no file: the styled page for 404 and 410, plain text otherwise. */
  send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
    let body: string | Buffer = `${status} ${STATUS_CODES[status] ?? ''}\n`;
    let type = 'text/plain; charset=utf-8';
    if (status === 404 || status === 410) {
      const file = assetFile(`${status}.html`);
      const page = this.files.read(this.publicDir, file);
      if (page) ((body = page), (type = contentTypeFor(this.mediaTypes, file) ?? 'text/html'));
    }
    res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': CACHE_POLICY.page });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** A 301 or 302 to `location` (already encoded for the header), with a page that links it. */
  redirect(req: IncomingMessage, res: ServerResponse, status: 301 | 302, location: string): void {
    const body = `<!DOCTYPE html>\n<title>Moved</title>\n<p>This page has moved to <a href="${escapeHtml(location)}">${escapeHtml(location)}</a>.</p>\n`;
    res.writeHead(status, { Location: location, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
