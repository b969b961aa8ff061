import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { VoxelpipeError, formatBytes } from '../util/errors.js';

/**
 * The batches' memory: a ring of slots, each one SharedArrayBuffer per
 * field sized for a full batch, that workers write their rows into and the
 * consumer reads as the batch itself — the main thread copies nothing.
 *
 * Lifetime of a slot: filling (its batch's units are being made), then
 * held (its batch was yielded), then free again when the consumer calls
 * `batch.release()` or has asked for `lifetime` more batches (prefetch + 1
 * by default). Slots are made on first need, never more than `maxSlots`,
 * and reused lowest-first, so a consumer that releases promptly keeps only a
 * few of them touched.
 */

/** One field of a batch, per row: what each unit writes and the slot holds. */
export interface RingField {
  name: string;
  dtype: ArrayDType;
  /** Shape of one row (without the batch axis). */
  rowShape: number[];
  /** Elements of one row. */
  rowElements: number;
  /** Rows one unit of work contributes (its crop count). */
  rowsPerUnit: number;
  /** The unit carried a crop-batch axis (kept unless MergeBatchDims folds it). */
  batched: boolean;
}

export interface RingLayout {
  fields: RingField[];
  /** Units of work per batch. */
  unitsPerBatch: number;
}

export interface RingSlot {
  readonly id: number;
  /** One buffer per field, `unitsPerBatch * rowsPerUnit * rowElements` elements. */
  readonly buffers: Readonly<Record<string, SharedArrayBuffer>>;
}

/** Bytes of one slot of a layout. */
export function slotBytes(layout: RingLayout): number {
  let n = 0;
  for (const f of layout.fields) n += layout.unitsPerBatch * f.rowsPerUnit * f.rowElements * ARRAY_CTORS[f.dtype].BYTES_PER_ELEMENT;
  return n;
}

/** A typed view of `count` elements of field `f` in `slot`, from element `offset`. */
export function slotView(slot: RingSlot, f: RingField, offset = 0, count?: number): VoxelArray {
  const Ctor = ARRAY_CTORS[f.dtype];
  const buf = slot.buffers[f.name];
  return new Ctor(buf, offset * Ctor.BYTES_PER_ELEMENT, count ?? buf.byteLength / Ctor.BYTES_PER_ELEMENT - offset);
}

export interface RingStats {
  /** Slots made so far. */
  slots: number;
  maxSlots: number;
  bytes: number;
  /** Slots filling or held now. */
  inUse: number;
  /** Slots given up because a consumer kept a batch past its lifetime (its memory is the consumer's now). */
  abandoned: number;
}

export class BatchRing {
  private readonly slots: RingSlot[] = [];
  private readonly free: RingSlot[] = [];
  private readonly busy = new Set<RingSlot>();
  private readonly waiters: ((s: RingSlot) => void)[] = [];
  private layoutValue: RingLayout | undefined;
  private abandoned = 0;
  private nextId = 0;

  private max: number;

  constructor(maxSlots: number) {
    if (!Number.isInteger(maxSlots) || maxSlots < 1) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `batch ring: maxSlots must be a positive integer, got ${maxSlots}`);
    this.max = maxSlots;
  }

  /** Most slots the ring makes. */
  get maxSlots(): number {
    return this.max;
  }

  /** Makes no more than `n` slots from now on (the memory budget lowered it): free slots beyond it are dropped. */
  limit(n: number): void {
    if (!(n >= 1) || n >= this.max) return;
    this.max = n;
    while (this.slots.length > this.max && this.free.length) {
      const s = this.free.pop()!;
      this.slots.splice(this.slots.indexOf(s), 1);
    }
  }

  get layout(): RingLayout | undefined {
    return this.layoutValue;
  }

  /** Sets the slot layout (from the first unit made); the ring makes no slot before. */
  init(layout: RingLayout): void {
    if (this.layoutValue) throw new Error('batch ring: layout already set');
    this.layoutValue = layout;
  }

  /** A free slot (made if fewer than maxSlots exist), waiting for one to be released otherwise. */
  acquire(): Promise<RingSlot> {
    const s = this.tryAcquire();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A free slot now, or undefined when all maxSlots are in use. */
  tryAcquire(): RingSlot | undefined {
    const layout = this.layoutValue;
    if (!layout) throw new Error('batch ring: acquire before init');
    const s = this.free.shift() ?? (this.slots.length < this.max ? this.make(layout) : undefined);
    if (s) this.busy.add(s);
    return s;
  }

  /**
   * Gives the slot up for good: someone may still read it (a batch the
   * consumer kept past its lifetime), so it is never written again; the
   * ring makes a fresh slot in its place when it needs one.
   */
  abandon(slot: RingSlot): void {
    if (!this.busy.delete(slot)) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.abandoned++;
    // A slot can be made again: whoever waits for one gets it.
    const next = this.waiters.shift();
    if (next && this.layoutValue) {
      const s = this.make(this.layoutValue);
      this.busy.add(s);
      next(s);
    }
  }

  /** The slot is free again (idempotent). */
  release(slot: RingSlot): void {
    if (!this.busy.delete(slot)) return;
    const next = this.waiters.shift();
    if (next) {
      this.busy.add(slot);
      next(slot);
      return;
    }
    if (this.slots.length > this.max) {
      // The budget lowered the ring's size: this slot goes.
      this.slots.splice(this.slots.indexOf(slot), 1);
      return;
    }
    // Lowest id first: a prompt consumer keeps reusing the same few slots (their pages stay warm).
    let i = 0;
    while (i < this.free.length && this.free[i].id < slot.id) i++;
    this.free.splice(i, 0, slot);
  }

  stats(): RingStats {
    const per = this.layoutValue ? slotBytes(this.layoutValue) : 0;
    return { slots: this.slots.length, maxSlots: this.max, bytes: per * this.slots.length, inUse: this.busy.size, abandoned: this.abandoned };
  }

  /** Forgets every slot (memory returns once no batch refers to it); pending acquires never resolve. */
  clear(): void {
    this.slots.length = 0;
    this.free.length = 0;
    this.busy.clear();
    this.waiters.length = 0;
  }

  private make(layout: RingLayout): RingSlot {
    const buffers: Record<string, SharedArrayBuffer> = Object.create(null);
    for (const f of layout.fields) {
      const bytes = layout.unitsPerBatch * f.rowsPerUnit * f.rowElements * ARRAY_CTORS[f.dtype].BYTES_PER_ELEMENT;
      try {
        buffers[f.name] = new SharedArrayBuffer(bytes);
      } catch (e) {
        throw new VoxelpipeError('ERR_TOO_LARGE', `batch ring: cannot allocate a ${formatBytes(bytes)} buffer for field "${f.name}" (${(e as Error).message})`, { cause: e });
      }
    }
    const slot = { id: this.nextId++, buffers };
    this.slots.push(slot);
    return slot;
  }
}
