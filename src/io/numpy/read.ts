import { unzipSync } from 'fflate';
import { VoxelpipeError, fileError } from '../../util/errors.js';
import { DTYPE_INFO, allocArray, arrayDTypeOf, type DType, type VoxelArray } from '../../volume/dtype.js';
import type { Volume } from '../../volume/volume.js';
import { numElements } from '../../volume/volume.js';
import type { FileHead } from '../detect.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { checkFits, checkLimit, checkShape, decodeRaw, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';

/**
 * NumPy `.npy` (format 1.0, 2.0, 3.0) and `.npz` (a zip of `.npy` members).
 *
 * `shape` is numpy's `arr.shape` and index (i, j, k) means `arr[i, j, k]`.
 * voxelpipe keeps the first axis fastest in memory, so a Fortran-order array
 * is viewed in place and a C-order array (numpy's default) is transposed
 * once while reading. The affine is the identity and spacing 1: a .npy file
 * carries no geometry.
 */

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(b: Uint8Array): boolean {
  return b.length >= 6 && NPY_MAGIC.every((m, i) => b[i] === m);
}

export interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

const KINDS: Record<string, DType | undefined> = {
  b1: 'uint8', // bool, held as 0/1
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f4: 'float32',
  f8: 'float64',
};

/** Parses the header of a .npy byte array (`file` names it in errors). */
export function parseNpyHeader(b: Uint8Array, file: string): NpyHeader {
  if (!isNpy(b)) throw fileError('ERR_UNKNOWN_FORMAT', file, 'not a .npy file (no \\x93NUMPY magic)');
  if (b.length < 10) throw fileError('ERR_TRUNCATED', file, '.npy header ends early');
  const major = b[6];
  if (major < 1 || major > 3) throw fileError('ERR_BAD_HEADER', file, `.npy format version ${major}.${b[7]} is not supported, expected 1.0, 2.0 or 3.0`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw fileError('ERR_TRUNCATED', file, '.npy header ends early');
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + hlen > b.length) throw fileError('ERR_TRUNCATED', file, `.npy header declares ${hlen} bytes, the file ends before`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(b.subarray(start, start + hlen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fileError('ERR_BAD_HEADER', file, `.npy header is not a dict with descr, fortran_order and shape: ${JSON.stringify(text.trim().slice(0, 80))}`);
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? KINDS[m[2]] : undefined;
  if (!m || dtype === undefined)
    throw fileError(
      'ERR_UNSUPPORTED_DATATYPE',
      file,
      `numpy dtype ${JSON.stringify(descr)} is not supported, expected bool, int8..int64, uint8..uint64, float32 or float64`,
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  // A 0-d array (shape ()) is one value.
  if (shape.length > 0) checkShape(file, shape, 'shape');
  return { dtype, littleEndian: m[1] !== '>', fortranOrder: fortran === 'True', shape: shape.length ? shape : [1], dataOffset: start + hlen };
}

/** Reads a .npy byte array into a Volume. */
export function decodeNpy(b: Uint8Array, file: string, maxBytes: number): Volume {
  const h = parseNpyHeader(b, file);
  const n = numElements(h.shape);
  const need = n * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytes);
  checkFits(file, need, b.length - h.dataOffset, false);
  let data = decodeRaw(b, h.dataOffset, n, h.dtype, h.littleEndian);
  if (!h.fortranOrder && h.shape.length > 1) data = reverseAxes(data, h.shape);
  return {
    data,
    shape: h.shape,
    dtype: h.dtype,
    spacing: h.shape.map(() => 1),
    affine: identity(),
    meta: { filename: file, format: 'npy', byteOrder: h.littleEndian ? 'little' : 'big', fortranOrder: h.fortranOrder },
  };
}

/**
 * C order (last axis fastest) -> first axis fastest: a full transpose.
 * Walks the output in order with an odometer over the source strides.
 */
function reverseAxes(src: VoxelArray, shape: number[]): VoxelArray {
  const nd = shape.length;
  const out = allocArray(arrayDTypeOf(src), src.length);
  // C-order strides of the source.
  const cs = new Array<number>(nd);
  let s = 1;
  for (let a = nd - 1; a >= 0; a--) {
    cs[a] = s;
    s *= shape[a];
  }
  const idx = new Array<number>(nd).fill(0);
  const n0 = shape[0];
  const s0 = cs[0];
  let o = 0;
  let base = 0;
  while (o < out.length) {
    for (let i = 0, p = base; i < n0; i++, p += s0) out[o++] = src[p];
    // advance axes 1.. (odometer)
    let a = 1;
    for (; a < nd; a++) {
      idx[a]++;
      base += cs[a];
      if (idx[a] < shape[a]) break;
      base -= cs[a] * shape[a];
      idx[a] = 0;
    }
    if (a === nd) break;
  }
  return out;
}


function identity(): number[][] {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** Reads a `.npy` file. */
export function readNpy(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  return decodeNpy(readWhole(file, maxBytes), file, maxBytes);
}

export interface NpzOptions extends ReadOptions {
  /** Which array of the archive to read (name without `.npy`). Default: the first one stored. */
  key?: string;
}

/**
 * Reads one array of a `.npz` archive (`np.savez` / `np.savez_compressed`):
 * the member named `options.key`, else the first one. Member sizes are
 * checked against `maxBytes` before anything is inflated.
 */
export function readNpz(file: string, options: NpzOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const zip = readWhole(file, maxBytes);
  const names: string[] = [];
  let chosen: string | undefined;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        names.push(f.name);
        const take = chosen === undefined && (options.key === undefined ? f.name.endsWith('.npy') : f.name === `${options.key}.npy`);
        if (!take) return false;
        if (f.originalSize > maxBytes + 4096) checkLimit(file, f.originalSize, maxBytes);
        // fflate allocates originalSize up front: both sizes come from the central directory, so bound them by the bytes there are.
        if (f.size > zip.length)
          throw fileError('ERR_TRUNCATED', file, `.npz member ${f.name} claims ${f.size} stored bytes, the archive holds ${zip.length}`);
        if (f.compression === 0 ? f.originalSize > f.size : f.originalSize > f.size * 1032 + 1024)
          throw fileError('ERR_BAD_HEADER', file, `.npz member ${f.name} claims ${f.originalSize} bytes, more than its ${f.size} stored bytes can hold`);
        chosen = f.name;
        return true;
      },
    });
  } catch (e) {
    if (e instanceof VoxelpipeError) throw e;
    throw fileError('ERR_BAD_HEADER', file, `not a readable .npz (zip) archive: ${(e as Error)?.message ?? String(e)}`, e);
  }
  if (chosen === undefined || !entries[chosen])
    throw fileError(
      'ERR_BAD_HEADER',
      file,
      options.key === undefined
        ? `.npz archive holds no .npy member (members: ${names.join(', ') || 'none'})`
        : `.npz archive has no array "${options.key}" (arrays: ${names.map((n) => n.replace(/\.npy$/, '')).join(', ')})`,
    );
  const v = decodeNpy(entries[chosen], `${file}[${chosen}]`, maxBytes);
  v.meta.filename = file;
  v.meta.format = 'npz';
  v.meta.npzKey = chosen.replace(/\.npy$/, '');
  v.meta.npzKeys = names.filter((n) => n.endsWith('.npy')).map((n) => n.replace(/\.npy$/, ''));
  return v;
}

/** Header of a .npy file from its first bytes, with readNpy's checks of the declared size against the budget and the file's size. */
export function npyHeaderInfo(head: FileHead, file: string, options: ReadOptions = {}): VolumeHeader {
  const h = parseNpyHeader(head.bytes, file);
  const need = numElements(h.shape) * DTYPE_INFO[h.dtype].diskBytes;
  checkLimit(file, need, maxBytesOf(options));
  checkFits(file, need, head.size - h.dataOffset, false);
  return { format: 'npy', shape: h.shape, dtype: h.dtype, spacing: h.shape.map(() => 1), affine: identity() };
}
