import type { Volume } from '../volume/volume.js';
import { detectFormat } from './detect.js';
import { readNifti, readNiftiHeader } from './nifti/read.js';
import type { ReadOptions } from './options.js';

/** What a header says about an image, without reading its voxels. */
export interface VolumeHeader {
  format: string;
  shape: number[];
  dtype: string;
  spacing: number[];
  affine: number[][];
}

/**
 * Reads any supported image file into a `Volume`, choosing the reader from
 * the file's bytes (not its name). Synchronous: run it in a worker thread to
 * read several files at once.
 */
export function readVolume(file: string, options: ReadOptions = {}): Volume {
  switch (detectFormat(file)) {
    case 'nifti':
      return readNifti(file, options);
  }
}

/** Reads only the header of an image file: shape, dtype, spacing, affine. */
export function readVolumeHeader(file: string, options: ReadOptions = {}): VolumeHeader {
  switch (detectFormat(file)) {
    case 'nifti': {
      const h = readNiftiHeader(file, options);
      return { format: h.header.format, shape: h.shape, dtype: h.header.dtype, spacing: h.spacing, affine: h.affine };
    }
  }
}
