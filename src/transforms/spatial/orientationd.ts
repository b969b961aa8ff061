import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import { matmul4, type Mat4 } from '../../volume/affine.js';
import { stridesOf } from '../../volume/volume.js';
import { defineTransform } from '../types.js';
import { spatialRank, spatialShape, type ChainImage } from '../image.js';
import { ioOrientation } from '../load/canonical.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';

const CODES: Record<string, [number, boolean]> = { R: [0, false], L: [0, true], A: [1, false], P: [1, true], S: [2, false], I: [2, true] };

/**
 * The pure kernel (MONAI's Orientation, nibabel's ornt_transform): voxel
 * axes swapped and flipped so that axis j points to the world direction
 * `axcodes[j]` (R/L, A/P, S/I), by a strided copy, the affine changed to
 * match so every voxel keeps its world position. No resampling.
 */
export function orient(img: ChainImage, axcodes: string): ChainImage {
  const rank = spatialRank(img);
  if (axcodes.length !== rank)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `Orientationd: axcodes "${axcodes}" has ${axcodes.length} letters but the image has ${rank} spatial axes`);
  const target = [...axcodes.toUpperCase()].map((c) => CODES[c]);
  const ornt = ioOrientation(img.affine).slice(0, rank);
  const inShape = spatialShape(img);
  const inStrides = stridesOf(inShape);
  const outShape = new Array<number>(rank).fill(0);
  const outSpacing = img.spacing.slice();
  const step = [0, 0, 0];
  let base = 0;
  const T: Mat4 = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]];
  for (let a = rank; a < 3; a++) T[a][a] = 1;
  ornt.forEach(({ worldAxis, flip }, i) => {
    const j = target.findIndex(([w]) => w === worldAxis);
    if (j < 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `Orientationd: axcodes "${axcodes}" name no direction for voxel axis ${i} (world axis ${'RAS'[worldAxis]})`);
    const f = flip !== target[j][1];
    outShape[j] = inShape[i];
    outSpacing[j] = img.spacing[i];
    step[j] = f ? -inStrides[i] : inStrides[i];
    if (f) base += (inShape[i] - 1) * inStrides[i];
    T[i][j] = f ? -1 : 1;
    T[i][3] = f ? inShape[i] - 1 : 0;
  });
  if (T.every((row, r) => r === 3 || (row[r] === 1 && row[3] === 0))) return img;
  const [n0, n1 = 1, n2 = 1] = outShape;
  const [s0, s1, s2] = step;
  const block = n0 * n1 * n2;
  const src = img.data;
  const out = allocArray(arrayDTypeOf(src), src.length);
  for (let b = 0, o = 0; b < src.length; b += block)
    for (let z = 0; z < n2; z++)
      for (let y = 0; y < n1; y++) {
        let p = b + base + z * s2 + y * s1;
        for (let x = 0; x < n0; x++, p += s0) out[o++] = src[p];
      }
  return { ...img, data: out, shape: [...outShape, ...img.shape.slice(rank)], spacing: outSpacing, affine: matmul4(img.affine, T) };
}

/** MONAI's Orientationd: reorient each key to `axcodes` (e.g. "RAS"); `as_closest_canonical` means "RAS". */
export const Orientationd = defineTransform({
  name: 'Orientationd',
  family: 'spatial',
  summary: 'MONAI Orientationd: axis swaps and flips to axcodes (e.g. RAS), affine kept true; no resampling',
  monai: 'Orientationd',
  ...monaiSpellings('Orientationd'),
  args: z
    .strictObject({
      keys: keysArg,
      axcodes: z.string().regex(/^[RLAPSIrlapsi]{1,3}$/, 'expected 1 to 3 of R/L, A/P, S/I such as "RAS"').nullable().default(null),
      as_closest_canonical: z.boolean().default(false),
      labels: z.unknown().optional(),
      allow_missing_keys: allowMissingArg,
    })
    .superRefine((a, ctx) => {
      if (!a.as_closest_canonical && !a.axcodes) ctx.addIssue({ code: 'custom', path: ['axcodes'], message: 'expected axcodes (or as_closest_canonical: true)', input: a.axcodes });
      if (a.axcodes && new Set([...a.axcodes.toUpperCase()].map((c) => CODES[c][0])).size !== a.axcodes.length)
        ctx.addIssue({ code: 'custom', path: ['axcodes'], message: 'each of R/L, A/P, S/I may appear once', input: a.axcodes });
    }),
  isRandom: false,
  example: { keys: ['image', 'label'], axcodes: 'RAS' },
  create(a) {
    return {
      fields: a.keys,
      apply: (s) =>
        mapKeys(s, a.keys, a.allow_missing_keys, 'Orientationd', (img) => orient(img, a.as_closest_canonical ? 'RAS'.slice(0, spatialRank(img)) : (a.axcodes as string))),
    };
  },
});
