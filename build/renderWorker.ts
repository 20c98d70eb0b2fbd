/** A render worker (see renderPool.ts): produces the pages it is sent with the template it was given. */
import { parentPort, workerData } from 'node:worker_threads';
import { SourceError } from '../core/errors.js';
import { PageRenderer, type ProduceRequest } from './pageRenderer.js';
import type { WorkerBatch, WorkerReply, WorkerSetup } from './renderPool.js';

const { template, progress } = workerData as WorkerSetup;
const renderer = PageRenderer.create(template);

function produce(id: number, request: ProduceRequest): WorkerReply {
  try {
    return { id, result: renderer.produce(request) };
  } catch (error) {
    return { id, error: (error as Error).message, isSourceError: error instanceof SourceError };
  }
}

parentPort!.on('message', (batch: WorkerBatch) => {
  const replies = batch.map(({ id, request }) => {
    // The pool reads this to know which page this worker is on, should it die or stall.
    Atomics.store(progress, 0, id);
    return produce(id, request);
  });
  Atomics.store(progress, 0, -1);
  parentPort!.postMessage(replies);
});
