import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { defineTransform } from '../types.js';
import { channelCount, getImage, spatialShape, voxelsPerChannel, type ChainImage } from '../image.js';
import { allowMissingArg, keysArg, monaiSpellings } from '../monai-dict.js';
import { aboveAny, cachedIndices, classIndices, cropKeysAt, cropSize, drawInClass, unravel, type ClassOf } from './monai-centres.js';

/** MONAI's `map_classes_to_indices` as a class function: one-hot channels (label[c] != 0) or a class map (label == c), restricted to image > threshold. */
export function labelClassOf(label: ChainImage, numClasses: number | null, image: ChainImage | undefined, threshold: number): { classOf: ClassOf; K: number } {
  const C = channelCount(label), N = voxelsPerChannel(label), d = label.data;
  const ok = image ? aboveAny(image, threshold) : () => true;
  if (C > 1) {
    return {
      K: C,
      classOf: (i) => {
        if (!ok(i)) return -1;
        for (let c = 0; c < C; c++) if (d[i + c * N] !== 0) return c;
        return -1;
      },
    };
  }
  if (numClasses === null) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', 'RandCropByLabelClassesd: a 1-channel label map needs num_classes');
  return { K: numClasses, classOf: (i) => (ok(i) && d[i] >= 0 && d[i] < numClasses && Number.isInteger(d[i]) ? d[i] : -1) };
}

/**
 * MONAI's RandCropByLabelClassesd: `num_samples` crops, each centred on a
 * voxel of a class drawn with probability ∝ `ratios` (default equal; classes
 * absent from the label get 0, as MONAI warns and does), the label one-hot
 * (C channels) or a class map with `num_classes`; `image_key` restricts
 * candidates to the image above `image_threshold`. Batched output as
 * RandCropByPosNegLabeld.
 */
export const RandCropByLabelClassesd = defineTransform({
  name: 'RandCropByLabelClassesd',
  family: 'crop',
  summary: 'MONAI RandCropByLabelClassesd: num_samples crops centred on voxels of classes drawn by ratios',
  monai: 'RandCropByLabelClassesd',
  ...monaiSpellings('RandCropByLabelClassesd'),
  args: z.strictObject({
    keys: keysArg,
    label_key: z.string().min(1),
    spatial_size: z.union([z.number().int(), z.array(z.number().int()).min(1).max(3)]),
    ratios: z.array(z.number().min(0)).min(1).nullable().default(null),
    num_classes: z.number().int().positive().nullable().default(null),
    num_samples: z.number().int().positive().default(1),
    image_key: z.string().min(1).nullable().default(null),
    image_threshold: z.number().default(0),
    indices_key: z.string().min(1).nullable().default(null),
    allow_smaller: z.boolean().default(false),
    warn: z.boolean().default(true),
    max_samples_per_class: z.number().int().positive().nullable().default(null),
    meta_keys: z.unknown().optional(),
    meta_key_postfix: z.string().default('meta_dict'),
    allow_missing_keys: allowMissingArg,
    lazy: z.boolean().default(false),
  }),
  isRandom: true,
  example: { keys: ['image', 'label'], label_key: 'label', spatial_size: [64, 64, 64], num_classes: 3, ratios: [1, 2, 2], num_samples: 4 },
  create(a) {
    const name = 'RandCropByLabelClassesd';
    const signature = `classes:${a.num_classes}:${a.image_key ?? ''}:${a.image_threshold}`;
    return {
      fields: [...new Set([...a.keys, a.label_key])],
      apply(sample, ctx) {
        const label = getImage(sample, a.label_key, name);
        const dims = spatialShape(label);
        const size = cropSize(a.spatial_size, dims, a.allow_smaller, name);
        const image = a.image_key ? getImage(sample, a.image_key, name) : undefined;
        const { classOf, K } = labelClassOf(label, a.num_classes, image, a.image_threshold);
        const ratios = a.ratios ?? new Array<number>(K).fill(1);
        if (ratios.length !== K) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: ratios has ${ratios.length} values for ${K} classes`);
        const ix = cachedIndices(sample, a.indices_key ?? undefined, dims, signature) ?? classIndices(classOf, dims, K, signature);
        const w = ratios.map((r, c) => (ix.counts[c] > 0 ? r : 0));
        const total = w.reduce((s, v) => s + v, 0);
        if (total === 0) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${name}: no class with a positive ratio has voxels in the label`);
        const centres: number[][] = [];
        const classes: number[] = [];
        for (let j = 0; j < a.num_samples; j++) {
          let u = ctx.rng.random() * total;
          let c = 0;
          while (c < K - 1 && (u >= w[c] || w[c] === 0)) {
            u -= w[c];
            c++;
          }
          while (w[c] === 0) c--;
          classes.push(c);
          centres.push(unravel(drawInClass(ix, c, classOf, ctx.rng), dims));
        }
        ctx.record({ centres, classes });
        const keys = a.keys.filter((k) => sample[k] !== undefined || !a.allow_missing_keys);
        return cropKeysAt(sample, keys, centres, size, name);
      },
    };
  },
});
