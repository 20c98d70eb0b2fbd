/**
 * Who may use the admin page, and the proof that a change came from its own form.
 *
 * - A loopback client is let in without a password (unless `admin.trustLoopback: false`),
 *   but only when nothing says the request came from further away: a proxy in front (Apache,
 *   nginx) connects from loopback too, so any proxy header (X-Forwarded-For, Forwarded, Via,
 *   X-Real-IP) makes a request remote; and a Host that is not a loopback name makes it remote
 *   as well (DNS rebinding: a page of evil.example resolving to 127.0.0.1 must not drive the
 *   admin from a local browser).
 * - Everyone else logs in with the password whose hash the config holds; without one, the
 *   admin page is closed to them.
 * - A session is a random id in an HttpOnly, SameSite=Strict cookie scoped to the admin path;
 *   each carries its own CSRF token, which every change must send back.
 *
 * The tables anonymous clients feed are bounded: at most MAX_SESSIONS sessions (the longest
 * idle let go first; local ones are made on a first visit), failed logins remembered for at most
 * MAX_LOGIN_CLIENTS addresses, at most MAX_VERIFYING password checks (32 MiB of scrypt each)
 * at once.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { verifyPassword } from '../../core/adminPassword.js';
import type { Config } from '../../core/config.js';

export const ADMIN_PATH = '/_pagemap/admin';
export const SESSION_COOKIE = 'pagemap_admin';
export const MAX_SESSIONS = 256;
/** A session not used for this long is over; none lasts longer than SESSION_MAX_MS. */
export const SESSION_IDLE_MS = 2 * 3600_000;
export const SESSION_MAX_MS = 12 * 3600_000;
/** Failed logins allowed per client address within LOGIN_WINDOW_MS. */
export const MAX_FAILED_LOGINS = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_LOGIN_CLIENTS = 1024;
export const MAX_VERIFYING = 2;

const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'via', 'x-real-ip'] as const;

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  readonly created: number;
  lastSeen: number;
  /** Let in as a loopback client, not by the password: valid only while its requests stay local. */
  readonly isLocalGrant: boolean;
  /** What the last change did, shown once on the page it leads to. */
  notice?: { lines: string[]; isError: boolean };
}

export type Access =
  | { kind: 'in'; session: Session; isNew: boolean }
  | { kind: 'login' }
  | { kind: 'closed'; reason: string };

export type LoginOutcome = { session: Session } | { status: 401 | 429 | 503; problem: string };

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** localhost, *.localhost, 127.x.x.x or [::1], with or without a port. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')).toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** Whether a request is a local one: from loopback, to a loopback name, through no proxy. */
export function isLocalRequest(req: IncomingMessage): boolean {
  return isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host) && PROXY_HEADERS.every((name) => req.headers[name] === undefined);
}

/** The value of one cookie, or undefined. */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function isSameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AdminAccess {
  private readonly admin: Config['admin'];
  private readonly now: () => number;
  /** Insertion order is last-use order: a use moves a session to the end. */
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, number[]>();
  private verifying = 0;

  constructor(admin: Config['admin'], now: () => number = Date.now) {
    this.admin = admin;
    this.now = now;
  }

  /** Who is asking: a session (made now for a trusted local client), someone who must log in, or no one allowed. */
  check(req: IncomingMessage): Access {
    const isLocal = this.admin.trustLoopback && isLocalRequest(req);
    const session = this.sessionOf(req);
    if (session && (!session.isLocalGrant || isLocal)) return { kind: 'in', session, isNew: false };
    if (isLocal) return { kind: 'in', session: this.open(true), isNew: true };
    if (this.admin.passwordHash) return { kind: 'login' };
    return {
      kind: 'closed',
      reason: this.admin.trustLoopback
        ? 'the admin page answers only local requests (from this machine, not through a proxy) until a password is set: run pagemap admin-password and put the hash into pagemap.config.json as admin.passwordHash'
        : 'admin.trustLoopback is false and no admin.passwordHash is set: run pagemap admin-password and put the hash into pagemap.config.json',
    };
  }

  /** The session a request's cookie names, if it is still open (its use noted). */
  private sessionOf(req: IncomingMessage): Session | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    this.sessions.delete(session.id);
    if (now - session.lastSeen > SESSION_IDLE_MS || now - session.created > SESSION_MAX_MS) return undefined;
    session.lastSeen = now;
    this.sessions.set(session.id, session);
    return session;
  }

  private open(isLocalGrant: boolean): Session {
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const now = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), csrfToken: randomBytes(32).toString('base64url'), created: now, lastSeen: now, isLocalGrant };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Try the password; a session when it is right. Failures are counted per client address. */
  async logIn(req: IncomingMessage, password: string): Promise<LoginOutcome> {
    const hash = this.admin.passwordHash;
    if (!hash) return { status: 401, problem: 'no password is set (admin.passwordHash)' };
    const client = req.socket.remoteAddress ?? '';
    const now = this.now();
    const recent = (this.failures.get(client) ?? []).filter((at) => now - at < LOGIN_WINDOW_MS);
    if (recent.length >= MAX_FAILED_LOGINS) {
      const minutes = Math.ceil((recent[0]! + LOGIN_WINDOW_MS - now) / 60_000);
      return { status: 429, problem: `too many wrong passwords from this address: try again in ${minutes} minute${minutes === 1 ? '' : 's'}` };
    }
    if (this.verifying >= MAX_VERIFYING) return { status: 503, problem: 'other logins are being checked: try again in a moment' };
    this.verifying++;
    let isRight: boolean;
    try {
      isRight = await verifyPassword(password, hash);
    } finally {
      this.verifying--;
    }
    if (isRight) {
      this.failures.delete(client);
      return { session: this.open(false) };
    }
    this.failures.delete(client);
    if (this.failures.size >= MAX_LOGIN_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(client, [...recent, now]);
    return { status: 401, problem: 'wrong password' };
  }

  logOut(session: Session): void {
    this.sessions.delete(session.id);
  }

  /** Whether a form's token is its session's. */
  isValidCsrf(session: Session, token: string | undefined): boolean {
    return token !== undefined && isSameText(token, session.csrfToken);
  }

  /** The Set-Cookie value for a session (Secure when a TLS proxy says the browser came over https). */
  cookieFor(session: Session, req: IncomingMessage): string {
    const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    return `${SESSION_COOKIE}=${session.id}; Path=${ADMIN_PATH}; HttpOnly; SameSite=Strict${secure}`;
  }

  /** The Set-Cookie value that ends a session in the browser. */
  clearingCookie(): string {
    return `${SESSION_COOKIE}=; Path=${ADMIN_PATH}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
