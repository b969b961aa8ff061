import { z } from 'zod';
import { fieldArg, fieldsArg, sizeArg } from '../args.js';
import type { ChainImage, Sample } from '../image.js';
import { channelCount, getImage, spatialShape } from '../image.js';
import type { TransformContext, TransformImpl } from '../types.js';
import { ARRAY_CTORS, arrayDTypeOf, type ArrayDType } from '../../volume/dtype.js';
import { VoxelpipeError } from '../../util/errors.js';
import { checkCroppable, croppedAffine, cropLazy, startForCentre } from './crop-at.js';
import { getAnyImage, isLazyImage, type LazyImage } from '../lazy/lazy-image.js';
import { materialiseImage } from '../lazy/materialise.js';
import { computeFgBgIndices, drawCentre, fgBgIndicesField, foregroundFromIndices, foregroundTest, indicesFor, isFgBgIndices, unravel, type FgBgIndices } from './fg-bg-indices.js';
import { drawWarp, sampleAt, warpCoordinates, type WarpOptions } from './roi-warp.js';

/**
 * What the PosNeg crop family shares: its args, the centre draws and the
 * cropping of every field at the same places.
 *
 * Centres: each crop is foreground (label > 0) with probability
 * pos / (pos + neg), else background, uniformly among the voxels of that
 * class; a class the label lacks gives way to the other. The box is then
 * shifted inwards to stay inside the volume; only an axis shorter than the
 * box is zero-padded (the volume centred in the box).
 */

/** Args common to every PosNeg crop (Clara's spellings). */
export const posNegArgs = {
  size: sizeArg,
  /** Image fields cropped at the label's centres (Clara's FastCropByPosNegRatio uses `fields`; the ROI variant `image_field`). */
  fields: fieldsArg.optional(),
  image_field: fieldArg.optional(),
  label_field: fieldArg.default('label'),
  pos: z.number().min(0).default(1),
  neg: z.number().min(0).default(1),
  batch_size: z.number().int().positive().default(1),
};

/**
 * A cross-arg check for `.superRefine`: reports `message` at args.`key`
 * with that arg's value (not the whole args object) when `ok` is false.
 */
export function crossCheck<T extends Record<string, unknown>>(ok: (a: T) => boolean, key: keyof T & string, message: string) {
  return (a: T, ctx: z.RefinementCtx<T>) => {
    if (!ok(a)) ctx.addIssue({ code: 'custom', path: [key], message, input: a[key] });
  };
}

export const posNegRatioRefinement = crossCheck<{ pos: number; neg: number }>(
  (a) => a.pos + a.neg > 0,
  'pos',
  'pos and neg cannot both be 0 (no crop centre could be drawn)',
);

/** The image fields named by `fields` and/or `image_field`, without the label field. */
export function imageFieldsOf(a: { fields?: string[]; image_field?: string; label_field: string }): string[] {
  const out = [...(a.fields ?? []), ...(a.image_field !== undefined ? [a.image_field] : [])];
  return [...new Set(out)].filter((f) => f !== a.label_field);
}

export interface PosNegCropOptions {
  /** Clara name, for messages. */
  name: string;
  size: number[];
  imageFields: string[];
  labelField: string;
  pos: number;
  neg: number;
  /** Crops per call. */
  count: number;
  /** Output a batched image `[...size, C, count]` (else `count` must be 1 and the output is `[...size, C]`). */
  batched: boolean;
  /** Use (or compute once) the cached fg/bg indices in the sample; else index the label on every call. */
  fast: boolean;
  /**
   * Crops per batch when `count` is several batches of them (batches_to_gen_at_once):
   * with `ctx.part`, a call draws all `count` crops and emits only its part's batch.
   */
  partSize?: number;
  warp?: WarpOptions;
}

/**
 * Draws the crop starts for one call; records them. A lazy label (on disk
 * in a persistent cache, or a view) is not made: the cached index, which the
 * prefix computed from that very label, answers "is voxel i foreground"
 * (foregroundFromIndices), so the draws are the same, step for step.
 */
export function drawStarts(label: ChainImage | LazyImage, sample: Sample, o: PosNegCropOptions, ctx: TransformContext): number[][] {
  const dims = spatialShape(label);
  const stored = isLazyImage(label) ? cachedIndicesOn(sample, o, label) : undefined;
  const made = stored ? undefined : isLazyImage(label) ? materialiseImage(label, ctx.alloc, ctx.luts) : label;
  // The plain variant indexes the label on every call (MONAI's way); the Fast one reuses the cached record.
  let ix = stored ?? (o.fast ? indicesFor(sample, o.labelField, made!) : computeFgBgIndices(made!));
  const isFg = stored ? foregroundFromIndices(stored) : foregroundTest(made!);
  const pFg = o.pos / (o.pos + o.neg);
  const starts: number[][] = [];
  const centres: number[][] = [];
  const foreground: boolean[] = [];
  for (let j = 0; j < o.count; j++) {
    let c = drawCentre(ix, isFg, pFg, ctx.rng);
    if (made && isFg(c.index) !== c.foreground) {
      // A stale cached index the probes missed: index the label now and draw again.
      ix = computeFgBgIndices(made);
      c = drawCentre(ix, isFg, pFg, ctx.rng);
    }
    const centre = unravel(c.index, dims);
    centres.push(centre);
    foreground.push(c.foreground);
    starts.push(startForCentre(centre, o.size, dims));
  }
  ctx.record({ centres, starts, foreground });
  return starts;
}

