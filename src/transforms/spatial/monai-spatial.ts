import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import { gridSampleAffine, matmul3, PAD_MODES, type GridMode, type GridPadding, type InterpolateMode, type Mat3, type PadMode } from '../kernels/index.js';
import { gridOf, withData } from './spatial-image.js';

/**
 * What the MONAI spatial dictionary transforms share: their mode names,
 * MONAI's rotation / shear / scale matrices, its centre-crop and symmetric
 * pad arithmetic, and resampling through the grid_sample kernel.
 */

/** grid_sample modes (Spacingd, Rotated, Affined, ...); spline order 0/1 as nearest/bilinear. */
export const gridModeArg = z
  .union([z.enum(['bilinear', 'nearest', 'trilinear', 'linear']), z.literal(0), z.literal(1)])
  .transform((m): GridMode => (m === 'nearest' || m === 0 ? 'nearest' : 'bilinear'));

export const gridPaddingArg = z.enum(['zeros', 'border', 'reflection']);

/** torch interpolate modes (Resized, Zoomd); bicubic is not implemented. */
export const interpolateModeArg = z
  .enum(['nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'area'])
  .transform((m): InterpolateMode => (m === 'bilinear' || m === 'trilinear' ? 'linear' : m));

/** numpy / torch pad modes as MONAI takes them (replicate = edge, circular = wrap). */
export const padModeArg = z
  .enum([...PAD_MODES, 'replicate', 'circular'])
  .transform((m): PadMode => (m === 'replicate' ? 'edge' : m === 'circular' ? 'wrap' : m));

/** A spatial size where values <= 0 keep the input's size on that axis (MONAI's `fall_back_tuple`). */
export const spatialSizeArg = z.union([z.number().int(), z.array(z.number().int()).min(1).max(3)]);

/** `size` resolved against the image: one value for every axis, <= 0 meaning "the input's size". */
export function fallBack(size: number | readonly number[], dims: readonly number[]): number[] {
  const s = typeof size === 'number' ? dims.map(() => size) : size;
  if (s.length !== dims.length)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `spatial size [${s}] has ${s.length} axes but the image has ${dims.length} spatial axes ([${dims}])`);
  return dims.map((d, a) => (s[a] > 0 ? s[a] : d));
}

/** MONAI's centre crop start: floor(n/2) - floor(m/2), at least 0. */
export function centreStart(n: number, m: number): number {
  return Math.max(0, Math.floor(n / 2) - Math.floor(m / 2));
}

/** MONAI's 3D rotation `Rx @ Ry @ Rz` (2D: one angle), angles in radians, as a 3x3 matrix. */
export function monaiRotation(rank: number, angles: readonly number[]): number[][] {
  if (rank === 2) {
    const [c, s] = [Math.cos(angles[0] ?? 0), Math.sin(angles[0] ?? 0)];
    return [[c, -s, 0], [s, c, 0], [0, 0, 1]];
  }
  const [x = 0, y = 0, z = 0] = angles;
  const rx = [[1, 0, 0], [0, Math.cos(x), -Math.sin(x)], [0, Math.sin(x), Math.cos(x)]];
  const ry = [[Math.cos(y), 0, Math.sin(y)], [0, 1, 0], [-Math.sin(y), 0, Math.cos(y)]];
  const rz = [[Math.cos(z), -Math.sin(z), 0], [Math.sin(z), Math.cos(z), 0], [0, 0, 1]];
  return matmul3(matmul3(rx, ry), rz);
}

/** MONAI's shear matrix (2D: 2 coefficients, 3D: 6). */
export function monaiShear(rank: number, coefs: readonly number[]): number[][] {
  const c = (i: number) => coefs[i] ?? 0;
  if (rank === 2) return [[1, c(0), 0], [c(1), 1, 0], [0, 0, 1]];
  return [[1, c(0), c(1)], [c(2), 1, c(3)], [c(4), c(5), 1]];
}

export interface AffineParams {
  rotate: readonly number[];
  shear: readonly number[];
  translate: readonly number[];
  scale: readonly number[];
}

/**
 * MONAI's AffineGrid matrix `R @ Shear @ T @ S` as a map of centred output
 * coordinates to centred input ones: p = M o + t with M = R Sh S and
 * t = R Sh translate.
 */
export function affineMatrix(rank: number, p: AffineParams): { m: number[][]; t: number[] } {
  const rsh = matmul3(monaiRotation(rank, p.rotate), monaiShear(rank, p.shear));
  const s = [0, 1, 2].map((a) => (a < rank ? p.scale[a] ?? 1 : 1));
  const m = matmul3(rsh, [[s[0], 0, 0], [0, s[1], 0], [0, 0, s[2]]]);
  const tr = [0, 1, 2].map((a) => (a < rank ? p.translate[a] ?? 0 : 0));
  const t = [0, 1, 2].map((r) => rsh[r][0] * tr[0] + rsh[r][1] * tr[1] + rsh[r][2] * tr[2]);
  return { m, t };
}

/**
 * Resamples an image onto `outShape` with input = c_in + M (o - c_out) + t
 * (centres c = (shape - 1)/2), the way MONAI's Rotate / Affine resample.
 * Data only: augmentations keep the affine.
 */
export function resampleCentred(img: ChainImage, m: Mat3, t: readonly number[], outShape: readonly number[], mode: GridMode, padding: GridPadding): ChainImage {
  const rank = spatialRank(img);
  const n = spatialShape(img);
  const cin = [0, 1, 2].map((a) => (a < rank ? (n[a] - 1) / 2 : 0));
  const cout = [0, 1, 2].map((a) => (a < rank ? (outShape[a] - 1) / 2 : 0));
  const off = [0, 1, 2].map((r) => cin[r] + (t[r] ?? 0) - (m[r][0] * cout[0] + m[r][1] * cout[1] + m[r][2] * cout[2]));
  const data = gridSampleAffine(gridOf(img), m, off, outShape, mode, padding);
  return { ...withData(img, data), shape: [...outShape.slice(0, rank), ...img.shape.slice(rank)] };
}
