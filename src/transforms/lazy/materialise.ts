import { ARRAY_CTORS, arrayDTypeOf, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';
import { numElements } from '../../volume/volume.js';
import { channelCount, spatialShape, type ChainImage, type Sample } from '../image.js';
import { gatherBox, needsPadding, outputExtents, type GatherBox, type ValueMap } from './gather.js';
import { isLazyImage, type AnyImage, type LazyImage } from './lazy-image.js';
import { applyStages, buildLut, LUT_SOURCES, stagesKey, type PointwiseStage } from './pointwise.js';

/**
 * Lazy images made real: into the chain's own planar layout (for a
 * transform that needs voxels, a preview, a cache), or straight into a
 * network's C-order layout at any offset of a batch buffer (the fused
 * path: one pass from source voxels to the tensor row).
 */

/** Memory orders a lazy image can be written in. */
export type LazyLayout = 'planar' | 'channels_first' | 'channels_last';

/**
 * Lookup tables by map, kept by whoever materialises many samples (a
 * worker), so a fixed map's 64K table is built once, not per crop.
 */
export class LutCache {
  private readonly tables = new Map<string, { table: VoxelArray; base: number }>();

  constructor(private readonly capacity = 32) {}

  get(source: ArrayDType, stages: readonly PointwiseStage[], out: ArrayDType): { table: VoxelArray; base: number } | undefined {
    if (!LUT_SOURCES[source]) return undefined;
    const key = `${source}>${stagesKey(stages)}>${out}`;
    let t = this.tables.get(key);
    if (!t) {
      t = buildLut(source, stages, out);
      if (!t) return undefined;
      // Random stages (an oscillation factor) make a new map per sample: keep the table count bounded.
      if (this.tables.size >= this.capacity) this.tables.delete(this.tables.keys().next().value as string);
      this.tables.set(key, t);
    }
    return t;
  }
}

function as3(v: readonly number[], fill: number): [number, number, number] {
  return [v[0] ?? fill, v[1] ?? fill, v[2] ?? fill];
}

/** The boxes a lazy image reads: one per crop, or the whole source. */
function boxesOf(img: LazyImage): GatherBox[] {
  const dims = as3(spatialShape(img.source), 1);
  const rank = spatialShape(img.source).length;
  const v = img.view;
  if (!v) return [{ dims, start: [0, 0, 0], size: dims, from: [0, 1, 2], flip: [false, false, false] }];
  const from: [number, number, number] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  for (let a = 0; a < rank; a++) {
    from[a] = v.axes[a].from;
    flip[a] = v.axes[a].flip;
  }
  const size = as3(v.size, 1);
  return v.starts.map((s) => ({ dims, start: as3(s, 0), size, from, flip }));
}

function valueMap(img: LazyImage, dst: VoxelArray, luts?: LutCache): ValueMap {
  const stages = img.post.length ? [...img.pre, ...img.post] : img.pre;
  const srcType = arrayDTypeOf(img.source.data);
  const outType = arrayDTypeOf(dst);
  const lut = (luts ?? new LutCache(1)).get(srcType, stages, outType);
  if (lut) return { kind: 'lut', ...lut };
  if (stages.length === 0) return { kind: 'copy' };
  const s = stages[0];
  if (stages.length === 1 && s.op === 'affine' && s.dtype === 'float32' && outType === 'float32') return { kind: 'affine32', m: s.m, c: s.c, lo: s.lo, hi: s.hi };
  return { kind: 'fn', f: (x) => applyStages(stages, x) };
}

/** The part of a box inside its source (undefined when none is), and the box as seen from that part. */
function insideOf(box: GatherBox): { lo: number[]; hi: number[]; box: GatherBox } | undefined {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let f = 0; f < 3; f++) {
    lo.push(Math.max(0, box.start[f]));
    hi.push(Math.min(box.dims[f], box.start[f] + box.size[f]));
    if (hi[f] <= lo[f]) return undefined;
  }
  const dims: [number, number, number] = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
  const start: [number, number, number] = [box.start[0] - lo[0], box.start[1] - lo[1], box.start[2] - lo[2]];
  return { lo, hi, box: { ...box, dims, start } };
}

