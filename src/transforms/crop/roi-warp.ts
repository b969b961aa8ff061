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
 * Samples every channel of `src` over the warped box into `dst` from
 * `dstOffset` (planar). `nearest` for labels, trilinear for images.
 */
export function sampleWarpedRoi(
  src: ChainImage,
  centre: readonly number[],
  size: readonly number[],
  warp: RoiWarp,
  nearest: boolean,
  dst: VoxelArray,
  dstOffset: number,
): void {
  const [X, Y, Z] = as3(spatialShape(src), 1);
  const [nx, ny, nz] = as3(size, 1);
  const [cx, cy, cz] = as3(centre, 0);
  const C = channelCount(src);
  const data = src.data;
  const m = warp.matrix;
  const hx = (nx - 1) / 2, hy = (ny - 1) / 2, hz = (nz - 1) / 2;
  const disp = warp.displacement;
  const per = nx * ny * nz;
  const plane = X * Y * Z;
  const d = [0, 0, 0];
  let o = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, o++) {
        const ox = x - hx, oy = y - hy, oz = z - hz;
        let px = cx + m[0] * ox + m[1] * oy + m[2] * oz;
        let py = cy + m[3] * ox + m[4] * oy + m[5] * oz;
        let pz = cz + m[6] * ox + m[7] * oy + m[8] * oz;
        if (disp) {
          displacementAt(disp, nx > 1 ? x / (nx - 1) : 0, ny > 1 ? y / (ny - 1) : 0, nz > 1 ? z / (nz - 1) : 0, d);
          px += d[0];
          py += d[1];
          pz += d[2];
        }
        px = px < 0 ? 0 : px > X - 1 ? X - 1 : px;
        py = py < 0 ? 0 : py > Y - 1 ? Y - 1 : py;
        pz = pz < 0 ? 0 : pz > Z - 1 ? Z - 1 : pz;
        if (nearest) {
          const i = Math.round(px) + X * (Math.round(py) + Y * Math.round(pz));
          for (let c = 0; c < C; c++) dst[dstOffset + c * per + o] = data[i + c * plane];
          continue;
        }
        const x0 = Math.min(Math.floor(px), X - 2 < 0 ? 0 : X - 2), y0 = Math.min(Math.floor(py), Y - 2 < 0 ? 0 : Y - 2), z0 = Math.min(Math.floor(pz), Z - 2 < 0 ? 0 : Z - 2);
        const fx = px - x0, fy = py - y0, fz = pz - z0;
        const dx = X > 1 ? 1 : 0, dy = Y > 1 ? X : 0, dz = Z > 1 ? X * Y : 0;
        const i = x0 + X * (y0 + Y * z0);
        for (let c = 0; c < C; c++) {
          const b = i + c * plane;
          const v00 = data[b] + fx * (data[b + dx] - data[b]);
          const v10 = data[b + dy] + fx * (data[b + dy + dx] - data[b + dy]);
          const v01 = data[b + dz] + fx * (data[b + dz + dx] - data[b + dz]);
          const v11 = data[b + dz + dy] + fx * (data[b + dz + dy + dx] - data[b + dz + dy]);
          const v0 = v00 + fy * (v10 - v00);
          const v1 = v01 + fy * (v11 - v01);
          dst[dstOffset + c * per + o] = v0 + fz * (v1 - v0);
        }
      }
}

/** Trilinear interpolation of the control grid at normalised position (u, v, w) in [0, 1]. */
function displacementAt(disp: NonNullable<RoiWarp['displacement']>, u: number, v: number, w: number, out: number[]): void {
  const [gx, gy, gz] = disp.grid;
  const n = gx * gy * gz;
  const px = u * (gx - 1), py = v * (gy - 1), pz = w * (gz - 1);
  const x0 = Math.min(Math.floor(px), Math.max(gx - 2, 0)), y0 = Math.min(Math.floor(py), Math.max(gy - 2, 0)), z0 = Math.min(Math.floor(pz), Math.max(gz - 2, 0));
  const fx = px - x0, fy = py - y0, fz = pz - z0;
  const dx = gx > 1 ? 1 : 0, dy = gy > 1 ? gx : 0, dz = gz > 1 ? gx * gy : 0;
  const i = x0 + gx * (y0 + gy * z0);
  for (let a = 0; a < 3; a++) {
    const D = disp.data;
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
