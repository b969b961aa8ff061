import { VoxelpipeError } from '../util/errors.js';
import { ARRAY_CTORS } from '../volume/dtype.js';
import type { Batch, BatchField, BatchRow } from './batch.js';
import type { SampleResult } from './sample-processor.js';

/** How finished samples become a batch. */
export interface BatchLayout {
  /** Fields a batch carries. */
  fields: readonly string[];
  /** Fields whose crop axis MergeBatchDims folds into the batch axis. */
  merge: ReadonlySet<string>;
  /** Each sample's crops are one batch (Clara's batched_by_transforms). */
  batchedByTransforms: boolean;
  /** Names item `i` in messages and rows. */
  source: (item: number) => string;
}

/**
 * Concatenates samples (already in the network layout, one buffer per
 * field) into a batch: `[B * b, ...]` with MergeBatchDims (or unbatched
 * samples), `[B, b, ...]` when the crop axis is kept, `[b, ...]` with
 * batched_by_transforms. A single sample's buffer becomes the batch as is.
 */
export function assembleBatch(samples: readonly SampleResult[], layout: BatchLayout, epoch: number, index: number): Batch {
  const out: Record<string, BatchField> = {};
  for (const name of layout.fields) {
    const first = samples[0].fields[name];
    for (const s of samples) {
      const f = s.fields[name];
      if (f.rowShape.join() !== first.rowShape.join() || f.rows !== first.rows)
        throw new VoxelpipeError(
          'ERR_SHAPE_MISMATCH',
          `${layout.source(s.itemIndex)}: field "${name}" has rows ${f.rows} x [${f.rowShape}], the batch's first sample (${layout.source(samples[0].itemIndex)}) has ${first.rows} x [${first.rowShape}]; set output_crop_size or a batch size of 1 for variable shapes`,
        );
    }
    const Ctor = ARRAY_CTORS[first.dtype];
    const view = (buf: ArrayBuffer) => new Ctor(buf, 0, buf.byteLength / Ctor.BYTES_PER_ELEMENT);
    let data;
    if (samples.length === 1) data = view(first.buffer);
    else {
      const rowLen = first.rowShape.reduce((a, b) => a * b, 1);
      data = new Ctor(samples.length * first.rows * rowLen);
      let off = 0;
      for (const s of samples) {
        const src = view(s.fields[name].buffer);
        data.set(src, off);
        off += src.length;
      }
    }
    let shape: number[];
    if (layout.batchedByTransforms) shape = [first.rows, ...first.rowShape];
    else if (first.batched && !layout.merge.has(name)) shape = [samples.length, first.rows, ...first.rowShape];
    else shape = [samples.length * first.rows, ...first.rowShape];
    out[name] = { data, shape, dtype: first.dtype };
  }
  const rows: BatchRow[] = [];
  const rowsPerSample = samples[0].fields[layout.fields[0]]?.rows ?? 1;
  for (const s of samples)
    for (let c = 0; c < rowsPerSample; c++) rows.push({ position: s.position, item: s.itemIndex, crop: c, source: layout.source(s.itemIndex) });
  return { epoch, index, fields: out, rows };
}

/**
 * One sample holding g * b crops (batches_to_gen_at_once = g) as g samples of
 * b crops each, in crop order; fields without a crop axis go to every part.
 */
export function splitCropBatches(r: SampleResult, b: number): SampleResult[] {
  const g = Math.max(...Object.values(r.fields).map((f) => (f.batched && f.rows % b === 0 ? f.rows / b : 1)));
  if (g <= 1) return [r];
  return Array.from({ length: g }, (_, k) => {
    const fields: SampleResult['fields'] = {};
    for (const [name, f] of Object.entries(r.fields)) {
      if (!f.batched || f.rows !== g * b) {
        fields[name] = f;
        continue;
      }
      const rowBytes = f.buffer.byteLength / f.rows;
      fields[name] = { ...f, buffer: f.buffer.slice(k * b * rowBytes, (k + 1) * b * rowBytes), rows: b };
    }
    return { ...r, fields };
  });
}

