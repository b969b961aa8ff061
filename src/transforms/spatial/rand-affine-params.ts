import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import type { AffineParams } from './monai-spatial.js';

/** A MONAI affine range: per axis a number f (uniform in [-f, f]) or a pair [min, max]; null: none. */
export const affineRangeArg = z
  .union([z.number(), z.array(z.union([z.number(), z.tuple([z.number(), z.number()])])).min(1).max(6)])
  .nullable()
  .default(null);

export type AffineRange = z.output<typeof affineRangeArg>;

/** MONAI's RandAffineGrid draw of one parameter list: uniform in each range, plus `add` (1 for scale). */
function draw(range: AffineRange, rng: Rng, add: number): number[] {
  if (range === null) return [];
  const list = typeof range === 'number' ? [range] : range;
  return list.map((f) => (typeof f === 'number' ? rng.uniform(-f, f) : rng.uniform(Math.min(f[0], f[1]), Math.max(f[0], f[1]))) + add);
}

export interface AffineRanges {
  rotate_range: AffineRange;
  shear_range: AffineRange;
  translate_range: AffineRange;
  scale_range: AffineRange;
}

/** The parameters RandAffined / Rand3DElasticd draw (rotation radians, shear, translation voxels, scale 1 + s). */
export function drawAffine(r: AffineRanges, rng: Rng): AffineParams {
  return { rotate: draw(r.rotate_range, rng, 0), shear: draw(r.shear_range, rng, 0), translate: draw(r.translate_range, rng, 0), scale: draw(r.scale_range, rng, 1) };
}
