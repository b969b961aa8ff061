export * from './nifti/index.js';
export { readVolume, readVolumeHeader, type VolumeHeader } from './read-volume.js';
export { detectFormat, sniffFormat, readFileHead, type ImageFormat, type FileHead } from './detect.js';
export { isGzip, gzipIsize, gunzipAll, gunzipPrefix } from './gzip.js';
export { defaultMaxBytes, type ReadOptions } from './options.js';
