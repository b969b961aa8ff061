import type { Volume } from './volume.js';

export interface VolumeStats {
  min: number;
  max: number;
  mean: number;
  sum: number;
  /** Count of NaN voxels, which min/max/mean/sum skip. */
  nan: number;
}

/**
 * Min, max, mean and sum of the voxel values (with slope/inter applied when the
 * volume defers them), accumulated in float64 like nibabel's `get_fdata()`.
 */
export function volumeStats(v: Volume): VolumeStats {
  const d = v.data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x !== x) {
      nan++;
      continue;
    }
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const n = d.length - nan;
  if (v.meta.scalingDeferred) {
    const slope = v.meta.sclSlope ?? 1;
    const inter = v.meta.sclInter ?? 0;
    [min, max] = slope >= 0 ? [min * slope + inter, max * slope + inter] : [max * slope + inter, min * slope + inter];
    sum = sum * slope + inter * n;
  }
  return n === 0 ? { min: NaN, max: NaN, mean: NaN, sum: 0, nan } : { min, max, mean: sum / n, sum, nan };
}
