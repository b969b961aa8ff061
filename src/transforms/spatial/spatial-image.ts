import { VoxelpipeError } from '../../util/errors.js';
import { arrayDTypeOf, type VoxelArray } from '../../volume/dtype.js';
import type { Mat4 } from '../../volume/affine.js';
import { getImage, spatialRank, spatialShape, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { flip, resample, window, type AxisMap, type Edge, type Grid, type Interpolation, type PadMode } from '../kernels/index.js';
import { getAnyImage, isLazyImage, lazyOf, type AnyImage, type LazyImage } from '../lazy/lazy-image.js';
import { flipLazy } from '../lazy/view-ops.js';

/**
 * Image-level spatial operations: run a kernel on a `ChainImage` and keep
 * its geometry true. Every operation that changes the grid updates the
 * affine so that each kept voxel stays at the same world position, and
 * appends a step to `meta.shapeHistory` so that RestoreOriginalShape can
 * undo the chain later (e.g. bring a prediction back to the loaded grid).
 */

/** One grid change, in the words of the kernels that made it. */
export type ShapeStep =
  | { op: 'window'; inShape: number[]; outShape: number[]; offset: number[] }
  | { op: 'resample'; inShape: number[]; outShape: number[]; maps: AxisMap[] };

/** The `meta` key holding the list of grid changes since loading. */
export const SHAPE_HISTORY = 'shapeHistory';

export function shapeHistory(img: ChainImage): readonly ShapeStep[] {
  const h = img.meta[SHAPE_HISTORY];
  return Array.isArray(h) ? (h as ShapeStep[]) : [];
}

/** The image's voxels as a kernel grid (all channels and crops as blocks). */
export function gridOf(img: ChainImage): Grid {
  const per = voxelsPerChannel(img);
  return { data: img.data, shape: spatialShape(img), blocks: per === 0 ? 0 : img.data.length / per };
}

/** Same grid, new voxels (flips, rotations, zooms: augmentation moves data, not the affine). */
export function withData(img: ChainImage, data: VoxelArray): ChainImage {
  const dtype = data.constructor === img.data.constructor ? img.dtype : arrayDTypeOf(data);
  return { ...img, data, dtype };
}

/**
 * The affine of a grid whose voxel o sits at input voxel `offset + o * scale`
 * (per spatial axis): columns scaled, origin moved to the input position of
 * voxel 0.
 */
function mappedAffine(a: Mat4, rank: number, scale: readonly number[], offset: readonly number[]): Mat4 {
  const out = a.map((row) => row.slice());
  for (let r = 0; r < 3; r++) {
    let t = a[r][3];
    for (let c = 0; c < rank; c++) {
      out[r][c] = a[r][c] * scale[c];
      t += a[r][c] * offset[c];
    }
    out[r][3] = t;
  }
  return out;
}

export function regrid(img: ChainImage, data: VoxelArray, outSpatial: number[], scale: number[], offset: number[], step: ShapeStep | undefined): ChainImage {
  return { ...withData(img, data), ...regridGeometry(img, outSpatial, scale, offset, step) };
}

/** The geometry `regrid` gives: shape, spacing, affine and meta (with the step in its shape history). */
function regridGeometry(img: AnyImage, outSpatial: number[], scale: number[], offset: number[], step: ShapeStep | undefined) {
  const rank = spatialRank(img);
  const spacing = img.spacing.slice();
  for (let a = 0; a < rank; a++) spacing[a] = img.spacing[a] * Math.abs(scale[a]);
  const meta = { ...img.meta };
  if (step) meta[SHAPE_HISTORY] = [...(Array.isArray(img.meta[SHAPE_HISTORY]) ? (img.meta[SHAPE_HISTORY] as ShapeStep[]) : []), step];
  return { shape: [...outSpatial, ...img.shape.slice(rank)], spacing, affine: mappedAffine(img.affine, rank, scale, offset), meta };
}

/**
 * A constant-zero pad (every axis of the volume kept whole inside the new
 * box) as a lazy view: no voxel moves until the image is materialised, and
 * a crop of it later reads the source directly (crop-at.ts `cropLazy`
 * composes the boxes). Undefined where that does not apply (a crop, a
 * batched image, an image already viewed): the caller pads eagerly.
 */
export function padLazy(img: AnyImage, offset: number[], outSpatial: number[], record = true): LazyImage | undefined {
  if (img.batched) return undefined;
  const inShape = spatialShape(img);
  if (inShape.some((n, a) => offset[a] > 0 || offset[a] + outSpatial[a] < n)) return undefined;
  if (inShape.every((n, a) => n === outSpatial[a] && offset[a] === 0)) return undefined;
  const lazy = isLazyImage(img) ? img : lazyOf(img);
  if (lazy.view || lazy.post.length || lazy.reader) return undefined;
  const step: ShapeStep = { op: 'window', inShape, outShape: outSpatial.slice(), offset: offset.slice() };
  const view = { size: outSpatial.slice(), starts: [offset.slice()], axes: outSpatial.map((_, a) => ({ from: a, flip: false })) };
  return { ...lazy, ...regridGeometry(img, outSpatial, inShape.map(() => 1), offset, record ? step : undefined), view };
}

/**
 * Crop and/or pad: output voxel o is input voxel `o + offset` (negative
 * offsets pad the front). Records the step unless `record` is false.
 */
export function windowImage(img: ChainImage, offset: number[], outSpatial: number[], mode: PadMode = 'constant', value = 0, record = true): ChainImage {
  const inShape = spatialShape(img);
  if (inShape.every((n, a) => n === outSpatial[a] && offset[a] === 0)) return img;
  const data = window(gridOf(img), offset, outSpatial, mode, value);
  const step: ShapeStep = { op: 'window', inShape, outShape: outSpatial.slice(), offset: offset.slice() };
  return regrid(img, data, outSpatial, inShape.map(() => 1), offset, record ? step : undefined);
}

/** Axis-aligned resampling onto `outSpatial`, output o reading input `maps[a].offset + o * maps[a].scale`. */
export function resampleImage(img: ChainImage, outSpatial: number[], maps: AxisMap[], interpolation: Interpolation, edge: Edge = 'clamp', record = true): ChainImage {
  const inShape = spatialShape(img);
  const data = resample(gridOf(img), outSpatial, maps, interpolation, edge);
  const step: ShapeStep = { op: 'resample', inShape, outShape: outSpatial.slice(), maps: maps.map((m) => ({ ...m })) };
  return regrid(
    img,
    data,
    outSpatial,
    maps.map((m) => m.scale),
    maps.map((m) => m.offset),
    record ? step : undefined,
  );
}

/** Undoes one recorded step (RestoreOriginalShape). */
export function invertStep(img: ChainImage, step: ShapeStep, interpolation: Interpolation): ChainImage {
  if (step.op === 'window')
    return windowImage(
      img,
      step.offset.map((o) => -o),
      step.inShape,
      'constant',
      0,
      false,
    );
  const maps = step.maps.map((m) => ({ scale: 1 / m.scale, offset: -m.offset / m.scale }));
  return resampleImage(img, step.inShape, maps, interpolation, 'clamp', false);
}

/**
 * A per-axis arg (a scalar meaning "every axis", or one value per spatial
 * axis) as an array of `rank` values, or a one-line error naming the
 * transform, the arg and the field.
 */
export function perAxis(value: number | readonly number[], rank: number, transform: string, arg: string, field: string): number[] {
  if (typeof value === 'number') return new Array<number>(rank).fill(value);
  if (value.length !== rank)
    throw new VoxelpipeError(
      'ERR_INVALID_ARGUMENT',
      `${transform}: ${arg} has ${value.length} values but field "${field}" has ${rank} spatial axes`,
      { context: { transform, arg, field } },
    );
  return value.slice();
}

/** The images of `fields`, checked, in order. */
export function imagesOf(sample: Sample, fields: readonly string[], transform: string): ChainImage[] {
  return fields.map((f) => getImage(sample, f, transform));
}

/** Replaces `fields` of `sample` with `fn(image, field)`, returning a new sample. */
export function mapFields(sample: Sample, fields: readonly string[], transform: string, fn: (img: ChainImage, field: string) => ChainImage): Sample {
  const out: Sample = { ...sample };
  for (const f of fields) out[f] = fn(getImage(sample, f, transform), f);
  return out;
}

/** Checks that every field has the spatial shape of the first (paired image/label ops). */
export function assertSameSpatialShape(images: readonly ChainImage[], fields: readonly string[], transform: string): void {
  const s0 = spatialShape(images[0]);
  for (let i = 1; i < images.length; i++) {
    const s = spatialShape(images[i]);
    if (s.length !== s0.length || s.some((n, a) => n !== s0[a]))
      throw new VoxelpipeError(
        'ERR_INVALID_ARGUMENT',
        `${transform}: field "${fields[i]}" has spatial shape [${s}] but "${fields[0]}" has [${s0}]; they must match`,
        { context: { transform, fields } },
      );
  }
}


/**
 * Flips `fields` along `axes` (the same for every field). Made images and
 * lazy ones alike become lazy views read backwards (lazy/view-ops.ts): the
 * flip costs nothing until the crop is materialised. A made batch of crops
 * is flipped eagerly.
 */
export function flipFields(sample: Sample, fields: readonly string[], transform: string, axes: readonly number[]): Sample {
  const out: Sample = { ...sample };
  for (const f of fields) {
    const img = getAnyImage(sample, f, transform);
    out[f] = flipLazy(img, axes) ?? (isLazyImage(img) ? img : withData(img, flip(gridOf(img), axes)));
  }
  return out;
}
