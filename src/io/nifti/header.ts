import { fileError } from '../../util/errors.js';
import type { DType } from '../../volume/dtype.js';
import { NIFTI_DATATYPES, UNSUPPORTED_DATATYPES } from './datatypes.js';

/**
 * NIfTI-1, NIfTI-2 and Analyze 7.5 headers: the raw fields, decoded from
 * either byte order. Geometry (the affine) is derived in `geometry.ts`.
 */

export type NiftiFormat = 'nifti1' | 'nifti1-pair' | 'nifti2' | 'nifti2-pair' | 'analyze';

export interface NiftiHeader {
  format: NiftiFormat;
  littleEndian: boolean;
  /** 348 or 540. */
  sizeofHdr: number;
  /** dim[1..dim[0]]: the image shape. */
  shape: number[];
  datatypeCode: number;
  dtype: DType;
  bitpix: number;
  /** pixdim[0..7] as stored (pixdim[0] is qfac). */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMin: number;
  calMax: number;
  sliceDuration: number;
  toffset: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: [number[], number[], number[]];
  intentCode: number;
  intentName: string;
  intentParams: [number, number, number];
  xyztUnits: number;
  dimInfo: number;
  /** SPM's origin field of Analyze headers (1-based voxel of the world origin). */
  analyzeOrigin?: [number, number, number];
}

/** Bytes needed to parse any supported header. */
export const MAX_HEADER_BYTES = 540;

