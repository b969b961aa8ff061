import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS } from '../volume/dtype.js';
import type { Batch, BatchField, BatchRow } from './batch.js';
import { BatchRing, slotView, type RingField, type RingLayout, type RingSlot } from './batch-ring.js';
import type { SampleResult } from './sample-processor.js';
import type { UnitDest } from './unit-output.js';

/**
 * Turns the units of one epoch, taken in order, into batches that live in
 * ring slots. Unit u writes its rows into the slot of batch floor(u / P) at
 * position u mod P (P units per batch), so when nothing was skipped every
 * batch is its slot as the workers left it: the assembler only describes it.
 * Rows land elsewhere only when a unit ran before the ring knew the layout
 * (the first units of a run), did not fit the layout, or after a skipped
 * sample shifted the later ones: then they are copied to where they belong
 * (always to an earlier place than where they were written, so never over
 * rows still being written).
 */

export interface AssemblerOptions {
  ring: BatchRing;
  /** Units of work per batch (P). */
  unitsPerBatch: number;
  fields: readonly string[];
  /** Fields whose crop axis MergeBatchDims folds into the batch axis. */
  merge: ReadonlySet<string>;
  /** Each unit's crops are one batch (Clara's batched_by_transforms). */
  batchedByTransforms: boolean;
  /** Names item `i` in messages and rows. */
  source: (item: number) => string;
  /** Called once the first unit tells the layout, before any slot is made (the memory budget sizes the ring). */
  onLayout?: (layout: RingLayout) => void;
  /** Counts units whose rows had to be copied into place (metrics; zero in steady state). */
  counters?: { placed: number };
}

/** A finished batch and the slot it lives in (none: it lives in the unit's own buffers). */
export interface Assembled {
  batch: Batch;
  slot?: RingSlot;
}

export class BatchAssembler {
  /** Slots of the batches being made, by batch index. */
  private readonly slots = new Map<number, RingSlot>();
  private members: SampleResult[] = [];
  private taken = 0;
  private batchIndex = 0;
  private layoutSource: number | undefined;
  /** Units admitted before the ring knew its layout (they have no slot yet). */
  private preInit = 0;

  constructor(private readonly o: AssemblerOptions, private readonly epoch: number) {}

  /**
   * Where unit u writes its rows: the slot of its batch (acquired when the
   * batch's first unit is admitted: waits when the ring is full), or nowhere
   * before the ring knows the layout.
   */
  admit(u: number): UnitDest | undefined | Promise<UnitDest> {
    const layout = this.o.ring.layout;
    if (!layout) {
      this.preInit = Math.max(this.preInit, u + 1);
      return undefined;
    }
    const b = Math.floor(u / this.o.unitsPerBatch);
    const slot = this.slots.get(b);
    if (slot) return destOf(layout, slot, u % this.o.unitsPerBatch);
    return this.o.ring.acquire().then((s) => {
      this.slots.set(b, s);
      return destOf(layout, s, u % this.o.unitsPerBatch);
    });
  }

  /** Takes unit u's result (units come in order; skipped ones never); a batch when this completes one. */
  async add(u: number, r: SampleResult): Promise<Assembled | undefined> {
    const ring = this.o.ring;
    if (!ring.layout) {
      const layout = layoutOf(r, this.o);
      this.o.onLayout?.(layout);
      ring.init(layout);
      this.layoutSource = r.itemIndex;
      // The batches of units that ran before get their slots now, before later units' admissions take them all.
      for (let b = 0; b * this.o.unitsPerBatch < this.preInit; b++) {
        const s = this.slots.has(b) ? undefined : ring.tryAcquire();
        if (s) this.slots.set(b, s);
      }
    }
    const layout = ring.layout!;
    const P = this.o.unitsPerBatch;
    const b = Math.floor(this.taken / P);
    const pos = this.taken % P;
    if (!fits(r, layout)) {
      // One unit per batch may vary in shape (no output_crop_size): it is its own batch, in its own buffers.
      if (P !== 1 || !ownBuffers(r, this.o.fields)) throw this.mismatch(r, layout);
      this.taken++;
      const slot = this.slots.get(b);
      if (slot) {
        this.slots.delete(b);
        ring.release(slot);
      }
      return { batch: this.describe([r], (name) => ownView(r, name), this.batchIndex++) };
    }
    let slot = this.slots.get(b);
    if (!slot) {
      slot = await ring.acquire();
      this.slots.set(b, slot);
    }
    if (!(Math.floor(u / P) === b && u % P === pos && !ownBuffers(r, this.o.fields))) this.place(u, r, layout, slot, pos);
    this.members.push(r);
    this.taken++;
    return this.members.length === P ? this.emit(b) : undefined;
  }

  /** The last, partial batch (if any), and every slot of a batch that was never made given back. */
  finish(): Assembled | undefined {
    const out = this.members.length ? this.emit(Math.floor((this.taken - 1) / this.o.unitsPerBatch)) : undefined;
    this.releaseUnused();
    return out;
  }

  /** Gives back the slots of batches not yielded (an epoch left early, or ended with fewer batches than units admitted for). */
  releaseUnused(): void {
    for (const s of this.slots.values()) this.o.ring.release(s);
    this.slots.clear();
  }

