import { VoxelpipeError } from '../util/errors.js';
import type { VoxelArray } from '../volume/dtype.js';

/**
 * Sliding-window ("scan window") inference over a whole volume, as Clara's
 * ScanWindowInferer and MONAI's `sliding_window_inference` (which began as
 * its port) do it:
 *
 * - a window side per axis is `roi_size` (-1: the image's side); where the
 *   image is smaller than a window it is padded, symmetrically, with
 *   `padding_value`, and the output cropped back;
 * - windows start every `floor(roi * (1 - overlap))` voxels (overlap 0.25 by
 *   default, MONAI's; MONAI 0.1's port of Clara used max(roi - 16, 0.75 roi),
 *   the same for windows up to 64), as many as needed to reach the end, the
 *   last one moved back to end at the border: every voxel is covered and no
 *   window hangs out;
 * - `batch_size` windows go through the model per run;
 * - overlapping outputs are averaged ("constant") or averaged with Gaussian
 *   weights centred on each window ("gaussian", sigma = sigma_scale x roi).
 *
 * Windows form a grid (every combination of per-axis starts) and the
 * Gaussian weights are a product of per-axis weights, so the weight summed
 * at a voxel is a product of three per-axis sums: no per-voxel count map
 * is kept.
 *
 * Layouts: the image is a chain image (first axis fastest, planar channels:
 * `[X, Y, Z, C]`); the model sees C-order `[n, C, x, y(, z)]` windows and
 * answers `[n, K, x, y(, z)]`; the result is a chain image `[X, Y, Z, K]`.
 */

export interface SlidingWindowOptions {
  /** Window side per spatial axis; -1 = the image's side. */
  roiSize: readonly number[];
  overlap: number;
  /** Windows per model run. */
  batchSize: number;
  blendMode: 'constant' | 'gaussian';
  sigmaScale: number;
  paddingValue: number;
}

/** Where the windows of one volume go. */
export interface WindowPlan {
  /** Spatial shape of the image. */
  shape: number[];
  /** Window side per axis (roi_size with -1 resolved). */
  roi: number[];
  /** Padding before the image on each axis (the image is at [pad, pad + size) of the padded grid). */
  padBefore: number[];
  /** Window starts per axis, in padded coordinates. */
  starts: number[][];
  /** Number of windows (the product of the per-axis counts). */
  count: number;
}

/** MONAI's per-axis window starts over a (padded) axis of `size` voxels. */
export function scanStarts(size: number, roi: number, overlap: number): number[] {
  const interval = roi === size ? roi : Math.max(1, Math.floor(roi * (1 - overlap)));
  const starts: number[] = [];
  for (let d = 0; ; d++) {
    const s = d * interval;
    starts.push(Math.max(0, s - Math.max(s + roi - size, 0)));
    if (s + roi >= size) break;
  }
  return starts;
}

export function planWindows(shape: readonly number[], roiSize: readonly number[], overlap: number): WindowPlan {
  if (roiSize.length !== shape.length)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `roi_size [${roiSize}] has ${roiSize.length} axes, the image [${shape}] has ${shape.length} spatial axes`);
  const roi = roiSize.map((r, a) => (r > 0 ? r : shape[a]));
  const padded = shape.map((s, a) => Math.max(s, roi[a]));
  const padBefore = shape.map((s, a) => Math.floor((padded[a] - s) / 2));
  const starts = padded.map((p, a) => scanStarts(p, roi[a], overlap));
  return { shape: [...shape], roi, padBefore, starts, count: starts.reduce((n, s) => n * s.length, 1) };
}

/** Per-axis blending weights of one window: ones, or a Gaussian centred on the window. */
export function axisWeights(roi: number, mode: 'constant' | 'gaussian', sigmaScale: number): Float64Array {
  const w = new Float64Array(roi);
  if (mode === 'constant') return w.fill(1);
  const sigma = sigmaScale * roi;
  const c = (roi - 1) / 2;
  for (let i = 0; i < roi; i++) w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  return w;
}

/** The input of the model for one run: `[n, C, ...window]` and the data. */
export interface ModelRun {
  data: Float32Array;
  dims: number[];
}

/** What the model answered: `[n, K, ...window]`. */
export interface ModelAnswer {
  data: VoxelArray | Float32Array | BigInt64Array | ArrayLike<number | bigint>;
  dims: readonly number[];
}

export type Predict = (run: ModelRun) => Promise<ModelAnswer>;

export interface WindowImage {
  /** Chain layout: first axis fastest, channels planar. */
  data: ArrayLike<number>;
  /** Spatial shape (2 or 3 axes). */
  shape: readonly number[];
  channels: number;
}

/** The blended output: chain layout `[...shape, K]`. */
export interface WindowResult {
  data: Float32Array;
  channels: number;
  windows: number;
}

