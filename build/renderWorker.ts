/** A render worker (see renderPool.ts): produces the pages it is sent with the template it was given. */
import { parentPort, workerData } from 'node:worker_threads';
import { SourceError } from './errors.js';
import { PageRenderer, type ProduceRequest } from './pageRenderer.js';
import type { WorkerBatch, WorkerReply } from './renderPool.js';
import type { SiteTemplate } from './template.js';

const renderer = await PageRenderer.create((workerData as { template: SiteTemplate }).template);

function produce(id: number, request: ProduceRequest): WorkerReply {
  try {
    return { id, result: renderer.produce(request) };
  } catch (error) {
    return { id, error: (error as Error).message, isSourceError: error instanceof SourceError };
  }
}

parentPort!.on('message', (batch: WorkerBatch) => {
  parentPort!.postMessage(batch.map(({ id, request }) => produce(id, request)));
});
