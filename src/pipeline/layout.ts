import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import type { ChainImage, ImageShape } from '../transforms/image.js';
import { batchCount, channelCount, spatialShape } from '../transforms/image.js';
import type { DataFormat } from './batch.js';

/**
 * From the chain's layout (first axis fastest, channels planar, crops last:
 * F-order `[...S, C, b]`) to a network's layout (C-order
 * `[b, C, ...S]` or `[b, ...S, C]`). This is the one transposition voxelpipe
 * makes, on crops rather than whole volumes.
 */

/** Shape of one sample's rows in the network layout: `[b?, C, ...S]` or `[b?, ...S, C]`. */
export function networkShape(img: ImageShape, format: DataFormat): number[] {
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
  // dest [b][c][i][j][k] (channels_first) or [b][i][j][k][c] (channels_last):
  // element (i, j, k) goes to i*sI + j*sJ + k*sK from the channel's base.
  const last = format === 'channels_last';
  const sK = last ? C : 1;
  const sJ = Z * sK;
  const sI = Y * sJ;
  // A reversed-axes transpose. Writing one source line (i fastest) at a time
  // scatters every write Y*Z apart: a new cache line, often a new page, per
  // voxel. Instead take TILE consecutive i at a time and walk k inside: each
  // read is part of one cache line, and the TILE destination rows advance one
  // element per k, so writes stream too. 4 crops of 96^3 float32: 17.5 ms ->
  // 8 ms (TILE 4: 7.5, 8: 8, 12: 12.7, 16: 15; a 2D 8x8 tile: 9.7).
  const sizes: TileSizes = { X, Y, Z, C, B, n, sI, sJ, sK, last, offset };
  // Separate copies of the loop per common type pair: one shared loop sees
  // float32 images and uint8 labels and its polymorphic element accesses
  // cost more than the transpose itself.
  if (src instanceof Float32Array && out instanceof Float32Array) tiledF32(src, out, sizes);
  else if (src instanceof Uint8Array && out instanceof Float32Array) tiledU8F32(src, out, sizes);
  else tiledAny(src, out, sizes);
  return B * C * n;
}

interface TileSizes {
  X: number; Y: number; Z: number; C: number; B: number; n: number;
  sI: number; sJ: number; sK: number; last: boolean; offset: number;
}

const TILE = 8;

function tiledF32(src: Float32Array, out: Float32Array, t: TileSizes): void {
  const { X, Y, Z, C, B, n, sI, sJ, sK, last, offset } = t;
  const XY = X * Y;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const srcBase = (b * C + c) * n;
      const dstBase = offset + (last ? b * n * C + c : (b * C + c) * n);
      for (let j = 0; j < Y; j++)
        for (let i0 = 0; i0 < X; i0 += TILE) {
          const i1 = i0 + TILE < X ? i0 + TILE : X;
          for (let k = 0; k < Z; k++) {
            let si = srcBase + i0 + X * j + XY * k;
            let di = dstBase + i0 * sI + j * sJ + k * sK;
            for (let i = i0; i < i1; i++, si++, di += sI) out[di] = src[si];
          }
        }
    }
}

function tiledU8F32(src: Uint8Array, out: Float32Array, t: TileSizes): void {
  const { X, Y, Z, C, B, n, sI, sJ, sK, last, offset } = t;
  const XY = X * Y;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const srcBase = (b * C + c) * n;
      const dstBase = offset + (last ? b * n * C + c : (b * C + c) * n);
      for (let j = 0; j < Y; j++)
        for (let i0 = 0; i0 < X; i0 += TILE) {
          const i1 = i0 + TILE < X ? i0 + TILE : X;
          for (let k = 0; k < Z; k++) {
            let si = srcBase + i0 + X * j + XY * k;
            let di = dstBase + i0 * sI + j * sJ + k * sK;
            for (let i = i0; i < i1; i++, si++, di += sI) out[di] = src[si];
          }
        }
    }
}

function tiledAny(src: VoxelArray, out: VoxelArray, t: TileSizes): void {
  const { X, Y, Z, C, B, n, sI, sJ, sK, last, offset } = t;
  const XY = X * Y;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const srcBase = (b * C + c) * n;
      const dstBase = offset + (last ? b * n * C + c : (b * C + c) * n);
      for (let j = 0; j < Y; j++)
        for (let i0 = 0; i0 < X; i0 += TILE) {
          const i1 = i0 + TILE < X ? i0 + TILE : X;
          for (let k = 0; k < Z; k++) {
            let si = srcBase + i0 + X * j + XY * k;
            let di = dstBase + i0 * sI + j * sJ + k * sK;
            for (let i = i0; i < i1; i++, si++, di += sI) out[di] = src[si];
          }
        }
    }
}

/** A new zeroed array of `n` elements of `dtype`, optionally on a SharedArrayBuffer. */
export function allocOutput(dtype: ArrayDType, n: number, shared = false): VoxelArray {
  const Ctor = ARRAY_CTORS[dtype];
  if (!shared) return new Ctor(n);
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT), 0, n);
}
