import type { Mat4 } from '../../volume/affine.js';
import { arrayDTypeOf, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';
import type { VolumeMeta } from '../../volume/volume.js';
import { VoxelpipeError } from '../../util/errors.js';
import { isChainImage, type ChainImage, type Sample } from '../image.js';
import { foldScaling, stagesDType, type PointwiseStage, type StoredScaling } from './pointwise.js';

/**
 * An image whose voxels are not made yet: a source image as it was loaded
 * or cached (never modified), the value maps to apply to it, and where the
 * output voxels come from in it (crop boxes, flips, quarter turns). The
 * data path keeps images lazy from the first pointwise map to the end of
 * the chain and materialises each crop once, straight into its row of a
 * batch (materialise.ts): every source voxel read once, every output voxel
 * written once.
 *
 * It has no `data`, so code that expects a `ChainImage` cannot misread it:
 * the chain runner materialises lazy fields before a transform that does
 * not declare itself lazy-aware (Transform.lazy).
 */
export interface LazyImage {
  readonly lazy: true;
  /** Shape, geometry and meta of the image it stands for (`[...spatial, C]` or `[...spatial, C, b]`). */
  shape: number[];
  spacing: number[];
  affine: Mat4;
  meta: VolumeMeta;
  batched: boolean;
  /** Element type of the voxels once materialised. */
  dtype: ArrayDType;
  /** The voxels read: unbatched, planar channels, first axis fastest. */
  source: ChainImage;
  /** Value maps of source voxels inside the volume (deferred NIfTI scaling folded into the first). */
  pre: readonly PointwiseStage[];
  /** Where output voxels come from; absent: the whole source as it lies. */
  view?: CropView;
  /** Value maps after the view, applied to every output voxel (padding included). */
  post: readonly PointwiseStage[];
  /**
   * Where the source voxels are when they are not in memory (a persistent
   * cache on disk): `source` then has the geometry and an empty `data` of
   * the stored type, and materialising reads each crop's box from here.
   */
  reader?: BoxReader;
}

/**
 * Voxels of a stored volume read by box: `readBox(lo, hi)` gives the voxels
 * of every channel in [lo, hi) (spatial axes, inside the volume) laid out as
 * a volume of that box (first axis fastest, channels last), in the stored
 * type. The array may be the reader's recycled buffer: valid until its next call.
 */
export interface BoxReader {
  readBox(lo: readonly number[], hi: readonly number[]): VoxelArray;
}

/**
 * Output voxel `o` (per spatial axis) of crop `j` reads box coordinate
 * `b[from] = flip ? size[from] - 1 - o : o` on output axis `a = axes[..]`,
 * i.e. source voxel `starts[j] + b`. Outside the source it is padding: 0
 * before the `post` maps (what the eager crops write).
 */
export interface CropView {
  /** Box size, per source spatial axis. */
  size: number[];
  /** Box start per crop (source coordinates; may reach outside the volume). */
  starts: number[][];
  /** For each output spatial axis: the box axis it runs along and whether reversed. */
  axes: { from: number; flip: boolean }[];
}

export function isLazyImage(v: unknown): v is LazyImage {
  return typeof v === 'object' && v !== null && (v as LazyImage).lazy === true && isChainImage((v as LazyImage).source);
}

/** An image field's value, made or lazy. */
export type AnyImage = ChainImage | LazyImage;

export function isAnyImage(v: unknown): v is AnyImage {
  return isChainImage(v) || isLazyImage(v);
}

/** The element type an image's voxels have (made: its array's; lazy: after its maps). */
export function imageDType(img: AnyImage): ArrayDType {
  return isLazyImage(img) ? img.dtype : arrayDTypeOf(img.data);
}

/** The made or lazy image stored under `field`, or a one-line error naming the transform and field. */
export function getAnyImage(sample: Sample, field: string, transform: string): AnyImage {
  const v = sample[field];
  if (isAnyImage(v)) return v;
  const found = v === undefined ? 'nothing (no such field)' : typeof v === 'string' ? `the string "${v}" (not loaded yet?)` : typeof v;
  throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${transform}: field "${field}" should hold an image, found ${found}`, {
    context: { field, transform },
  });
}

/** The stored-value scaling an image's meta says is still to apply (slope 1, inter 0 when none). */
export function deferredScaling(meta: VolumeMeta): StoredScaling {
  if (meta.scalingDeferred !== true) return { slope: 1, inter: 0 };
  const slope = meta.sclSlope;
  const inter = meta.sclInter;
  // NIfTI: a slope of 0 (or absent) means "no scaling".
  return { slope: slope === undefined || slope === 0 || !Number.isFinite(slope) ? 1 : slope, inter: Number.isFinite(inter) ? (inter as number) : 0 };
}

/**
 * `img` with one more value map: appended to `post` when a view exists
 * (the map then also sees the padding), else to `pre`. A scaling the
 * image's meta still defers is folded into the stage, as the eager kernels
 * fold it; `meta` is the transform's output meta (what the eager transform
 * sets). A made image becomes lazy over itself.
 */
export function withStage(img: AnyImage, stage: PointwiseStage, meta: VolumeMeta): LazyImage {
  const stages = foldScaling(stage, deferredScaling(img.meta));
  const lazy = isLazyImage(img) ? img : lazyOf(img);
  if (lazy.view) return { ...lazy, meta, post: [...lazy.post, ...stages], dtype: stage.dtype };
  return { ...lazy, meta, pre: [...lazy.pre, ...stages], dtype: stage.dtype };
}

/** A made image as a lazy one with no map and no view (so a crop can defer its copy). */
export function lazyOf(img: ChainImage): LazyImage {
  const { data: _data, ...geometry } = img;
  return { ...geometry, shape: img.shape.slice(), lazy: true, source: img, pre: [], post: [], dtype: arrayDTypeOf(img.data) };
}

/** The dtype of the values a view reads (after `pre`), which is what its padding zeros are. */
export function preDType(img: LazyImage): ArrayDType {
  return stagesDType(img.pre, arrayDTypeOf(img.source.data));
}

/**
 * Bytes of the voxel arrays a sample holds: made images' data and lazy
 * images' sources, each array counted once (image and label may share a
 * source; crops of one volume do).
 */
export function voxelBytes(sample: Sample): number {
  const seen = new Set<unknown>();
  let n = 0;
  for (const v of Object.values(sample)) {
    const data = isChainImage(v) ? v.data : isLazyImage(v) ? v.source.data : undefined;
    if (!data || seen.has(data)) continue;
    seen.add(data);
    n += data.byteLength;
  }
  return n;
}