/** Destination strides of one crop in a layout: per output spatial axis, and between channels. */
function destStrides(m: readonly [number, number, number], C: number, layout: LazyLayout): { strides: [number, number, number]; channelStride: number } {
  const V = m[0] * m[1] * m[2];
  if (layout === 'planar') return { strides: [1, m[0], m[0] * m[1]], channelStride: V };
  if (layout === 'channels_first') return { strides: [m[1] * m[2], m[2], 1], channelStride: V };
  return { strides: [m[1] * m[2] * C, m[2] * C, C], channelStride: 1 };
}

/**
 * Writes every crop of `img` (or the whole image) into `dst` from element
 * `offset` on, crop after crop, each `[C, ...S]` (channels_first),
 * `[...S, C]` (channels_last) or planar `[...S, C]` first axis fastest.
 * Values are converted as assigning into `dst` converts them, so the
 * bytes equal an eager chain followed by the layout copy. Every element of
 * the range is written (stale memory is fine). Returns the elements written.
 */
export function writeLazy(img: LazyImage, dst: VoxelArray, offset: number, layout: LazyLayout, luts?: LutCache): number {
  const C = channelCount(img.source);
  const value = valueMap(img, dst, luts);
  let pad: number | undefined;
  let at = offset;
  for (const box of boxesOf(img)) {
    const m = outputExtents(box);
    const per = C * m[0] * m[1] * m[2];
    if (img.view && needsPadding(box)) {
      // The crop's padding is 0 where the eager crop writes it (after `pre`), then the post maps run on it.
      pad ??= applyStages(img.post, 0);
      dst.fill(pad, at, at + per);
    }
    const dest = { data: dst, offset: at, ...destStrides(m, C, layout) };
    if (!img.reader) gatherBox(img.source.data, C, box, value, dest);
    else {
      // A stored source: read just the part of the box inside the volume, then gather from it.
      const read = insideOf(box);
      if (read) gatherBox(img.reader.readBox(read.lo, read.hi), C, read.box, value, dest);
    }
    at += per;
  }
  return at - offset;
}

/**
 * The lazy image as a made one, in the chain's planar layout, with the
 * geometry and meta the eager transforms would have given it. `alloc` (the
 * chain's scratch allocator) may hand out stale memory: every element is written.
 */
export function materialiseImage(img: LazyImage, alloc?: (dtype: ArrayDType, length: number) => VoxelArray, luts?: LutCache): ChainImage {
  const n = numElements(img.shape);
  const data = alloc ? alloc(img.dtype, n) : new ARRAY_CTORS[img.dtype](n);
  writeLazy(img, data, 0, 'planar', luts);
  const { lazy: _lazy, source: _source, pre: _pre, post: _post, view: _view, ...geometry } = img;
  return { ...geometry, data, dtype: img.dtype, shape: img.shape.slice(), spacing: img.spacing.slice() };
}

/** A made image for any image value (lazy ones materialised). */
export function madeImage(img: AnyImage, alloc?: (dtype: ArrayDType, length: number) => VoxelArray, luts?: LutCache): ChainImage {
  return isLazyImage(img) ? materialiseImage(img, alloc, luts) : img;
}

/** The sample with every lazy field (or only `fields`) materialised. */
export function materialiseSample(sample: Sample, fields?: readonly string[], alloc?: (dtype: ArrayDType, length: number) => VoxelArray, luts?: LutCache): Sample {
  let out: Sample | undefined;
  for (const k of fields ?? Object.keys(sample)) {
    const v = sample[k];
    if (!isLazyImage(v)) continue;
    out ??= { ...sample };
    out[k] = materialiseImage(v, alloc, luts);
  }
  return out ?? sample;
}
