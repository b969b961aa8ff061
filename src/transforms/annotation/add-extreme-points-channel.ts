import { z } from 'zod';
import { defineTransform } from '../types.js';
import { dtypeArg, fieldArg } from '../args.js';
import type { ChainImage, Sample } from '../image.js';
import { batchCount, channelCount, getImage, spatialShape, voxelsPerChannel } from '../image.js';
import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';
import type { Rng } from '../../util/rng.js';
import { VoxelpipeError } from '../../util/errors.js';
import { scaledMeta, storedScaling } from '../intensity/scaled-values.js';

/**
 * AddExtremePointsChannel (DEXTR-style interactive annotation): the extreme
 * points of the label's foreground (label > 0 in any channel) — for each
 * spatial axis the foreground voxel with the lowest and with the highest
 * coordinate on it (among ties, the middle one in memory order) — become
 * a heat map, the sum of Gaussians of `sigma` voxels centred on them,
 * min-max rescaled to [rescale_min, rescale_max]. It is appended to the
 * image as one more channel, or stored alone in `points_channel_field`.
 * `permutation` > 0 moves each point by a uniform integer in
 * ±permutation voxels per axis (random; 0 is deterministic). A crop
 * without foreground gets a flat map at rescale_min.
 */

/** Extreme points (spatial coordinates) of the foreground in one label block; [] when there is none. */
export function extremePoints(label: VoxelArray, offset: number, dims: readonly number[], channels: number): number[][] {
  const rank = dims.length;
  const [X, Y, Z] = [dims[0], dims[1] ?? 1, dims[2] ?? 1];
  const N = X * Y * Z;
  const isFg = (i: number) => {
    for (let c = 0; c < channels; c++) if (label[offset + i + c * N] > 0) return true;
    return false;
  };
  // Visits the foreground voxels in memory order with their (x, y, z).
  const scan = (fn: (x: number, y: number, z: number) => void) => {
    let i = 0;
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++, i++) if (channels === 1 ? label[offset + i] > 0 : isFg(i)) fn(x, y, z);
  };
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  scan((x, y, z) => {
    if (x < lo[0]) lo[0] = x;
    if (x > hi[0]) hi[0] = x;
    if (y < lo[1]) lo[1] = y;
    if (y > hi[1]) hi[1] = y;
    if (z < lo[2]) lo[2] = z;
    if (z > hi[2]) hi[2] = z;
  });
  if (lo[0] === Infinity) return [];
  // Targets k = 2a (lowest on axis a) and 2a + 1 (highest): count ties, then take the middle one.
  const target = (k: number) => (k % 2 === 0 ? lo : hi)[k >> 1];
  const K = 2 * rank;
  const counts = new Array<number>(K).fill(0);
  scan((x, y, z) => {
    const c = [x, y, z];
    for (let k = 0; k < K; k++) if (c[k >> 1] === target(k)) counts[k]++;
  });
  const want = counts.map((n) => Math.floor((n - 1) / 2));
  const seen = new Array<number>(K).fill(0);
  const points: number[][] = new Array(K);
  scan((x, y, z) => {
    const c = [x, y, z];
    for (let k = 0; k < K; k++) if (c[k >> 1] === target(k) && seen[k]++ === want[k]) points[k] = c.slice(0, rank);
  });
  return points;
}

