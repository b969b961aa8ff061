import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldArg } from '../args.js';
import { channelCount, getImage, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/** Binary uint8 images `label == i` for i in 0..count-1, in one pass over the label (outputs start at zero). */
export function labelMasks(img: ChainImage, count: number): ChainImage[] {
  const src = img.data;
  const outs: Uint8Array[] = [];
  for (let c = 0; c < count; c++) outs.push(new Uint8Array(src.length));
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    // Non-integer or out-of-range values belong to no class.
    if (v >= 0 && v < count && v === Math.floor(v)) outs[v][i] = 1;
  }
  return outs.map((data) => ({ ...img, data, dtype: 'uint8' as const }));
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
      const masks = labelMasks(img, a.label_names.length);
      a.label_names.forEach((name, i) => (out[name] = masks[i]));
      return out;
    },
  }),
});