  private emit(b: number): Assembled {
    const slot = this.slots.get(b)!;
    this.slots.delete(b);
    const layout = this.o.ring.layout!;
    const n = this.members.length;
    // A short last batch gets arrays of its own (a view would not span its whole buffer); the slot is free at once.
    const short = n < this.o.unitsPerBatch;
    const batch = this.describe(this.members, (name) => {
      const f = layout.fields.find((x) => x.name === name)!;
      const view = slotView(slot, f, 0, n * f.rowsPerUnit * f.rowElements);
      return short ? new ARRAY_CTORS[f.dtype](view as never) : view;
    }, this.batchIndex++);
    this.members = [];
    if (short) {
      this.o.ring.release(slot);
      return { batch };
    }
    return { batch, slot };
  }

  /** Copies unit u's rows to position `pos` of `slot`: from its own buffers, or from where it wrote them. */
  private place(u: number, r: SampleResult, layout: RingLayout, slot: RingSlot, pos: number): void {
    const P = this.o.unitsPerBatch;
    if (this.o.counters) this.o.counters.placed++;
    const from = this.slots.get(Math.floor(u / P));
    for (const f of layout.fields) {
      const per = f.rowsPerUnit * f.rowElements;
      const target = slotView(slot, f, pos * per, per);
      const own = r.fields[f.name].buffer;
      if (own) target.set(new ARRAY_CTORS[f.dtype](own, 0, per) as never);
      else if (from) target.set(slotView(from, f, (u % P) * per, per) as never);
      else throw new Error(`batch assembler: unit ${u} wrote into a slot that is gone`);
    }
  }

  private describe(units: readonly SampleResult[], data: (name: string) => BatchField['data'], index: number): Batch {
    const fields: Record<string, BatchField> = {};
    for (const name of this.o.fields) {
      const first = units[0].fields[name];
      let shape: number[];
      if (this.o.batchedByTransforms) shape = [first.rows, ...first.rowShape];
      else if (first.batched && !this.o.merge.has(name)) shape = [units.length, first.rows, ...first.rowShape];
      else shape = [units.length * first.rows, ...first.rowShape];
      fields[name] = { data: data(name), shape, dtype: first.dtype };
    }
    const rows: BatchRow[] = [];
    const per = units[0].fields[this.o.fields[0]]?.rows ?? 1;
    for (const s of units)
      for (let c = 0; c < per; c++)
        rows.push({ position: s.position, item: s.itemIndex, crop: (s.part ? s.part.index * per : 0) + c, source: this.o.source(s.itemIndex) });
    return { epoch: this.epoch, index, fields, rows };
  }

  private mismatch(r: SampleResult, layout: RingLayout): VoxelpipeError {
    const f = layout.fields.find((x) => !fieldFits(r, x))!;
    const got = r.fields[f.name];
    const first = this.layoutSource !== undefined ? this.o.source(this.layoutSource) : 'the first sample';
    return new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `${this.o.source(r.itemIndex)}: field "${f.name}" has rows ${got.rows} x [${got.rowShape}] ${got.dtype}, the batches' first sample (${first}) has ${f.rowsPerUnit} x [${f.rowShape}] ${f.dtype}; set output_crop_size or a batch size of 1 for variable shapes`,
    );
  }
}

function destOf(layout: RingLayout, slot: RingSlot, pos: number): UnitDest {
  const fields: UnitDest['fields'] = {};
  for (const f of layout.fields)
    fields[f.name] = { buffer: slot.buffers[f.name], offset: pos * f.rowsPerUnit * f.rowElements, dtype: f.dtype, rowShape: f.rowShape, rows: f.rowsPerUnit };
  return { fields };
}

function layoutOf(r: SampleResult, o: AssemblerOptions): RingLayout {
  const fields: RingField[] = o.fields.map((name) => {
    const f = r.fields[name];
    return { name, dtype: f.dtype, rowShape: f.rowShape.slice(), rowElements: f.rowShape.reduce((a, b) => a * b, 1), rowsPerUnit: f.rows, batched: f.batched };
  });
  return { fields, unitsPerBatch: o.unitsPerBatch };
}

function fieldFits(r: SampleResult, f: RingField): boolean {
  const g = r.fields[f.name];
  return g !== undefined && g.dtype === f.dtype && g.rows === f.rowsPerUnit && g.batched === f.batched && g.rowShape.length === f.rowShape.length && g.rowShape.every((n, i) => n === f.rowShape[i]);
}

function fits(r: SampleResult, layout: RingLayout): boolean {
  return layout.fields.every((f) => fieldFits(r, f));
}

function ownBuffers(r: SampleResult, fields: readonly string[]): boolean {
  return fields.every((n) => r.fields[n]?.buffer !== undefined);
}

function ownView(r: SampleResult, name: string): BatchField['data'] {
  const f = r.fields[name];
  const Ctor = ARRAY_CTORS[f.dtype];
  return new Ctor(f.buffer!, 0, f.buffer!.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/**
 * A unit holding g parts' crops at once (a chain the pipeline cannot split
 * into parts, e.g. with noise after a batches_to_gen_at_once crop) as g
 * results of `per` crops each, in crop order, in buffers of their own;
 * fields without a crop axis go to every part.
 */
export function splitUnit(r: SampleResult, g: number, per: number): SampleResult[] {
  return Array.from({ length: g }, (_, k) => {
    const fields: SampleResult['fields'] = {};
    for (const [name, f] of Object.entries(r.fields)) {
      if (!f.batched || f.rows !== g * per || !f.buffer) {
        fields[name] = f;
        continue;
      }
      const rowBytes = f.buffer.byteLength / f.rows;
      fields[name] = { ...f, buffer: f.buffer.slice(k * per * rowBytes, (k + 1) * per * rowBytes), rows: per };
    }
    return { ...r, fields, part: { index: k, count: g } };
  });
}
