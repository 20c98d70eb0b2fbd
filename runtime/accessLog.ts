/**
 * An access log in Apache's combined format, so the tools people already use (goaccess,
 * awstats, grep) read the runtime's log like Apache's own:
 * `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `[26/Nov/2026:23:13:35 +0000]` — Apache's %t, in UTC. */
export function logTime(date: Date): string {
  return `[${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000]`;
}

const UTF8 = new TextEncoder();

/**
 * Quote a request-controlled value as Apache does: backslash-escape `"` and `\`, hex-escape
 * every byte that is not printable ASCII, so a log line can never be split or forged.
 */
function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  // Node hands header bytes over as latin1, so a code unit up to 0xFF is the byte itself.
  const bytesOf = (c: string) => (c.charCodeAt(0) <= 0xff ? [c.charCodeAt(0)] : [...UTF8.encode(c)]);
  const hex = (c: string) => bytesOf(c).map((b) => '\\x' + b.toString(16).padStart(2, '0')).join('');
  return '"' + value.replace(/["\\]/g, (c) => '\\' + c).replace(/[^\x20-\x7e]/gu, hex) + '"';
}

/**
 * One combined-format line (without the newline). `url` is the request-target as received;
 * `bytes` the body length sent; `client` the address it came from (by default the socket's,
 * which is gone once a response has been cut short).
 */
export function combinedLogLine(req: IncomingMessage, url: string, status: number, bytes: number, when: Date, client = req.socket?.remoteAddress): string {
  const request = `${req.method ?? '-'} ${url} HTTP/${req.httpVersion}`;
  const host = client ?? '-';
  return `${host} - - ${logTime(when)} ${quoted(request)} ${status} ${bytes > 0 ? bytes : '-'} ${quoted(req.headers.referer)} ${quoted(req.headers['user-agent'])}`;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/** Log every response when it finishes. `write` receives whole lines, without the newline. */
export function logResponses(write: (line: string) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = new Date();
    const url = req.url ?? '-'; // handlers may rewrite req.url; the log shows what was asked
    // Read now: a response ended before its request was read whole (a 413) loses its socket before 'close'.
    const client = req.socket.remoteAddress;
    let bytes = 0;
    // Count the body as it is written, whichever way the handler sends it (%b of Apache).
    const { write: writeBody, end } = res;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      bytes += byteLength(chunk, rest[0]);
      return (writeBody as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') bytes += byteLength(chunk, rest[0]);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    // 'close' comes for every response, also when the client hangs up as the last byte leaves.
    res.once('close', () => write(combinedLogLine(req, url, res.statusCode, req.method === 'HEAD' ? 0 : bytes, started, client)));
  };
}
