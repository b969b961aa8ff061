import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform, type Transform } from '../types.js';
import { getImage, spatialShape, type ChainImage, type Sample } from '../image.js';
import { getAnyImage } from '../lazy/lazy-image.js';
import { allowMissingArg, keysArg, monaiSpellings } from '../monai-dict.js';
import { fgBgIndicesStep } from './fg-bg-indices.js';
import { posNegCrop } from './pos-neg.js';
import { aboveAny, cachedIndices, classIndices, cropKeysAt, cropSize, drawInClass, unravel, type ClassIndices, type ClassOf } from './monai-centres.js';
import { foregroundTest } from './fg-bg-indices.js';

/** The class function of MONAI's `map_binary_to_indices`: 1 foreground (label > 0), 0 background (image above threshold, when an image is given), -1 neither. */
export function posNegClassOf(label: ChainImage, image: ChainImage | undefined, threshold: number): ClassOf {
  const fg = foregroundTest(label);
  if (!image) return (i) => (fg(i) ? 1 : 0);
  const ok = aboveAny(image, threshold);
  return (i) => (fg(i) ? 1 : ok(i) ? 0 : -1);
}

export function posNegSignature(imageKey: string | null, threshold: number): string {
  return `posneg:${imageKey ?? ''}:${threshold}`;
}

/** The sample field a computed index is kept under (by FgBgToIndicesd's default names, or the cacheable step). */
export function posNegIndexField(labelKey: string, imageKey: string | null, threshold: number): string {
  return `${labelKey}_fg_bg_indices_${posNegSignature(imageKey, threshold)}`;
}

/** The posneg index of `label` (and `image`), computed once per volume. */
export function posNegIndices(label: ChainImage, image: ChainImage | undefined, imageKey: string | null, threshold: number): ClassIndices {
  return classIndices(posNegClassOf(label, image, threshold), spatialShape(label), 2, posNegSignature(imageKey, threshold));
}

const args = z
  .strictObject({
    keys: keysArg,
    label_key: z.string().min(1),
    spatial_size: z.union([z.number().int(), z.array(z.number().int()).min(1).max(3)]),
    pos: z.number().min(0).default(1),
    neg: z.number().min(0).default(1),
    num_samples: z.number().int().positive().default(1),
    image_key: z.string().min(1).nullable().default(null),
    image_threshold: z.number().default(0),
    fg_indices_key: z.string().min(1).nullable().default(null),
    bg_indices_key: z.string().min(1).nullable().default(null),
    meta_keys: z.unknown().optional(),
    meta_key_postfix: z.string().default('meta_dict'),
    allow_smaller: z.boolean().default(false),
    allow_missing_keys: allowMissingArg,
    lazy: z.boolean().default(false),
  })
  .superRefine((a, ctx) => {
    if (a.pos + a.neg === 0) ctx.addIssue({ code: 'custom', path: ['pos'], message: 'pos and neg cannot both be 0 (no crop centre could be drawn)', input: a.pos });
  });

/**
 * MONAI's RandCropByPosNegLabeld: `num_samples` crops of `spatial_size`
 * (<= 0: the volume's), each centred on a foreground voxel (label > 0) with
 * probability pos / (pos + neg), else on a background voxel (with
 * `image_key`: only where the image is above `image_threshold`), box shifted
 * inside the volume; every key cropped at the same boxes, as one batched
 * image (MONAI's list of crops; the pipeline merges them into the batch as
 * list_data_collate does). The index of candidate voxels is computed once per
 * volume and cached with the deterministic prefix (or read from
 * FgBgToIndicesd's keys). Without `image_key`, these are exactly
 * FastCropByPosNegRatio's crops for the same key.
 */
