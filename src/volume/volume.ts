import type { DType, VoxelArray } from './dtype.js';
import type { Mat4 } from './affine.js';

/**
 * A medical image in memory: a plain, transferable record (no methods), so
 * it crosses worker threads by transferring `data.buffer`.
 *
 * ## Memory order (the one place it is defined)
 *
 * `shape` is the file's axis order, exactly nibabel's `img.shape`: spatial
 * axes i, j, k (NIfTI dim[1..3]) first, then time / vector / channel axes.
 * Elements are stored **first axis fastest** (Fortran order, the order a
 * NIfTI file stores its voxels), so the voxel at index (i0, i1, i2, ...) is
 *
 *     data[i0 + s0 * (i1 + s1 * (i2 + s2 * (...)))]      with s = shape
 *
 * Reading a file therefore never transposes or copies a volume. A
 * multi-channel image keeps its channel axis last in `shape`, so each
 * channel is one contiguous block ("planar"). Batches handed to a network
 * are C-order (see the pipeline layer): that reordering happens once, on
 * the small crops, not on whole volumes.
 *
 * `data` may be a view on a larger buffer (e.g. the decompressed file with
 * its header in front); use `data.byteOffset`/`data.length`, never assume
 * `data.buffer` holds only voxels.
 */
export interface Volume {
  /** Voxel values, first axis fastest (see above). */
  data: VoxelArray;
  /** Size of each axis, nibabel's `img.shape`. */
  shape: number[];
  /**
   * The voxel type stored in the file (numpy spelling). The in-memory type is
   * `data`'s own: it differs when scaling was applied (float32/float64) or for
   * 64-bit integers (held as float64, exact up to 2^53).
   */
  dtype: DType;
  /** Voxel size along each axis of `shape` (NIfTI pixdim[1..n]: mm, then s for time). */
  spacing: number[];
  /** 4x4 voxel index (i, j, k) -> world mm, RAS+, as nibabel's `img.affine`. */
  affine: Mat4;
  meta: VolumeMeta;
}

/** Header fields a user may want, with NIfTI names where NIfTI has them. */
export interface VolumeMeta {
  /** Path the volume was read from, if any. */
  filename?: string;
  /** File format, e.g. "nifti1", "nifti1-pair", "nifti2", "analyze". */
  format?: string;
  description?: string;
  intentCode?: number;
  intentName?: string;
  intentParams?: [number, number, number];
  /** NIfTI xyzt_units split into spatial and temporal unit names. */
  spatialUnits?: string;
  temporalUnits?: string;
  qformCode?: number;
  sformCode?: number;
  /** Repetition time (pixdim[4]) in the temporal unit, for 4D series. */
  repetitionTime?: number;
  /** The header's scl_slope / scl_inter, whether or not `data` has them applied. */
  sclSlope?: number;
  sclInter?: number;
  /** True when `data` holds the stored values with slope/inter still to apply. */
  scalingDeferred?: boolean;
  calMin?: number;
  calMax?: number;
  byteOrder?: 'little' | 'big';
  /** Anything else a reader or transform wants to carry (kept when copied). */
  [key: string]: unknown;
}

/** Number of elements a shape holds. */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Element strides of a shape in voxelpipe's memory order (first axis fastest). */
export function stridesOf(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  return strides;
}

/** Linear index of `index` in a volume of `shape` (first axis fastest). */
export function linearIndex(shape: readonly number[], index: readonly number[]): number {
  let off = 0;
  let s = 1;
  for (let a = 0; a < shape.length; a++) {
    off += (index[a] ?? 0) * s;
    s *= shape[a];
  }
  return off;
}
