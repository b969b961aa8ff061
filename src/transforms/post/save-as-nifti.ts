import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeNifti } from '../../io/nifti/write.js';
import { fromFsError } from '../../util/errors.js';
import { fieldsArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialShape, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import type { Volume } from '../../volume/volume.js';
import { defineTransform } from '../types.js';

/**
 * The NIfTI volumes of one chain image: one per crop of a batched image;
 * channels become the 4th axis (a 2D image gets a third axis of 1 first),
 * a single channel is dropped so a viewer sees a plain 3D volume.
 */
export function niftiVolumes(img: ChainImage): Volume[] {
  const spatial = spatialShape(img);
  const c = channelCount(img);
  const per = voxelsPerChannel(img) * c;
  const padded = c > 1 ? [...spatial, ...Array(3 - spatial.length).fill(1)] : spatial;
  const shape = c > 1 ? [...padded, c] : padded;
  const spacing = [...img.spacing.slice(0, spatial.length), ...Array(shape.length - spatial.length).fill(1)];
  const out: Volume[] = [];
  for (let k = 0; k < batchCount(img); k++)
    out.push({ data: img.data.subarray(k * per, (k + 1) * per), shape, spacing, dtype: img.dtype, affine: img.affine, meta: img.meta });
  return out;
}

/**
 * Clara's debugging SaveAsNifti: writes `fields` as they are at this point of
 * the chain to `out_dir` (relative to the MMAR root) as
 * `e<epoch>_s<index>_<field>.nii.gz` (`_b<k>` per crop of a batched image),
 * for a user to open in a viewer.
 *
 * It is marked random so that it is never part of the cached prefix: a
 * side effect must run every time the sample is produced, and the file names
 * use the sample's key. `interrupt` is accepted and ignored: Clara paused
 * training for a key press, which a pipeline running in worker threads
 * cannot do; stop the run instead.
 */
export const saveAsNifti = defineTransform({
  name: 'SaveAsNifti',
  family: 'post',
  summary: 'Debug: writes fields to out_dir as e{epoch}_s{index}_{field}.nii.gz; runs every time (never cached); interrupt ignored',
  monai: 'SaveImaged',
  args: z.strictObject({ fields: fieldsArg, out_dir: z.string().min(1), interrupt: z.boolean().default(false) }),
  isRandom: true,
  example: { fields: 'label', out_dir: 'debug-nifti' },
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample, ctx): Sample {
      const { epoch, index } = ctx.rng.key;
      const dir = isAbsolute(a.out_dir) || !ctx.root ? a.out_dir : resolve(ctx.root, a.out_dir);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw fromFsError(e, dir, 'write');
      }
      const files: string[] = [];
      for (const f of a.fields) {
        const img = getImage(sample, f, 'SaveAsNifti');
        const vols = niftiVolumes(img);
        vols.forEach((v, k) => {
          const file = join(dir, `e${epoch}_s${index}_${f}${img.batched ? `_b${k}` : ''}.nii.gz`);
          writeNifti(file, v, { level: 1 });
          files.push(file);
        });
      }
      ctx.record({ files });
      return { ...sample };
    },
  }),
});
