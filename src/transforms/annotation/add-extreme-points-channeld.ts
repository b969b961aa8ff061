import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import { defineTransform } from '../types.js';
import { getImage, spatialShape, voxelsPerChannel, type ChainImage } from '../image.js';
import { gaussianSmooth } from '../kernels/index.js';
import { allowMissingArg, eachCrop, keysArg, monaiSpellings } from '../monai-dict.js';
import { appendChannel } from './add-extreme-points-channel.js';

/**
 * MONAI's `get_extreme_points`: for each spatial axis, a foreground voxel
 * (label != background) with the smallest and one with the largest
 * coordinate, drawn among the ties, each coordinate moved by
 * int(2 * pert * u) (u uniform, MONAI's arithmetic) and kept inside.
 */
export function drawExtremePoints(label: ChainImage, background: number, pert: number, rng: Rng): number[][] {
  const dims = spatialShape(label);
  const N = voxelsPerChannel(label);
  const d = label.data;
  const fg: number[] = [];
  for (let i = 0; i < N; i++) if (d[i] !== background) fg.push(i);
  if (fg.length === 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'AddExtremePointsChanneld: no foreground object in the label');
  const coord = (i: number) => dims.map((s, a) => Math.floor(i / dims.slice(0, a).reduce((p, q) => p * q, 1)) % s);
  const coords = fg.map(coord);
  const points: number[][] = [];
  for (let a = 0; a < dims.length; a++)
    for (const pickMax of [false, true]) {
      const v = pickMax ? Math.max(...coords.map((c) => c[a])) : Math.min(...coords.map((c) => c[a]));
      const ties = coords.filter((c) => c[a] === v);
      const p = ties[rng.int(0, ties.length)];
      points.push(p.map((x, b) => Math.min(dims[b] - 1, Math.max(0, Math.trunc(x + 2 * pert * rng.random())))));
    }
  return points;
}

/** MONAI's `extreme_points_to_image`: 1 at each point, Gaussian-smoothed (erf kernel), rescaled to [rmin, rmax]; float32. */
export function extremePointsImage(label: ChainImage, points: number[][], sigma: number | number[], rmin: number, rmax: number): ChainImage {
  const dims = spatialShape(label);
  const N = voxelsPerChannel(label);
  const img = new Float32Array(N);
  for (const p of points) img[p.reduce((s, x, a) => s + x * dims.slice(0, a).reduce((q, r) => q * r, 1), 0)] = 1;
  const sm = gaussianSmooth({ data: img, shape: dims, blocks: 1 }, typeof sigma === 'number' ? dims.map(() => sigma) : sigma);
  let mn = Infinity, mx = -Infinity;
  for (const v of sm) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  for (let i = 0; i < N; i++) sm[i] = ((sm[i] - mn) / (mx - mn)) * (rmax - rmin) + rmin;
  return { ...label, data: sm, dtype: 'float32', shape: [...dims, 1], batched: false, meta: { ...label.meta, scalingDeferred: false } };
}

/**
 * MONAI's AddExtremePointsChanneld: the label's extreme points (drawn
 * among ties, perturbed by `pert`) as a Gaussian heat map appended to each
 * key's image as a last channel. Random (ties are drawn) whatever `pert`.
 */
export const AddExtremePointsChanneld = defineTransform({
  name: 'AddExtremePointsChanneld',
  family: 'annotation',
  summary: 'MONAI AddExtremePointsChanneld: Gaussian heat map of the label\'s extreme points appended as a channel',
  monai: 'AddExtremePointsChanneld',
  ...monaiSpellings('AddExtremePointsChanneld'),
  args: z.strictObject({
    keys: keysArg,
    label_key: z.string().min(1),
    background: z.number().default(0),
    pert: z.number().min(0).default(0),
    sigma: z.union([z.number().positive(), z.array(z.number().positive()).min(1).max(3)]).default(3),
    rescale_min: z.number().default(-1),
    rescale_max: z.number().default(1),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: 'image', label_key: 'label', sigma: 3 },
  create(a) {
    const name = 'AddExtremePointsChanneld';
    return {
      fields: [...a.keys, a.label_key],
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const label = getImage(s, a.label_key, name);
          const points = drawExtremePoints(label, a.background, a.pert, c.rng);
          c.record({ points });
          const map = extremePointsImage(label, points, a.sigma, a.rescale_min, a.rescale_max);
          const out = { ...s };
          for (const k of a.keys) if (s[k] !== undefined || !a.allow_missing_keys) out[k] = appendChannel(getImage(s, k, name), map, 'float32');
          return out;
        }),
    };
  },
});
