/**
 * Where wiki pages are produced (read, rendered, written): worker threads, always. Markdown is
 * CPU work and each worker does its own file I/O, so nothing funnels through one thread; and a
 * worker is a fence. A page that runs its worker out of memory, or renders past the time
 * limit, costs only that worker: it is replaced, the page that killed it fails with an error
 * naming it, and the other pages it held are handed to another worker.
 *
 * Each worker writes the id of the page it is rendering into a shared word of memory, so the
 * pool knows which page a dead worker was on, and how long it has been on it, without a
 * message per page (messages travel in batches: one costs more than a page's I/O).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PagemapError, SourceError } from '../core/errors.js';
import type { ProduceRequest, ProduceResult } from './pageRenderer.js';
import type { SiteTemplate } from './template.js';

export interface RenderService {
  produce(request: ProduceRequest): Promise<ProduceResult>;
  close(): Promise<void>;
}

/** What one render may cost before it is stopped. */
export interface RenderLimits {
  /** Wall-clock time for one page. */
  timeoutMs: number;
  /** Each worker's JavaScript heap (V8 old generation), in megabytes. */
  memoryMb: number;
}

export interface PoolOptions extends RenderLimits {
  /** Workers started at once. */
  minWorkers: number;
  /** Further workers start, up to this many, when a page arrives and every worker is busy. */
  maxWorkers: number;
}

/** A page whose render killed its worker or ran past the time limit. */
export class RenderError extends PagemapError {
  constructor(message: string) {
    super('ERENDER', message);
  }
}

/** Below this many pages to render, one worker does; more start for bigger builds. */
export const POOL_THRESHOLD = 150;

/** @internal Render workers started by this thread so far (a test checks a build starts no more than it needs). */
export let workersStarted = 0;

/** A page handed to a worker whose reply, or death, settles it. */
interface Task {
  id: number;
  request: ProduceRequest;
  resolve: (result: ProduceResult) => void;
  reject: (error: Error) => void;
  /** How many workers died with this page pending but not running: a page that is never the culprit still fails in the end. */
  requeues: number;
}

export type WorkerReply = { id: number; result: ProduceResult } | { id: number; error: string; isSourceError: boolean };
/** Requests and replies travel in batches. */
export type WorkerBatch = { id: number; request: ProduceRequest }[];
/** What a worker starts with: the template, and the shared word where it says which page it is on (-1: none). */
export interface WorkerSetup {
  template: SiteTemplate;
  progress: Int32Array;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Task>;
  outbox: WorkerBatch;
  progress: Int32Array;
  /** The page id the watchdog last saw running, and since when. */
  seenId: number;
  seenSince: number;
  /** Why it died, when the pool knows better than the exit code. */
  failure: string | undefined;
}

const MAX_REQUEUES = 2;
const NOT_RUNNING = -1;

export class RenderPool implements RenderService {
  private readonly template: SiteTemplate;
  private readonly options: PoolOptions;
  private readonly workers = new Set<PoolWorker>();
  private readonly watchdog: NodeJS.Timeout;
  private nextId = 0;
  private isFlushScheduled = false;
  private isClosed = false;
  private onIdle: (() => void) | undefined;

  constructor(template: SiteTemplate, options: PoolOptions) {
    this.template = template;
    this.options = { ...options, maxWorkers: Math.max(1, options.minWorkers, options.maxWorkers) };
    for (let i = 0; i < options.minWorkers; i++) this.spawn();
    this.watchdog = setInterval(() => this.checkTimeouts(), Math.min(1000, Math.max(20, options.timeoutMs / 4)));
    this.watchdog.unref();
  }

  produce(request: ProduceRequest): Promise<ProduceResult> {
    if (this.isClosed) return Promise.reject(new Error('render pool is closed'));
    return new Promise((resolve, reject) => this.dispatch({ id: this.nextId++ & 0x7fffffff, request, resolve, reject, requeues: 0 }));
  }

