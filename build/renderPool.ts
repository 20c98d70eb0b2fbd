/**
 * Where wiki pages are produced (read, rendered, written): on the main thread for a handful
 * of pages, or in a pool of worker threads when a build has many — Markdown is CPU work,
 * and each worker does its own file I/O, so nothing funnels through one thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SourceError } from './errors.js';
import { PageRenderer, type ProduceRequest, type ProduceResult } from './pageRenderer.js';
import type { SiteTemplate } from './template.js';

export interface RenderService {
  produce(request: ProduceRequest): Promise<ProduceResult>;
  close(): Promise<void>;
}

/** Below this many pages to render, starting workers (~50 ms each) costs more than it saves. */
export const POOL_THRESHOLD = 150;

/** Render on this thread. */
export async function inlineRenderer(template: SiteTemplate): Promise<RenderService> {
  const renderer = await PageRenderer.create(template);
  return { produce: async (request) => renderer.produce(request), close: async () => undefined };
}

export type WorkerReply = { id: number; result: ProduceResult } | { id: number; error: string; isSourceError: boolean };
/** Requests and replies travel in batches: a message between threads costs more than a page's I/O. */
export type WorkerBatch = { id: number; request: ProduceRequest }[];

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (result: ProduceResult) => void; reject: (error: Error) => void }>;
  outbox: WorkerBatch;
}

/** Render in `size` worker threads; each task goes to the least busy one. */
export function workerPool(template: SiteTemplate, size = availableParallelism()): RenderService {
  let nextId = 0;
  const workers: PoolWorker[] = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(new URL('./renderWorker.js', import.meta.url), { workerData: { template } });
    const entry: PoolWorker = { worker, pending: new Map(), outbox: [] };
    worker.on('message', (replies: WorkerReply[]) => {
      for (const reply of replies) {
        const waiting = entry.pending.get(reply.id);
        entry.pending.delete(reply.id);
        if ('result' in reply) waiting?.resolve(reply.result);
        else waiting?.reject(reply.isSourceError ? new SourceError(reply.error) : new Error(reply.error));
      }
    });
    const failAll = (error: Error) => {
      for (const waiting of entry.pending.values()) waiting.reject(error);
      entry.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`render worker exited with code ${code}`)));
    return entry;
  });
  let isFlushScheduled = false;
  const flush = () => {
    isFlushScheduled = false;
    for (const entry of workers) {
      if (entry.outbox.length) entry.worker.postMessage(entry.outbox);
      entry.outbox = [];
    }
  };
  return {
    produce(request) {
      const entry = workers.reduce((least, w) => (w.pending.size < least.pending.size ? w : least));
      const id = nextId++;
      return new Promise<ProduceResult>((resolve, reject) => {
        entry.pending.set(id, { resolve, reject });
        entry.outbox.push({ id, request });
        if (!isFlushScheduled) ((isFlushScheduled = true), setImmediate(flush));
      });
    },
    /** Let the pages in progress finish (a template reload must not cut a render short), then stop. */
    async close() {
      while (workers.some((w) => w.pending.size > 0)) await new Promise((r) => setTimeout(r, 5));
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

/** The right service for `count` pages to render. */
export function rendererFor(template: SiteTemplate, count: number): Promise<RenderService> | RenderService {
  return count >= POOL_THRESHOLD && availableParallelism() > 1 ? workerPool(template) : inlineRenderer(template);
}
