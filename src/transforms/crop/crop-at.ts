import type { ChainImage, ImageShape } from '../image.js';
import { channelCount, spatialShape } from '../image.js';
import { matmul4, type Mat4 } from '../../volume/affine.js';
import { ARRAY_CTORS } from '../../volume/dtype.js';
import type { ArrayDType, VoxelArray } from '../../volume/dtype.js';
import { arrayDTypeOf } from '../../volume/dtype.js';
import { VoxelpipeError } from '../../util/errors.js';
import { isLazyImage, lazyOf, type AnyImage, type LazyImage } from '../lazy/lazy-image.js';
import { materialiseImage, type LutCache } from '../lazy/materialise.js';

/**
 * The primitive behind every crop: the box of `size` voxels whose first
 * voxel is `start` (per spatial axis; may be negative or run past the end,
 * the outside is zero padding). It reads only the voxels it keeps: one
 * contiguous run per row of the box, for each channel.
 */

/** A spatial shape as exactly three axes (missing axes have size 1), so 1D/2D/3D share one loop. */
export function as3(v: readonly number[], fill: number): [number, number, number] {
  return [v[0] ?? fill, v[1] ?? fill, v[2] ?? fill];
}

/**
 * Copies the crop of every channel of `src` (unbatched) into `dst` from
 * `dstOffset` on, channel after channel (planar, first axis fastest).
 * `dst` must be zero where the box leaves the volume (a fresh array is).
 */
export function cropInto(src: ChainImage, start: readonly number[], size: readonly number[], dst: VoxelArray, dstOffset: number): void {
  const [X, Y, Z] = as3(spatialShape(src), 1);
  const [sx, sy, sz] = as3(start, 0);
  const [nx, ny, nz] = as3(size, 1);
  const C = channelCount(src);
  const data = src.data;
  // The part of the box inside the volume, in box coordinates.
  const x0 = Math.max(0, -sx), x1 = Math.min(nx, X - sx);
  const y0 = Math.max(0, -sy), y1 = Math.min(ny, Y - sy);
  const z0 = Math.max(0, -sz), z1 = Math.min(nz, Z - sz);
  if (x1 <= x0 || y1 <= y0 || z1 <= z0) return;
  const run = x1 - x0;
  const sameType = dst.constructor === data.constructor;
  for (let c = 0; c < C; c++) {
    const srcC = c * X * Y * Z;
    const dstC = dstOffset + c * nx * ny * nz;
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const s = srcC + (sx + x0) + X * ((sy + y) + Y * (sz + z));
        const d = dstC + x0 + nx * (y + ny * z);
        // Same element type: a row is a memcpy (measured ~2.5x a plain loop for 96-voxel rows).
        if (sameType && run >= 16) dst.set(data.subarray(s, s + run), d);
        else for (let k = 0; k < run; k++) dst[d + k] = data[s + k];
      }
  }
}

/** The affine of a crop starting at voxel `start` of an image with affine `a`. */
export function croppedAffine(a: Mat4, start: readonly number[]): Mat4 {
  const [sx, sy, sz] = as3(start, 0);
  return matmul4(a, [
    [1, 0, 0, sx],
    [0, 1, 0, sy],
    [0, 0, 1, sz],
    [0, 0, 0, 1],
  ]);
}

/**
 * The crops of `img` at `starts` (one box of `size` each) as a lazy image:
 * no voxel is copied here; materialising it (for the next transform that
 * needs voxels, or straight into a batch row) reads only the boxes. Same
 * shape, dtype, affine and meta as the eager crops (`batched`: `[...size, C,
 * count]`, else `[...size, C]` of the one start). An image that already has
 * a view or value maps after one is made first (those would have to run
 * before this crop's zero padding).
 */
export function cropLazy(
  img: AnyImage,
  starts: readonly (readonly number[])[],
  size: readonly number[],
  batched: boolean,
  alloc?: (dtype: ArrayDType, length: number) => VoxelArray,
  luts?: LutCache,
): LazyImage {
  const rank = size.length;
  const axes = Array.from({ length: rank }, (_, a) => ({ from: a, flip: false }));
  // A crop of a pure pad (a box holding the whole volume, unflipped, no map after it) reads the
  // source directly: inside the pad box both see the same voxels, outside it both see padding.
  const outer = isLazyImage(img) ? img.view : undefined;
  const composes = isLazyImage(img) && outer !== undefined && !img.post.length && outer.starts.length === 1 && outer.axes.every((x, a) => x.from === a && !x.flip) && holdsSource(img);
  const src: LazyImage = isLazyImage(img) ? (img.view && !composes) || img.post.length ? lazyOf(materialiseImage(img, alloc, luts)) : img : lazyOf(img);
  const C = channelCount(src);
  const base = composes ? outer!.starts[0] : size.map(() => 0);
  const view = { size: size.slice(), starts: starts.map((s) => s.map((v, a) => v + base[a])), axes };
  const meta = { ...src.meta, cropStarts: starts.map((s) => s.slice()) };
  const shape = batched ? [...size, C, starts.length] : [...size, C];
  return { ...src, view, meta, shape, batched, affine: croppedAffine(src.affine, starts[0]), spacing: src.spacing.slice() };
}

/** Whether a lazy image's (one) view box holds its whole source volume: a pad, no crop. */
function holdsSource(img: LazyImage): boolean {
  const v = img.view!;
  const dims = spatialShape(img.source);
  return dims.every((n, a) => v.starts[0][a] <= 0 && v.starts[0][a] + v.size[a] >= n);
}

/** Checks that an image can be cropped with a box of `size`: unbatched, same spatial rank. */
export function checkCroppable(img: ImageShape, size: readonly number[], transform: string, field: string, arg = 'size'): void {
  if (img.batched)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: field "${field}" is already a batch of crops; crop before batching`, {
      context: { transform, field },
    });
  const rank = spatialShape(img).length;
  if (size.length !== rank)
    throw new VoxelpipeError(
      'ERR_INVALID_ARGUMENT',
      `${transform}: ${arg} [${size}] has ${size.length} axes but field "${field}" has ${rank} spatial axes (shape [${img.shape}])`,
      { context: { transform, field, arg } },
    );
}

/** The pure crop kernel (conformance case `crop_at`): a new unbatched image of `size` at `start`. */
export function cropAt(img: ChainImage, start: readonly number[], size: readonly number[]): ChainImage {
  checkCroppable(img, size, 'crop', 'image');
  const C = channelCount(img);
  let n = C;
  for (const s of size) n *= s;
  const data = new ARRAY_CTORS[arrayDTypeOf(img.data)](n);
  cropInto(img, start, size, data, 0);
  return { ...img, data, shape: [...size, C], affine: croppedAffine(img.affine, start), spacing: img.spacing.slice(), batched: false };
}

/**
 * Where a box of `size` centred on `centre` starts so that it stays inside
 * a volume of `dims`: shifted inwards near a border; where the volume is
 * smaller than the box, centred on the volume (the rest is zero padding).
 */
export function startForCentre(centre: readonly number[], size: readonly number[], dims: readonly number[]): number[] {
  const start: number[] = [];
  for (let a = 0; a < size.length; a++) {
    if (dims[a] < size[a]) start.push(-Math.floor((size[a] - dims[a]) / 2));
    else start.push(Math.min(Math.max(centre[a] - Math.floor(size[a] / 2), 0), dims[a] - size[a]));
  }
  return start;
}
