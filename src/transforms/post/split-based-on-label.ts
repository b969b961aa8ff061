import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldArg } from '../args.js';
import { channelCount, getImage, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/** `label == value` as a binary uint8 image of the same shape. */
export function labelMask(img: ChainImage, value: number): ChainImage {
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] === value ? 1 : 0;
  return { ...img, data: out, dtype: 'uint8' };
}

/**
 * Clara's SplitBasedOnLabel: a 1-channel label map becomes one binary field
 * per name, `label_names[i]` = (label == i); so the first name is the
 * background (class 0), as in real configs ("label_class0", "label_class1").
 * The source field is kept.
 */
export const splitBasedOnLabel = defineTransform({
  name: 'SplitBasedOnLabel',
  family: 'post',
  summary: 'Label map -> one binary uint8 field per name: label_names[i] = (label == i)',
  monai: 'AsDiscreted(to_onehot=N) + SplitDimd',
  args: z.strictObject({ field: fieldArg, label_names: z.array(z.string().min(1)).min(1) }),
  isRandom: false,
  example: { field: 'label', label_names: ['label_class0', 'label_class1', 'label_class2'] },
  create: (a) => ({
    fields: [a.field, ...a.label_names],
    apply(sample: Sample): Sample {
      const img = getImage(sample, a.field, 'SplitBasedOnLabel');
      if (channelCount(img) !== 1)
        throw new VoxelpipeError(
          'ERR_INVALID_VOLUME',
          `SplitBasedOnLabel: field "${a.field}" should be a 1-channel label map, it has ${channelCount(img)} channels (shape [${img.shape}])`,
        );
      const out: Sample = { ...sample };
      a.label_names.forEach((name, i) => (out[name] = labelMask(img, i)));
      return out;
    },
  }),
});
