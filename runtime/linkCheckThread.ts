/** The link check's worker thread (see linkCheckWorker.ts): opens the map read-only, checks, replies once. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../core/config.js';
import { PageMapStore } from '../core/pageMap.js';
import { checkLinks } from './linkCheck.js';
import type { LinkCheckReply } from './linkCheckWorker.js';

const config = workerData as Config;
let reply: LinkCheckReply;
try {
  const store = new PageMapStore(config.database, { readonly: true });
  try {
    reply = { report: await checkLinks(config, store) };
  } finally {
    // Closed before replying: the parent terminates the thread as soon as the reply arrives.
    store.close();
  }
} catch (error) {
  // Errors are sent as text: a structured clone keeps an Error's message but drops its class and code.
  reply = { error: error instanceof Error ? error.message : String(error) };
}
parentPort!.postMessage(reply);