/** Heat map of `points` into `out[offset .. offset + N)`: sum of Gaussians, rescaled to [rmin, rmax]. */
export function pointsHeatmap(points: readonly number[][], dims: readonly number[], sigma: number, rmin: number, rmax: number, out: VoxelArray, offset: number): void {
  const [X, Y, Z] = [dims[0], dims[1] ?? 1, dims[2] ?? 1];
  const N = X * Y * Z;
  if (points.length === 0) {
    out.fill(rmin, offset, offset + N);
    return;
  }
  // Separable: one 1D Gaussian per point and axis, flat (point-major) so the inner loop is two loads per point.
  const P = points.length;
  const g = (len: number, axis: number) => {
    const a = new Float64Array(P * len);
    for (let p = 0; p < P; p++) {
      const c = points[p][axis] ?? 0;
      for (let i = 0; i < len; i++) a[p * len + i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    }
    return a;
  };
  const gx = g(X, 0), gy = g(Y, 1), gz = g(Z, 2);
  const w = new Float64Array(P);
  const tmp = new Float64Array(N);
  let mn = Infinity, mx = -Infinity, i = 0;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      for (let p = 0; p < P; p++) w[p] = gy[p * Y + y] * gz[p * Z + z];
      for (let x = 0; x < X; x++, i++) {
        let v = 0;
        for (let p = 0; p < P; p++) v += w[p] * gx[p * X + x];
        tmp[i] = v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
    }
  const k = mx > mn ? (rmax - rmin) / (mx - mn) : 0;
  for (let j = 0; j < N; j++) out[offset + j] = rmin + (tmp[j] - mn) * k;
}

export interface ExtremePointsParams {
  sigma: number;
  permutation: number;
  rescale_min: number;
  rescale_max: number;
  dtype: ArrayDType;
}

/** The heat map image (one channel, batched like `label`), with points moved by `rng` when permutation > 0. */
export function extremePointsChannel(label: ChainImage, p: ExtremePointsParams, rng?: Rng): { map: ChainImage; points: number[][][] } {
  const dims = spatialShape(label);
  const N = voxelsPerChannel(label);
  const C = channelCount(label);
  const b = batchCount(label);
  const data = new ARRAY_CTORS[p.dtype](N * b);
  const all: number[][][] = [];
  for (let j = 0; j < b; j++) {
    let points = extremePoints(label.data, j * C * N, dims, C);
    if (p.permutation > 0 && rng)
      points = points.map((pt) => pt.map((v, a) => Math.min(dims[a] - 1, Math.max(0, v + rng.int(-p.permutation, p.permutation + 1)))));
    all.push(points);
    pointsHeatmap(points, dims, p.sigma, p.rescale_min, p.rescale_max, data, j * N);
  }
  const shape = label.batched ? [...dims, 1, b] : [...dims, 1];
  return { map: { ...label, data, dtype: p.dtype, shape, meta: { ...label.meta, scalingDeferred: false } }, points: all };
}

/** `img` with `map` appended as its last channel (per crop when batched), as `dtype`. */
export function appendChannel(img: ChainImage, map: ChainImage, dtype: ArrayDType): ChainImage {
  const N = voxelsPerChannel(img);
  const C = channelCount(img);
  const b = batchCount(img);
  const out = new ARRAY_CTORS[dtype]((C + 1) * N * b);
  const { slope, inter } = storedScaling(img);
  for (let j = 0; j < b; j++) {
    const src = img.data.subarray(j * C * N, (j + 1) * C * N);
    const o = j * (C + 1) * N;
    if (slope === 1 && inter === 0) out.set(src, o);
    else for (let i = 0; i < src.length; i++) out[o + i] = src[i] * slope + inter;
    out.set(map.data.subarray(j * N, (j + 1) * N), o + C * N);
  }
  const shape = img.shape.slice();
  shape[spatialShape(img).length] = C + 1;
  return { ...img, data: out, dtype, shape, meta: scaledMeta(img.meta) };
}

export const AddExtremePointsChannel = defineTransform({
  name: 'AddExtremePointsChannel',
  family: 'annotation',
  summary: 'Gaussian heat map of the label\'s extreme points, rescaled, appended to the image as a channel (or stored in points_channel_field)',
  monai: 'AddExtremePointsChanneld(label_key, sigma, rescale_min, rescale_max)',
  args: z.strictObject({
    image_field: fieldArg,
    label_field: fieldArg,
    dtype: dtypeArg.default('float32'),
    sigma: z.number().positive().default(3),
    permutation: z.number().int().min(0).default(0),
    rescale_min: z.number().default(-1),
    rescale_max: z.number().default(1),
    points_channel_field: fieldArg.nullable().default(null),
  }),
  isRandom: true,
  example: { image_field: 'image', label_field: 'label' },
  create(a) {
    const name = 'AddExtremePointsChannel';
    return {
      fields: [a.image_field, a.label_field, ...(a.points_channel_field ? [a.points_channel_field] : [])],
      isRandom: a.permutation > 0,
      apply(sample, ctx) {
        const img = getImage(sample, a.image_field, name);
        const label = getImage(sample, a.label_field, name);
        const s = spatialShape(img), l = spatialShape(label);
        if (s.length !== l.length || s.some((d, i) => d !== l[i]) || batchCount(img) !== batchCount(label))
          throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: image_field "${a.image_field}" has shape [${img.shape}] but label_field "${a.label_field}" has [${label.shape}]`);
        const { map, points } = extremePointsChannel(label, a, a.permutation > 0 ? ctx.rng : undefined);
        ctx.record({ points });
        const out: Sample = { ...sample };
        if (a.points_channel_field) out[a.points_channel_field] = map;
        else out[a.image_field] = appendChannel(img, map, a.dtype);
        return out;
      },
    };
  },
});
