import { Worker, type ResourceLimits } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { VoxelpipeError, type ErrorCode } from '../util/errors.js';

/**
 * A small, piscina-shaped pool of worker threads: options validated up front,
 * one task per worker at a time, a FIFO queue, AbortSignal, transfer lists,
 * utilisation metrics. A worker that dies (crash, `process.exit`, task
 * timeout) is replaced, and its task is rejected with ERR_WORKER_DIED so the
 * caller can retry it; the pool itself never hangs on a lost worker.
 */

export interface PoolOptions {
  /** The worker entry module (it calls `serveTasks`). */
  filename: string | URL;
  /** Sent to every worker at start as `workerData`. */
  workerData?: unknown;
  /** Number of threads (>= 1). */
  size: number;
  /** A task running longer than this terminates its worker (0: no limit). */
  taskTimeoutMs?: number;
  resourceLimits?: ResourceLimits;
}

export interface RunOptions {
  transferList?: readonly ArrayBuffer[];
  signal?: AbortSignal;
  /** 'low' tasks run only when no normal task waits (background work, e.g. cache filling). */
  priority?: 'normal' | 'low';
}

export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  /** Workers replaced after dying. */
  respawned: number;
  /** Busy time / (size * elapsed), since the pool started. */
  utilization: number;
}

/** What a worker reports back: a result, or an error made plain for the trip. */
export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  context?: Record<string, unknown>;
}

interface Task {
  id: number;
  payload: unknown;
  transferList: readonly ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  started: number;
  timer?: NodeJS.Timeout;
  /** Set once the worker is being replaced, so its exit is not handled twice. */
  retired: boolean;
  /** The worker has started and attached its task handler (boot time is not task time). */
  ready: boolean;
}

export class WorkerPool {
  private readonly options: Readonly<Required<Omit<PoolOptions, 'resourceLimits' | 'workerData'>>> & Pick<PoolOptions, 'resourceLimits' | 'workerData'>;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly lowQueue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly startTime = performance.now();
  private busyTime = 0;
  private completed = 0;
  private failed = 0;
  private respawned = 0;

