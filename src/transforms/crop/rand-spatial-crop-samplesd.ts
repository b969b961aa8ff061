import { z } from 'zod';
import { defineTransform } from '../types.js';
import { spatialShape, type ChainImage } from '../image.js';
import { monaiSpellings, presentKeys, stack } from '../monai-dict.js';
import { cropKeys, drawSpatialBox, randSpatialArgs } from './rand-spatial-cropd.js';

/**
 * MONAI's RandSpatialCropSamplesd: `num_samples` independent
 * RandSpatialCropd crops as one batched image per key (MONAI's list of
 * crops). With `random_size` the crops differ in size and cannot share a
 * batch: that is refused when it happens, as MONAI's collate would fail.
 */
export const RandSpatialCropSamplesd = defineTransform({
  name: 'RandSpatialCropSamplesd',
  family: 'crop',
  summary: 'MONAI RandSpatialCropSamplesd: num_samples RandSpatialCropd crops, batched',
  monai: 'RandSpatialCropSamplesd',
  ...monaiSpellings('RandSpatialCropSamplesd'),
  args: z.strictObject({ ...randSpatialArgs, num_samples: z.number().int().positive() }),
  isRandom: true,
  example: { keys: ['image', 'label'], roi_size: [64, 64, 64], num_samples: 4 },
  create(a) {
    const name = 'RandSpatialCropSamplesd';
    return {
      fields: a.keys,
      apply(sample, ctx) {
        const keys = presentKeys(sample, a.keys, a.allow_missing_keys, name);
        if (keys.length === 0) return sample;
        const dims = spatialShape(sample[keys[0]] as ChainImage);
        const boxes = Array.from({ length: a.num_samples }, () => drawSpatialBox(dims, a, ctx.rng, name));
        ctx.record({ boxes });
        const parts = boxes.map((b) => cropKeys(sample, keys, false, b, name));
        const out = { ...sample };
        for (const k of keys) out[k] = stack(parts.map((p) => p[k] as ChainImage), k, name);
        return out;
      },
    };
  },
});
