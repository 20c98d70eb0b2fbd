/**
 * `/_pagemap/admin` on the runtime: the seed's Django admin done for pagemap — the map listed,
 * searched, filtered and edited; the misses made into rows; the migration's status. Only the
 * runtime answers it: nothing of it is written into public/, and Apache serves /_pagemap/ from
 * public/ alone, so through Apache it is a 404 (test/apache.test.ts).
 *
 * Every change is a POST carrying the session's CSRF token (and, when the browser says where
 * it came from, an Origin of this host), goes through the same validation as `pagemap map set`
 * (core/mapEdit.ts), and is followed by the rebuild a map change brings before the answer, so
 * the next request sees it. A refused row shows its form again with the message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteTemplate } from '../../build/template.js';
import type { Config } from '../../core/config.js';
import { PagemapError } from '../../core/errors.js';
import { escapeHtml } from '../../core/html.js';
import { removeRow, setRow } from '../../core/mapEdit.js';
import { type ListFilter, type PageMapStore, SOURCE_KINDS, type SourceKind } from '../../core/pageMap.js';
import { pathForExport } from '../../core/pagePath.js';
import { type Origin, type Status, isOrigin, isStatus } from '../../core/pageRow.js';
import { checkLinksInWorker } from '../linkCheckWorker.js';
import { type MigrationStatus, migrationStatus } from '../migrationStatus.js';
import { ADMIN_PATH, AdminAccess, type Session } from './adminAccess.js';
import { ADMIN_CSS, ADMIN_CSS_PATH, type Notice, type RowFormValues, type Section, adminPage, adminUrl, loginContent, mapContent, missesContent, rowContent, statusContent } from './adminPages.js';

export const ROWS_PER_PAGE = 50;
const MISSES_SHOWN = 100;
/** A form is a few fields; anything larger is not one of ours. */
export const MAX_FORM_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

export interface AdminDeps {
  config: Config;
  store: PageMapStore;
  /** The site's template as the builder holds it now. */
  template: () => SiteTemplate;
  /** After a row changed: public/ and the Apache rules brought up to date (resolves when done). */
  applyMapChange: () => Promise<void>;
  /** Misses counted in memory written to the map, so the list is current. */
  flushMisses: () => void;
}

/** Whether a request target is the admin's (the page, its sub-pages, its stylesheet). */
export function isAdminTarget(url: string): boolean {
  return url === ADMIN_PATH || url.startsWith(`${ADMIN_PATH}/`) || url.startsWith(`${ADMIN_PATH}?`);
}

class FormError extends PagemapError {
  readonly status: 403 | 413 | 415;
  constructor(status: 403 | 413 | 415, message: string) {
    super('EFORM', message);
    this.status = status;
  }
}

/** A urlencoded form body, at most MAX_FORM_BYTES. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new FormError(415, 'a change is sent as a form (application/x-www-form-urlencoded)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormError(413, `a form larger than ${MAX_FORM_BYTES / 1024} KiB is not one of the admin's`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Whether a browser's Origin (when it sends one) is this very host. */
function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A local admin path to go to after logging in; anything else goes to the map. */
function safeNext(next: string | null): string {
  return next && isAdminTarget(next) && !next.includes('\\') ? next : ADMIN_PATH;
}

export class AdminServer {
  readonly access: AdminAccess;
  private readonly deps: AdminDeps;
  /** The status being worked out (a link check in a worker): requests meanwhile share it. */
  private statusInFlight: Promise<MigrationStatus> | undefined;

  constructor(deps: AdminDeps) {
    this.deps = deps;
    this.access = new AdminAccess(deps.config.admin);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? ADMIN_PATH;
    const queryAt = url.indexOf('?');
    const sub = (queryAt < 0 ? url : url.slice(0, queryAt)).slice(ADMIN_PATH.length);
    const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (!isRead && method !== 'POST') return this.send(req, res, 405, 'text/plain; charset=utf-8', '405 Method Not Allowed\n', { Allow: 'GET, HEAD, POST' });
    if (ADMIN_PATH + sub === ADMIN_CSS_PATH && isRead) return this.send(req, res, 200, 'text/css; charset=utf-8', ADMIN_CSS);

    const access = this.access.check(req);
    if (access.kind === 'closed') return this.page(req, res, 403, 'login', 'Admin closed', `<p>${escapeHtml(access.reason)}</p>`);
    if (access.kind === 'login') {
      if (sub === '/login' && method === 'POST') return this.logIn(req, res);
      return this.page(req, res, 401, 'login', 'Log in', loginContent(safeNext(isRead ? url : ADMIN_PATH)));
    }
    const { session } = access;
    if (access.isNew) res.setHeader('Set-Cookie', this.access.cookieFor(session, req));
    if (sub === '/login') return this.seeOther(res, ADMIN_PATH);

    if (method === 'POST') {
      let form: URLSearchParams;
      try {
        if (!isSameOrigin(req)) throw new FormError(403, `a change from another site (Origin ${req.headers.origin}) is refused`);
        form = await readForm(req);
        if (!this.access.isValidCsrf(session, form.get('csrf') ?? undefined)) throw new FormError(403, 'this change carries no valid CSRF token: reload the page and try again');
      } catch (error) {
        if (!(error instanceof FormError)) throw error;
        return this.page(req, res, error.status, 'map', 'Change refused', `<div class="admin-notice admin-error" role="alert"><p>${escapeHtml(error.message)}</p></div>`, session);
      }
      if (sub === '/logout') {
        this.access.logOut(session);
        res.setHeader('Set-Cookie', this.access.clearingCookie());
        return this.seeOther(res, ADMIN_PATH);
      }
      if (sub === '/row') return this.changeRow(req, res, session, form);
      return this.page(req, res, 404, 'map', 'Not found', '<p>The admin has no such page.</p>', session);
    }

    const notice = session.notice;
    session.notice = undefined;
    switch (sub) {
      case '':
      case '/':
        return this.showMap(req, res, session, query, notice);
      case '/row': {
        const shown = query.get('path') ?? '';
        return this.page(req, res, 200, 'map', `Row ${shown}`, rowContent(this.deps.store.get(shown), shown, session.csrfToken, notice), session);
      }
      case '/misses':
        this.deps.flushMisses();
        return this.page(req, res, 200, 'misses', 'Misses', missesContent(this.deps.store.topMisses(MISSES_SHOWN), session.csrfToken, notice), session);
      case '/status': {
        this.statusInFlight ??= migrationStatus(this.deps.config, this.deps.store, { check: (config) => checkLinksInWorker(config) }).finally(() => (this.statusInFlight = undefined));
        const found = await this.statusInFlight;
        return this.page(req, res, 200, 'status', 'Migration status', statusContent(found), session);
      }
      default:
        return this.page(req, res, 404, 'map', 'Not found', '<p>The admin has no such page.</p>', session);
    }
  }