const NIFTI2_MAGIC_TAIL = [0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Detects the header kind and byte order from `sizeof_hdr`, then decodes.
 * `bytes` must hold at least the header (348 or 540 bytes).
 */
export function parseNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.length === 0) throw fileError('ERR_EMPTY_FILE', file, 'file is empty');
  if (bytes.length < 4) throw fileError('ERR_TRUNCATED', file, `file holds only ${bytes.length} bytes, too short for a NIfTI header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  let sizeofHdr: number;
  let littleEndian: boolean;
  if (le === 348 || le === 540) [sizeofHdr, littleEndian] = [le, true];
  else if (be === 348 || be === 540) [sizeofHdr, littleEndian] = [be, false];
  else
    throw fileError(
      'ERR_BAD_HEADER',
      file,
      `not a NIfTI or Analyze header: sizeof_hdr is ${le}, expected 348 (NIfTI-1/Analyze) or 540 (NIfTI-2)`,
    );
  if (bytes.length < sizeofHdr)
    throw fileError('ERR_TRUNCATED', file, `file ends after ${bytes.length} bytes, inside its ${sizeofHdr}-byte header`);
  const r = new FieldReader(dv, littleEndian);
  const h = sizeofHdr === 348 ? decodeNifti1(r, bytes) : decodeNifti2(r, bytes, file);
  checkHeader(h, file);
  return h;
}

class FieldReader {
  constructor(
    private readonly dv: DataView,
    readonly le: boolean,
  ) {}
  i16(o: number) {
    return this.dv.getInt16(o, this.le);
  }
  i32(o: number) {
    return this.dv.getInt32(o, this.le);
  }
  i64(o: number) {
    return Number(this.dv.getBigInt64(o, this.le));
  }
  f32(o: number) {
    return this.dv.getFloat32(o, this.le);
  }
  f64(o: number) {
    return this.dv.getFloat64(o, this.le);
  }
  u8(o: number) {
    return this.dv.getUint8(o);
  }
  str(o: number, n: number) {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = this.dv.getUint8(o + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
}

function magicAt(bytes: Uint8Array, o: number): string {
  return String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2]) + (bytes[o + 3] === 0 ? '' : '?');
}

function decodeNifti1(r: FieldReader, bytes: Uint8Array): NiftiHeader {
  const magic = magicAt(bytes, 344);
  const format: NiftiFormat = magic === 'n+1' ? 'nifti1' : magic === 'ni1' ? 'nifti1-pair' : 'analyze';
  const ndim = r.i16(40);
  const shape: number[] = [];
  for (let i = 1; i <= Math.min(Math.max(ndim, 0), 7); i++) shape.push(r.i16(40 + 2 * i));
  const pixdim: number[] = [];
  for (let i = 0; i < 8; i++) pixdim.push(r.f32(76 + 4 * i));
  const isAnalyze = format === 'analyze';
  const h: NiftiHeader = {
    format,
    littleEndian: r.le,
    sizeofHdr: 348,
    shape: ndim >= 1 && ndim <= 7 ? shape : [ndim],
    datatypeCode: r.i16(70),
    dtype: 'uint8',
    bitpix: r.i16(72),
    pixdim,
    voxOffset: r.f32(108),
    // SPM's Analyze flavour keeps a scale factor in funused1 and an intercept in funused2,
    // at the same offsets as NIfTI's scl_slope / scl_inter.
    sclSlope: r.f32(112),
    sclInter: r.f32(116),
    calMax: r.f32(124),
    calMin: r.f32(128),
    sliceDuration: isAnalyze ? 0 : r.f32(132),
    toffset: isAnalyze ? 0 : r.f32(136),
    descrip: r.str(148, 80),
    auxFile: r.str(228, 24),
    qformCode: isAnalyze ? 0 : r.i16(252),
    sformCode: isAnalyze ? 0 : r.i16(254),
    quatern: [r.f32(256), r.f32(260), r.f32(264)],
    qoffset: [r.f32(268), r.f32(272), r.f32(276)],
    srow: [0, 1, 2].map((row) => [0, 1, 2, 3].map((c) => r.f32(280 + 16 * row + 4 * c))) as NiftiHeader['srow'],
    intentCode: isAnalyze ? 0 : r.i16(68),
    intentName: isAnalyze ? '' : r.str(328, 16),
    intentParams: isAnalyze ? [0, 0, 0] : [r.f32(56), r.f32(60), r.f32(64)],
    xyztUnits: isAnalyze ? 0 : r.u8(123),
    dimInfo: isAnalyze ? 0 : r.u8(39),
  };
  if (isAnalyze) h.analyzeOrigin = [r.i16(253), r.i16(255), r.i16(257)];
  return h;
}

function decodeNifti2(r: FieldReader, bytes: Uint8Array, file: string): NiftiHeader {
  const magic = magicAt(bytes, 4);
  const tailOk = NIFTI2_MAGIC_TAIL.every((b, i) => bytes[8 + i] === b);
  if ((magic !== 'n+2' && magic !== 'ni2') || !tailOk)
    throw fileError('ERR_BAD_HEADER', file, `sizeof_hdr is 540 but the NIfTI-2 magic is missing (found "${magic}")`);
  const ndim = r.i64(16);
  const shape: number[] = [];
  for (let i = 1; i <= Math.min(Math.max(ndim, 0), 7); i++) shape.push(r.i64(16 + 8 * i));
  const pixdim: number[] = [];
  for (let i = 0; i < 8; i++) pixdim.push(r.f64(104 + 8 * i));
  return {
    format: magic === 'n+2' ? 'nifti2' : 'nifti2-pair',
    littleEndian: r.le,
    sizeofHdr: 540,
    shape: ndim >= 1 && ndim <= 7 ? shape : [ndim],
    datatypeCode: r.i16(12),
    dtype: 'uint8',
    bitpix: r.i16(14),
    pixdim,
    voxOffset: r.i64(168),
    sclSlope: r.f64(176),
    sclInter: r.f64(184),
    calMax: r.f64(192),
    calMin: r.f64(200),
    sliceDuration: r.f64(208),
    toffset: r.f64(216),
    descrip: r.str(240, 80),
    auxFile: r.str(320, 24),
    qformCode: r.i32(344),
    sformCode: r.i32(348),
    quatern: [r.f64(352), r.f64(360), r.f64(368)],
    qoffset: [r.f64(376), r.f64(384), r.f64(392)],
    srow: [0, 1, 2].map((row) => [0, 1, 2, 3].map((c) => r.f64(400 + 32 * row + 8 * c))) as NiftiHeader['srow'],
    intentCode: r.i32(504),
    intentName: r.str(508, 16),
    intentParams: [r.f64(80), r.f64(88), r.f64(96)],
    xyztUnits: r.i32(500),
    dimInfo: r.u8(524),
  };
}

function checkHeader(h: NiftiHeader, file: string): void {
  const ndim = h.shape.length === 1 && (h.shape[0] < 1 || h.shape[0] > 7) ? h.shape[0] : h.shape.length;
  if (ndim < 1 || ndim > 7 || h.shape.length !== ndim)
    throw fileError('ERR_BAD_HEADER', file, `dim[0] is ${ndim}, expected 1 to 7 dimensions`);
  h.shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 1)
      throw fileError('ERR_BAD_HEADER', file, `dim[${i + 1}] is ${d}, expected a positive size`);
  });
  const dtype = NIFTI_DATATYPES.get(h.datatypeCode);
  if (dtype === undefined) {
    const known = UNSUPPORTED_DATATYPES.get(h.datatypeCode);
    throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `unsupported datatype ${h.datatypeCode}${known ? ` (${known})` : ''}`);
  }
  h.dtype = dtype;
  if (!Number.isFinite(h.voxOffset) || h.voxOffset < 0 || !Number.isInteger(h.voxOffset))
    throw fileError('ERR_BAD_HEADER', file, `vox_offset is ${h.voxOffset}, expected a non-negative whole number of bytes`);
  const single = h.format === 'nifti1' || h.format === 'nifti2';
  if (single && h.voxOffset < h.sizeofHdr)
    throw fileError('ERR_BAD_HEADER', file, `vox_offset ${h.voxOffset} lies inside the ${h.sizeofHdr}-byte header`);
}
