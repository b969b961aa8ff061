import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';

/**
 * Recycled volume-sized arrays for one worker. A fresh 100 MB array costs
 * ~80 ms of page faults to fill, the same fill into reused memory ~16 ms
 * (measured in docs/performance.md), so outputs that die with their sample
 * (every intermediate of the uncached path: only the batch layout outlives
 * the chain) come from here. Within a sample every call gets a different
 * buffer; `reset()` at the start of the next sample makes them all free.
 * A buffer grows with 1/16 headroom, so volumes of similar depth reuse it
 * (and a run settles on buffers the size of its largest volume).
 */
export class ScratchArena {
  private readonly pools = new Map<ArrayDType, ArrayBuffer[]>();
  private readonly used = new Map<ArrayDType, number>();
  /** Buffers made because none was free and big enough (after warm-up, a steady state makes none). */
  misses = 0;

  readonly alloc = (dtype: ArrayDType, length: number): VoxelArray => {
    const Ctor = ARRAY_CTORS[dtype];
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    const pool = this.pools.get(dtype) ?? [];
    const i = this.used.get(dtype) ?? 0;
    if (!pool[i] || pool[i].byteLength < bytes) {
      pool[i] = new ArrayBuffer(Math.ceil((bytes * 1.0625) / 64) * 64);
      this.misses++;
    }
    this.pools.set(dtype, pool);
    this.used.set(dtype, i + 1);
    return new Ctor(pool[i], 0, length);
  };

  /** One buffer for bytes that die within a single call (a compressed file before it is inflated), kept across samples. */
  private read: ArrayBuffer | undefined;

  readonly bytesFor = (length: number): Uint8Array => {
    if (!this.read || this.read.byteLength < length) {
      this.read = new ArrayBuffer(Math.ceil((length * 1.0625) / 64) * 64);
      this.misses++;
    }
    return new Uint8Array(this.read, 0, length);
  };

  /** Every buffer is free again (the previous sample is finished). */
  reset(): void {
    this.used.clear();
  }

  /** Bytes held, for metrics and tests. */
  get bytes(): number {
    let n = 0;
    for (const pool of this.pools.values()) for (const b of pool) n += b.byteLength;
    return n + (this.read?.byteLength ?? 0);
  }
}
