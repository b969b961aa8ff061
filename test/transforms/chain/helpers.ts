import { z } from 'zod';
import { allocArray, arrayDTypeOf, type VoxelArray } from '../../../src/volume/dtype.js';
import { identity4, type Mat4 } from '../../../src/volume/affine.js';
import { fieldsArg } from '../../../src/transforms/args.js';
import { createDefaultRegistry } from '../../../src/transforms/catalogue.js';
import { getImage, type ChainImage, type Sample } from '../../../src/transforms/image.js';
import { defineTransform } from '../../../src/transforms/types.js';
import type { TransformRegistry } from '../../../src/transforms/registry.js';

/** A chain image from raw data (shape includes the channel axis, and the crop axis when batched). */
export function image(
  data: VoxelArray | number[],
  shape: number[],
  opts: { batched?: boolean; affine?: Mat4; spacing?: number[]; filename?: string } = {},
): ChainImage {
  const arr = Array.isArray(data) ? Float32Array.from(data) : data;
  return {
    data: arr,
    shape,
    dtype: arrayDTypeOf(arr),
    spacing: opts.spacing ?? shape.map(() => 1),
    affine: opts.affine ?? identity4(),
    meta: opts.filename ? { filename: opts.filename } : {},
    batched: opts.batched ?? false,
  };
}

/**
 * A tiny random transform for chain tests: adds one uniform shift drawn per
 * sample plus per-voxel normal noise, to every field, as float32.
 */
export const testNoise = defineTransform({
  name: 'TestNoise',
  family: 'test',
  summary: 'test only',
  args: z.strictObject({ fields: fieldsArg, std: z.number().default(0.5) }),
  isRandom: true,
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample, ctx): Sample {
      const shift = ctx.rng.uniform(-1, 1);
      ctx.record({ shift });
      const out: Sample = { ...sample };
      for (const f of a.fields) {
        const img = getImage(sample, f, 'TestNoise');
        const noise = allocArray('float32', img.data.length) as Float32Array;
        ctx.rng.fillNormal(noise, shift, a.std);
        for (let i = 0; i < noise.length; i++) noise[i] += img.data[i];
        out[f] = { ...img, data: noise };
      }
      return out;
    },
  }),
});

/** The default registry plus TestNoise. */
export function testRegistry(): TransformRegistry {
  return createDefaultRegistry().register(testNoise);
}

/** A chain image's voxels as bytes, for bit-identity checks. */
export function bytesOf(img: unknown): Buffer {
  const d = (img as ChainImage).data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
