import type { Volume } from '../volume/volume.js';
import { detectFormat, readFileHead } from './detect.js';
import { dicomHeaderInfo, readDicomFile, readDicomSeries, type DicomReadOptions } from './dicom/read.js';
import { jpegHeaderInfo, readJpeg } from './jpeg/read.js';
import { metaImageHeaderInfo, readMetaImage } from './metaimage/read.js';
import { readNifti, readNiftiHeader } from './nifti/read.js';
import { readNrrd, nrrdHeaderInfo } from './nrrd/read.js';
import { npyHeaderInfo, readNpy, readNpz, type NpzOptions } from './numpy/read.js';
import { LIMITS, type ReadOptions } from './options.js';
import { pngHeaderInfo, readPng } from './png/read.js';

/** What a header says about an image, without reading its voxels. */
export interface VolumeHeader {
  format: string;
  shape: number[];
  dtype: string;
  spacing: number[];
  affine: number[][];
}

/** Options of `readVolume`: the shared ones plus those a single format understands. */
export type ReadVolumeOptions = ReadOptions & Pick<DicomReadOptions, 'seriesInstanceUID'> & Pick<NpzOptions, 'key'>;

/**
 * Reads any supported image into a `Volume`, choosing the reader from the
 * file's bytes (then its name, see `sniffFormat`); a folder is read as a
 * DICOM series. Synchronous for every format (all decoders used are
 * synchronous): run it in a worker thread to read several files at once.
 */
export function readVolume(path: string, options: ReadVolumeOptions = {}): Volume {
  switch (detectFormat(path)) {
    case 'nifti':
      return readNifti(path, options);
    case 'dicom':
      return readDicomFile(path, options);
    case 'dicom-series':
      return readDicomSeries(path, options);
    case 'nrrd':
      return readNrrd(path, options);
    case 'metaimage':
      return readMetaImage(path, options);
    case 'png':
      return readPng(path, options);
    case 'jpeg':
      return readJpeg(path, options);
    case 'npy':
      return readNpy(path, options);
    case 'npz':
      return readNpz(path, options);
  }
}

/** Reads only the header of an image: shape, dtype, spacing, affine (a whole .npz member or DICOM series is parsed). */
export function readVolumeHeader(path: string, options: ReadVolumeOptions = {}): VolumeHeader {
  const format = detectFormat(path);
  switch (format) {
    case 'nifti': {
      const h = readNiftiHeader(path, options);
      return { format: h.header.format, shape: h.shape, dtype: h.header.dtype, spacing: h.spacing, affine: h.affine };
    }
    case 'dicom':
    case 'dicom-series':
      return dicomHeaderInfo(path, options);
    case 'nrrd':
      return nrrdHeaderInfo(readFileHead(path, LIMITS.headerBytes), path, options);
    case 'metaimage':
      return metaImageHeaderInfo(readFileHead(path, LIMITS.headerBytes), path, options);
    case 'png': {
      const head = readFileHead(path, LIMITS.headerBytes);
      return pngHeaderInfo(head.bytes, path, head.size, options);
    }
    case 'jpeg': {
      const head = readFileHead(path, LIMITS.headerBytes);
      return jpegHeaderInfo(head.bytes, path, head.size, options);
    }
    case 'npy':
      return npyHeaderInfo(readFileHead(path, LIMITS.headerBytes), path, options);
    case 'npz': {
      const v = readNpz(path, options);
      return { format: 'npz', shape: v.shape, dtype: v.dtype, spacing: v.spacing, affine: v.affine };
    }
  }
}