/**
 * The cached index of a lazy label (on disk in a persistent cache, or a
 * view such as a lazy pad), when the Fast crop has one of its shape: the
 * prefix's last step computed it from this very label's values, so it
 * answers "is voxel i foreground" without making the label.
 */
function cachedIndicesOn(sample: Sample, o: PosNegCropOptions, label: LazyImage): FgBgIndices | undefined {
  if (!o.fast || label.pre.length || label.post.length) return undefined;
  const ix = sample[fgBgIndicesField(o.labelField)];
  const dims = spatialShape(label);
  return isFgBgIndices(ix) && ix.shape.length === dims.length && ix.shape.every((n, a) => n === dims[a]) ? ix : undefined;
}

/**
 * The TransformImpl of a PosNeg crop. Unwarped crops are lazy (crop-at.ts
 * `cropLazy`): the boxes are drawn here and the voxels copied once, when
 * the crops are materialised (into a batch row, fused with what follows).
 */
export function posNegCrop(o: PosNegCropOptions): TransformImpl {
  const targets = [...o.imageFields, o.labelField];
  const lazy = !isWarped(o);
  return {
    fields: targets,
    lazy,
    apply(sample, ctx) {
      // The label's values pick the centres: it must be made (a lazy label, rare, is made here).
      // The label's values pick the centres: a lazy label is made here (rare), except one still on disk
      // with its cached index (a persistent cache): then the index alone answers (drawStarts).
      const anyLabel = getAnyImage(sample, o.labelField, o.name);
      const label = isLazyImage(anyLabel) && !(lazy && cachedIndicesOn(sample, o, anyLabel)) ? materialiseImage(anyLabel, ctx.alloc, ctx.luts) : anyLabel;
      checkCroppable(label, o.size, o.name, o.labelField);
      const dims = spatialShape(label);
      const images = o.imageFields.map((f) => {
        const img = lazy ? getAnyImage(sample, f, o.name) : getImage(sample, f, o.name);
        checkCroppable(img, o.size, o.name, f);
        const s = spatialShape(img);
        if (s.some((d, a) => d !== dims[a]))
          throw new VoxelpipeError(
            'ERR_INVALID_ARGUMENT',
            `${o.name}: field "${f}" has spatial shape [${s}] but label_field "${o.labelField}" has [${dims}]; they must match to be cropped together`,
            { context: { transform: o.name, field: f } },
          );
        return img;
      });
      let starts = drawStarts(label, sample, o, ctx);
      if (ctx.part && o.partSize && lazy) {
        const k = ctx.part.index;
        starts = starts.slice(k * o.partSize, (k + 1) * o.partSize);
        ctx.record({ part: k, parts: ctx.part.count });
      }
      const out: Sample = { ...sample };
      // The indices describe the whole volume, not the crops: they must not travel on.
      delete out[fgBgIndicesField(o.labelField)];
      if (lazy) {
        for (let k = 0; k < images.length; k++) out[o.imageFields[k]] = cropLazy(images[k], starts, o.size, o.batched, ctx.alloc, ctx.luts);
        out[o.labelField] = cropLazy(label, starts, o.size, o.batched, ctx.alloc, ctx.luts);
        return out;
      }
      // One warp per crop; its source coordinates are computed once and shared by every field.
      const coords = drawWarps(o, starts, dims, ctx);
      for (let k = 0; k < images.length; k++) out[o.imageFields[k]] = cropAll(images[k] as ChainImage, starts, o, coords, false);
      out[o.labelField] = cropAll(label as ChainImage, starts, o, coords, true);
      return out;
    },
  };
}

function isWarped(o: PosNegCropOptions): boolean {
  return o.warp !== undefined && (o.warp.deform || o.warp.rotation || o.warp.scale);
}

function drawWarps(o: PosNegCropOptions, starts: number[][], dims: number[], ctx: TransformContext): Float32Array[] {
  const coords: Float32Array[] = [];
  for (let j = 0; j < o.count; j++) {
    const w = drawWarp(o.warp as WarpOptions, o.size, ctx.rng);
    ctx.record({ crop: j, ...w.draws });
    const centre = starts[j].map((s, a) => s + (o.size[a] - 1) / 2);
    coords.push(warpCoordinates(dims, centre, o.size, w.warp));
  }
  return coords;
}

/** All warped crops of one field, into one allocation (interpolated at the warp's coordinates). */
function cropAll(img: ChainImage, starts: number[][], o: PosNegCropOptions, coords: Float32Array[], isLabel: boolean): ChainImage {
  const C = channelCount(img);
  let per = C;
  for (const s of o.size) per *= s;
  // A warped image is interpolated: float32. Labels (nearest) keep their type.
  const dtype: ArrayDType = isLabel ? arrayDTypeOf(img.data) : 'float32';
  const data = new ARRAY_CTORS[dtype](per * starts.length);
  for (let j = 0; j < starts.length; j++) sampleAt(img, coords[j], isLabel, data, j * per);
  // A warped crop keeps the affine of its unwarped box (the warp is an augmentation, not a new geometry).
  const affine = croppedAffine(img.affine, starts[0]);
  const meta = { ...img.meta, cropStarts: starts.map((s) => s.slice()) };
  if (o.batched) return { ...img, data, dtype, affine, meta, spacing: img.spacing.slice(), shape: [...o.size, C, starts.length], batched: true };
  return { ...img, data, dtype, affine, meta, spacing: img.spacing.slice(), shape: [...o.size, C], batched: false };
}
