import { closeSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { VoxelpipeError, fileError, type ErrorCode } from '../../util/errors.js';
import { DTYPE_INFO, type DType, type VoxelArray } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import { numElements } from '../../volume/volume.js';
import type { FileHead } from '../detect.js';
import { openRegularFile, referencedError, type ReferencedBy } from '../file.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { affineFrom, checkGeometry, fitProblem, checkLimit, checkShape, decodeRaw, deinterleave, inflateData, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';

/**
 * MetaImage (ITK's `.mha` with the data after the header, `.mhd` + a `.raw`
 * / `.zraw` data file), raw or zlib-compressed. Geometry as ITK reads it:
 * `TransformMatrix` holds each axis's direction (axis after axis),
 * `Offset` the first voxel's position, `ElementSpacing` the voxel size, all
 * in ITK's LPS world, converted here to RAS (x and y negated). Interleaved
 * channels (`ElementNumberOfChannels`) become the last, planar, axis.
 */

const MET_TYPES: Record<string, DType | undefined> = {
  MET_CHAR: 'int8',
  MET_UCHAR: 'uint8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_LONG: 'int32',
  MET_ULONG: 'uint32',
  MET_LONG_LONG: 'int64',
  MET_ULONG_LONG: 'uint64',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};

const FIRST_KEYS = ['ObjectType', 'NDims', 'Comment', 'TransformType', 'Name', 'ID', 'ParentID', 'AcquisitionDate', 'Modality'];

/** A MetaImage header starts with one of its usual keys followed by " = ". */
export function isMetaImage(b: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(b.subarray(0, 64));
  return FIRST_KEYS.some((k) => new RegExp(`^${k}\\s*=`).test(text));
}

export interface MetaImageHeader {
  fields: Map<string, string>;
  dtype: DType;
  shape: number[];
  channels: number;
  littleEndian: boolean;
  compressed: boolean;
  compressedSize?: number;
  dataFile: string;
  /** Offset of the data in this file when it follows the header (`LOCAL`). */
  dataOffset: number;
  headerSize: number;
  spacing: number[];
  affine: number[][];
}

export function parseMetaImageHeader(b: Uint8Array, file: string): MetaImageHeader {
  if (!isMetaImage(b)) throw fileError('ERR_UNKNOWN_FORMAT', file, 'not a MetaImage header (expected "ObjectType = Image" or "NDims = ...")');
  const fields = new Map<string, string>();
  let pos = 0;
  let dataOffset = -1;
  const dec = new TextDecoder('latin1');
  while (pos < b.length) {
    let nl = b.indexOf(0x0a, pos);
    if (nl < 0) nl = b.length;
    const line = dec.decode(b.subarray(pos, nl)).replace(/\r$/, '');
    pos = nl + 1;
    if (line.trim() === '') continue;
    // No lazy `(.*?)\s*$`: on a long run of spaces it backtracks quadratically.
    const m = /^\s*([A-Za-z0-9_]+)\s*=(.*)$/.exec(line);
    if (!m) throw fileError('ERR_BAD_HEADER', file, `MetaImage header line is not "Key = Value": ${clip(line)}`);
    fields.set(m[1], m[2].trim());
    if (m[1] === 'ElementDataFile') {
      dataOffset = pos;
      break;
    }
  }
  if (dataOffset < 0) throw fileError('ERR_TRUNCATED', file, 'MetaImage header has no ElementDataFile line (truncated header?)');
  const need = (k: string) => {
    const v = fields.get(k);
    if (v === undefined) throw fileError('ERR_BAD_HEADER', file, `MetaImage header lacks ${k}`);
    return v;
  };
  const nums = (k: string, n: number, fallback?: number[]) => {
    const v = fields.get(k);
    if (v === undefined) return fallback;
    const a = v.split(/\s+/).map(Number);
    if (a.length < n || a.slice(0, n).some((x) => !Number.isFinite(x))) throw fileError('ERR_BAD_HEADER', file, `MetaImage ${k} = ${clip(v)} is not ${n} numbers`);
    return a.slice(0, n);
  };
  const ndims = Number(need('NDims'));
  if (!Number.isInteger(ndims) || ndims < 1 || ndims > 10) throw fileError('ERR_BAD_HEADER', file, `MetaImage NDims = ${clip(fields.get('NDims') ?? '')} is not 1..10`);
  const shape = nums('DimSize', ndims);
  if (shape === undefined) throw fileError('ERR_BAD_HEADER', file, 'MetaImage header lacks DimSize');
  checkShape(file, shape, 'DimSize');
  const et = need('ElementType').toUpperCase();
  const dtype = Object.hasOwn(MET_TYPES, et) ? MET_TYPES[et] : undefined;
  if (!dtype) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `MetaImage ElementType ${clip(et)} is not supported, expected MET_CHAR..MET_ULONG_LONG, MET_FLOAT or MET_DOUBLE`);
  const channels = Number(fields.get('ElementNumberOfChannels') ?? 1);
  if (!Number.isInteger(channels) || channels < 1 || channels > 1024) throw fileError('ERR_BAD_HEADER', file, `MetaImage ElementNumberOfChannels = ${clip(fields.get('ElementNumberOfChannels') ?? '')} is not 1..1024`);
  const msb = (fields.get('BinaryDataByteOrderMSB') ?? fields.get('ElementByteOrderMSB') ?? 'False').toLowerCase() === 'true';
  const compressed = (fields.get('CompressedData') ?? 'False').toLowerCase() === 'true';
  const df = need('ElementDataFile');
  let dataFile = file;
  if (df.toUpperCase() !== 'LOCAL') {
    if (/^LIST/i.test(df) || /%/.test(df) || /\s/.test(df)) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `MetaImage ElementDataFile = ${clip(df)} (several data files) is not supported`);
    dataFile = isAbsolute(df) ? df : join(dirname(file), df);
  }
  const spacing = nums('ElementSpacing', ndims) ?? nums('ElementSize', ndims) ?? shape.map(() => 1);
  const origin = nums('Offset', ndims) ?? nums('Position', ndims) ?? nums('Origin', ndims) ?? shape.map(() => 0);
  const tm = nums('TransformMatrix', ndims * ndims) ?? nums('Rotation', ndims * ndims) ?? nums('Orientation', ndims * ndims);
  const sd = Math.min(3, ndims);
  const columns: number[][] = [];
  for (let a = 0; a < sd; a++) {
    const c = [0, 0, 0];
    for (let r = 0; r < sd; r++) c[r] = (tm ? tm[a * ndims + r] : a === r ? 1 : 0) * spacing[a];
    columns.push(c);
  }
  const affine = affineFrom(columns, [origin[0] ?? 0, origin[1] ?? 0, origin[2] ?? 0], true);
  checkGeometry(file, affine, spacing);
  const headerSize = Number(fields.get('HeaderSize') ?? 0);
  if (!Number.isSafeInteger(headerSize) || headerSize < -1) throw fileError('ERR_BAD_HEADER', file, `MetaImage HeaderSize = ${clip(fields.get('HeaderSize') ?? '')} is not -1 or a byte count`);
  const compressedSize = fields.has('CompressedDataSize') ? Number(fields.get('CompressedDataSize')) : undefined;
  return {
    fields,
    dtype,
    shape: channels > 1 ? [...shape, channels] : shape,
    channels,
    littleEndian: !msb,
    compressed,
    compressedSize,
    dataFile,
    dataOffset: dataFile === file ? dataOffset : 0,
    headerSize,
    spacing: channels > 1 ? [...spacing, 1] : spacing,
    affine,
  };
}

