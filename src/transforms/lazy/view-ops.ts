import { spatialShape } from '../image.js';
import { isLazyImage, lazyOf, type AnyImage, type CropView, type LazyImage } from './lazy-image.js';

/**
 * Spatial operations that only move voxels (flips; quarter turns could join
 * them), done on the view of a lazy image: they cost nothing until the
 * image is materialised, where they change the order voxels are read in.
 */

/** The view of `img`, or one covering the whole source as it lies. */
function viewOf(img: LazyImage): CropView {
  if (img.view) return img.view;
  const dims = spatialShape(img.source);
  return { size: dims, starts: [dims.map(() => 0)], axes: dims.map((_, a) => ({ from: a, flip: false })) };
}

/**
 * `img` reversed along the listed spatial axes (numpy's `np.flip`), lazily.
 * Returns undefined for a made batched image (a batch of crops made by a
 * non-lazy transform): its caller flips it eagerly.
 */
export function flipLazy(img: AnyImage, axes: readonly number[]): LazyImage | undefined {
  if (!isLazyImage(img) && img.batched) return undefined;
  const lazy = isLazyImage(img) ? img : lazyOf(img);
  const v = viewOf(lazy);
  const flipped = new Set(axes);
  const view: CropView = { ...v, axes: v.axes.map((x, a) => (flipped.has(a) ? { from: x.from, flip: !x.flip } : x)) };
  return { ...lazy, view };
}
