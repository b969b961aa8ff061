import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { readVolume } from '../../io/read-volume.js';
import { allocArray, arrayDTypeOf } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import { numElements, stridesOf } from '../../volume/volume.js';
import { defineTransform } from '../types.js';
import { loaderArgs, loaderImpl } from './loader.js';

/**
 * Loads `.npy` / `.npz` arrays, the job Clara users wrote their own
 * `NumpyLoader` for. `shape` names the axes as Clara's ShapeFormat does
 * ("HW", "DHW", "CHW", "CDHW", "HWC", ...): letters other than C are spatial
 * (in file order), and a C axis becomes the channel axis wherever it stands.
 * Without `shape`, every axis is spatial up to three and the rest channels.
 */
export const loadNumpy = defineTransform({
  name: 'LoadNumpy',
  family: 'load',
  summary: 'Reads .npy/.npz arrays; `shape` ("DHW", "CHW", ...) names the axes, C becomes the channel axis',
  monai: 'LoadImaged(reader="NumpyReader")',
  args: loaderArgs.extend({
    shape: z
      .string()
      .regex(/^[CDHW]{1,4}$/, 'expected axis letters from C, D, H, W, e.g. "DHW" or "CHW"')
      .refine((s) => new Set(s).size === s.length, 'expected each axis letter once')
      .optional(),
    /** Member of an .npz archive (default: the first). */
    key: z.string().min(1).optional(),
  }),
  isRandom: false,
  create: (args) =>
    loaderImpl('LoadNumpy', args, {
      read: (file) => {
        const v = readVolume(file, args.key ? { key: args.key } : {});
        if (!args.shape) return v;
        if (args.shape.length !== v.shape.length)
          throw new VoxelpipeError(
            'ERR_INVALID_VOLUME',
            `LoadNumpy: ${file} has ${v.shape.length} axes [${v.shape}], but shape "${args.shape}" names ${args.shape.length}`,
          );
        const c = args.shape.indexOf('C');
        return c < 0 || c === v.shape.length - 1 ? v : moveAxisLast(v, c);
      },
      spatialRank: (v) => (args.shape ? args.shape.replace('C', '').length : Math.min(3, v.shape.length)),
    }),
});

/** A copy of `v` with axis `a` moved to the end (first-axis-fastest order kept). */
function moveAxisLast(v: Volume, a: number): Volume {
  const shape = [...v.shape.slice(0, a), ...v.shape.slice(a + 1), v.shape[a]];
  const src = stridesOf(v.shape);
  const order = [...v.shape.keys()].filter((i) => i !== a).concat(a);
  const out = allocArray(arrayDTypeOf(v.data), numElements(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < shape.length; d++) s += idx[d] * src[order[d]];
    out[o] = v.data[s];
    for (let d = 0; d < shape.length && ++idx[d] === shape[d]; d++) idx[d] = 0;
  }
  const spacing = [...v.spacing.slice(0, a), ...v.spacing.slice(a + 1), v.spacing[a]];
  return { ...v, data: out, shape, spacing };
}
