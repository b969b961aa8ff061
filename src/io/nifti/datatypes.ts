import type { DType } from '../../volume/dtype.js';

/** NIfTI/Analyze datatype codes voxelpipe reads, and their numpy names. */
export const NIFTI_DATATYPES: ReadonlyMap<number, DType> = new Map<number, DType>([
  [2, 'uint8'],
  [4, 'int16'],
  [8, 'int32'],
  [16, 'float32'],
  [64, 'float64'],
  [128, 'rgb24'],
  [256, 'int8'],
  [512, 'uint16'],
  [768, 'uint32'],
  [1024, 'int64'],
  [1280, 'uint64'],
  [2304, 'rgba32'],
]);

/** Codes that are valid NIfTI but that voxelpipe does not read, for a precise error. */
export const UNSUPPORTED_DATATYPES: ReadonlyMap<number, string> = new Map([
  [0, 'unknown'],
  [1, 'binary (1 bit)'],
  [32, 'complex64'],
  [1536, 'float128'],
  [1792, 'complex128'],
  [2048, 'complex256'],
]);

export const DATATYPE_CODES: Readonly<Record<DType, number>> = Object.freeze(
  Object.fromEntries([...NIFTI_DATATYPES].map(([code, name]) => [name, code])) as Record<DType, number>,
);

/** NIfTI xyzt_units codes. */
export const SPATIAL_UNITS: ReadonlyMap<number, string> = new Map([
  [0, 'unknown'],
  [1, 'm'],
  [2, 'mm'],
  [3, 'um'],
]);
export const TEMPORAL_UNITS: ReadonlyMap<number, string> = new Map([
  [0, 'unknown'],
  [8, 's'],
  [16, 'ms'],
  [24, 'us'],
  [32, 'Hz'],
  [40, 'ppm'],
  [48, 'rad/s'],
]);
