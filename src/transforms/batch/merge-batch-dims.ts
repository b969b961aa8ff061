import { z } from 'zod';
import { defineTransform } from '../types.js';
import { fieldsArg } from '../args.js';
import type { ChainImage, Sample } from '../image.js';
import { batchCount, getImage, isChainImage, spatialRank, voxelsPerChannel, channelCount } from '../image.js';
import { VoxelpipeError } from '../../util/errors.js';
import { croppedAffine } from '../crop/crop-at.js';

/**
 * MergeBatchDims (a `batch_transforms` entry): a batching crop gives each
 * sample b crops (`[...spatial, C, b]`); the pipeline batch of B such
 * samples holds B x b crops. This turns the B samples into B * b ordinary
 * samples, sample-major (all crops of sample 0, then of sample 1, ...),
 * which the pipeline then collates into one `[B*b, C, ...]` tensor:
 * Clara's [B, b, C, D, H, W] -> [B*b, C, D, H, W].
 *
 * Each crop is a view (`subarray`) of its batch, so no voxel is copied;
 * its affine is rebuilt from the crop start the crop recorded
 * (`meta.cropStarts`). Fields not listed are shared by a sample's crops.
 * All listed fields of a sample must hold the same number of crops;
 * unbatched listed fields count as one crop.
 */
export function mergeBatchDims(batch: readonly Sample[], fields: readonly string[]): Sample[] {
  const out: Sample[] = [];
  for (let s = 0; s < batch.length; s++) {
    const sample = batch[s];
    const images = fields.map((f) => getImage(sample, f, 'MergeBatchDims'));
    const b = batchCount(images[0]);
    images.forEach((img, k) => {
      if (batchCount(img) !== b)
        throw new VoxelpipeError(
          'ERR_INVALID_ARGUMENT',
          `MergeBatchDims: sample ${s} holds ${b} crops in "${fields[0]}" but ${batchCount(img)} in "${fields[k]}"`,
          { context: { transform: 'MergeBatchDims', sample: s } },
        );
    });
    for (let j = 0; j < b; j++) {
      const crop: Sample = { ...sample };
      images.forEach((img, k) => (crop[fields[k]] = img.batched ? unbatch(img, j) : img));
      out.push(crop);
    }
  }
  return out;
}

/** Crop j of a batched image, as a view. */
function unbatch(img: ChainImage, j: number): ChainImage {
  const per = voxelsPerChannel(img) * channelCount(img);
  const starts = img.meta.cropStarts as number[][] | undefined;
  const meta = { ...img.meta };
  let affine = img.affine;
  if (starts && starts[j]) {
    // img.affine is crop 0's; undo its start, apply crop j's.
    const back = starts[0].map((v) => -v);
    affine = croppedAffine(croppedAffine(img.affine, back), starts[j]);
    meta.cropStarts = [starts[j]];
  }
  return {
    ...img,
    data: img.data.subarray(j * per, (j + 1) * per),
    shape: img.shape.slice(0, spatialRank(img) + 1),
    affine,
    meta,
    batched: false,
  };
}

/**
 * The registry entry. On one sample there is nothing to merge, so `apply`
 * only checks that the listed fields are images and returns the sample;
 * the pipeline calls `mergeBatchDims` on each batch of samples.
 */
export const MergeBatchDims = defineTransform({
  name: 'MergeBatchDims',
  family: 'batch',
  summary: 'Merge the per-volume crop axis into the pipeline batch: B samples of b crops -> B*b samples (views, no copy)',
  monai: 'not needed (list-of-dicts collation)',
  args: z.strictObject({ fields: fieldsArg }),
  isRandom: false,
  example: { fields: ['image', 'label'] },
  create(a) {
    return {
      fields: a.fields,
      apply(sample) {
        for (const f of a.fields) if (!isChainImage(sample[f])) getImage(sample, f, 'MergeBatchDims');
        return sample;
      },
    };
  },
});
