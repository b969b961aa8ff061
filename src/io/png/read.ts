import { PNG } from 'pngjs';
import { inflateSync } from 'node:zlib';
import { fileError } from '../../util/errors.js';
import type { Volume } from '../../volume/volume.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { checkLimit, fitProblem, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';
import { image2d } from '../jpeg/image2d.js';

/**
 * PNG through pngjs (pure JS, synchronous, so `readVolume` stays sync and
 * runs in worker threads). 8- and 16-bit samples are kept exactly (no
 * rescaling); grey -> shape [W, H], grey+alpha -> [W, H, 2], RGB -> [W, H, 3],
 * RGBA -> [W, H, 4]; palette images become RGB (RGBA with a tRNS chunk);
 * 1/2/4-bit grey is widened to uint8 with its values unchanged.
 */

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((s, i) => b[i] === s);
}

interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

function parseIhdr(b: Uint8Array, file: string): Ihdr {
  if (!isPng(b)) throw fileError('ERR_UNKNOWN_FORMAT', file, 'not a PNG file');
  if (b.length < 33) throw fileError('ERR_TRUNCATED', file, 'PNG ends inside its IHDR chunk');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') throw fileError('ERR_BAD_HEADER', file, 'PNG does not start with an IHDR chunk');
  const h = { width: dv.getUint32(16), height: dv.getUint32(20), bitDepth: b[24], colorType: b[25] };
  if (h.width < 1 || h.height < 1 || h.width > 2 ** 31 - 1 || h.height > 2 ** 31 - 1 || ![1, 2, 4, 8, 16].includes(h.bitDepth) || ![0, 2, 3, 4, 6].includes(h.colorType))
    throw fileError('ERR_BAD_HEADER', file, `PNG IHDR is invalid (${h.width}x${h.height}, bit depth ${h.bitDepth}, colour type ${h.colorType})`);
  return h;
}

function channelsOf(h: Ihdr, hasTrns: boolean): number {
  switch (h.colorType) {
    case 0:
      return 1;
    case 4:
      return 2;
    case 2:
      return 3;
    case 3:
      return hasTrns ? 4 : 3;
    default:
      return 4;
  }
}

interface Chunks {
  /** Types of the chunks before the first IDAT. */
  before: Set<string>;
  /** Bytes of all IDAT chunks (cut at the end of the file). */
  idat: Uint8Array[];
  idatBytes: number;
}

/** Walks the chunk list once (each length clamped to the file), up to IEND. */
function walkChunks(b: Uint8Array): Chunks {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Chunks = { before: new Set(), idat: [], idatBytes: 0 };
  for (let p = 8; p + 8 <= b.length; ) {
    const len = dv.getUint32(p);
    const t = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (t === 'IEND') break;
    if (t === 'IDAT') {
      const data = b.subarray(p + 8, Math.min(b.length, p + 8 + len));
      out.idat.push(data);
      out.idatBytes += data.length;
    } else if (out.idat.length === 0) out.before.add(t);
    p += 12 + len;
  }
  return out;
}

function hasChunk(b: Uint8Array, type: string): boolean {
  return walkChunks(b).before.has(type);
}

/** Bytes the filtered scanlines of an image take (with Adam7's seven passes when interlaced). */
export function scanlineBytes(h: Ihdr, interlaced: boolean): number {
  const samples = [1, 0, 3, 1, 2, 0, 4][h.colorType];
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * samples * h.bitDepth) / 8));
  if (!interlaced) return h.height * rowBytes(h.width);
  // Adam7: [x start, x step, y start, y step] of each pass.
  const passes = [
    [0, 8, 0, 8],
    [4, 8, 0, 8],
    [0, 4, 4, 8],
    [2, 4, 0, 4],
    [0, 2, 2, 4],
    [1, 2, 0, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, dx, y0, dy] of passes) {
    const w = Math.ceil(Math.max(0, h.width - x0) / dx);
    const rows = Math.ceil(Math.max(0, h.height - y0) / dy);
    total += rows * rowBytes(w);
  }
  return total;
}