/** Runs `predict` over every window of `img` and blends the answers. */
export async function slidingWindowInference(
  img: WindowImage,
  options: SlidingWindowOptions,
  predict: Predict,
  onProgress?: (done: number, total: number) => void,
): Promise<WindowResult> {
  const rank = img.shape.length;
  if (rank < 2 || rank > 3) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `sliding-window inference needs a 2D or 3D image, got spatial shape [${img.shape}]`);
  const plan = planWindows(img.shape, options.roiSize, options.overlap);
  // 2D runs as 3D with one slice; the model still sees rank-4 windows.
  const [X, Y, Z] = rank === 3 ? img.shape : [img.shape[0], img.shape[1], 1];
  const [rx, ry, rz] = rank === 3 ? plan.roi : [plan.roi[0], plan.roi[1], 1];
  const [px, py, pz] = rank === 3 ? plan.padBefore : [plan.padBefore[0], plan.padBefore[1], 0];
  const [sx, sy, sz] = rank === 3 ? plan.starts : [plan.starts[0], plan.starts[1], [0]];
  const C = img.channels;
  const wx = axisWeights(rx, options.blendMode, options.sigmaScale);
  const wy = axisWeights(ry, options.blendMode, options.sigmaScale);
  const wz = rank === 3 ? axisWeights(rz, options.blendMode, options.sigmaScale) : Float64Array.of(1);
  const windowVoxels = rx * ry * rz;
  const windows: [number, number, number][] = [];
  for (const a of sx) for (const b of sy) for (const c of sz) windows.push([a, b, c]);

  let acc: Float32Array | undefined;
  let K = 0;
  let done = 0;
  const src = img.data;
  const XY = X * Y;
  const XYZ = XY * Z;
  for (let first = 0; first < windows.length; first += options.batchSize) {
    const group = windows.slice(first, first + options.batchSize);
    const n = group.length;
    const input = new Float32Array(n * C * windowVoxels);
    group.forEach(([ox, oy, oz], b) => {
      for (let c = 0; c < C; c++) {
        let d = (b * C + c) * windowVoxels;
        for (let x = 0; x < rx; x++) {
          const ix = ox + x - px;
          for (let y = 0; y < ry; y++) {
            const iy = oy + y - py;
            const inXY = ix >= 0 && ix < X && iy >= 0 && iy < Y;
            const base = ix + X * iy + XYZ * c;
            for (let z = 0; z < rz; z++, d++) {
              const iz = oz + z - pz;
              input[d] = inXY && iz >= 0 && iz < Z ? src[base + XY * iz] : options.paddingValue;
            }
          }
        }
      }
    });
    const dims = rank === 3 ? [n, C, rx, ry, rz] : [n, C, rx, ry];
    const answer = await predict({ data: input, dims });
    const k = checkAnswer(answer, dims);
    if (!acc) {
      K = k;
      acc = new Float32Array(XYZ * K);
    } else if (k !== K) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the model answered ${k} channels for one window and ${K} for another`);
    const out = answer.data;
    const big = typeof out[0] === 'bigint';
    const sum = acc;
    group.forEach(([ox, oy, oz], b) => {
      for (let ch = 0; ch < K; ch++) {
        let s = (b * K + ch) * windowVoxels;
        const chBase = XYZ * ch;
        for (let x = 0; x < rx; x++) {
          const ix = ox + x - px;
          for (let y = 0; y < ry; y++, s += rz) {
            const iy = oy + y - py;
            if (ix < 0 || ix >= X || iy < 0 || iy >= Y) continue;
            const wxy = wx[x] * wy[y];
            const base = chBase + ix + X * iy;
            for (let z = 0; z < rz; z++) {
              const iz = oz + z - pz;
              if (iz < 0 || iz >= Z) continue;
              const v = big ? Number(out[s + z]) : (out[s + z] as number);
              sum[base + XY * iz] += options.blendMode === 'constant' ? v : v * wxy * wz[z];
            }
          }
        }
      }
    });
    done += n;
    onProgress?.(done, windows.length);
  }
  normalize(acc!, K, [X, Y, Z], [axisTotals(X, px, rx, sx, wx), axisTotals(Y, py, ry, sy, wy), axisTotals(Z, pz, rz, sz, wz)]);
  return { data: acc!, channels: K, windows: windows.length };
}

/** The channel count of a model answer for `dims`, or a one-line error on any other shape. */
function checkAnswer(answer: ModelAnswer, dims: readonly number[]): number {
  const d = answer.dims;
  const want = `[${dims[0]}, K, ${dims.slice(2).join(', ')}]`;
  if (d.length !== dims.length || d[0] !== dims[0] || d.slice(2).some((v, i) => v !== dims[i + 2]) || !(d[1] >= 1))
    throw new VoxelpipeError(
      'ERR_SHAPE_MISMATCH',
      `the model answered [${d.join(', ')}] for the input [${dims.join(', ')}]; expected ${want} (the window's shape with K output channels)`,
    );
  const expected = d.reduce((a, b) => a * b, 1);
  if (answer.data.length !== expected)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the model's output holds ${answer.data.length} values, its shape [${d.join(', ')}] needs ${expected}`);
  return d[1];
}

/** Summed window weight at each voxel of one axis (image coordinates). */
function axisTotals(size: number, pad: number, roi: number, starts: readonly number[], w: Float64Array): Float64Array {
  const t = new Float64Array(size);
  for (const s of starts)
    for (let x = 0; x < roi; x++) {
      const i = s + x - pad;
      if (i >= 0 && i < size) t[i] += w[x];
    }
  return t;
}

function normalize(acc: Float32Array, K: number, [X, Y, Z]: number[], [tx, ty, tz]: Float64Array[]): void {
  const XYZ = X * Y * Z;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++) {
      const tyz = ty[y] * tz[z];
      const row = X * (y + Y * z);
      for (let x = 0; x < X; x++) {
        const inv = 1 / (tx[x] * tyz);
        for (let k = 0, p = row + x; k < K; k++, p += XYZ) acc[p] *= inv;
      }
    }
}
