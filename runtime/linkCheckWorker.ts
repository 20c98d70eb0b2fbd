/**
 * `pagemap check` off the event loop: checkLinks is synchronous CPU and file work (seconds on a
 * big site), so a running server hands it to a worker thread and keeps answering meanwhile.
 * The worker (linkCheckThread.ts) opens the map read-only itself: a better-sqlite3 connection
 * cannot cross threads, and read-only is all a check needs.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../core/config.js';
import { PagemapError } from '../core/errors.js';
import type { LinkReport } from './linkCheck.js';

/** What the worker posts back: the report, or why it has none. */
export type LinkCheckReply = { report: LinkReport } | { error: string };

/** A link check that could not run: the map would not open, a source could not be read, the worker died. */
export class LinkCheckError extends PagemapError {
  constructor(message: string) {
    super('ELINKCHECK', message);
  }
}

/** checkLinks in a worker thread, so a running server keeps answering; the worker opens the map read-only itself. */
export function checkLinksInWorker(config: Config): Promise<LinkReport> {
  return new Promise((resolve, reject) => {
    // Config is plain data (strings, numbers, booleans, undefined, frozen arrays and objects): it clones.
    const worker = new Worker(new URL('./linkCheckThread.js', import.meta.url), { workerData: config });
    let isSettled = false;
    const settle = (outcome: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      // The answer is in: nothing the worker does from here may keep the process alive.
      worker.unref();
      void worker.terminate();
      outcome();
    };
    worker.on('message', (reply: LinkCheckReply) => {
      settle(() => ('report' in reply ? resolve(reply.report) : reject(new LinkCheckError(`link check failed: ${reply.error}`))));
    });
    worker.on('error', (error) => settle(() => reject(new LinkCheckError(`link check failed: the worker crashed: ${error.message}`))));
    // A worker that ends without a word (process.exit, terminate from elsewhere) must not leave the caller waiting.
    worker.on('exit', (code) => settle(() => reject(new LinkCheckError(`link check failed: the worker stopped without a report (exit code ${code})`))));
  });
}