/** A value from the header, shortened for a message. */
function clip(v: string): string {
  return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}...` : v;
}

/** What names a detached data file in the header; errors about that file name the header first. */
function dataRef(h: MetaImageHeader, file: string): ReferencedBy | undefined {
  return h.dataFile === file ? undefined : { file, field: 'ElementDataFile' };
}

/** An error about the voxel data: about the header (and its data file, when detached). */
function dataError(code: ErrorCode, h: MetaImageHeader, file: string, what: string): VoxelpipeError {
  return h.dataFile === file ? fileError(code, file, what) : fileError(code, file, `ElementDataFile ${h.dataFile}: ${what}`);
}

/**
 * Refuses a header whose declared voxels (`need` bytes) cannot be in the
 * `available` bytes of data there are, before anything is allocated.
 */
function checkDataFits(h: MetaImageHeader, file: string, need: number, available: number): void {
  if (h.compressed) {
    const stored = h.compressedSize !== undefined && h.compressedSize > 0 ? Math.min(h.compressedSize, available) : available;
    const problem = fitProblem(need, stored, true);
    if (problem) throw dataError('ERR_TRUNCATED', h, file, problem);
    return;
  }
  const offset = h.headerSize === -1 ? 0 : h.headerSize;
  if (offset + need > available)
    throw dataError('ERR_TRUNCATED', h, file, `MetaImage data holds ${Math.max(0, available - offset)} bytes, the header declares ${need}`);
}

/** Reads a `.mha` or `.mhd` (with its data file). */
export function readMetaImage(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const b = readWhole(file, maxBytes);
  const h = parseMetaImageHeader(b, file);
  const n = numElements(h.shape);
  const need = n * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytes);
  const whole = h.dataFile === file ? b : readWhole(h.dataFile, maxBytes, dataRef(h, file));
  let bytes: Uint8Array = whole.subarray(h.dataOffset);
  checkDataFits(h, file, need, bytes.length);
  if (h.compressed) {
    if (h.compressedSize !== undefined && h.compressedSize > 0 && h.compressedSize < bytes.length) bytes = bytes.subarray(0, h.compressedSize);
    try {
      bytes = inflateData(bytes, need, maxBytes, h.dataFile);
    } catch (e) {
      throw e instanceof VoxelpipeError ? referencedError(e, dataRef(h, file), h.dataFile) : e;
    }
  }
  let offset = 0;
  if (!h.compressed) offset = h.headerSize === -1 ? bytes.length - need : h.headerSize;
  if (offset < 0 || offset + need > bytes.length)
    throw dataError('ERR_TRUNCATED', h, file, `MetaImage data holds ${Math.max(0, bytes.length - Math.max(0, offset))} bytes, the header declares ${need}`);
  let data: VoxelArray = decodeRaw(bytes, offset, n, h.dtype, h.littleEndian);
  if (h.channels > 1) data = deinterleave(data, h.channels);
  return {
    data,
    shape: h.shape,
    dtype: h.dtype,
    spacing: h.spacing,
    affine: h.affine,
    meta: {
      filename: file,
      format: h.dataFile === file ? 'metaimage' : 'metaimage-detached',
      byteOrder: h.littleEndian ? 'little' : 'big',
      ...(h.channels > 1 ? { channels: h.channels } : {}),
      ...(h.fields.has('Modality') ? { modality: h.fields.get('Modality') } : {}),
    },
  };
}

/**
 * The header of a `.mha` / `.mhd` from the file's first bytes; checks the
 * declared size against the byte limit and against the data there is (the
 * rest of this file, or the detached data file's size), as `readMetaImage` does.
 */
export function metaImageHeaderInfo(head: FileHead, file: string, options: ReadOptions = {}): VolumeHeader {
  const h = parseMetaImageHeader(head.bytes, file);
  const need = numElements(h.shape) * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytesOf(options));
  let available = head.size - h.dataOffset;
  if (h.dataFile !== file) {
    const { fd, size } = openRegularFile(h.dataFile, dataRef(h, file));
    closeSync(fd);
    available = size;
  }
  checkDataFits(h, file, need, available);
  return { format: h.dataFile === file ? 'metaimage' : 'metaimage-detached', shape: h.shape, dtype: h.dtype, spacing: h.spacing, affine: h.affine };
}
