/**
 * Voxel types. Names are numpy's spellings (what nibabel reports as
 * `img.get_data_dtype()`), so that `inspect --json` output compares directly.
 */

export const DTypes = [
  'uint8',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'rgb24',
  'rgba32',
] as const;

export type DType = (typeof DTypes)[number];

/** A typed array that can hold voxels in memory. */
export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** The in-memory element types (64-bit integers are held as float64, see `DTYPE_INFO`). */
export type ArrayDType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

type ArrayCtor = {
  new (length: number): VoxelArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
};

export interface DTypeInfo {
  /** Bytes one voxel takes on disk (all channels). */
  readonly diskBytes: number;
  /** Channels one on-disk voxel holds (3 for rgb24). */
  readonly channels: number;
  /** The in-memory element type once read. int64/uint64 become float64 (exact up to 2^53). */
  readonly arrayDType: ArrayDType;
  readonly integer: boolean;
}

export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = Object.freeze({
  uint8: { diskBytes: 1, channels: 1, arrayDType: 'uint8', integer: true },
  int8: { diskBytes: 1, channels: 1, arrayDType: 'int8', integer: true },
  int16: { diskBytes: 2, channels: 1, arrayDType: 'int16', integer: true },
  uint16: { diskBytes: 2, channels: 1, arrayDType: 'uint16', integer: true },
  int32: { diskBytes: 4, channels: 1, arrayDType: 'int32', integer: true },
  uint32: { diskBytes: 4, channels: 1, arrayDType: 'uint32', integer: true },
  int64: { diskBytes: 8, channels: 1, arrayDType: 'float64', integer: true },
  uint64: { diskBytes: 8, channels: 1, arrayDType: 'float64', integer: true },
  float32: { diskBytes: 4, channels: 1, arrayDType: 'float32', integer: false },
  float64: { diskBytes: 8, channels: 1, arrayDType: 'float64', integer: false },
  rgb24: { diskBytes: 3, channels: 3, arrayDType: 'uint8', integer: true },
  rgba32: { diskBytes: 4, channels: 4, arrayDType: 'uint8', integer: true },
});

export const ARRAY_CTORS: Readonly<Record<ArrayDType, ArrayCtor>> = Object.freeze({
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
});

/** The element type of a typed array. */
export function arrayDTypeOf(a: VoxelArray): ArrayDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint32Array) return 'uint32';
  throw new TypeError('not a voxel array');
}

/** A new zero-filled array of `length` elements of `dtype`. */
export function allocArray(dtype: ArrayDType, length: number): VoxelArray {
  return new ARRAY_CTORS[dtype](length);
}

/** A view of `length` elements of `dtype` on `buffer` at `byteOffset` (which must be aligned). */
export function viewArray(dtype: ArrayDType, buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray {
  return new ARRAY_CTORS[dtype](buffer, byteOffset, length);
}

/** Inclusive value range of an integer array type, for clipping when converting. */
export const INTEGER_RANGE: Readonly<Partial<Record<ArrayDType, readonly [number, number]>>> = Object.freeze({
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
});
