import { endianness } from 'node:os';
import { fileError, formatBytes } from '../../util/errors.js';
import { DTYPE_INFO, allocArray, viewArray, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';
import type { Volume, VolumeMeta } from '../../volume/volume.js';
import { numElements } from '../../volume/volume.js';
import { gunzipAll, gunzipPrefix, isGzip, maxInflatedSize } from '../gzip.js';
import { finiteHeaderAffine } from './geometry.js';
import { MAX_HEADER_BYTES, parseNiftiHeader, type NiftiHeader } from './header.js';
import { SPATIAL_UNITS, TEMPORAL_UNITS } from './datatypes.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { readFileHead } from '../detect.js';
import type { ReferencedBy } from '../file.js';
import { readWhole } from '../raw.js';

const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/** A header with the geometry nibabel derives from it. */
export interface NiftiHeaderInfo {
  header: NiftiHeader;
  /** The file holding the voxels (the `.img` of a pair). */
  dataFile: string;
  shape: number[];
  spacing: number[];
  affine: number[][];
  meta: VolumeMeta;
}

/**
 * Reads only the header of a NIfTI-1/2 or Analyze file (gzipped or not):
 * cheap, for validating many files. Checks that the declared voxel data fits
 * the file and the byte limit.
 */
export function readNiftiHeader(file: string, options: ReadOptions = {}): NiftiHeaderInfo {
  const maxBytes = maxBytesOf(options);
  const head = readFileHead(file, MAX_HEADER_BYTES);
  const header = parseNiftiHeader(head.bytes, file);
  const info = describe(file, header);
  const need = dataBytes(header);
  checkLimit(file, need, maxBytes);
  if (info.dataFile === file) {
    checkFits(file, header, need, head.gzip ? maxInflatedSize(head.size) : head.size, head.gzip);
  } else {
    const data = readFileHead(info.dataFile, 0, imageOf(file));
    checkFits(info.dataFile, header, need, data.gzip ? maxInflatedSize(data.size) : data.size, data.gzip);
  }
  return info;
}

/**
 * Reads a NIfTI-1 (`.nii`, `.hdr`/`.img`), NIfTI-2 or Analyze 7.5 file, each
 * optionally gzipped; the format and gzip are detected from the bytes.
 *
 * Synchronous by design: the fastest inflate in Node is synchronous, and the
 * pipeline runs readers in worker threads. The decompressed (or read) buffer
 * becomes the volume's storage: no extra full-volume copy is made unless
 * the byte order must be swapped in place, or values scaled.
 */
export function readNifti(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const raw = keepable(readWhole(file, maxBytes, undefined, options.readInto), options);
  const gz = isGzip(raw);
  const headBytes = gz ? gunzipPrefix(raw, MAX_HEADER_BYTES, file) : raw;
  const header = parseNiftiHeader(headBytes, file);
  const info = describe(file, header);
  const need = dataBytes(header);
  checkLimit(file, need, maxBytes);

  let bytes: Uint8Array;
  let dataFile = file;
  if (info.dataFile === file) {
    checkFits(file, header, need, gz ? maxInflatedSize(raw.length) : raw.length, gz);
    bytes = gz ? gunzipAll(raw, header.voxOffset + need, maxBytes + header.voxOffset, file, options.into) : raw;
  } else {
    dataFile = info.dataFile;
    const img = keepable(readWhole(dataFile, maxBytes, imageOf(file), options.readInto), options);
    const imgGz = isGzip(img);
    checkFits(dataFile, header, need, imgGz ? maxInflatedSize(img.length) : img.length, imgGz);
    bytes = imgGz ? gunzipAll(img, header.voxOffset + need, maxBytes + header.voxOffset, dataFile, options.into) : img;
  }
  if (header.voxOffset > 0 && bytes.length <= header.voxOffset)
    throw fileError('ERR_BAD_HEADER', dataFile, `vox_offset ${header.voxOffset} is past the end of the data (${bytes.length} bytes)`);
  if (bytes.length < header.voxOffset + need)
    throw fileError(
      'ERR_TRUNCATED',
      dataFile,
      `voxel data ends after ${Math.max(0, bytes.length - header.voxOffset)} of the ${need} bytes the header declares`,
    );

  const data = decodeVoxels(bytes, header);
  const volume: Volume = {
    data,
    shape: DTYPE_INFO[header.dtype].channels > 1 ? [...info.shape, DTYPE_INFO[header.dtype].channels] : info.shape,
    dtype: header.dtype,
    spacing: DTYPE_INFO[header.dtype].channels > 1 ? [...info.spacing, 1] : info.spacing,
    affine: info.affine,
    meta: info.meta,
  };
  return applyScaling(volume, header, options.scaling ?? 'apply', file);
}

/** The header of a pair names its image file by convention (x.hdr -> x.img). */
function imageOf(file: string): ReferencedBy {
  return { file, field: 'image file' };
}

function describe(file: string, h: NiftiHeader): NiftiHeaderInfo {
  const spacing = h.shape.map((_, i) => h.pixdim[i + 1]);
  spacing.forEach((s, i) => {
    if (!Number.isFinite(s)) throw fileError('ERR_BAD_HEADER', file, `pixdim[${i + 1}] is ${s}, expected a finite voxel size`);
  });
  const { affine, fallback } = finiteHeaderAffine(h, file);
  const isPair = h.format === 'nifti1-pair' || h.format === 'nifti2-pair' || h.format === 'analyze';
  const meta: VolumeMeta = {
    filename: file,
    format: h.format,
    description: h.descrip,
    byteOrder: h.littleEndian ? 'little' : 'big',
    sclSlope: h.sclSlope,
    sclInter: h.sclInter,
    calMin: h.calMin,
    calMax: h.calMax,
  };
  if (h.format !== 'analyze') {
    Object.assign(meta, {
      intentCode: h.intentCode,
      intentName: h.intentName,
      intentParams: h.intentParams,
      qformCode: h.qformCode,
      sformCode: h.sformCode,
      spatialUnits: SPATIAL_UNITS.get(h.xyztUnits & 0x07) ?? 'unknown',
      temporalUnits: TEMPORAL_UNITS.get(h.xyztUnits & 0x38) ?? 'unknown',
    });
  }
  if (h.shape.length >= 4) meta.repetitionTime = h.pixdim[4];
  if (fallback) meta.affineFallback = fallback;
  return {
    header: h,
    dataFile: isPair ? imgPathFor(file) : file,
    shape: h.shape.slice(),
    spacing,
    affine,
    meta,
  };
}

/** `x.hdr` -> `x.img`, `x.hdr.gz` -> `x.img.gz` (keeping the case of the extension). */
export function imgPathFor(hdr: string): string {
  const m = /\.(hdr)(\.gz)?$/i.exec(hdr);
  if (!m) return hdr.replace(/(\.gz)?$/i, (gz) => `.img${gz}`);
  const img = m[1] === 'HDR' ? 'IMG' : 'img';
  return hdr.slice(0, m.index) + '.' + img + (m[2] ?? '');
}

function dataBytes(h: NiftiHeader): number {
  return numElements(h.shape) * DTYPE_INFO[h.dtype].diskBytes;
}

function checkLimit(file: string, need: number, maxBytes: number): void {
  if (need > maxBytes)
    throw fileError(
      'ERR_TOO_LARGE',
      file,
      `header declares ${formatBytes(need)} of voxel data (shape and datatype), over the ${formatBytes(maxBytes)} limit (maxBytes / VOXELPIPE_MAX_BYTES)`,
    );
}

/** Refuses headers that claim more data than the file could possibly hold, before allocating. */
function checkFits(file: string, h: NiftiHeader, need: number, capacity: number, gz: boolean): void {
  if (h.voxOffset > 0 && h.voxOffset >= capacity && !gz)
    throw fileError('ERR_BAD_HEADER', file, `vox_offset ${h.voxOffset} is past the end of the file (${capacity} bytes)`);
  if (h.voxOffset + need > capacity)
    throw fileError(
      'ERR_TRUNCATED',
      file,
      gz
        ? `header declares ${need} bytes of voxel data, more than this ${formatBytes(Math.round((capacity - 1024) / 1032))} gzip file can hold`
        : `header declares ${need} bytes of voxel data at offset ${h.voxOffset}, but the file holds only ${capacity} bytes`,
    );
}

/**
 * A file read into `readInto`'s scratch, as bytes the volume may keep: a
 * gzip file is only inflated from it (its voxels land elsewhere); the voxels
 * of an uncompressed one are views of the bytes read, so those are copied
 * out of the scratch (into `into`'s memory when given).
 */
function keepable(raw: Buffer, options: ReadOptions): Buffer {
  if (!options.readInto || isGzip(raw)) return raw;
  const out = options.into ? options.into(raw.length) : new Uint8Array(raw.length);
  out.set(raw);
  return Buffer.from(out.buffer, out.byteOffset, raw.length);
}

/** Voxels as a typed array over `bytes` (in place when aligned and in host order). */
function decodeVoxels(bytes: Uint8Array, h: NiftiHeader): VoxelArray {
  const info = DTYPE_INFO[h.dtype];
  const n = numElements(h.shape);
  const start = bytes.byteOffset + h.voxOffset;
  if (info.channels > 1) return deinterleave(bytes.subarray(h.voxOffset, h.voxOffset + n * info.diskBytes), n, info.channels);
  if (h.dtype === 'int64' || h.dtype === 'uint64') return int64ToFloat64(bytes, h.voxOffset, n, h.dtype === 'int64', h.littleEndian);
  const size = info.diskBytes;
  let buffer = bytes.buffer;
  let offset = start;
  if (offset % size !== 0) {
    // Rare (odd vox_offset): one copy to an aligned buffer.
    const copy = new Uint8Array(n * size);
    copy.set(bytes.subarray(h.voxOffset, h.voxOffset + n * size));
    buffer = copy.buffer;
    offset = 0;
  }
  if (size > 1 && h.littleEndian !== HOST_LITTLE_ENDIAN) swapInPlace(new Uint8Array(buffer, offset, n * size), size);
  return viewArray(info.arrayDType, buffer, offset, n);
}

function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 2) {
    for (let i = 0; i < b.length; i += 2) {
      const t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t;
    }
  } else if (size === 4) {
    for (let i = 0; i < b.length; i += 4) {
      let t = b[i];
      b[i] = b[i + 3];
      b[i + 3] = t;
      t = b[i + 1];
      b[i + 1] = b[i + 2];
      b[i + 2] = t;
    }
  } else {
    for (let i = 0; i < b.length; i += size)
      for (let a = i, z = i + size - 1; a < z; a++, z--) {
        const t = b[a];
        b[a] = b[z];
        b[z] = t;
      }
  }
}