  constructor(options: PoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `worker pool size must be a positive integer, got ${options.size}`);
    const taskTimeoutMs = options.taskTimeoutMs ?? 0;
    if (!(taskTimeoutMs >= 0)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `taskTimeoutMs must be >= 0, got ${taskTimeoutMs}`);
    this.options = Object.freeze({ ...options, taskTimeoutMs });
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
    this.dispatch();
  }

  /** Runs `payload` on a free worker (queued when all are busy). */
  run<T>(payload: unknown, options: RunOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new VoxelpipeError('ERR_ABORTED', 'the worker pool is closed'));
    if (options.signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        payload,
        transferList: options.transferList ?? [],
        resolve: resolve as (v: unknown) => void,
        reject,
        signal: options.signal,
      };
      if (task.signal) {
        task.onAbort = () => {
          for (const queue of [this.queue, this.lowQueue]) {
            const q = queue.indexOf(task);
            if (q >= 0) queue.splice(q, 1);
          }
          reject(abortError());
        };
        task.signal.addEventListener('abort', task.onAbort, { once: true });
      }
      (options.priority === 'low' ? this.lowQueue : this.queue).push(task);
      this.dispatch();
    });
  }

  get stats(): PoolStats {
    const now = performance.now();
    let busyNow = this.busyTime;
    for (const s of this.slots) if (s.task) busyNow += now - s.started;
    return {
      size: this.slots.length,
      busy: this.slots.filter((s) => s.task).length,
      queued: this.queue.length + this.lowQueue.length,
      completed: this.completed,
      failed: this.failed,
      respawned: this.respawned,
      utilization: busyNow / (this.slots.length * Math.max(1e-9, now - this.startTime)),
    };
  }

  /** Stops every worker; queued and running tasks are rejected with ERR_ABORTED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.queue.splice(0), ...this.lowQueue.splice(0)]) this.settle(t, abortError('the worker pool was closed'));
    // An idle pool's workers are unref'd, and terminate()'s promise alone does
    // not keep the event loop alive: a program awaiting close() at top level
    // could exit with code 13 (unsettled await) before the threads stop.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await Promise.all(
        this.slots.map(async (s) => {
          s.retired = true;
          if (s.timer) clearTimeout(s.timer);
          if (s.task) this.settle(s.task, abortError('the worker pool was closed'));
          await s.worker.terminate();
        }),
      );
    } finally {
      clearInterval(keepAlive);
    }
  }

  private spawn(): Slot {
    const [entry, entryOptions] = workerEntry(this.options.filename);
    const worker = new Worker(entry, {
      ...entryOptions,
      workerData: this.options.workerData,
      resourceLimits: this.options.resourceLimits,
    });
    const slot: Slot = { worker, started: 0, retired: false, ready: false };
    worker.on('message', (reply: WorkerReply | { ready: true }) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.dispatch();
      } else this.onReply(slot, reply);
    });
    worker.on('error', (err) => this.onDeath(slot, `crashed: ${err?.message ?? String(err)}`));
    worker.on('exit', (code) => this.onDeath(slot, `exited with code ${code}`));
    return slot;
  }

  private dispatch(): void {
    this.assign();
    // Workers keep the process alive only while there is work: an idle pool
    // must not stop a program from exiting, a busy one must not be cut short.
    const working = this.queue.length + this.lowQueue.length > 0 || this.slots.some((s) => s.task);
    for (const s of this.slots) working ? s.worker.ref() : s.worker.unref();
  }

  private assign(): void {
    for (const slot of this.slots) {
      if (this.queue.length + this.lowQueue.length === 0) return;
      if (slot.task || slot.retired || !slot.ready) continue;
      const task = (this.queue.length ? this.queue : this.lowQueue).shift()!;
      slot.task = task;
      slot.started = performance.now();
      if (this.options.taskTimeoutMs > 0)
        slot.timer = setTimeout(() => this.onDeath(slot, `took longer than ${this.options.taskTimeoutMs} ms`, true), this.options.taskTimeoutMs);
      slot.worker.postMessage({ id: task.id, payload: task.payload }, task.transferList as ArrayBuffer[]);
    }
  }

  private finish(slot: Slot): Task | undefined {
    const task = slot.task;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (task) this.busyTime += performance.now() - slot.started;
    slot.task = undefined;
    return task;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (!slot.task || slot.task.id !== reply.id) return;
    const task = this.finish(slot)!;
    if (reply.ok) {
      this.completed++;
      this.settle(task, undefined, reply.result);
    } else {
      this.failed++;
      this.settle(task, deserializeError(reply.error));
    }
    // A finished task often lets its caller queue normal work (a cached item
    // becomes a sample to run): give that a turn before background tasks.
    if (this.queue.length === 0 && this.lowQueue.length > 0) setImmediate(() => this.dispatch());
    else this.dispatch();
  }

  private onDeath(slot: Slot, why: string, kill = false): void {
    if (slot.retired) return;
    slot.retired = true;
    const task = this.finish(slot);
    if (kill) void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (!this.closed && i >= 0) {
      this.slots[i] = this.spawn();
      this.respawned++;
    }
    if (task) {
      this.failed++;
      this.settle(task, new VoxelpipeError(kill ? 'ERR_TIMEOUT' : 'ERR_WORKER_DIED', `a worker thread ${why}`));
    }
    this.dispatch();
  }

  private settle(task: Task, error?: unknown, result?: unknown): void {
    if (task.signal && task.onAbort) task.signal.removeEventListener('abort', task.onAbort);
    if (error !== undefined) task.reject(error);
    else task.resolve(result);
  }
}

/**
 * How to start `filename` in a worker. Built JavaScript starts directly. A
 * TypeScript source (tests, tsx users) needs tsx's loader registered inside
 * the worker first: on Node 20 neither `--import tsx` nor `execArgv` reaches
 * a worker's module loader, so a tiny eval'd bootstrap registers it and then
 * imports the real entry.
 */
function workerEntry(filename: string | URL): [string | URL, { eval?: boolean }] {
  const url = typeof filename === 'string' ? pathToFileURL(filename) : filename;
  if (!url.pathname.endsWith('.ts')) return [url, {}];
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return [code, { eval: true }];
}

function abortError(message = 'the operation was aborted'): VoxelpipeError {
  return new VoxelpipeError('ERR_ABORTED', message);
}

/** Rebuilds a worker's error: a VoxelpipeError keeps its code and message. */
export function deserializeError(e: SerializedError): Error {
  if (e.code && e.name === 'VoxelpipeError') {
    const err = new VoxelpipeError(e.code as ErrorCode, e.message, { context: e.context });
    if (e.stack) err.stack = e.stack;
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof VoxelpipeError)
    return { name: 'VoxelpipeError', message: e.message, code: e.code, stack: e.stack, context: plainContext(e.context) };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack, code: (e as NodeJS.ErrnoException).code };
  return { name: 'Error', message: String(e) };
}

function plainContext(ctx: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return structuredClone({ ...ctx });
  } catch {
    return {};
  }
}
