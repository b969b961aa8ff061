import { readVolume } from '../../io/read-volume.js';
import type { Volume } from '../../volume/volume.js';
import { defineTransform } from '../types.js';
import { loaderArgs, loaderImpl } from './loader.js';

/** Pictures are 2D whatever their channel count; volumes keep up to three spatial axes. */
export function imageSpatialRank(v: Volume): number {
  return v.meta.format === 'png' || v.meta.format === 'jpeg' ? 2 : Math.min(3, v.shape.length);
}

/**
 * Any format voxelpipe reads (NIfTI, Analyze, DICOM file or series folder,
 * NRRD, MetaImage, PNG, JPEG, NumPy), chosen from the file's bytes: what
 * MONAI's LoadImage does. Not a Clara 3 name; Clara configs keep LoadNifti /
 * LoadPng / LoadJpg.
 */
export const loadImage = defineTransform({
  name: 'LoadImage',
  family: 'load',
  summary: 'Reads any supported format (format from the bytes); DICOM series folders included',
  monai: 'LoadImaged',
  args: loaderArgs,
  isRandom: false,
  example: { fields: 'image' },
  create: (args) => loaderImpl('LoadImage', args, { read: (file, o) => readVolume(file, o), spatialRank: imageSpatialRank }),
});
