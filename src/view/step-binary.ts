import { batchCount, channelCount, isChainImage, voxelsPerChannel, type ChainImage, type Sample } from '../transforms/image.js';
import { storedScaling } from '../transforms/intensity/scaled-values.js';
import { arrayDTypeOf, type VoxelArray } from '../volume/dtype.js';
import { percentileWindow } from '../preview/render.js';
import type { StepFieldHeader } from './client/api-types.js';

/**
 * One step's voxels for the page, in one answer: every image field of the
 * step's output, as the typed arrays the chain holds (no conversion unless
 * a deferred NIfTI scaling has to be applied), behind a small JSON header.
 *
 *     bytes 0..3      header length H (uint32, little-endian)
 *     bytes 4..4+H    header JSON: { fields: [StepFieldHeader, ...] }
 *     then            each field's elements at its `offset` (8-byte aligned),
 *                     little-endian, first axis fastest (src/volume/volume.ts)
 *
 * The page slices planes out of these arrays itself, so scrolling never
 * asks the server again.
 */

/** Windows computed per field at most (a 64-crop batch of one channel still gets all of them). */
const MAX_WINDOWS = 64;
/** Voxels a default window is computed from: all of them up to this, else an evenly strided sample (a 512^2 x 100 CT would need a 200 MB scratch copy). */
const WINDOW_SAMPLE = 1 << 22;

export type { StepFieldHeader } from './client/api-types.js';

export interface StepBody {
  header: { fields: StepFieldHeader[] };
  /** Buffers to write in order, padding included. */
  chunks: Uint8Array[];
  bytes: number;
}

/** The voxels of an image as the page shows them: the true values (a deferred slope/intercept applied). */
export function displayValues(img: ChainImage): VoxelArray {
  const { slope, inter } = storedScaling(img);
  if (slope === 1 && inter === 0) return img.data;
  const out = new Float32Array(img.data.length);
  const d = img.data;
  for (let i = 0; i < d.length; i++) out[i] = d[i] * slope + inter;
  return out;
}

export function encodeStep(sample: Sample, labelField: string): StepBody {
  const fields: StepFieldHeader[] = [];
  const arrays: VoxelArray[] = [];
  for (const [name, v] of Object.entries(sample)) {
    if (!isChainImage(v)) continue;
    const values = displayValues(v);
    arrays.push(values);
    const per = voxelsPerChannel(v);
    const combos = channelCount(v) * batchCount(v);
    const windows: ([number, number] | null)[] = [];
    for (let k = 0; k < combos; k++)
      windows.push(name === labelField || k >= MAX_WINDOWS ? null : defaultWindow(values.subarray(k * per, (k + 1) * per)));
    fields.push({ name, dtype: arrayDTypeOf(values), shape: v.shape.slice(), offset: 0, length: values.length, windows, range: finiteRange(values) });
  }
  // Offsets depend on the header's length, which depends on the offsets' digits: settle it in two passes.
  let headerBytes = Buffer.byteLength(JSON.stringify({ fields }));
  for (let pass = 0; pass < 3; pass++) {
    let at = align8(4 + headerBytes);
    for (let k = 0; k < fields.length; k++) {
      fields[k].offset = at;
      at = align8(at + arrays[k].byteLength);
    }
    const n = Buffer.byteLength(JSON.stringify({ fields }));
    if (n === headerBytes) break;
    headerBytes = n;
  }
  const json = Buffer.from(JSON.stringify({ fields }));
  const head = Buffer.alloc(align8(4 + json.length));
  head.writeUInt32LE(json.length, 0);
  json.copy(head, 4);
  const chunks: Uint8Array[] = [head];
  let at = head.length;
  for (let k = 0; k < fields.length; k++) {
    const a = arrays[k];
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    at += a.byteLength;
    const pad = align8(at) - at;
    if (pad) chunks.push(new Uint8Array(pad));
    at += pad;
  }
  return { header: { fields }, chunks, bytes: at };
}

/** The preview's default window (1st..99th percentile), from every voxel or a strided sample of WINDOW_SAMPLE. */
export function defaultWindow(values: VoxelArray): [number, number] {
  if (values.length <= WINDOW_SAMPLE) return percentileWindow(values, [1, 99]);
  const step = values.length / WINDOW_SAMPLE;
  const sample = new Float64Array(WINDOW_SAMPLE);
  for (let i = 0; i < WINDOW_SAMPLE; i++) sample[i] = values[Math.floor(i * step)];
  return percentileWindow(sample, [1, 99]);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function finiteRange(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // NaN never wins a comparison; infinities do: drop them in a second pass only when present.
  if (lo === -Infinity || hi === Infinity) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}