  private showMap(req: IncomingMessage, res: ServerResponse, session: Session, query: URLSearchParams, notice?: Notice, addValues?: RowFormValues, status = 200): void {
    const statusText = Number(query.get('status'));
    const kind = query.get('kind') as SourceKind;
    const origin = query.get('origin');
    const filter: ListFilter = {
      search: query.get('q')?.slice(0, 500) || undefined,
      inSources: true,
      status: isStatus(statusText) ? (statusText as Status) : undefined,
      sourceKind: SOURCE_KINDS.includes(kind) ? kind : undefined,
      origin: isOrigin(origin) ? (origin as Origin) : undefined,
    };
    const total = this.deps.store.countWhere(filter);
    const pageCount = Math.max(1, Math.ceil(total / ROWS_PER_PAGE));
    const page = Math.min(pageCount, Math.max(1, Math.trunc(Number(query.get('page'))) || 1));
    const rows = this.deps.store.list({ ...filter, limit: ROWS_PER_PAGE, offset: (page - 1) * ROWS_PER_PAGE });
    this.page(req, res, status, 'map', 'Page map', mapContent({ rows, total, filter, page, pageCount, csrfToken: session.csrfToken, notice, addValues }), session);
  }

  /** Add, change or remove a row, as `map set`/`map rm` would; then the map's rebuild. */
  private async changeRow(req: IncomingMessage, res: ServerResponse, session: Session, form: URLSearchParams): Promise<void> {
    const action = form.get('action');
    const values: RowFormValues = { path: form.get('path') ?? '', status: form.get('status') ?? '', source: form.get('source') ?? '' };
    const returnTo = form.get('return');
    let lines: string[];
    try {
      if (action === 'remove') {
        removeRow(this.deps.store, values.path);
        lines = [`removed: ${values.path}`];
      } else if (action === 'add' || action === 'save') {
        const edit = setRow(this.deps.config, this.deps.store, { path: values.path, status: values.status, source: values.source === '' ? undefined : values.source });
        lines = [`${edit.outcome}: ${values.path}`, ...edit.warnings.map((warning) => `warning: ${warning}`)];
      } else {
        lines = [];
      }
    } catch (error) {
      if (!(error instanceof PagemapError)) throw error;
      const notice = { lines: [`error: ${error.message}`], isError: true };
      if (returnTo === 'misses') return this.page(req, res, 400, 'misses', 'Misses', missesContent(this.deps.store.topMisses(MISSES_SHOWN), session.csrfToken, notice), session);
      if (action === 'add') return this.showMap(req, res, session, new URLSearchParams(), notice, values, 400);
      return this.page(req, res, 400, 'map', `Row ${values.path}`, rowContent(this.deps.store.get(values.path), values.path, session.csrfToken, notice, values), session);
    }
    if (!lines.length) return this.page(req, res, 400, 'map', 'Change refused', '<p>Unknown action.</p>', session);
    await this.deps.applyMapChange();
    session.notice = { lines, isError: false };
    if (returnTo === 'misses') return this.seeOther(res, adminUrl('/misses'));
    if (action === 'remove') return this.seeOther(res, ADMIN_PATH);
    return this.seeOther(res, adminUrl('/row', { path: pathForExport(this.deps.store.get(values.path)!.path) }));
  }

  private async logIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let form: URLSearchParams;
    try {
      if (!isSameOrigin(req)) throw new FormError(403, `a login from another site (Origin ${req.headers.origin}) is refused`);
      form = await readForm(req);
    } catch (error) {
      if (!(error instanceof FormError)) throw error;
      return this.page(req, res, error.status, 'login', 'Log in', loginContent(ADMIN_PATH, error.message));
    }
    const next = safeNext(form.get('next'));
    const outcome = await this.access.logIn(req, form.get('password') ?? '');
    if ('problem' in outcome) return this.page(req, res, outcome.status, 'login', 'Log in', loginContent(next, outcome.problem));
    res.setHeader('Set-Cookie', this.access.cookieFor(outcome.session, req));
    this.seeOther(res, next);
  }

  private page(req: IncomingMessage, res: ServerResponse, status: number, section: Section | 'login', title: string, content: string, session?: Session): void {
    this.send(req, res, status, 'text/html; charset=utf-8', adminPage(this.deps.template(), { section, title, content, csrfToken: session?.csrfToken }));
  }

  private seeOther(res: ServerResponse, location: string): void {
    res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Content-Length': 0 }).end();
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
