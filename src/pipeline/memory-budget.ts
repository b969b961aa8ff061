import { totalmem } from 'node:os';
import { VoxelpipeError, formatBytes } from '../util/errors.js';
import { slotBytes, type RingLayout } from './batch-ring.js';

/**
 * Memory as a budget the engine keeps. What a pipeline holds is known once
 * its first unit is made: the batch slots (bytes per slot from the layout),
 * what each worker holds while it makes a unit (its volumes, scratch and
 * rows: reported by the worker), the Smart Cache's items and the prefix
 * outputs that split samples share. The ring gets as many slots as fit
 * beside the rest (at most prefetch + 2; fewer only shortens how long a
 * batch stays valid); when not even one batch fits, the pipeline refuses
 * in one line with the numbers, instead of growing until the kernel kills it.
 */

/** A process's own footprint (runtime, modules) and each worker thread's, beside the data. */
const PROCESS_BASE = 128 * 1024 * 1024;
const WORKER_BASE = 48 * 1024 * 1024;
/** A worker's reported bytes leave out its inflate input and garbage not yet collected. */
const WORK_MARGIN = 1.5;

export interface BudgetOptions {
  /** Bytes; undefined: half of the machine's memory. */
  maxMemory?: number;
  workers: number;
  /** Slots wanted: prefetch + 2. */
  wantSlots: number;
  /** The Smart Cache's bytes once full (undefined until known, or without a cache). */
  cacheBytes: () => number | undefined;
  /** Prefix outputs held for split samples (batches_to_gen_at_once), at most at once. */
  sharedPrefixes: number;
}

export interface MemoryEstimate {
  budget: number;
  /** Where the budget came from. */
  source: 'max_memory' | 'default (half of the machine\'s memory)';
  slots: number;
  slotBytes: number;
  /** Bytes each worker holds while making a unit (largest seen, with margin). */
  workerBytes: number;
  cacheBytes: number;
  prefixBytes: number;
  total: number;
}

/** The budget in bytes: `maxMemory`, else half of the machine's memory. */
export function budgetBytes(maxMemory: number | undefined): number {
  return maxMemory ?? Math.floor(totalmem() / 2);
}

export class MemoryBudget {
  readonly budget: number;
  private workBytes = 0;
  private prefixBytes = 0;
  private last: MemoryEstimate | undefined;

  constructor(private readonly o: BudgetOptions) {
    this.budget = budgetBytes(o.maxMemory);
  }

  /** A worker made a unit holding `bytes` (volumes, scratch, rows of its own); true when that is more than any before. */
  noteWork(bytes: number): boolean {
    if (bytes <= this.workBytes) return false;
    this.workBytes = bytes;
    return true;
  }

  /** A split sample's shared prefix output has `bytes`. */
  notePrefix(bytes: number): void {
    if (bytes > this.prefixBytes) this.prefixBytes = bytes;
  }

  /**
   * How many slots of `layout` the ring may make. Throws ERR_TOO_LARGE, with
   * every number, when one batch does not fit beside what the rest needs.
   */
  slotsFor(layout: RingLayout): number {
    const per = slotBytes(layout);
    const workers = Math.max(1, this.o.workers);
    const workerBytes = Math.ceil(this.workBytes * WORK_MARGIN) + WORKER_BASE;
    const cache = this.o.cacheBytes() ?? 0;
    const prefixes = this.prefixBytes * this.o.sharedPrefixes;
    const fixed = PROCESS_BASE + workers * workerBytes + cache + prefixes;
    const fit = Math.floor((this.budget - fixed) / per);
    const slots = Math.min(this.o.wantSlots, fit);
    this.last = {
      budget: this.budget,
      source: this.o.maxMemory !== undefined ? 'max_memory' : "default (half of the machine's memory)",
      slots: Math.max(slots, 0),
      slotBytes: per,
      workerBytes,
      cacheBytes: cache,
      prefixBytes: prefixes,
      total: fixed + Math.max(slots, 0) * per,
    };
    if (slots < 1)
      throw new VoxelpipeError(
        'ERR_TOO_LARGE',
        `pipeline: one batch needs ${formatBytes(per)}, beside ${formatBytes(workers * workerBytes)} for ${workers} worker${workers === 1 ? '' : 's'}' volumes (${formatBytes(workerBytes)} each)` +
          (cache ? `, ${formatBytes(cache)} of Smart Cache` : '') +
          (prefixes ? `, ${formatBytes(prefixes)} of shared volumes` : '') +
          ` and ${formatBytes(PROCESS_BASE)} for the process: ${formatBytes(fixed + per)}, over the memory budget of ${formatBytes(this.budget)} (${this.last.source}); lower output_batch_size, the crop size, num_workers or num_cache_objects, or raise max_memory (--max-memory)`,
      );
    return slots;
  }

  /** What the pipeline holds, as last estimated (undefined before its first unit). */
  estimate(): MemoryEstimate | undefined {
    return this.last;
  }
}
