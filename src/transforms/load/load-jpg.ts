import { readVolume } from '../../io/read-volume.js';
import { defineTransform } from '../types.js';
import { loaderArgs, loaderImpl } from './loader.js';

/** Clara's JPEG loader: a JPEG (grey or RGB) becomes a 2D image `[W, H, C]`, channels planar. */
export const loadJpg = defineTransform({
  name: 'LoadJpg',
  family: 'load',
  summary: 'Reads JPEG files (grey/RGB) into 2D images [W, H, C]',
  monai: 'LoadImaged(reader="PILReader")',
  args: loaderArgs,
  isRandom: false,
  create: (args) => loaderImpl('LoadJpg', args, { read: (file, o) => readVolume(file, o), spatialRank: 2 }),
});
