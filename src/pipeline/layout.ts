import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import type { ChainImage } from '../transforms/image.js';
import { batchCount, channelCount, spatialShape } from '../transforms/image.js';
import type { DataFormat } from './batch.js';

/**
 * From the chain's layout (first axis fastest, channels planar, crops last:
 * F-order `[...S, C, b]`) to a network's layout (C-order
 * `[b, C, ...S]` or `[b, ...S, C]`). This is the one transposition voxelpipe
 * makes, on crops rather than whole volumes.
 */

/** Shape of one sample's rows in the network layout: `[b?, C, ...S]` or `[b?, ...S, C]`. */
export function networkShape(img: ChainImage, format: DataFormat): number[] {
  const s = spatialShape(img);
  const c = channelCount(img);
  const inner = format === 'channels_first' ? [c, ...s] : [...s, c];
  return img.batched ? [batchCount(img), ...inner] : inner;
}

/**
 * Writes `img` into `out` starting at element `offset`, transposed to the
 * network layout and converted to `out`'s element type (values are assigned,
 * so a float -> integer output truncates as typed arrays do; use float outputs
 * for images). Returns the number of elements written.
 */
export function writeNetworkLayout(img: ChainImage, format: DataFormat, out: VoxelArray, offset: number): number {
  const s = spatialShape(img);
  const C = channelCount(img);
  const B = batchCount(img);
  const src = img.data;
  const n = s.reduce((a, b) => a * b, 1);
  if (s.length === 1) {
    // 1D: [X, C] -> [C, X] or [X, C]: a plain copy per channel.
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) {
        const base = (b * C + c) * n;
        if (format === 'channels_first') for (let x = 0; x < n; x++) out[offset + base + x] = src[base + x];
        else for (let x = 0; x < n; x++) out[offset + b * C * n + x * C + c] = src[base + x];
      }
    return B * C * n;
  }
  const X = s[0];
  const Y = s[1];
  const Z = s.length > 2 ? s[2] : 1;
  // Read the source sequentially (it is the big, cold side) and scatter writes
  // with a fixed stride; per (j, k) line the writes walk Y*Z (or Y*Z*C) apart.
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const srcBase = (b * C + c) * n;
      for (let k = 0; k < Z; k++)
        for (let j = 0; j < Y; j++) {
          let si = srcBase + X * (j + Y * k);
          if (format === 'channels_first') {
            // dest [b][c][i][j][k]: offset (((b*C + c)*X + i)*Y + j)*Z + k
            let di = offset + (b * C + c) * n + j * Z + k;
            const step = Y * Z;
            for (let i = 0; i < X; i++, si++, di += step) out[di] = src[si];
          } else {
            // dest [b][i][j][k][c]: offset (((b*X + i)*Y + j)*Z + k)*C + c
            let di = offset + b * n * C + (j * Z + k) * C + c;
            const step = Y * Z * C;
            for (let i = 0; i < X; i++, si++, di += step) out[di] = src[si];
          }
        }
    }
  return B * C * n;
}

/** A new zeroed array of `n` elements of `dtype`, optionally on a SharedArrayBuffer. */
export function allocOutput(dtype: ArrayDType, n: number, shared = false): VoxelArray {
  const Ctor = ARRAY_CTORS[dtype];
  if (!shared) return new Ctor(n);
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT), 0, n);
}