  /** Let the pages in progress finish (a template reload must not cut a render short), then stop. */
  async close(): Promise<void> {
    this.isClosed = true;
    if (this.pendingCount() > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    clearInterval(this.watchdog);
    await Promise.all([...this.workers].map((w) => w.worker.terminate()));
  }

  /** How many workers are alive (tests watch replacements with it). */
  get size(): number {
    return this.workers.size;
  }

  private pendingCount(): number {
    let count = 0;
    for (const w of this.workers) count += w.pending.size;
    return count;
  }

  private dispatch(task: Task): void {
    const entry = this.pick();
    if (entry.pending.size === 0) entry.worker.ref();
    entry.pending.set(task.id, task);
    entry.outbox.push({ id: task.id, request: task.request });
    if (!this.isFlushScheduled) ((this.isFlushScheduled = true), setImmediate(() => this.flush()));
  }

  /** An idle worker, else a new one while there is room, else the least busy. */
  private pick(): PoolWorker {
    let least: PoolWorker | undefined;
    for (const w of this.workers) {
      if (w.pending.size === 0) return w;
      if (!least || w.pending.size < least.pending.size) least = w;
    }
    return !least || this.workers.size < this.options.maxWorkers ? this.spawn() : least;
  }

  private flush(): void {
    this.isFlushScheduled = false;
    for (const entry of this.workers) {
      if (entry.outbox.length) entry.worker.postMessage(entry.outbox);
      entry.outbox = [];
    }
  }

  private spawn(): PoolWorker {
    workersStarted++;
    const progress = new Int32Array(new SharedArrayBuffer(4));
    progress[0] = NOT_RUNNING;
    const setup: WorkerSetup = { template: this.template, progress };
    const worker = new Worker(new URL('./renderWorker.js', import.meta.url), {
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    const entry: PoolWorker = { worker, pending: new Map(), outbox: [], progress, seenId: NOT_RUNNING, seenSince: 0, failure: undefined };
    worker.unref(); // only pending pages keep the process alive (see dispatch and settle)
    worker.on('message', (replies: WorkerReply[]) => {
      for (const reply of replies) {
        const task = entry.pending.get(reply.id);
        if (!task) continue;
        entry.pending.delete(reply.id);
        if ('result' in reply) task.resolve(reply.result);
        else task.reject(reply.isSourceError ? new SourceError(reply.error) : new Error(reply.error));
      }
      this.afterSettle(entry);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      entry.failure ??=
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the render ran out of memory (renderMemoryMb is ${this.options.memoryMb}): the page is too big to render`
          : `the render worker crashed: ${error.message}`;
    });
    worker.on('exit', (code) => this.onExit(entry, code));
    this.workers.add(entry);
    return entry;
  }

  private afterSettle(entry: PoolWorker): void {
    if (entry.pending.size === 0) entry.worker.unref();
    if (this.onIdle && this.pendingCount() === 0) this.onIdle();
  }

  /** A worker is gone: fail the page it was on, hand the rest to another worker. */
  private onExit(entry: PoolWorker, code: number): void {
    this.workers.delete(entry);
    if (entry.pending.size === 0) return;
    const culprit = Atomics.load(entry.progress, 0);
    const reason = entry.failure ?? `the render worker stopped (exit code ${code})`;
    const tasks = [...entry.pending.values()];
    entry.pending.clear();
    for (const task of tasks) {
      if (task.id === culprit) task.reject(new RenderError(`${task.request.what}: ${reason}`));
      else if (++task.requeues > MAX_REQUEUES) task.reject(new RenderError(`${task.request.what}: render workers kept dying while it waited (last: ${reason})`));
      else this.dispatch(task);
    }
    this.afterSettle(entry);
  }

  private checkTimeouts(): void {
    const now = Date.now();
    for (const entry of this.workers) {
      const running = Atomics.load(entry.progress, 0);
      if (running !== entry.seenId) {
        entry.seenId = running;
        entry.seenSince = now;
      } else if (running !== NOT_RUNNING && entry.failure === undefined && now - entry.seenSince > this.options.timeoutMs) {
        entry.failure = `the render took longer than ${this.options.timeoutMs / 1000} s (renderTimeoutSeconds) and was stopped`;
        void entry.worker.terminate();
      }
    }
  }
}

/** A pool sized for `count` pages to render: one worker for a few, one per core for many. */
export function poolFor(template: SiteTemplate, count: number, limits: RenderLimits): RenderPool {
  const size = count >= POOL_THRESHOLD ? availableParallelism() : 1;
  return new RenderPool(template, { ...limits, minWorkers: size, maxWorkers: size });
}

/**
 * The pool a long-running process keeps (the runtime, the watcher): one worker to start,
 * another as soon as a page arrives while every worker is busy, so a big page never makes
 * the next miss wait behind it.
 */
export function keptPool(template: SiteTemplate, limits: RenderLimits): RenderPool {
  return new RenderPool(template, { ...limits, minWorkers: 1, maxWorkers: Math.max(2, availableParallelism()) });
}
