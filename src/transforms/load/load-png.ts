import { readVolume } from '../../io/read-volume.js';
import { defineTransform } from '../types.js';
import { loaderArgs, loaderImpl } from './loader.js';

/**
 * Clara's LoadPng: a PNG (8/16-bit, grey, grey+alpha, RGB, RGBA) becomes a
 * 2D image `[W, H, C]` (x = column, y = row), channels planar.
 */
export const loadPng = defineTransform({
  name: 'LoadPng',
  family: 'load',
  summary: 'Reads PNG files (8/16-bit, grey/RGB(A)) into 2D images [W, H, C]',
  monai: 'LoadImaged(reader="PILReader")',
  args: loaderArgs,
  isRandom: false,
  create: (args) => loaderImpl('LoadPng', args, { read: (file, o) => readVolume(file, o), spatialRank: 2 }),
});
