import { VoxelpipeError } from '../util/errors.js';

/**
 * Runs units of work out of order and hands their outcomes back in order:
 * at most `window` units past the oldest one not yet taken are started,
 * each only once `admit` lets it (the batch ring has room for its rows:
 * backpressure), and a unit whose worker was lost (crash, timeout) is run
 * once more before its error counts. Nothing here knows about batches,
 * caches or chains.
 */

export type Settled<R> = { index: number; ok: true; value: R } | { index: number; ok: false; error: unknown };

export interface DispatchOptions<R> {
  /** Units in the epoch. */
  count: number;
  /** Starts unit `index`; `attempt` is 1 on the retry after a lost worker. */
  run: (index: number, attempt: number) => Promise<R>;
  /** Waits until unit `index` may start; called in index order, one at a time. */
  admit?: (index: number) => Promise<void> | void;
  /** Most units started ahead of the oldest one not taken yet (>= 1; a function of the units taken: it may change as the run learns sizes). */
  window: number | ((taken: number) => number);
  /**
   * Most units started and not settled (default: no limit besides the
   * window): enough to keep every worker busy. Units started early hold a
   * batch slot each while they wait in the pool's queue, so this keeps the
   * slots touched to what is being made, ready or held.
   */
  maxRunning?: number;
  signal?: AbortSignal;
  /** A unit is being retried after `error`. */
  onRetry?: (index: number, error: VoxelpipeError) => void;
  /** Names unit `index` in the error of its failed retry. */
  describe?: (index: number) => string;
}

/** Errors that mean the worker was lost, not that the unit is bad: worth one retry. */
export function isLostWorker(e: unknown): e is VoxelpipeError {
  return e instanceof VoxelpipeError && (e.code === 'ERR_WORKER_DIED' || e.code === 'ERR_TIMEOUT');
}

export class Dispatcher<R> {
  private readonly settled = new Map<number, Settled<R>>();
  private readonly running = new Set<Promise<unknown>>();
  /** Admissions waiting (they hold no work yet). */
  private waiting = 0;
  private started = 0;
  private taken = 0;
  /** Units started and not settled (admission waits excluded). */
  private active = 0;
  private admitting = false;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: DispatchOptions<R>) {
    const w = this.window();
    if (!(w >= 1)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `dispatcher: window must be >= 1, got ${w}`);
  }

  private window(): number {
    return typeof this.o.window === 'function' ? this.o.window(this.taken) : this.o.window;
  }

  /** Units started and not settled. */
  get inFlight(): number {
    return this.running.size - this.waiting;
  }

  /** Units settled and not taken yet (ready, waiting for the consumer). */
  get ready(): number {
    return this.settled.size;
  }

  /** The outcome of the next unit in order (undefined after the last). */
  async next(): Promise<Settled<R> | undefined> {
    if (this.taken >= this.o.count) return undefined;
    for (;;) {
      if (this.o.signal?.aborted) throw new VoxelpipeError('ERR_ABORTED', 'the pipeline was aborted');
      this.pump();
      const s = this.settled.get(this.taken);
      if (s) {
        this.settled.delete(this.taken);
        this.taken++;
        this.pump();
        return s;
      }
      await new Promise<void>((res) => {
        this.wake = res;
        this.o.signal?.addEventListener('abort', () => res(), { once: true });
      });
      this.wake = undefined;
    }
  }

  /** Stops starting units and waits for the running ones to settle (their outcomes are dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    if (this.admitting || this.stopped) return;
    if (this.started >= this.o.count || this.started >= this.taken + this.window() || this.o.signal?.aborted) return;
    if (this.o.maxRunning !== undefined && this.active >= this.o.maxRunning) return;
    const index = this.started;
    const admitted = this.o.admit?.(index);
    if (admitted instanceof Promise) {
      // Admission waits (no ring slot yet): start nothing else until it is given, in order.
      this.admitting = true;
      this.waiting++;
      const p = admitted.finally(() => this.waiting--).then(
        () => {
          this.admitting = false;
          if (this.stopped) return;
          this.start(index);
          this.pump();
        },
        (error) => {
          this.admitting = false;
          this.settled.set(index, { index, ok: false, error });
          this.started = Math.max(this.started, index + 1);
          this.wake?.();
        },
      );
      this.track(p);
      return;
    }
    this.start(index);
    this.pump();
  }

  private start(index: number): void {
    this.started = index + 1;
    this.active++;
    const p = this.attempt(index).then(
      (value) => this.settled.set(index, { index, ok: true, value }),
      (error) => this.settled.set(index, { index, ok: false, error }),
    );
    this.track(
      p.finally(() => {
        this.active--;
        // Start the next unit now, not when the consumer next asks: workers stay busy while it works.
        this.pump();
        this.wake?.();
      }),
    );
  }

  private async attempt(index: number): Promise<R> {
    try {
      return await this.o.run(index, 0);
    } catch (e) {
      if (!isLostWorker(e) || this.stopped) throw e;
      this.o.onRetry?.(index, e);
      try {
        return await this.o.run(index, 1);
      } catch (e2) {
        const who = this.o.describe?.(index);
        throw e2 instanceof VoxelpipeError && who ? new VoxelpipeError(e2.code, `${who}: ${e2.message} (after one retry)`, { cause: e2 }) : e2;
      }
    }
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }
}