/** RGB(A) voxels are interleaved on disk; voxelpipe keeps channels planar (last axis). */
function deinterleave(src: Uint8Array, n: number, channels: number): Uint8Array {
  const out = new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let i = 0, s = c; i < n; i++, s += channels) out[base + i] = src[s];
  }
  return out;
}

/** 64-bit integers are held as float64: exact up to 2^53, documented in DTYPE_INFO. */
function int64ToFloat64(bytes: Uint8Array, offset: number, n: number, signed: boolean, le: boolean): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 8);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(signed ? dv.getBigInt64(i * 8, le) : dv.getBigUint64(i * 8, le));
  return out;
}

/**
 * nibabel's scaling rule: scl_slope 0 or not finite means "no scaling"; a
 * finite slope with a non-finite intercept is an error; (1, 0) is a no-op.
 */
export function effectiveScaling(slope: number, inter: number, file: string): { slope: number; inter: number } | undefined {
  if (slope === 0 || !Number.isFinite(slope)) return undefined;
  if (!Number.isFinite(inter))
    throw fileError('ERR_BAD_HEADER', file, `scl_slope is ${slope} but scl_inter is ${inter}, expected a finite intercept`);
  if (slope === 1 && inter === 0) return undefined;
  return { slope, inter };
}

function applyScaling(v: Volume, h: NiftiHeader, mode: 'apply' | 'defer', file: string): Volume {
  const s = effectiveScaling(h.sclSlope, h.sclInter, file);
  v.meta.sclSlope = s?.slope ?? 1;
  v.meta.sclInter = s?.inter ?? 0;
  if (!s) return v;
  if (mode === 'defer') {
    v.meta.scalingDeferred = true;
    return v;
  }
  // float32 keeps every int8/int16/uint8/uint16 value scaled by a float32 slope
  // to within float32 rounding; wider types need float64 as nibabel uses.
  const wide = ['int32', 'uint32', 'int64', 'uint64', 'float64'].includes(h.dtype);
  const outType: ArrayDType = wide ? 'float64' : 'float32';
  const src = v.data;
  const out = allocArray(outType, src.length);
  const { slope, inter } = s;
  for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + inter;
  v.data = out;
  return v;
}
