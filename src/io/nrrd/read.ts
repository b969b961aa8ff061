import { closeSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { VoxelpipeError, fileError, type ErrorCode } from '../../util/errors.js';
import { DTYPE_INFO, type DType, type VoxelArray } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import { numElements } from '../../volume/volume.js';
import type { FileHead } from '../detect.js';
import { openRegularFile, referencedError, type ReferencedBy } from '../file.js';
import { isGzip } from '../gzip.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { affineFrom, checkGeometry, checkLimit, checkShape, decodeRaw, deinterleave, fitProblem, inflateData, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';

/**
 * NRRD (`.nrrd` with attached data, `.nhdr` with a detached data file),
 * encodings raw, gzip and ascii. NRRD's axes are already first-fastest, so
 * raw data is viewed in place. Geometry: `space directions` / `space origin`
 * in the declared `space` (converted to RAS, e.g. LPS flips x and y); without
 * them, `spacings` on the diagonal in ITK's LPS default, as ITK (and so
 * SimpleITK/MONAI) reads such a file. A leading non-spatial axis (a `none`
 * direction, e.g. RGB or vector components, stored interleaved) becomes the
 * last, planar, axis.
 */

export function isNrrd(b: Uint8Array): boolean {
  return b.length >= 8 && String.fromCharCode(...b.subarray(0, 7)) === 'NRRD000' && b[7] >= 0x31 && b[7] <= 0x39;
}

const TYPES: [string[], DType][] = [
  [['signed char', 'int8', 'int8_t'], 'int8'],
  [['uchar', 'unsigned char', 'uint8', 'uint8_t'], 'uint8'],
  [['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'], 'int16'],
  [['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'], 'uint16'],
  [['int', 'signed int', 'int32', 'int32_t'], 'int32'],
  [['uint', 'unsigned int', 'uint32', 'uint32_t'], 'uint32'],
  [['longlong', 'long long', 'long long int', 'signed long long', 'signed long long int', 'int64', 'int64_t'], 'int64'],
  [['ulonglong', 'unsigned long long', 'unsigned long long int', 'uint64', 'uint64_t'], 'uint64'],
  [['float'], 'float32'],
  [['double'], 'float64'],
];
const TYPE_MAP = new Map<string, DType>(TYPES.flatMap(([names, t]) => names.map((n) => [n, t] as [string, DType])));

/** `space` values and whether each world axis must be negated to reach RAS. */
const SPACES: Readonly<Record<string, [boolean, boolean, boolean]>> = {
  'right-anterior-superior': [false, false, false],
  ras: [false, false, false],
  'left-anterior-superior': [true, false, false],
  las: [true, false, false],
  'left-posterior-superior': [true, true, false],
  lps: [true, true, false],
  'scanner-xyz': [true, true, false],
  '3d-right-handed': [false, false, false],
};

export interface NrrdHeader {
  version: number;
  fields: Map<string, string>;
  keyValues: Map<string, string>;
  dtype: DType;
  sizes: number[];
  encoding: 'raw' | 'gzip' | 'ascii';
  littleEndian: boolean;
  /** Where the data is: this file (attached) or another one. */
  dataFile: string;
  /** Offset of the data in this file when attached (after the blank line). */
  dataOffset: number;
  lineSkip: number;
  byteSkip: number;
  /** Axis indices (into sizes) that are spatial, in order, and the others. */
  spatialAxes: number[];
  affine: number[][];
  spacing: number[];
}

/** Parses an NRRD header at the start of `b` (the whole .nrrd, or a .nhdr). */
export function parseNrrdHeader(b: Uint8Array, file: string): NrrdHeader {
  if (!isNrrd(b)) throw fileError('ERR_UNKNOWN_FORMAT', file, 'not an NRRD file (no NRRD000x magic)');
  // The header ends at the first empty line (or end of a detached header).
  let end = -1;
  for (let i = 0; i + 1 < b.length; i++) {
    if (b[i] === 0x0a && b[i + 1] === 0x0a) {
      end = i + 2;
      break;
    }
    if (b[i] === 0x0a && b[i + 1] === 0x0d && b[i + 2] === 0x0a) {
      end = i + 3;
      break;
    }
  }
  const headerText = new TextDecoder('latin1').decode(b.subarray(0, end < 0 ? b.length : end));
  const lines = headerText.split(/\r?\n/);
  const fields = new Map<string, string>();
  const keyValues = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' || line.startsWith('#')) continue;
    const kv = /^([^:]+):=(.*)$/.exec(line);
    if (kv) {
      keyValues.set(kv[1], kv[2]);
      continue;
    }
    const f = /^([^:]+):\s?(.*)$/.exec(line);
    if (!f) throw fileError('ERR_BAD_HEADER', file, `NRRD header line ${i + 1} is not "field: value": ${clip(line)}`);
    const key = f[1].trim().toLowerCase();
    fields.set(key, f[2].trim());
    // Lines after "data file: LIST" would be file names (refused below); a detached header ends here in practice.
    if (key === 'data file' || key === 'datafile') break;
  }
  const detached = fields.get('data file') ?? fields.get('datafile');
  if (end < 0 && detached === undefined) throw fileError('ERR_TRUNCATED', file, 'NRRD header has no blank line ending it and no data file field');

  const need = (k: string) => {
    const v = fields.get(k);
    if (v === undefined) throw fileError('ERR_BAD_HEADER', file, `NRRD header lacks the required "${k}" field`);
    return v;
  };
  const typeName = need('type').toLowerCase();
  const dtype = TYPE_MAP.get(typeName);
  if (!dtype) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `NRRD type ${clip(typeName)} is not supported, expected an integer type, float or double`);
  const dimension = Number(need('dimension'));
  const sizes = need('sizes').split(/\s+/).map(Number);
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16 || sizes.length !== dimension)
    throw fileError('ERR_BAD_HEADER', file, `NRRD dimension ${clip(need('dimension'))} does not match sizes ${clip(need('sizes'))}`);
  checkShape(file, sizes);
  const enc = need('encoding').toLowerCase();
  const encoding = enc === 'raw' ? 'raw' : enc === 'gzip' || enc === 'gz' ? 'gzip' : enc === 'ascii' || enc === 'text' || enc === 'txt' ? 'ascii' : undefined;
  if (!encoding) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `NRRD encoding ${clip(enc)} is not supported, expected raw, gzip or ascii`);
  const endian = (fields.get('endian') ?? 'little').toLowerCase();
  if (DTYPE_INFO[dtype].diskBytes > 1 && encoding !== 'ascii' && !fields.has('endian'))
    throw fileError('ERR_BAD_HEADER', file, `NRRD header lacks the "endian" field, required for type ${typeName}`);

  let dataFile = file;
  if (detached !== undefined) {
    if (/^LIST/i.test(detached) || /%/.test(detached) || /\s/.test(detached.trim()))
      throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `NRRD data file ${clip(detached)} (several data files) is not supported, expected one file name`);
    dataFile = isAbsolute(detached) ? detached : join(dirname(file), detached);
  }

  const geometry = nrrdGeometry(fields, sizes, file);
  checkGeometry(file, geometry.affine, geometry.spacing);
  const skip = (names: string[]) => {
    const v = fields.get(names[0]) ?? fields.get(names[1]);
    const n = Number(v ?? 0);
    if (!Number.isSafeInteger(n) || n < (names[0] === 'byte skip' ? -1 : 0))
      throw fileError('ERR_BAD_HEADER', file, `NRRD ${names[0]} ${clip(v ?? '')} is not ${names[0] === 'byte skip' ? '-1 or ' : ''}a whole number >= 0`);
    return n;
  };
  const lineSkip = skip(['line skip', 'lineskip']);
  const byteSkip = skip(['byte skip', 'byteskip']);
  return {
    version: b[7] - 0x30,
    fields,
    keyValues,
    dtype,
    sizes,
    encoding,
    littleEndian: endian !== 'big',
    dataFile,
    dataOffset: detached !== undefined ? 0 : end,
    lineSkip,
    byteSkip,
    ...geometry,
  };
}

