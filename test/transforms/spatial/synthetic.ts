import { identity4 } from '../../../src/volume/affine.js';
import type { VoxelArray } from '../../../src/volume/dtype.js';
import type { ChainImage } from '../../../src/transforms/image.js';
import type { TransformContext } from '../../../src/transforms/types.js';
import { rngFor } from '../../../src/util/rng.js';

/** A chain image `[...spatial, channels]` around `data`, spacing 1 unless given, identity affine unless given. */
export function chainImage(data: VoxelArray, spatial: number[], opts: { channels?: number; spacing?: number[]; affine?: number[][] } = {}): ChainImage {
  const channels = opts.channels ?? 1;
  return {
    data,
    shape: [...spatial, channels],
    dtype: data instanceof Float32Array ? 'float32' : data instanceof Uint8Array ? 'uint8' : data instanceof Int16Array ? 'int16' : 'float64',
    spacing: [...(opts.spacing ?? spatial.map(() => 1)), 1],
    affine: opts.affine ?? identity4(),
    meta: {},
    batched: false,
  };
}

/** Deterministic pseudo-random float32 values (no Math.random in tests). */
export function ramp(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  const r = rngFor(seed, 0, 0, 0);
  for (let i = 0; i < n; i++) out[i] = Math.round(r.uniform(-1000, 1000));
  return out;
}

/** A uint8 label map of two ellipsoid blobs (1 and 2) in a grid of `shape`. */
export function blobs(shape: [number, number, number]): Uint8Array {
  const [n0, n1, n2] = shape;
  const out = new Uint8Array(n0 * n1 * n2);
  for (let k = 0; k < n2; k++)
    for (let j = 0; j < n1; j++)
      for (let i = 0; i < n0; i++) {
        const a = ((i - n0 * 0.4) / (n0 * 0.25)) ** 2 + ((j - n1 * 0.5) / (n1 * 0.3)) ** 2 + ((k - n2 * 0.5) / (n2 * 0.3)) ** 2;
        const b = ((i - n0 * 0.72) / (n0 * 0.12)) ** 2 + ((j - n1 * 0.4) / (n1 * 0.15)) ** 2 + ((k - n2 * 0.6) / (n2 * 0.2)) ** 2;
        out[i + n0 * (j + n1 * k)] = b < 1 ? 2 : a < 1 ? 1 : 0;
      }
  return out;
}

/** A transform context keyed like the pipeline's, collecting what the transform records. */
export function ctxFor(seed: number, index = 0): TransformContext & { draws: Record<string, unknown>[] } {
  const draws: Record<string, unknown>[] = [];
  return { rng: rngFor(seed, 0, index, 3), record: (d) => void draws.push(d), draws };
}

/** Sorted copy, for multiset comparisons. */
export function sorted(a: ArrayLike<number>): number[] {
  return Array.prototype.slice.call(a).sort((x: number, y: number) => x - y);
}
