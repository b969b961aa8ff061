import { gzipSync } from 'node:zlib';
import { endianness } from 'node:os';
import { VoxelpipeError, writeFileAtomic } from '../../util/index.js';
import {
  ARRAY_CTORS,
  DTYPE_INFO,
  INTEGER_RANGE,
  arrayDTypeOf,
  type DType,
  type VoxelArray,
} from '../../volume/dtype.js';
import { affineToQuaternion } from '../../volume/affine.js';
import type { Volume } from '../../volume/volume.js';
import { numElements } from '../../volume/volume.js';
import { DATATYPE_CODES } from './datatypes.js';

export interface WriteNiftiOptions {
  /** On-disk voxel type. Default: the volume's stored type when its scaling is deferred, else its array's type. */
  dtype?: DType;
  /**
   * Scaling to store: voxels are written as round((value - inter) / slope) for
   * integer types. Default: the volume's own scl_slope/inter when its scaling is
   * deferred (values are written unchanged), else none.
   */
  slope?: number;
  inter?: number;
  /** Header description (80 bytes at most). Default: `meta.description`. */
  description?: string;
  /** gzip the file. Default: when the name ends in `.gz`. */
  gzip?: boolean;
  /** gzip level 1..9 (default 6, as nibabel and most tools). */
  level?: number;
}

const HEADER_BYTES = 348;
const VOX_OFFSET = 352;
const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Writes a volume as a single-file NIfTI-1 (`.nii` / `.nii.gz`), atomically.
 * The affine goes into both the sform (exactly, as float32) and the qform
 * (nearest rigid rotation + zooms + qfac); pixdim holds the zooms of the
 * affine for the spatial axes and `spacing` for the others.
 */
