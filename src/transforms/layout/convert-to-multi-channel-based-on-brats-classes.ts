import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldsArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialRank, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

export const BRATS_CLASSES = ['TC', 'WT', 'ET'] as const;
export type BratsClass = (typeof BRATS_CLASSES)[number];

/**
 * BraTS labels (1 necrotic/non-enhancing core, 2 oedema, 4 enhancing tumour)
 * to one binary uint8 channel per class, in `classes` order, as MONAI's
 * ConvertToMultiChannelBasedOnBratsClasses: TC = 1|4, WT = 1|2|4, ET = 4.
 */
export function bratsToMultiChannel(img: ChainImage, classes: readonly BratsClass[], name = 'ConvertToMultiChannelBasedOnBratsClasses'): ChainImage {
  if (channelCount(img) !== 1)
    throw new VoxelpipeError('ERR_INVALID_VOLUME', `${name}: expected a 1-channel label map, got ${channelCount(img)} channels (shape [${img.shape}])`);
  const n = voxelsPerChannel(img);
  const b = batchCount(img);
  const k = classes.length;
  const src = img.data;
  const out = new Uint8Array(n * k * b);
  // One read of the label per voxel: bit 0 TC, bit 1 WT, bit 2 ET; then one plain byte loop per class.
  const bits = new Uint8Array(n);
  const shifts = classes.map((c) => (c === 'TC' ? 0 : c === 'WT' ? 1 : 2));
  for (let crop = 0; crop < b; crop++) {
    const s0 = crop * n;
    for (let i = 0; i < n; i++) {
      const v = src[s0 + i];
      bits[i] = v === 1 ? 3 : v === 2 ? 2 : v === 4 ? 7 : 0;
    }
    for (let c = 0; c < k; c++) {
      const o0 = (crop * k + c) * n;
      const sh = shifts[c];
      for (let i = 0; i < n; i++) out[o0 + i] = (bits[i] >> sh) & 1;
    }
  }
  const shape = img.shape.slice();
  shape[spatialRank(img)] = k;
  return { ...img, data: out, shape, dtype: 'uint8' };
}

export const convertToMultiChannelBasedOnBratsClasses = defineTransform({
  name: 'ConvertToMultiChannelBasedOnBratsClasses',
  family: 'layout',
  summary: 'BraTS labels 1/2/4 -> binary uint8 channels TC (1|4), WT (1|2|4), ET (4) in class_names order',
  monai: 'ConvertToMultiChannelBasedOnBratsClassesd',
  args: z.strictObject({
    fields: fieldsArg,
    class_names: z
      .array(z.enum(BRATS_CLASSES))
      .min(1)
      .max(3)
      .refine((l) => new Set(l).size === l.length, 'class names must not repeat')
      .default(['TC', 'WT', 'ET']),
  }),
  isRandom: false,
  example: { fields: 'label' },
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample): Sample {
      const out: Sample = { ...sample };
      for (const f of a.fields)
        out[f] = bratsToMultiChannel(getImage(sample, f, 'ConvertToMultiChannelBasedOnBratsClasses'), a.class_names);
      return out;
    },
  }),
});