export function readPng(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const b = readWhole(file, maxBytes);
  const h = parseIhdr(b, file);
  const chunks = walkChunks(b);
  const channels = channelsOf(h, h.colorType === 3 && chunks.before.has('tRNS'));
  const bytes = h.bitDepth === 16 ? 2 : 1;
  const interlaced = b[28] === 1;
  // pngjs always expands to 4 channels: that is what it allocates.
  checkLimit(file, h.width * h.height * 4 * bytes, maxBytes);
  // The image data must be able to hold every scanline, before pngjs allocates for them.
  const scanlines = scanlineBytes(h, interlaced);
  const problem = fitProblem(scanlines, chunks.idatBytes, true);
  if (problem) throw fileError('ERR_TRUNCATED', file, `PNG ${h.width}x${h.height}: ${problem.replace('voxel data', 'image data')} (IDAT)`);
  checkImageData(chunks, scanlines, h, file);
  let png: { width: number; height: number; data: Uint8Array | Uint16Array };
  try {
    png = PNG.sync.read(b, { skipRescale: true }) as unknown as typeof png;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).slice(0, 200);
    throw fileError(/end|truncat|unexpected|insufficient|waiting|waitng|finished stream/i.test(msg) ? 'ERR_TRUNCATED' : 'ERR_BAD_HEADER', file, `PNG cannot be decoded: ${msg}`, e);
  }
  const rgba = png.data;
  if (rgba.length !== h.width * h.height * 4) throw fileError('ERR_TRUNCATED', file, `PNG decodes to ${rgba.length} samples, expected ${h.width * h.height * 4}`);
  // pngjs gives RGBA; grey+alpha keeps channels 0 and 3.
  const pick = channels === 1 ? [0] : channels === 2 ? [0, 3] : channels === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  return image2d(rgba, 4, pick, h.width, h.height, bytes === 2 ? 'uint16' : 'uint8', { filename: file, format: 'png', bitDepth: h.bitDepth, colorType: h.colorType });
}

/**
 * Header of a PNG from its first bytes (`size`: the whole file's): with
 * readPng's budget check and the check that the file is large enough for
 * the image data its IHDR declares (its IDAT chunks are not inflated).
 */
export function pngHeaderInfo(head: Uint8Array, file: string, size = head.length, options: ReadOptions = {}): VolumeHeader {
  const h = parseIhdr(head, file);
  checkLimit(file, h.width * h.height * 4 * (h.bitDepth === 16 ? 2 : 1), maxBytesOf(options));
  const problem = fitProblem(scanlineBytes(h, head[28] === 1), Math.max(0, size - 33), true);
  if (problem) throw fileError('ERR_TRUNCATED', file, `PNG ${h.width}x${h.height}: ${problem.replace('voxel data', 'image data')}`);
  const c = channelsOf(h, h.colorType === 3 && hasChunk(head, 'tRNS'));
  const shape = c === 1 ? [h.width, h.height] : [h.width, h.height, c];
  return { format: 'png', shape, dtype: h.bitDepth === 16 ? 'uint16' : 'uint8', spacing: shape.map(() => 1), affine: identity() };
}

function identity(): number[][] {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/**
 * The image data must inflate to exactly the scanlines the IHDR declares.
 * pngjs does not check this: it fills what is missing with zeros (a 75-byte
 * file claiming 20000x20000 "decodes"), and inflates interlaced images
 * without an output limit. So the IDAT stream is inflated here first,
 * bounded to that size: a second inflate for PNG files, a small price for
 * 2D images next to never returning made-up pixels.
 */
function checkImageData(chunks: Chunks, scanlines: number, h: Ihdr, file: string): void {
  let out: Buffer;
  try {
    out = inflateSync(Buffer.concat(chunks.idat), { maxOutputLength: Math.max(1, scanlines), finishFlush: 2 /* Z_SYNC_FLUSH: measure a cut stream, don't fail on it */ });
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw fileError('ERR_BAD_HEADER', file, `PNG image data inflates past the ${scanlines} bytes a ${h.width}x${h.height} image needs`, e);
    throw fileError('ERR_BAD_HEADER', file, `PNG image data is corrupt (${String((e as Error)?.message ?? e).slice(0, 120)})`, e);
  }
  if (out.length < scanlines)
    throw fileError('ERR_TRUNCATED', file, `PNG image data holds ${out.length} of the ${scanlines} bytes of scanlines a ${h.width}x${h.height} image needs (truncated file?)`);
}
