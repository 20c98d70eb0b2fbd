/** A render worker (see renderPool.ts): produces the pages it is sent with the template it was given. */
import { parentPort, workerData } from 'node:worker_threads';
import { SourceError } from './errors.js';
import { PageRenderer, type ProduceRequest } from './pageRenderer.js';
import type { WorkerReply } from './renderPool.js';
import type { SiteTemplate } from './template.js';

const renderer = await PageRenderer.create((workerData as { template: SiteTemplate }).template);

parentPort!.on('message', ({ id, request }: { id: number; request: ProduceRequest }) => {
  let reply: WorkerReply;
  try {
    reply = { id, result: renderer.produce(request) };
  } catch (error) {
    reply = { id, error: (error as Error).message, isSourceError: error instanceof SourceError };
  }
  parentPort!.postMessage(reply);
});
