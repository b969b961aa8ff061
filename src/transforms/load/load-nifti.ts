import { z } from 'zod';
import { readVolume } from '../../io/read-volume.js';
import { defineTransform } from '../types.js';
import { closestCanonical } from './canonical.js';
import { loaderArgs, loaderImpl } from './loader.js';

/**
 * Clara's LoadNifti: each field's path (.nii, .nii.gz, .hdr/.img pair,
 * Analyze) becomes an image with its affine and spacing; a list of paths is
 * stacked as channels. Values are nibabel's `get_fdata()` values (scl_slope
 * applied), kept in the stored type when there is no scaling unless `dtype`
 * is given. `as_closest_canonical` reorients to RAS+ by axis swaps and flips.
 */
export const loadNifti = defineTransform({
  name: 'LoadNifti',
  family: 'load',
  summary: 'Reads NIfTI/Analyze files into images (list of paths = channels); keeps the stored type unless dtype is given',
  monai: 'LoadImaged(reader="NibabelReader")',
  args: loaderArgs.extend({ as_closest_canonical: z.boolean().default(false) }),
  isRandom: false,
  example: { fields: 'image' },
  create: (args) =>
    loaderImpl('LoadNifti', args, {
      // readVolume sniffs the format from the bytes, so a misnamed file still loads.
      read: (file, o) => readVolume(file, o),
      prepare: args.as_closest_canonical ? closestCanonical : undefined,
    }),
});
