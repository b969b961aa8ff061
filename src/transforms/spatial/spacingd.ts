import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import { allowMissingArg, keysArg, mapKeys, monaiDTypeArg, monaiSpellings, oneOrPerKey, perKey } from '../monai-dict.js';
import { arrayDTypeOf } from '../../volume/dtype.js';
import { gridSampleAffine } from '../kernels/index.js';
import { convertImage } from '../load/loader.js';
import { gridOf, regrid, resampleImage, type ShapeStep } from './spatial-image.js';
import { gridModeArg } from './monai-spatial.js';

const perAxisOrNull = z.union([z.number(), z.array(z.number().nullable()).min(1).max(3), z.null()]).default(null);

/** MONAI's voxel sizes: the norms of the affine's columns (not the header's pixdim). */
function affineSpacing(img: ChainImage, rank: number): number[] {
  return Array.from({ length: rank }, (_, a) => Math.hypot(img.affine[0][a], img.affine[1][a], img.affine[2][a]));
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function pick(v: number | readonly (number | null)[] | null, a: number): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  return v[Math.min(a, v.length - 1)] ?? NaN;
}

/**
 * MONAI's Spacingd (diagonal false): resample each key to `pixdim` mm, the
 * voxel sizes read from the affine. Output shape round((n - 1) s / t + 1)
 * (`scale_extent`: round(n s / t)), output voxel 0 on input voxel 0 (the
 * half-voxel grid with `scale_extent`), so the affine keeps its directions
 * and origin and its columns take the new spacing. `mode` per key
 * (bilinear for images, nearest for labels); `padding_mode` "border" reads
 * the edge voxel past the last one, "zeros" gives 0 there. An original
 * spacing within [min_pixdim, max_pixdim] is kept. On the ScaleByResolution
 * kernel (separable resampling).
 */
export const Spacingd = defineTransform({
  name: 'Spacingd',
  family: 'spatial',
  summary: 'MONAI Spacingd: resample to pixdim mm (affine spacing), shape round((n-1)s/t+1), mode per key, border padding',
  monai: 'Spacingd',
  ...monaiSpellings('Spacingd'),
  args: z.strictObject({
    keys: keysArg,
    pixdim: z.union([z.number().positive(), z.array(z.number().positive()).min(1).max(3)]),
    diagonal: z.literal(false, { error: 'diagonal=True (resampling to a RAS-aligned grid) is not implemented: use Orientationd first' }).default(false),
    mode: oneOrPerKey(gridModeArg).default('bilinear'),
    padding_mode: oneOrPerKey(z.enum(['border', 'zeros'], { error: 'expected "border" or "zeros" (reflection is not implemented for Spacingd)' })).default('border'),
    align_corners: oneOrPerKey(z.literal(false, { error: 'align_corners=True is not implemented for Spacingd' })).default(false),
    dtype: oneOrPerKey(z.union([monaiDTypeArg, z.null()])).default('float64'),
    scale_extent: z.boolean().default(false),
    recompute_affine: z.boolean().default(false),
    min_pixdim: perAxisOrNull,
    max_pixdim: perAxisOrNull,
    ensure_same_shape: z.boolean().default(true),
    allow_missing_keys: allowMissingArg,
  }),
  isRandom: false,
  example: { keys: ['image', 'label'], pixdim: [1.5, 1.5, 2], mode: ['bilinear', 'nearest'] },
  create(a) {
    const name = 'Spacingd';
    const modes = perKey(a.mode, a.keys, name, 'mode');
    const pads = perKey(a.padding_mode, a.keys, name, 'padding_mode');
    return {
      fields: a.keys,
      apply: (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, name, (img, key, i) => {
          const rank = spatialRank(img);
          const n = spatialShape(img);
          const orig = affineSpacing(img, rank);
          if (orig.some((d) => !(d > 0)))
            throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: key "${key}" has an affine with a zero column (voxel sizes [${orig}])`);
          const pix = typeof a.pixdim === 'number' ? [a.pixdim] : a.pixdim;
          const target = orig.map((d, ax) => {
            const t = pix[Math.min(ax, pix.length - 1)];
            const mn = Number.isNaN(pick(a.min_pixdim, ax)) ? t : Math.min(pick(a.min_pixdim, ax), t);
            const mx = Number.isNaN(pick(a.max_pixdim, ax)) ? t : Math.max(pick(a.max_pixdim, ax), t);
            return mn - 1e-3 <= d && d <= mx + 1e-3 ? d : t;
          });
          const scale = target.map((t, ax) => t / orig[ax]);
          // numpy's round: half to even ((14 - 1) * 1.5 / 1 + 1 = 20.5 -> 20).
          const out = n.map((d, ax) => Math.max(1, roundHalfEven(a.scale_extent ? d / scale[ax] : (d - 1) / scale[ax] + 1)));
          const maps = scale.map((sc) => ({ scale: sc, offset: a.scale_extent ? 0.5 * sc - 0.5 : 0 }));
          // Bilinear with border padding: the separable resampler (exactly torch's taps, clamped). Nearest
          // (torch rounds ties half to even) and zero padding (per tap): torch's grid_sample semantics.
          if (modes[i] === 'bilinear' && pads[i] === 'border') return resampleImage(img, out, maps, 'linear', 'clamp');
          const m = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (r === c ? (r < rank ? scale[r] : 1) : 0)));
          const data = gridSampleAffine(gridOf(img), m, [0, 1, 2].map((ax) => maps[ax]?.offset ?? 0), out, modes[i], pads[i]);
          const step: ShapeStep = { op: 'resample', inShape: n, outShape: out.slice(), maps: maps.map((mp) => ({ ...mp })) };
          const res = regrid(img, data, out, scale, maps.map((mp) => mp.offset), step);
          return modes[i] === 'nearest' ? convertImage(res, arrayDTypeOf(img.data)) : res;
        }),
    };
  },
});