export const RandCropByPosNegLabeld = defineTransform({
  name: 'RandCropByPosNegLabeld',
  family: 'crop',
  summary: 'MONAI RandCropByPosNegLabeld: num_samples crops centred on fg (pos) / bg (neg) voxels; image_threshold; cached index',
  monai: 'RandCropByPosNegLabeld',
  ...monaiSpellings('RandCropByPosNegLabeld'),
  args,
  isRandom: true,
  example: { keys: ['image', 'label'], label_key: 'label', spatial_size: [96, 96, 96], pos: 1, neg: 1, num_samples: 4, image_key: 'image', image_threshold: 0 },
  create(a) {
    const name = 'RandCropByPosNegLabeld';
    const field = a.fg_indices_key ?? posNegIndexField(a.label_key, a.image_key, a.image_threshold);
    const signature = posNegSignature(a.image_key, a.image_threshold);
    // The once-per-volume index as the runner's cacheable step (the end of the deterministic prefix).
    const prefixStep: Transform | undefined =
      a.fg_indices_key !== null
        ? undefined
        : a.image_key === null
          ? fgBgIndicesStep(a.label_key)
          : Object.freeze({
              name: 'PrecomputeFgBgIndices',
              args: Object.freeze({ label_key: a.label_key, image_key: a.image_key, image_threshold: a.image_threshold }),
              isRandom: false,
              fields: [a.label_key, a.image_key, field],
              apply: (s: Sample): Sample => ({ ...s, [field]: posNegIndices(getImage(s, a.label_key, name), getImage(s, a.image_key!, name), a.image_key, a.image_threshold) }),
            });
    // Label-only centres are Clara's PosNeg crop, which is lazy: then so is this (a lazy image's
    // crop is a view, made once into the batch); the image-thresholded path reads voxels.
    const clara = a.image_key === null && a.fg_indices_key === null;
    return {
      fields: [...new Set([...a.keys, a.label_key])],
      prefixStep,
      lazy: clara,
      apply(sample, ctx) {
        const anyLabel = getAnyImage(sample, a.label_key, name);
        const dims = spatialShape(anyLabel);
        const size = cropSize(a.spatial_size, dims, a.allow_smaller, name);
        const keys = a.keys.filter((k) => sample[k] !== undefined || !a.allow_missing_keys);
        for (const k of keys) {
          const s = spatialShape(getAnyImage(sample, k, name));
          if (s.join() !== dims.join())
            throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: key "${k}" has spatial shape [${s}] but label_key "${a.label_key}" has [${dims}]`);
        }
        if (clara) {
          // Clara's PosNeg crop, fed by the label-only cached index: the same crops as FastCropByPosNegRatio.
          const labelCropped = keys.includes(a.label_key);
          const out = posNegCrop({ name, size, imageFields: keys.filter((k) => k !== a.label_key), labelField: a.label_key, pos: a.pos, neg: a.neg, count: a.num_samples, batched: true, fast: true }).apply(sample, ctx);
          if (!labelCropped) out[a.label_key] = anyLabel;
          return out;
        }
        const label = getImage(sample, a.label_key, name);
        const image = a.image_key ? getImage(sample, a.image_key, name) : undefined;
        const classOf = posNegClassOf(label, image, a.image_threshold);
        const ix = cachedIndices(sample, field, dims, signature) ?? posNegIndices(label, image, a.image_key, a.image_threshold);
        const [nBg, nFg] = ix.counts;
        if (nBg + nFg === 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: no crop centre available (no foreground and no background above image_threshold)`);
        const pFg = nFg === 0 ? 0 : nBg === 0 ? 1 : a.pos / (a.pos + a.neg);
        const centres: number[][] = [];
        const foreground: boolean[] = [];
        for (let j = 0; j < a.num_samples; j++) {
          const fg = ctx.rng.random() < pFg;
          centres.push(unravel(drawInClass(ix, fg ? 1 : 0, classOf, ctx.rng), dims));
          foreground.push(fg);
        }
        ctx.record({ centres, foreground });
        const out = cropKeysAt(sample, keys, centres, size, name);
        delete out[field];
        return out;
      },
    };
  },
});
