import type { ChainImage, Sample } from '../image.js';
import { getImage } from '../image.js';
import { getAnyImage, withStage, type AnyImage, type LazyImage } from '../lazy/lazy-image.js';
import type { PointwiseStage } from '../lazy/pointwise.js';
import type { VolumeMeta } from '../../volume/volume.js';
import type { ArrayDType, VoxelArray } from '../../volume/dtype.js';

/**
 * What every intensity kernel needs to know about the values it reads.
 *
 * With src/io's `scaling: 'defer'`, `data` holds the file's stored integers
 * and `meta.sclSlope`/`meta.sclInter` still have to be applied: the true
 * value is `stored * slope + inter`. Kernels fold that pair into their own
 * arithmetic (one multiply-add they do anyway) instead of materialising a
 * scaled float copy of the volume first.
 */
export function storedScaling(img: ChainImage): { slope: number; inter: number } {
  if (img.meta.scalingDeferred !== true) return { slope: 1, inter: 0 };
  const slope = img.meta.sclSlope;
  const inter = img.meta.sclInter;
  // NIfTI: a slope of 0 (or absent) means "no scaling".
  return { slope: slope === undefined || slope === 0 || !Number.isFinite(slope) ? 1 : slope, inter: Number.isFinite(inter) ? (inter as number) : 0 };
}

/** The meta of an image whose data now holds true (scaled) values. */
export function scaledMeta(meta: VolumeMeta): VolumeMeta {
  if (meta.scalingDeferred !== true) return meta;
  return { ...meta, scalingDeferred: false };
}

/** A new chain image with `data` replacing the voxels of `img` (same geometry). */
export function withData(img: ChainImage, data: VoxelArray, dtype: ArrayDType): ChainImage {
  return { ...img, data, dtype, shape: img.shape.slice(), meta: scaledMeta(img.meta) };
}

/** Applies `fn` to the image of each field, returning a new sample (other fields shared). */
export function mapImages(sample: Sample, fields: readonly string[], transform: string, fn: (img: ChainImage, field: string) => ChainImage): Sample {
  const out: Sample = { ...sample };
  for (const f of fields) out[f] = fn(getImage(sample, f, transform), f);
  return out;
}

/**
 * A pointwise map with fixed parameters on each field, lazily: the field
 * (made or lazy) gets `stage` appended to its value maps (lazy-image.ts),
 * with the meta the eager kernel gives its output (scaling no longer
 * deferred). No voxel is touched until the image is materialised.
 */
export function mapLazy(sample: Sample, fields: readonly string[], transform: string, stage: PointwiseStage): Sample {
  const out: Sample = { ...sample };
  for (const f of fields) {
    const img: AnyImage = getAnyImage(sample, f, transform);
    const lazy: LazyImage = withStage(img, stage, scaledMeta(img.meta));
    out[f] = lazy;
  }
  return out;
}
