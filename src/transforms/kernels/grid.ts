import type { VoxelArray } from '../../volume/dtype.js';

/**
 * What every kernel works on: a spatial grid of up to three axes (first axis
 * fastest, as `Volume` stores voxels) repeated `blocks` times back to back —
 * one block per channel (and per crop of a batched image), which is exactly
 * how a `ChainImage` lays out its planar channels.
 */
export interface Grid {
  data: VoxelArray;
  /** Spatial shape, 1 to 3 axes. */
  shape: readonly number[];
  /** Number of consecutive blocks of prod(shape) voxels (channels x crops). */
  blocks: number;
}

/** How a resampler reads between voxels. */
export type Interpolation = 'linear' | 'nearest';

/** A shape padded with 1s to three axes, so kernels need one 3D loop for 1D, 2D and 3D grids. */
export function shape3(shape: readonly number[]): [number, number, number] {
  if (shape.length < 1 || shape.length > 3) throw new RangeError(`kernels handle 1 to 3 spatial axes, got [${shape}]`);
  return [shape[0], shape[1] ?? 1, shape[2] ?? 1];
}

/** A new zeroed array of the same element type as `like`. */
export function allocLike(like: VoxelArray, length: number): VoxelArray {
  const Ctor = like.constructor as new (n: number) => VoxelArray;
  return new Ctor(length);
}

/**
 * The array a linear interpolation writes: float64 stays float64, anything
 * else (integer CT, float32) becomes float32 — interpolated integers are not
 * integers any more, and rounding them back would lose what linear buys.
 */
export function allocInterpolated(like: VoxelArray, length: number, interpolation: Interpolation): VoxelArray {
  if (interpolation === 'nearest') return allocLike(like, length);
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/** `out.set(src.subarray(from, to), at)` for the union of typed arrays (same element type on both sides). */
export function copyRun(out: VoxelArray, at: number, src: VoxelArray, from: number, to: number): void {
  (out as Float32Array).set((src as Float32Array).subarray(from, to), at);
}
