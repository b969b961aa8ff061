import { EventEmitter } from 'node:events';
import { VoxelpipeError, formatBytes } from '../util/errors.js';
import type { Sample } from '../transforms/image.js';
import { voxelBytes } from '../transforms/lazy/lazy-image.js';
import { CacheWindow, type WindowOptions } from './window.js';

export interface SmartCacheOptions extends WindowOptions {
  /** Computes the deterministic prefix of item `i` (in a worker, from disk, ...). */
  compute: (item: number) => Promise<Sample>;
  /** Most bytes the cached voxels may take (cache_max_bytes); undefined: no limit. */
  maxBytes?: number;
  /** Names an item in messages. */
  describe?: (item: number) => string;
}

export interface SmartCacheStats {
  /** Items held now (computed). */
  items: number;
  bytes: number;
  /** Items computed since the start (fills + replacements). */
  computed: number;
  /** ms spent waiting for items that were not ready when needed. */
  stallMs: number;
  /** ms from the first epoch's start until its whole window was ready (undefined while filling). */
  fillMs?: number;
}

/** Bytes of voxel data in a sample (a lazy image's source counted: it is what the cache holds). */
export function sampleBytes(s: Sample): number {
  return voxelBytes(s);
}

/**
 * The in-memory Smart Cache: holds the prefix output of the window's items
 * for the current epoch, prepares the next epoch's entering items in the
 * background while the current one runs, and swaps at the epoch boundary.
 * Items are computed on demand too, in the order the epoch needs them, so
 * the first batch does not wait for the whole cache to fill.
 *
 * Events: 'progress' ({ ready, total }) while filling, 'warning' (string).
 */
export class SmartCache {
  readonly window: CacheWindow;
  readonly events = new EventEmitter();
  private readonly entries = new Map<number, Promise<Sample>>();
  private readonly done = new Map<number, Sample>();
  private bytes = 0;
  private computed = 0;
  private stallMs = 0;
  private epoch = -1;
  private checkedBudget = false;
  private started = 0;
  private fillMs: number | undefined;

  constructor(private readonly o: SmartCacheOptions) {
    this.window = new CacheWindow(o);
  }

  /**
   * Makes epoch `e` current: drops items outside its window, starts filling
   * its items (in `priority` order first: the epoch's processing order), and
   * starts preparing the items that enter at e + 1.
   */
  enter(e: number, priority: readonly number[] = []): void {
    const keep = new Set(this.window.itemsAt(e));
    // The next epoch's entering items are kept too: they may already be prepared.
    for (const i of this.window.entering(e)) keep.add(i);
    for (const i of [...this.entries.keys()]) if (!keep.has(i)) this.drop(i);
    this.epoch = e;
    if (!this.started) this.started = performance.now();
    for (const i of priority) this.ensure(i);
    const current = this.window.itemsAt(e);
    for (const i of current) this.ensure(i);
    // The replacer: items of the next epoch, computed while this one runs.
    for (const i of this.window.entering(e)) this.ensure(i);
    this.emitProgress();
  }

  /** The cached prefix of item `i` (waits if it is being computed). */
  async get(i: number): Promise<Sample> {
    const ready = this.done.get(i);
    if (ready) return ready;
    const t = performance.now();
    const s = await this.ensure(i);
    this.stallMs += performance.now() - t;
    return s;
  }

  /** Bytes the cache will hold once full (its window and the items prepared for the next epoch), from the items made so far; undefined before the first. */
  projectedBytes(): number | undefined {
    if (this.done.size === 0) return undefined;
    return Math.ceil((this.bytes / this.done.size) * (this.window.size + this.window.replace));
  }

  stats(): SmartCacheStats {
    return { items: this.done.size, bytes: this.bytes, computed: this.computed, stallMs: this.stallMs, fillMs: this.fillMs };
  }

  /** Forgets everything (memory is returned once no batch refers to it). */
  clear(): void {
    this.entries.clear();
    this.done.clear();
    this.bytes = 0;
  }

  private ensure(i: number): Promise<Sample> {
    let p = this.entries.get(i);
    if (!p) {
      p = this.o.compute(i).then((s) => {
        // The item may have left the window while it was computed.
        if (this.entries.get(i) !== p) return s;
        this.done.set(i, s);
        this.computed++;
        const b = sampleBytes(s);
        this.bytes += b;
        this.checkBudget(i, b);
        this.emitProgress();
        return s;
      });
      // Failures surface to whoever awaits the item; forget them so a retry recomputes.
      p.catch(() => {
        if (this.entries.get(i) === p) this.entries.delete(i);
      });
      this.entries.set(i, p);
    }
    return p;
  }

  private drop(i: number): void {
    const s = this.done.get(i);
    if (s) this.bytes -= sampleBytes(s);
    this.done.delete(i);
    this.entries.delete(i);
  }

  private checkBudget(i: number, itemBytes: number): void {
    const max = this.o.maxBytes;
    if (max === undefined) return;
    const n = this.window.size + this.window.replace;
    const name = this.o.describe?.(i) ?? `item ${i}`;
    if (!this.checkedBudget && itemBytes * n > max) {
      this.checkedBudget = true;
      this.fail(
        `the Smart Cache needs about ${formatBytes(itemBytes * n)} for ${n} items (${formatBytes(itemBytes)} each, measured on ${name}), over cache_max_bytes ${formatBytes(max)}: lower num_cache_objects or raise the budget`,
      );
    }
    this.checkedBudget = true;
    if (this.bytes > max)
      this.fail(`the Smart Cache holds ${formatBytes(this.bytes)} after adding ${name}, over cache_max_bytes ${formatBytes(max)}`);
  }

  private fail(message: string): never {
    this.clear();
    throw new VoxelpipeError('ERR_TOO_LARGE', message);
  }

  private emitProgress(): void {
    const total = this.window.itemsAt(Math.max(0, this.epoch)).length;
    let ready = 0;
    for (const i of this.window.itemsAt(Math.max(0, this.epoch))) if (this.done.has(i)) ready++;
    if (ready === total && this.fillMs === undefined && this.started) this.fillMs = performance.now() - this.started;
    this.events.emit('progress', { ready, total });
  }
}
