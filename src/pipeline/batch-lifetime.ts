import type { Batch } from './batch.js';
import type { BatchRing, RingSlot } from './batch-ring.js';
import type { Assembled } from './batch-assembler.js';
import { ARRAY_CTORS } from '../volume/dtype.js';

/**
 * How long a yielded batch's memory stays valid: until the consumer calls
 * `batch.release()`, or has asked for `lifetime` more batches (prefetch + 1),
 * whichever comes first; then its ring slot takes new rows. Counting runs
 * over the pipeline's whole life (across epochs). A consumer that keeps
 * batches longer asks for copies (`copy: true`): owned arrays, slot freed at once.
 *
 * A consumer that kept a batch past its lifetime without saying so is not
 * punished with overwritten data: if any of the batch's arrays is still
 * reachable when its lifetime ends (a WeakRef tells), the slot is abandoned
 * to it instead of reused, and the ring makes a new one. Consumers that
 * release, or drop their batches, never cost a copy or an allocation.
 */
export class BatchLifetimes {
  private asks = 0;
  private readonly held: { slot: RingSlot; at: number; views: WeakRef<object>[] }[] = [];

  constructor(private readonly ring: BatchRing, public lifetime: number) {}

  /** The consumer asked for one more batch: batches older than the lifetime are freed. */
  asked(): void {
    this.asks++;
    while (this.held.length && this.asks - this.held[0].at >= this.lifetime) {
      const { slot, views } = this.held.shift()!;
      if (views.some((v) => v.deref() !== undefined)) this.ring.abandon(slot);
      else this.ring.release(slot);
    }
  }

  /** The batch to hand over: with a `release()` that frees its slot early, or an owned copy. */
  hand(a: Assembled, copy: boolean): Batch {
    const { batch, slot } = a;
    if (!slot) return withRelease(batch, () => {});
    if (copy) {
      for (const f of Object.values(batch.fields)) f.data = new ARRAY_CTORS[f.dtype](f.data as never);
      this.ring.release(slot);
      return withRelease(batch, () => {});
    }
    const entry = { slot, at: this.asks, views: Object.values(batch.fields).map((f) => new WeakRef(f.data)) };
    this.held.push(entry);
    return withRelease(batch, () => {
      const i = this.held.indexOf(entry);
      if (i < 0) return;
      this.held.splice(i, 1);
      this.ring.release(slot);
    });
  }

  /** Batches handed over and not freed yet. */
  get holding(): number {
    return this.held.length;
  }
}

/** `release` as a non-enumerable method: batches still compare, print and clone as plain records. */
function withRelease(batch: Batch, release: () => void): Batch {
  Object.defineProperty(batch, 'release', { value: release, enumerable: false, configurable: true });
  return batch;
}
