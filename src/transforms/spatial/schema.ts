import { z } from 'zod';

/** Schema pieces of the spatial family (shared ones live in ../args.ts). */

/** A positive number for every axis, or one per spatial axis (resolutions, factors). */
export const perAxisPositive = z.union([z.number().positive(), z.array(z.number().positive()).min(1).max(3)]);

/** A spatial size where -1 keeps that axis as it is (as Clara's `output_crop_size: [-1, -1, -1]`). */
export const sizeOrKeepArg = z.array(z.union([z.literal(-1), z.number().int().positive()])).min(1).max(3);

/** Clara's `is_label`: labels are resampled nearest-neighbour, images linearly. */
export const isLabelArg = z.boolean().default(false);

/** A rotation range in degrees: `a` means [-a, a], or [min, max]. */
export const degreeRange = z.union([
  z.number().min(0).max(180),
  z
    .tuple([z.number().min(-180).max(180), z.number().min(-180).max(180)])
    .refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' }),
]);

/** [lo, hi] of a degree range arg. */
export function rangeOf(r: number | readonly [number, number]): [number, number] {
  return typeof r === 'number' ? [-r, r] : [r[0], r[1]];
}
