import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import { gaussianSmooth, gridSampleAt, type GridMode, type GridPadding } from '../kernels/index.js';
import { allowMissingArg, eachCrop, keysArg, mapKeys, monaiSpellings, oneOrPerKey, perKey, probArg } from '../monai-dict.js';
import { gridOf, withData } from './spatial-image.js';
import { affineMatrix, fallBack, gridModeArg, gridPaddingArg, spatialSizeArg, type AffineParams } from './monai-spatial.js';
import { affineRangeArg, drawAffine } from './rand-affine-params.js';

/**
 * The displacement field of MONAI's Rand3DElastic: 3 x prod(size) values
 * uniform in [-1, 1) (from a xoshiro128** stream seeded by `rng`: millions of
 * draws, still a pure function of the transform's key), times `magnitude`,
 * each component smoothed by a Gaussian of `sigma` truncated at 3 sigma
 * (MONAI's GaussianFilter(sigma, 3.0), zero padding). Returned interleaved
 * per voxel (dx, dy, dz).
 */
export function elasticField(size: readonly number[], sigma: number, magnitude: number, rng: Pick<Rng, 'uint32'>): Float64Array {
  const N = size[0] * size[1] * size[2];
  let s0 = rng.uint32() | 0, s1 = rng.uint32() | 0, s2 = rng.uint32() | 0, s3 = rng.uint32() | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const comp = new Float32Array(N);
  const out = new Float64Array(3 * N);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < N; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
      comp[i] = ((r >>> 0) / 4294967296 * 2 - 1) * magnitude;
    }
    const smooth = gaussianSmooth({ data: comp, shape: size, blocks: 1 }, [sigma, sigma, sigma], 3);
    for (let i = 0; i < N; i++) out[3 * i + c] = smooth[i];
  }
  return out;
}

/**
 * The pure kernel given the field: output voxel o reads
 * c_in + M (o - c_out + d(o)) + t (the deformed grid, then MONAI's affine).
 */
export function elasticImage(img: ChainImage, field: Float64Array | null, p: AffineParams, size: readonly number[], mode: GridMode, padding: GridPadding): ChainImage {
  const dims = spatialShape(img);
  const { m, t } = affineMatrix(3, p);
  const N = size[0] * size[1] * size[2];
  const coords = new Float64Array(3 * N);
  const cin = dims.map((n) => (n - 1) / 2), cout = size.map((n) => (n - 1) / 2);
  let v = 0;
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++)
      for (let i = 0; i < size[0]; i++, v++) {
        const g = [i - cout[0], j - cout[1], k - cout[2]];
        if (field) for (let a = 0; a < 3; a++) g[a] += field[3 * v + a];
        for (let r = 0; r < 3; r++) coords[3 * v + r] = cin[r] + t[r] + m[r][0] * g[0] + m[r][1] * g[1] + m[r][2] * g[2];
      }
  return { ...withData(img, gridSampleAt(gridOf(img), coords, size, mode, padding)), shape: [...size, ...img.shape.slice(3)] };
}

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, 'expected [min, max] with min <= max');

/**
 * MONAI's Rand3DElasticd: with probability `prob` (default 0.1), a smooth
 * random deformation (sigma uniform in `sigma_range`, magnitude uniform in
 * `magnitude_range`) plus RandAffined's random affine, one draw for every
 * key, reflection padding by default; per crop after a `num_samples` crop.
 * voxelpipe draws the field from its own keyed stream, so fields differ from
 * MONAI's draws, not in distribution.
 */
export const Rand3DElasticd = defineTransform({
  name: 'Rand3DElasticd',
  family: 'spatial',
  summary: 'MONAI Rand3DElasticd: with prob, smoothed random displacement (sigma, magnitude) plus random affine',
  monai: 'Rand3DElasticd',
  ...monaiSpellings('Rand3DElasticd'),
  args: z.strictObject({
    keys: keysArg,
    sigma_range: range,
    magnitude_range: range,
    spatial_size: spatialSizeArg.nullable().default(null),
    prob: probArg(0.1),
    rotate_range: affineRangeArg,
    shear_range: affineRangeArg,
    translate_range: affineRangeArg,
    scale_range: affineRangeArg,
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(gridPaddingArg).default('reflection'),
    device: z.unknown().optional(),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: true,
  example: { keys: ['image', 'label'], sigma_range: [5, 8], magnitude_range: [100, 200], prob: 0.5, mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'Rand3DElasticd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    return {
      fields: a.keys,
      isRandom: a.prob > 0,
      apply: (sample, ctx) =>
        eachCrop(sample, ctx, name, (s, c) => {
          const first = a.keys.find((k) => s[k] !== undefined);
          if (first === undefined) return s;
          const img0 = s[first] as ChainImage;
          if (spatialRank(img0) !== 3) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: key "${first}" needs 3 spatial axes`);
          const dims = spatialShape(img0);
          const size = a.spatial_size === null ? dims : fallBack(a.spatial_size, dims);
          const done = c.rng.bernoulli(a.prob);
          let field: Float64Array | null = null;
          let p: AffineParams = { rotate: [], shear: [], translate: [], scale: [] };
          if (done) {
            const sigma = c.rng.uniform(a.sigma_range[0], a.sigma_range[1]);
            const magnitude = c.rng.uniform(a.magnitude_range[0], a.magnitude_range[1]);
            field = elasticField(size, sigma, magnitude, c.rng);
            p = drawAffine(a, c.rng);
            c.record({ sigma, magnitude, ...p });
          } else c.record({ transformed: false });
          if (!done && size.every((d, ax) => d === dims[ax])) return s;
          return mapKeys(s, a.keys, a.allow_missing_keys, name, (img, _k, i) => elasticImage(img, field, p, size, modes[i], pads[i]));
        }),
    };
  },
});
