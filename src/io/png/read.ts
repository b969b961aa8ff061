import { PNG } from 'pngjs';
import { inflateSync } from 'node:zlib';
import { fileError } from '../../util/errors.js';
import type { Volume } from '../../volume/volume.js';
import { defaultMaxBytes, type ReadOptions } from '../options.js';
import { checkLimit, readWhole } from '../raw.js';
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

function hasChunk(b: Uint8Array, type: string): boolean {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 8 <= b.length; ) {
    const len = dv.getUint32(p);
    const t = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (t === type) return true;
    if (t === 'IDAT' || t === 'IEND') return false;
    p += 12 + len;
  }
  return false;
}

export function readPng(file: string, options: ReadOptions = {}): Volume {
  const b = readWhole(file);
  const h = parseIhdr(b, file);
  const channels = channelsOf(h, h.colorType === 3 && hasChunk(b, 'tRNS'));
  const bytes = h.bitDepth === 16 ? 2 : 1;
  // pngjs always expands to 4 channels: that is what it allocates.
  checkLimit(file, h.width * h.height * 4 * bytes, options.maxBytes ?? defaultMaxBytes());
  if (b[28] === 1) checkInterlacedSize(b, h, file);
  let png: { width: number; height: number; data: Uint8Array | Uint16Array };
  try {
    png = PNG.sync.read(b, { skipRescale: true }) as unknown as typeof png;
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    throw fileError(/end|truncat|unexpected|insufficient|waiting|waitng|finished stream/i.test(msg) ? 'ERR_TRUNCATED' : 'ERR_BAD_HEADER', file, `PNG cannot be decoded: ${msg}`, e);
  }
  const rgba = png.data;
  if (rgba.length !== h.width * h.height * 4) throw fileError('ERR_TRUNCATED', file, `PNG decodes to ${rgba.length} samples, expected ${h.width * h.height * 4}`);
  // pngjs gives RGBA; grey+alpha keeps channels 0 and 3.
  const pick = channels === 1 ? [0] : channels === 2 ? [0, 3] : channels === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  return image2d(rgba, 4, pick, h.width, h.height, bytes === 2 ? 'uint16' : 'uint8', { filename: file, format: 'png', bitDepth: h.bitDepth, colorType: h.colorType });
}

export function pngHeaderInfo(head: Uint8Array, file: string): VolumeHeader {
  const h = parseIhdr(head, file);
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
 * pngjs inflates interlaced images without an output limit; bound it here
 * (Adam7 adds at most one filter byte per pass row to the plain size) so a
 * small file cannot inflate to gigabytes.
 */
function checkInterlacedSize(b: Uint8Array, h: Ihdr, file: string): void {
  const channels = [1, 0, 3, 1, 2, 0, 4][h.colorType];
  const rowBytes = Math.ceil((h.width * channels * h.bitDepth) / 8);
  const limit = h.height * (rowBytes + 1) + 7 * h.height + 7 * 8;
  const idat: Uint8Array[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 8 <= b.length; ) {
    const len = dv.getUint32(p);
    const t = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (t === 'IDAT') idat.push(b.subarray(p + 8, Math.min(b.length, p + 8 + len)));
    if (t === 'IEND') break;
    p += 12 + len;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: limit, finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a cut stream here */ });
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw fileError('ERR_BAD_HEADER', file, `PNG image data inflates past the ${limit} bytes a ${h.width}x${h.height} image needs`, e);
  }
}