function parseVector(s: string, file: string): number[] | undefined {
  if (s === 'none') return undefined;
  const m = /^\((.*)\)$/.exec(s.trim());
  const v = m ? m[1].split(',').map(Number) : [];
  if (!m || v.some((x) => !Number.isFinite(x))) throw fileError('ERR_BAD_HEADER', file, `NRRD vector ${clip(s)} is not "(x,y,z)" or none`);
  return v;
}

function nrrdGeometry(fields: Map<string, string>, sizes: number[], file: string) {
  const dim = sizes.length;
  const spaceName = fields.get('space')?.toLowerCase();
  const spaceDim = spaceName ? 3 : Number(fields.get('space dimension') ?? 0);
  const dirsText = fields.get('space directions');
  let flips: [boolean, boolean, boolean] = [true, true, false]; // ITK: LPS unless said otherwise
  if (spaceName !== undefined) {
    const f = Object.hasOwn(SPACES, spaceName) ? SPACES[spaceName] : undefined;
    if (!f) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `NRRD space ${clip(spaceName)} is not supported, expected a 3D anatomical space (e.g. left-posterior-superior)`);
    flips = f;
  }
  if (dirsText !== undefined) {
    const dirs = dirsText.match(/none|\([^)]*\)/g) ?? [];
    if (dirs.length !== dim) throw fileError('ERR_BAD_HEADER', file, `NRRD "space directions" lists ${dirs.length} entries for ${dim} axes`);
    const vecs = dirs.map((d) => parseVector(d, file));
    const spatialAxes = vecs.flatMap((v, i) => (v ? [i] : []));
    if (spatialAxes.length === 0 || spatialAxes.length > 3 || (spaceDim && vecs.some((v) => v && v.length !== spaceDim)))
      throw fileError('ERR_BAD_HEADER', file, `NRRD "space directions" ${clip(dirsText)} do not describe 1 to 3 spatial axes in ${spaceDim || '?'}-D space`);
    const origin = fields.has('space origin') ? parseVector(fields.get('space origin')!, file) ?? [0, 0, 0] : [0, 0, 0];
    const columns = spatialAxes.map((a) => pad3(vecs[a]!));
    const affine = affineFrom(columns, pad3(origin), false);
    for (let r = 0; r < 3; r++) if (flips[r]) for (let c = 0; c < 4; c++) affine[r][c] = -affine[r][c] + 0;
    const spacing = columns.map((c) => Math.hypot(c[0], c[1], c[2]));
    return { spatialAxes, affine, spacing };
  }
  // No orientation: spacings on the diagonal.
  const kinds = (fields.get('kinds') ?? '').toLowerCase().split(/\s+/);
  const nonSpatial = new Set(['vector', 'covariant-vector', 'normal', 'rgb-color', 'rgba-color', '3-color', '4-color', 'hsv-color', 'xyz-color', 'list', 'point', '2-vector', '3-vector', '4-vector', 'complex', 'time']);
  const spatialAxes = sizes.map((_, i) => i).filter((i) => !nonSpatial.has(kinds[i] ?? ''));
  const sp = (fields.get('spacings') ?? '').split(/\s+/).map(Number);
  const spacing = spatialAxes.map((a) => (Number.isFinite(sp[a]) && sp[a] > 0 ? sp[a] : 1));
  const columns = spatialAxes.slice(0, 3).map((a, k) => {
    const c = [0, 0, 0];
    c[k] = spacing[k];
    return c;
  });
  const affine = affineFrom(columns, [0, 0, 0], false);
  for (let r = 0; r < 3; r++) if (flips[r]) for (let c = 0; c < 4; c++) affine[r][c] = -affine[r][c] + 0;
  return { spatialAxes, affine, spacing };
}

