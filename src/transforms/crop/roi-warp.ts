import type { ChainImage } from '../image.js';
import { channelCount, spatialShape } from '../image.js';
import type { VoxelArray } from '../../volume/dtype.js';
import type { Rng } from '../../util/rng.js';
import { as3 } from './crop-at.js';

/**
 * The warp FastPosNegRatioCropROI applies to its ROI (rotation, scaling,
 * elastic deformation), and the small sampler that reads it. The spatial
 * family has its own resampler for whole volumes; this one only ever
 * evaluates the crop's own voxels, so a warped crop still reads O(crop).
 *
 * Output voxel o of a box of `size` reads the source at
 *
 *     p = centre + M (o - (size - 1) / 2) + d(o)
 *
 * with `centre` the (shifted-inside) crop centre in source voxels, M a 3x3
 * matrix (rotation x per-axis scale) and d a displacement interpolated
 * trilinearly from a coarse grid. Outside the volume, coordinates clamp to
 * the edge (a CT's border is not 0, so zero fill would draw a frame).
 */
export interface RoiWarp {
  /** Row-major 3x3 matrix taking output offsets to source offsets. */
  matrix: number[];
  /** Displacement control grid: `grid` points per axis, then 3 planar components (x, y, z), first axis fastest. */
  displacement?: { grid: [number, number, number]; data: Float64Array };
}

export interface WarpOptions {
  deform: boolean;
  rotation: boolean;
  rotation_degree: number;
  scale: boolean;
  scale_factor: number;
}

/** Control points per axis of the deformation grid, and its displacement std as a fraction of the crop size. */
const DEFORM_GRID = 4;
const DEFORM_STD = 0.02;

/** Draws a warp: angles uniform in ±rotation_degree (about each axis in 3D, in-plane in 2D), scale 1 ± scale_factor per axis, Gaussian control-point displacements. */
export function drawWarp(o: WarpOptions, size: readonly number[], rng: Rng): { warp: RoiWarp; draws: Record<string, unknown> } {
  const rank = size.length;
  const draws: Record<string, unknown> = {};
  let m = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  if (o.rotation && o.rotation_degree > 0) {
    const maxRad = (o.rotation_degree * Math.PI) / 180;
    const angles = rank === 3 ? [0, 1, 2].map(() => rng.uniform(-maxRad, maxRad)) : [0, 0, rng.uniform(-maxRad, maxRad)];
    draws.rotation_rad = rank === 3 ? angles : angles[2];
    m = mul3(rotZ(angles[2]), mul3(rotY(angles[1]), mul3(rotX(angles[0]), m)));
  }
  if (o.scale && o.scale_factor > 0) {
    const f = size.map(() => 1 + rng.uniform(-o.scale_factor, o.scale_factor));
    draws.scale = f;
    const [fx, fy, fz] = as3(f, 1);
    m = mul3(m, [fx, 0, 0, 0, fy, 0, 0, 0, fz]);
  }
  const warp: RoiWarp = { matrix: m };
  if (o.deform) {
    const grid = as3(size.map(() => DEFORM_GRID), 1);
    const n = grid[0] * grid[1] * grid[2];
    const data = new Float64Array(3 * n);
    for (let a = 0; a < rank; a++) {
      const std = DEFORM_STD * size[a];
      for (let i = 0; i < n; i++) data[a * n + i] = std * rng.normal();
    }
    warp.displacement = { grid, data };
    draws.deform = true;
  }
  return { warp, draws };
}

function mul3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
  return out;
}
const rotX = (t: number) => [1, 0, 0, 0, Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t)];
const rotY = (t: number) => [Math.cos(t), 0, Math.sin(t), 0, 1, 0, -Math.sin(t), 0, Math.cos(t)];
const rotZ = (t: number) => [Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1];

/**
 * Source coordinates (x, y, z interleaved, clamped to the volume) of every
 * voxel of the warped box, computed once per crop and shared by all fields.
 */
export function warpCoordinates(dims: readonly number[], centre: readonly number[], size: readonly number[], warp: RoiWarp): Float32Array {
  const [X, Y, Z] = as3(dims, 1);
  const [nx, ny, nz] = as3(size, 1);
  const [cx, cy, cz] = as3(centre, 0);
  const m = warp.matrix;
  const hx = (nx - 1) / 2, hy = (ny - 1) / 2, hz = (nz - 1) / 2;
  const out = new Float32Array(3 * nx * ny * nz);
  const disp = warp.displacement;
  // Per-axis interpolation of the control grid: cell index and weight for each output coordinate.
  const cells = disp ? [axisCells(nx, disp.grid[0]), axisCells(ny, disp.grid[1]), axisCells(nz, disp.grid[2])] : undefined;
  const d = [0, 0, 0];
  let o = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const oy = y - hy, oz = z - hz;
      const rx = cx + m[1] * oy + m[2] * oz - m[0] * hx;
      const ry = cy + m[4] * oy + m[5] * oz - m[3] * hx;
      const rz = cz + m[7] * oy + m[8] * oz - m[6] * hx;
      for (let x = 0; x < nx; x++, o += 3) {
        let px = rx + m[0] * x, py = ry + m[3] * x, pz = rz + m[6] * x;
        if (disp && cells) {
          displacementAt(disp, cells, x, y, z, d);
          px += d[0];
          py += d[1];
          pz += d[2];
        }
        out[o] = px < 0 ? 0 : px > X - 1 ? X - 1 : px;
        out[o + 1] = py < 0 ? 0 : py > Y - 1 ? Y - 1 : py;
        out[o + 2] = pz < 0 ? 0 : pz > Z - 1 ? Z - 1 : pz;
      }
    }
  return out;
}