export function writeNifti(file: string, volume: Volume, options: WriteNiftiOptions = {}): void {
  checkVolume(volume, file);
  const deferred = volume.meta.scalingDeferred === true;
  const dtype = options.dtype ?? (deferred ? volume.dtype : arrayDTypeOf(volume.data));
  const info = DTYPE_INFO[dtype];
  let slope = options.slope ?? (deferred ? volume.meta.sclSlope ?? 1 : 1);
  let inter = options.inter ?? (deferred ? volume.meta.sclInter ?? 0 : 0);
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter))
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${file}: slope ${slope} / inter ${inter} cannot be written, expected a finite non-zero slope`);
  // Values in `data` are already in stored units when scaling is deferred and unchanged.
  const alreadyStored = deferred && options.slope === undefined && options.inter === undefined;

  const shape = info.channels > 1 ? volume.shape.slice(0, -1) : volume.shape;
  if (info.channels > 1 && volume.shape[volume.shape.length - 1] !== info.channels)
    throw new VoxelpipeError(
      'ERR_INVALID_ARGUMENT',
      `${file}: dtype ${dtype} needs a last axis of ${info.channels} channels, the volume's shape is [${volume.shape}]`,
    );
  if (shape.length < 1 || shape.length > 7)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${file}: NIfTI holds 1 to 7 dimensions, the volume has ${shape.length}`);

  const header = buildHeader(volume, shape, dtype, slope, inter, options.description ?? volume.meta.description ?? '');
  const body = encodeVoxels(volume.data, dtype, alreadyStored ? 1 : slope, alreadyStored ? 0 : inter, numElements(shape));
  const gzip = options.gzip ?? /\.gz$/i.test(file);
  if (gzip) {
    const whole = Buffer.allocUnsafe(VOX_OFFSET + body.byteLength);
    whole.set(header, 0);
    whole.set(body, VOX_OFFSET);
    writeFileAtomic(file, [gzipSync(whole, { level: options.level ?? 6 })]);
  } else {
    writeFileAtomic(file, [header, body]);
  }
}

function checkVolume(v: Volume, file: string): void {
  const n = numElements(v.shape);
  if (!v.shape.every((d) => Number.isSafeInteger(d) && d >= 1) || n !== v.data.length)
    throw new VoxelpipeError(
      'ERR_INVALID_VOLUME',
      `${file}: volume shape [${v.shape}] does not match its ${v.data.length} voxels`,
    );
  if (!Array.isArray(v.affine) || v.affine.length !== 4 || v.affine.some((r) => r.length !== 4 || r.some((x) => !Number.isFinite(x))))
    throw new VoxelpipeError('ERR_INVALID_VOLUME', `${file}: affine must be a finite 4x4 matrix`);
}

function buildHeader(v: Volume, shape: number[], dtype: DType, slope: number, inter: number, description: string): Uint8Array {
  const buf = new ArrayBuffer(VOX_OFFSET);
  const dv = new DataView(buf);
  const le = true;
  const bytes = new Uint8Array(buf);
  dv.setInt32(0, HEADER_BYTES, le);
  bytes[38] = 'r'.charCodeAt(0); // "regular", as Analyze readers expect
  dv.setInt16(40, shape.length, le);
  for (let i = 0; i < 7; i++) dv.setInt16(42 + 2 * i, shape[i] ?? 1, le);
  const intent = v.meta.intentParams ?? [0, 0, 0];
  intent.forEach((p, i) => dv.setFloat32(56 + 4 * i, p, le));
  dv.setInt16(68, v.meta.intentCode ?? 0, le);
  dv.setInt16(70, DATATYPE_CODES[dtype], le);
  dv.setInt16(72, DTYPE_INFO[dtype].diskBytes * 8, le);

  const q = affineToQuaternion(v.affine);
  dv.setFloat32(76, q.qfac, le);
  for (let i = 0; i < 7; i++) {
    const z = i < 3 ? q.zooms[i] : v.spacing[i] ?? 1;
    dv.setFloat32(80 + 4 * i, i < shape.length || i < 3 ? z : 1, le);
  }
  dv.setFloat32(108, VOX_OFFSET, le);
  dv.setFloat32(112, slope, le);
  dv.setFloat32(116, inter, le);
  bytes[123] = unitsCode(v);
  dv.setFloat32(124, v.meta.calMax ?? 0, le);
  dv.setFloat32(128, v.meta.calMin ?? 0, le);
  writeString(bytes, 148, 80, description);
  const sformCode = v.meta.sformCode && v.meta.sformCode > 0 ? v.meta.sformCode : 2;
  const qformCode = v.meta.qformCode && v.meta.qformCode > 0 ? v.meta.qformCode : sformCode;
  dv.setInt16(252, qformCode, le);
  dv.setInt16(254, sformCode, le);
  dv.setFloat32(256, q.b, le);
  dv.setFloat32(260, q.c, le);
  dv.setFloat32(264, q.d, le);
  for (let r = 0; r < 3; r++) dv.setFloat32(268 + 4 * r, v.affine[r][3], le);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, v.affine[r][c], le);
  writeString(bytes, 328, 16, v.meta.intentName ?? '');
  writeString(bytes, 344, 4, 'n+1');
  return bytes;
}

const SPATIAL = { m: 1, mm: 2, um: 3 } as Record<string, number>;
const TEMPORAL = { s: 8, ms: 16, us: 24, Hz: 32, ppm: 40, 'rad/s': 48 } as Record<string, number>;

function unitsCode(v: Volume): number {
  const space = SPATIAL[v.meta.spatialUnits ?? 'mm'] ?? 2;
  const time = v.shape.length >= 4 ? TEMPORAL[v.meta.temporalUnits ?? 's'] ?? 8 : 0;
  return space | time;
}

function writeString(bytes: Uint8Array, offset: number, size: number, s: string): void {
  const enc = Buffer.from(s, 'latin1').subarray(0, size - 1);
  bytes.set(enc, offset);
}

/** Stored bytes (little-endian) for `data` written as `dtype` with the given scaling. */
function encodeVoxels(data: VoxelArray, dtype: DType, slope: number, inter: number, nVoxels: number): Uint8Array {
  const info = DTYPE_INFO[dtype];
  const srcType = arrayDTypeOf(data);
  const identity = slope === 1 && inter === 0;
  if (info.channels > 1) return interleave(data, nVoxels, info.channels, slope, inter);
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = dtype === 'int64' ? new BigInt64Array(data.length) : new BigUint64Array(data.length);
    const lim = dtype === 'int64' ? [-(2 ** 63), 2 ** 63 - 1] : [0, 2 ** 64 - 1];
    for (let i = 0; i < data.length; i++) {
      const x = Math.min(lim[1], Math.max(lim[0], Math.round((data[i] - inter) / slope)));
      out[i] = BigInt(Number.isFinite(x) ? x : 0);
    }
    return toLittleEndianBytes(out, 8);
  }
  if (srcType === info.arrayDType && identity) return toLittleEndianBytes(data, info.diskBytes);
  const out = new ARRAY_CTORS[info.arrayDType](data.length);
  const range = INTEGER_RANGE[info.arrayDType];
  if (range) {
    const [lo, hi] = range;
    for (let i = 0; i < data.length; i++) {
      const x = Math.round((data[i] - inter) / slope);
      out[i] = x !== x ? 0 : x < lo ? lo : x > hi ? hi : x;
    }
  } else {
    for (let i = 0; i < data.length; i++) out[i] = (data[i] - inter) / slope;
  }
  return toLittleEndianBytes(out, info.diskBytes);
}

function interleave(data: VoxelArray, n: number, channels: number, slope: number, inter: number): Uint8Array {
  const out = new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < n; i++) {
      const x = Math.round((data[c * n + i] - inter) / slope);
      out[i * channels + c] = x !== x ? 0 : x < 0 ? 0 : x > 255 ? 255 : x;
    }
  return out;
}

function toLittleEndianBytes(a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, size: number): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (size === 1 || HOST_LITTLE_ENDIAN) return view;
  const copy = Uint8Array.from(view);
  for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}
