import { VoxelpipeError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import { channelCount, spatialShape, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { ARRAY_CTORS, arrayDTypeOf } from '../../volume/dtype.js';
import { cropInto, croppedAffine, startForCentre } from './crop-at.js';
import { stack } from '../monai-dict.js';

/**
 * Crop centres the way MONAI's RandCropByPosNegLabeld and
 * RandCropByLabelClassesd choose them, with voxelpipe's compact index:
 * every voxel has a class (0..K-1, or -1 when excluded, e.g. background at
 * or below `image_threshold`); each class but the largest is listed, the
 * largest is drawn by rejection against the class function (it holds at
 * least 1/K of the candidates, so a few draws), unless it is under an eighth
 * of the volume, then it is listed too. Deterministic given label and image:
 * cacheable.
 */
export interface ClassIndices {
  /** Spatial shape it was computed from. */
  shape: number[];
  /** What `classOf` was built from (so a cached record is not reused for other settings). */
  signature: string;
  counts: number[];
  /** Listed voxel indices per class (undefined: drawn by rejection). */
  lists: (Uint32Array | undefined)[];
}

export type ClassOf = (i: number) => number;

/** A predicate "some channel of `img` at spatial voxel i is > threshold" (MONAI's `(image > t).any(0)`). */
export function aboveAny(img: ChainImage, threshold: number): (i: number) => boolean {
  const C = channelCount(img), N = voxelsPerChannel(img), d = img.data;
  if (C === 1) return (i) => d[i] > threshold;
  return (i) => {
    for (let c = 0; c < C; c++) if (d[i + c * N] > threshold) return true;
    return false;
  };
}

export function classIndices(classOf: ClassOf, shape: number[], K: number, signature: string): ClassIndices {
  const N = shape.reduce((a, b) => a * b, 1);
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < N; i++) {
    const c = classOf(i);
    if (c >= 0) counts[c]++;
  }
  const largest = counts.indexOf(Math.max(...counts));
  const listed = counts.map((n, c) => c !== largest || n < N / 8);
  const lists = counts.map((n, c) => (listed[c] ? new Uint32Array(n) : undefined));
  const fill = new Array<number>(K).fill(0);
  for (let i = 0; i < N; i++) {
    const c = classOf(i);
    if (c >= 0 && lists[c]) lists[c]![fill[c]++] = i;
  }
  return { shape: shape.slice(), signature, counts, lists };
}

/** A uniform voxel of class `c` (which must be non-empty). */
export function drawInClass(ix: ClassIndices, c: number, classOf: ClassOf, rng: Rng): number {
  const list = ix.lists[c];
  if (list) return list[rng.int(0, list.length)];
  const N = ix.shape.reduce((a, b) => a * b, 1);
  for (;;) {
    const i = rng.int(0, N);
    if (classOf(i) === c) return i;
  }
}

/** The cached record under `field` if it matches `shape` and `signature`. */
export function cachedIndices(sample: Sample, field: string | undefined, shape: number[], signature: string): ClassIndices | undefined {
  const v = field ? sample[field] : undefined;
  if (!v || typeof v !== 'object') return undefined;
  const ix = v as ClassIndices;
  if (ix.signature !== signature || !Array.isArray(ix.shape) || ix.shape.join() !== shape.join()) return undefined;
  return ix;
}

/** Linear spatial index -> coordinates (first axis fastest). */
function unravel(index: number, shape: readonly number[]): number[] {
  return shape.map((s) => {
    const c = index % s;
    index = Math.floor(index / s);
    return c;
  });
}

/**
 * The crop size on this volume: `size` (values <= 0: the volume's), or with
 * `allowSmaller` at most the volume; else a volume smaller than the crop is
 * an error, as in MONAI.
 */
export function cropSize(size: number | readonly number[], dims: readonly number[], allowSmaller: boolean, transform: string): number[] {
  const s = typeof size === 'number' ? dims.map(() => size) : size;
  if (s.length !== dims.length)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: spatial_size [${s}] has ${s.length} axes, the label has ${dims.length} ([${dims}])`);
  const out = dims.map((d, a) => (s[a] > 0 ? s[a] : d));
  if (out.some((v, a) => v > dims[a])) {
    if (!allowSmaller)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: the volume [${dims}] is smaller than spatial_size [${out}] (set allow_smaller to crop less)`);
    return out.map((v, a) => Math.min(v, dims[a]));
  }
  return out;
}

/** Crops every key at every centre (box shifted inside the volume) into one batched image per key. */
export function cropKeysAt(sample: Sample, keys: readonly string[], centres: number[][], size: number[], transform: string): Sample {
  const out: Sample = { ...sample };
  for (const k of keys) {
    const img = out[k] as ChainImage;
    const dims = spatialShape(img);
    const C = channelCount(img);
    const per = C * size.reduce((a, b) => a * b, 1);
    const starts = centres.map((c) => startForCentre(c, size, dims));
    const parts = starts.map((st) => {
      const data = new ARRAY_CTORS[arrayDTypeOf(img.data)](per);
      cropInto(img, st, size, data, 0);
      return { ...img, data, shape: [...size, C], affine: croppedAffine(img.affine, st), spacing: img.spacing.slice(), batched: false, meta: { ...img.meta, cropStarts: starts } };
    });
    out[k] = stack(parts, k, transform);
  }
  return out;
}

export { unravel };