function pad3(v: number[]): number[] {
  return [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0];
}

/** Shape and planar layout: spatial axes first, then the others; a leading component axis is moved last. */
function layout(h: NrrdHeader, file: string): { shape: number[]; components: number } {
  const nonSpatial = h.sizes.map((_, i) => i).filter((i) => !h.spatialAxes.includes(i));
  const first = h.spatialAxes[0];
  // Spatial axes contiguous, non-spatial ones either before (interleaved components) or after (e.g. time).
  const before = nonSpatial.filter((i) => i < first);
  const contiguous = h.spatialAxes.every((a, k) => a === first + k);
  if (!contiguous || before.length > 1 || nonSpatial.some((i) => i > first && i < h.spatialAxes[h.spatialAxes.length - 1]))
    throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `NRRD axis layout (spatial axes ${h.spatialAxes.join(',')} of ${h.sizes.length}) is not supported`);
  const components = before.length ? h.sizes[before[0]] : 1;
  const rest = nonSpatial.filter((i) => i > first).map((i) => h.sizes[i]);
  const spatial = h.spatialAxes.map((a) => h.sizes[a]);
  return { shape: components > 1 ? [...spatial, ...rest, components] : [...spatial, ...rest], components };
}

/** A value from the header, shortened for a message. */
function clip(v: string): string {
  return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}...` : JSON.stringify(v);
}

function dataRef(h: NrrdHeader, file: string): ReferencedBy | undefined {
  return h.dataFile === file ? undefined : { file, field: 'data file' };
}

/** An error about the voxel data: about the header (and its data file, when detached). */
function dataError(code: ErrorCode, h: NrrdHeader, file: string, what: string): VoxelpipeError {
  return h.dataFile === file ? fileError(code, file, what) : fileError(code, file, `data file ${h.dataFile}: ${what}`);
}

/** Refuses a header whose `n` voxels (`need` bytes) cannot be in the `available` bytes of data, before allocating. */
function checkDataFits(h: NrrdHeader, file: string, n: number, need: number, available: number): void {
  // ascii: every value takes one character at least.
  const problem =
    h.encoding === 'ascii'
      ? n > available
        ? `NRRD ascii data of ${available} bytes cannot hold the ${n} values the header declares`
        : undefined
      : h.encoding === 'gzip'
        ? fitProblem(need, available, true)
        : need + Math.max(0, h.byteSkip) > available
          ? `NRRD data holds ${Math.max(0, available - Math.max(0, h.byteSkip))} bytes, the header declares ${need}`
          : undefined;
  if (problem) throw dataError('ERR_TRUNCATED', h, file, problem);
}

/** Reads a `.nrrd` or `.nhdr` (with its data file). */
export function readNrrd(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const b = readWhole(file, maxBytes);
  const h = parseNrrdHeader(b, file);
  const { shape, components } = layout(h, file);
  const n = numElements(h.sizes);
  const need = n * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytes);
  const dataFile = h.dataFile;
  const whole = dataFile === file ? b : readWhole(dataFile, maxBytes, dataRef(h, file));
  let pos = h.dataOffset;
  for (let l = 0; l < h.lineSkip; l++) {
    const nl = whole.indexOf(0x0a, pos);
    if (nl < 0) throw dataError('ERR_TRUNCATED', h, file, `NRRD "line skip: ${h.lineSkip}" goes past the end of the file`);
    pos = nl + 1;
  }
  let bytes: Uint8Array = whole.subarray(pos);
  checkDataFits(h, file, n, need, bytes.length);
  let data: VoxelArray;
  if (h.encoding === 'ascii') {
    data = parseAscii(bytes, n, h.dtype, file, h);
  } else {
    if (h.encoding === 'gzip') {
      if (!isGzip(bytes) && bytes[0] !== 0x78) throw dataError('ERR_CORRUPT_GZIP', h, file, 'NRRD data declared gzip is not a gzip stream');
      try {
        bytes = inflateData(bytes, need, maxBytes, dataFile);
      } catch (e) {
        throw e instanceof VoxelpipeError ? referencedError(e, dataRef(h, file), dataFile) : e;
      }
    }
    let offset = 0;
    if (h.byteSkip === -1) offset = bytes.length - need;
    else if (h.byteSkip > 0) offset = h.byteSkip;
    if (offset < 0 || offset + need > bytes.length)
      throw dataError('ERR_TRUNCATED', h, file, `NRRD data holds ${Math.max(0, bytes.length - Math.max(0, offset))} bytes, the header declares ${need}`);
    data = decodeRaw(bytes, offset, n, h.dtype, h.littleEndian);
  }
  if (components > 1) data = deinterleave(data, components);
  return {
    data,
    shape,
    dtype: h.dtype,
    spacing: [...h.spacing, ...shape.slice(h.spacing.length).map(() => 1)],
    affine: h.affine,
    meta: {
      filename: file,
      format: dataFile === file ? 'nrrd' : 'nrrd-detached',
      byteOrder: h.littleEndian ? 'little' : 'big',
      space: h.fields.get('space'),
      encoding: h.encoding,
      ...(components > 1 ? { channels: components } : {}),
      keyValues: Object.fromEntries(h.keyValues),
    },
  };
}

function parseAscii(b: Uint8Array, n: number, dtype: DType, file: string, h: NrrdHeader): VoxelArray {
  const text = new TextDecoder('latin1').decode(b);
  const parts = text.split(/[\s,]+/).filter((s) => s.length > 0);
  if (parts.length < n) throw dataError('ERR_TRUNCATED', h, file, `NRRD ascii data holds ${parts.length} values, the header declares ${n}`);
  const arr = DTYPE_INFO[dtype].arrayDType;
  const out = new (arr === 'float64' ? Float64Array : arr === 'float32' ? Float32Array : Float64Array)(n);
  for (let i = 0; i < n; i++) {
    const v = Number(parts[i]);
    if (Number.isNaN(v) && !/nan/i.test(parts[i])) throw dataError('ERR_BAD_HEADER', h, file, `NRRD ascii value ${clip(parts[i])} is not a number`);
    out[i] = v;
  }
  if (arr === 'float32' || arr === 'float64') return out;
  const typed = decodeRaw(new Uint8Array(n * DTYPE_INFO[dtype].diskBytes), 0, n, dtype, true);
  for (let i = 0; i < n; i++) typed[i] = out[i];
  return typed;
}

/**
 * Header of an NRRD file from its first bytes, without reading its voxels:
 * checks the declared size against the byte limit and against the data there
 * is (the rest of this file, or the detached data file's size), as `readNrrd` does.
 */
export function nrrdHeaderInfo(head: FileHead, file: string, options: ReadOptions = {}): VolumeHeader {
  const h = parseNrrdHeader(head.bytes, file);
  const { shape } = layout(h, file);
  const n = numElements(h.sizes);
  const need = n * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytesOf(options));
  let available = head.size - h.dataOffset;
  if (h.dataFile !== file) {
    const { fd, size } = openRegularFile(h.dataFile, dataRef(h, file));
    closeSync(fd);
    available = size;
  }
  checkDataFits(h, file, n, need, available);
  return { format: h.dataFile === file ? 'nrrd' : 'nrrd-detached', shape, dtype: h.dtype, spacing: [...h.spacing, ...shape.slice(h.spacing.length).map(() => 1)], affine: h.affine };
}
