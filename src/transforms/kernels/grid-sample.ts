import { shape3, type Grid } from './grid.js';
import type { Mat3 } from './rotate.js';

/**
 * torch's `grid_sample` in voxel coordinates (what MONAI's Rotate, Affine,
 * Rand3DElastic and Resample do once their grids are normalised with
 * align_corners=False): each output voxel reads the input at a coordinate
 * p, trilinearly or at the nearest voxel (rounded half to even, as torch's
 * nearbyint), with torch's padding modes:
 * - 'zeros': a tap outside the grid contributes 0 (per tap, so a voxel half
 *   outside is half its neighbour's value);
 * - 'border': p clamped to [0, n-1];
 * - 'reflection': p reflected about -0.5 and n-0.5, then clamped.
 * float32 output.
 */
export type GridPadding = 'zeros' | 'border' | 'reflection';
export type GridMode = 'bilinear' | 'nearest';

function reflect(x: number, n: number): number {
  // torch reflect_coordinates(x, -1, 2n - 1) then clip_coordinates(x, n)
  if (n === 1) return 0;
  const min = -0.5, span = n;
  let v = Math.abs(x - min);
  const flips = Math.floor(v / span);
  const extra = v - flips * span;
  v = flips % 2 === 0 ? extra + min : span - extra + min;
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}

function pad(x: number, n: number, padding: GridPadding): number {
  if (padding === 'border') return x < 0 ? 0 : x > n - 1 ? n - 1 : x;
  if (padding === 'reflection') return reflect(x, n);
  return x;
}

/** Half to even, as C's nearbyint in the default rounding mode. */
function nearbyint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Samples block `b` of `src` at (x, y, z). */
function sampleAt(
  src: Grid['data'], base: number, n: readonly [number, number, number], x: number, y: number, z: number, mode: GridMode, padding: GridPadding,
): number {
  const [n0, n1, n2] = n;
  x = pad(x, n0, padding);
  y = pad(y, n1, padding);
  z = pad(z, n2, padding);
  if (mode === 'nearest') {
    const i = nearbyint(x), j = nearbyint(y), k = nearbyint(z);
    if (i < 0 || i >= n0 || j < 0 || j >= n1 || k < 0 || k >= n2) return 0;
    return src[base + i + n0 * (j + n1 * k)];
  }
  const x0 = Math.floor(x), y0 = Math.floor(y), z0 = Math.floor(z);
  const wx = x - x0, wy = y - y0, wz = z - z0;
  let acc = 0;
  for (let dz = 0; dz < 2; dz++) {
    const k = z0 + dz;
    const cz = dz ? wz : 1 - wz;
    if (cz === 0 || k < 0 || k >= n2) continue;
    for (let dy = 0; dy < 2; dy++) {
      const j = y0 + dy;
      const cy = dy ? wy : 1 - wy;
      if (cy === 0 || j < 0 || j >= n1) continue;
      const row = base + n0 * (j + n1 * k);
      for (let dx = 0; dx < 2; dx++) {
        const i = x0 + dx;
        const cx = dx ? wx : 1 - wx;
        if (cx === 0 || i < 0 || i >= n0) continue;
        acc += src[row + i] * cx * cy * cz;
      }
    }
  }
  return acc;
}

/**
 * Affine resampling onto `outShape`: output voxel o reads input `m o + t`
 * (3x3 `m` and `t` in voxel units; for 1D/2D grids the unused rows are the
 * identity). Every block (channel, crop) alike.
 */
export function gridSampleAffine(grid: Grid, m: Mat3, t: readonly number[], outShape: readonly number[], mode: GridMode, padding: GridPadding): Float32Array {
  const n = shape3(grid.shape);
  const [m0, m1, m2] = shape3(outShape);
  const inBlock = n[0] * n[1] * n[2];
  const out = new Float32Array(m0 * m1 * m2 * grid.blocks);
  let o = 0;
  for (let b = 0; b < grid.blocks; b++)
    for (let k = 0; k < m2; k++)
      for (let j = 0; j < m1; j++) {
        const px = m[0][1] * j + m[0][2] * k + (t[0] ?? 0);
        const py = m[1][1] * j + m[1][2] * k + (t[1] ?? 0);
        const pz = m[2][1] * j + m[2][2] * k + (t[2] ?? 0);
        for (let i = 0; i < m0; i++) out[o++] = sampleAt(grid.data, b * inBlock, n, px + m[0][0] * i, py + m[1][0] * i, pz + m[2][0] * i, mode, padding);
      }
  return out;
}

/**
 * Resampling at explicit coordinates: `coords` holds, for each output voxel
 * (first axis fastest), its input coordinate as 3 consecutive values.
 */
export function gridSampleAt(grid: Grid, coords: Float32Array | Float64Array, outShape: readonly number[], mode: GridMode, padding: GridPadding): Float32Array {
  const n = shape3(grid.shape);
  const [m0, m1, m2] = shape3(outShape);
  const N = m0 * m1 * m2;
  const inBlock = n[0] * n[1] * n[2];
  const out = new Float32Array(N * grid.blocks);
  for (let b = 0; b < grid.blocks; b++)
    for (let v = 0; v < N; v++) out[b * N + v] = sampleAt(grid.data, b * inBlock, n, coords[3 * v], coords[3 * v + 1], coords[3 * v + 2], mode, padding);
  return out;
}
