import type { ChainImage } from '../../../src/transforms/image.js';
import { ARRAY_CTORS, type ArrayDType } from '../../../src/volume/dtype.js';
import { identity4 } from '../../../src/volume/affine.js';
import type { TransformContext } from '../../../src/transforms/types.js';
import { rngFor } from '../../../src/util/rng.js';

/** A synthetic unbatched chain image: value(i, j, k, c) for each voxel, first axis fastest. */
export function synth(spatial: number[], dtype: ArrayDType, value: (x: number, y: number, z: number, c: number) => number, channels = 1): ChainImage {
  const [X, Y, Z] = [spatial[0], spatial[1] ?? 1, spatial[2] ?? 1];
  const data = new ARRAY_CTORS[dtype](X * Y * Z * channels);
  let i = 0;
  for (let c = 0; c < channels; c++)
    for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) data[i++] = value(x, y, z, c);
  const affine = identity4();
  affine[0][0] = 0.8;
  affine[1][1] = 0.8;
  affine[2][2] = 2.5;
  return { data, shape: [...spatial, channels], dtype, spacing: [0.8, 0.8, 2.5].slice(0, spatial.length).concat(1), affine, meta: {}, batched: false };
}

/** A context whose rng is keyed by (seed, 0, index, 0); draws are collected in `draws`. */
export function ctxFor(seed: number, index = 0): TransformContext & { draws: Record<string, unknown>[] } {
  const draws: Record<string, unknown>[] = [];
  return { rng: rngFor(seed, 0, index, 0), record: (d) => void draws.push(d), draws };
}

/** Value at spatial (x, y, z), channel c, crop b of an image (batched or not). */
export function at(img: ChainImage, x: number, y: number, z: number, c = 0, b = 0): number {
  const rank = img.shape.length - (img.batched ? 2 : 1);
  const [X, Y, Z] = [img.shape[0], rank > 1 ? img.shape[1] : 1, rank > 2 ? img.shape[2] : 1];
  const C = img.shape[rank];
  return img.data[x + X * (y + Y * (z + Z * (c + C * b)))];
}

/** Same bytes? */
export function sameData(a: ChainImage, b: ChainImage): boolean {
  if (a.data.length !== b.data.length || a.data.constructor !== b.data.constructor) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}