/** For each of `n` output positions along an axis: the grid cell it falls in and its weight, as [cell0, w0, cell1, w1, ...]. */
function axisCells(n: number, g: number): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = n > 1 && g > 1 ? (i / (n - 1)) * (g - 1) : 0;
    const c = Math.min(Math.floor(p), Math.max(g - 2, 0));
    out[2 * i] = c;
    out[2 * i + 1] = p - c;
  }
  return out;
}

/** Trilinear interpolation of the control grid at output voxel (x, y, z). */
function displacementAt(disp: NonNullable<RoiWarp['displacement']>, cells: Float64Array[], x: number, y: number, z: number, out: number[]): void {
  const gx = disp.grid[0], gy = disp.grid[1], gz = disp.grid[2];
  const n = gx * gy * gz;
  const x0 = cells[0][2 * x], fx = cells[0][2 * x + 1];
  const y0 = cells[1][2 * y], fy = cells[1][2 * y + 1];
  const z0 = cells[2][2 * z], fz = cells[2][2 * z + 1];
  const dx = gx > 1 ? 1 : 0, dy = gy > 1 ? gx : 0, dz = gz > 1 ? gx * gy : 0;
  const i = x0 + gx * (y0 + gy * z0);
  const D = disp.data;
  for (let a = 0; a < 3; a++) {
    const b = i + a * n;
    const v00 = D[b] + fx * (D[b + dx] - D[b]);
    const v10 = D[b + dy] + fx * (D[b + dy + dx] - D[b + dy]);
    const v01 = D[b + dz] + fx * (D[b + dz + dx] - D[b + dz]);
    const v11 = D[b + dz + dy] + fx * (D[b + dz + dy + dx] - D[b + dz + dy]);
    const v0 = v00 + fy * (v10 - v00);
    const v1 = v01 + fy * (v11 - v01);
    out[a] = v0 + fz * (v1 - v0);
  }
}

/**
 * Samples every channel of `src` at `coords` (from warpCoordinates) into
 * `dst` from `dstOffset` (planar): nearest for labels, trilinear for images.
 */
export function sampleAt(src: ChainImage, coords: Float32Array, nearest: boolean, dst: VoxelArray, dstOffset: number): void {
  const [X, Y, Z] = as3(spatialShape(src), 1);
  const C = channelCount(src);
  const data = src.data;
  const per = coords.length / 3;
  const plane = X * Y * Z;
  const dx = X > 1 ? 1 : 0, dy = Y > 1 ? X : 0, dz = Z > 1 ? X * Y : 0;
  const xm = Math.max(X - 2, 0), ym = Math.max(Y - 2, 0), zm = Math.max(Z - 2, 0);
  for (let c = 0; c < C; c++) {
    const base = c * plane;
    const o0 = dstOffset + c * per;
    if (nearest) {
      for (let o = 0, k = 0; o < per; o++, k += 3)
        dst[o0 + o] = data[base + Math.round(coords[k]) + X * (Math.round(coords[k + 1]) + Y * Math.round(coords[k + 2]))];
      continue;
    }
    for (let o = 0, k = 0; o < per; o++, k += 3) {
      const px = coords[k], py = coords[k + 1], pz = coords[k + 2];
      let x0 = px | 0, y0 = py | 0, z0 = pz | 0; // coordinates are clamped to >= 0: truncation is floor
      if (x0 > xm) x0 = xm;
      if (y0 > ym) y0 = ym;
      if (z0 > zm) z0 = zm;
      const fx = px - x0, fy = py - y0, fz = pz - z0;
      const b = base + x0 + X * (y0 + Y * z0);
      const v00 = data[b] + fx * (data[b + dx] - data[b]);
      const v10 = data[b + dy] + fx * (data[b + dy + dx] - data[b + dy]);
      const v01 = data[b + dz] + fx * (data[b + dz + dx] - data[b + dz]);
      const v11 = data[b + dz + dy] + fx * (data[b + dz + dy + dx] - data[b + dz + dy]);
      const v0 = v00 + fy * (v10 - v00);
      const v1 = v01 + fy * (v11 - v01);
      dst[o0 + o] = v0 + fz * (v1 - v0);
    }
  }
}
