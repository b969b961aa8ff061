import jpeg from 'jpeg-js';
import { fileError } from '../../util/errors.js';
import type { Volume } from '../../volume/volume.js';
import { maxBytesOf, type ReadOptions } from '../options.js';
import { checkLimit, readWhole } from '../raw.js';
import type { VolumeHeader } from '../read-volume.js';
import { image2d } from './image2d.js';

/**
 * JPEG (baseline and progressive, 8-bit) through jpeg-js (pure JS,
 * synchronous). Grey -> shape [W, H] uint8; colour (YCbCr, RGB, CMYK,
 * converted to RGB by jpeg-js) -> [W, H, 3] planar; identity affine,
 * spacing 1. 12-bit and lossless JPEG files are refused with a clear error.
 */

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

export interface JpegFrame {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** SOF marker number (0xc0 baseline, 0xc2 progressive, 0xc3 lossless, ...). */
  sof: number;
}

/** Finds the frame header (SOFn) by walking the marker segments. */
export function parseJpegFrame(b: Uint8Array, file: string): JpegFrame {
  if (!isJpeg(b)) throw fileError('ERR_UNKNOWN_FORMAT', file, 'not a JPEG file');
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw fileError('ERR_BAD_HEADER', file, `JPEG marker expected at byte ${p}`);
    const m = b[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += 2;
      continue;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2) throw fileError('ERR_BAD_HEADER', file, `JPEG segment at byte ${p} has length ${len}`);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (p + 10 > b.length) break;
      return { precision: b[p + 4], height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8], components: b[p + 9], sof: m };
    }
    if (m === 0xda || m === 0xd9) break;
    p += 2 + len;
  }
  throw fileError('ERR_TRUNCATED', file, 'JPEG has no frame header (SOF) before its data');
}

function checkFrame(f: JpegFrame, file: string): void {
  if (f.sof === 0xc3 || f.sof === 0xc7 || f.sof === 0xcb || f.sof === 0xcf)
    throw fileError('ERR_UNSUPPORTED_DATATYPE', file, 'lossless JPEG is not supported for .jpg files (it is for DICOM)');
  // jpeg-js decodes Huffman-coded baseline, extended and progressive frames only.
  if (f.sof !== 0xc0 && f.sof !== 0xc1 && f.sof !== 0xc2)
    throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `JPEG frame type SOF${f.sof - 0xc0} (${f.sof >= 0xc9 ? 'arithmetic coding' : 'hierarchical'}) is not supported, expected baseline or progressive`);
  if (f.precision !== 8) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `${f.precision}-bit JPEG is not supported, expected 8-bit samples`);
  if (f.width < 1 || f.height < 1 || ![1, 3, 4].includes(f.components))
    throw fileError('ERR_BAD_HEADER', file, `JPEG frame is invalid (${f.width}x${f.height}, ${f.components} components)`);
}

/**
 * Most pixels `bytes` of Huffman-coded JPEG can hold: every 8x8 block of
 * every component costs at least one bit (its DC code), and a block sample
 * covers at most 16 pixels (4x4 subsampling). A frame claiming more is
 * refused before a decoder sizes its buffers by it.
 */
export function maxJpegPixels(bytes: number): number {
  return bytes * 8 * 64 * 16;
}

/** Refuses a frame larger than its bytes can hold, or than the budget (jpeg-js holds the component planes and the RGB output). */
export function checkJpegSize(f: JpegFrame, bytes: number, file: string, maxBytes: number): void {
  const pixels = f.width * f.height;
  checkLimit(file, pixels * (3 + f.components), maxBytes);
  if (pixels > maxJpegPixels(bytes))
    throw fileError('ERR_TRUNCATED', file, `JPEG frame header declares ${f.width}x${f.height} pixels, more than ${bytes} bytes of JPEG data can hold`);
}

/**
 * Decodes JPEG bytes to interleaved RGB with jpeg-js, mapping its errors to
 * VoxelpipeErrors naming `file`. Shared with the DICOM reader. The frame's
 * declared size is checked against the bytes and `maxBytes` first.
 */
export function decodeJpegRgb(b: Uint8Array, file: string, maxBytes: number, colorTransform?: boolean): { width: number; height: number; rgb: Uint8Array } {
  const f = parseJpegFrame(b, file);
  if (f.width < 1 || f.height < 1) throw fileError('ERR_BAD_HEADER', file, `JPEG frame is invalid (${f.width}x${f.height})`);
  checkJpegSize(f, b.length, file, maxBytes);
  try {
    const img = jpeg.decode(b, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxMemoryUsageInMB: Math.max(16, Math.ceil(maxBytes / 2 ** 20)),
      maxResolutionInMP: 1000,
      // undefined: jpeg-js decides from the JFIF/Adobe markers (YCbCr unless told otherwise).
      ...(colorTransform === undefined ? {} : { colorTransform }),
    });
    return { width: img.width, height: img.height, rgb: img.data };
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).slice(0, 200);
    throw fileError(/end|out of|truncat|offset/i.test(msg) ? 'ERR_TRUNCATED' : 'ERR_BAD_HEADER', file, `JPEG cannot be decoded: ${msg}`, e);
  }
}

export function readJpeg(file: string, options: ReadOptions = {}): Volume {
  const maxBytes = maxBytesOf(options);
  const b = readWhole(file, maxBytes);
  const f = parseJpegFrame(b, file);
  checkFrame(f, file);
  const img = decodeJpegRgb(b, file, maxBytes);
  const pick = f.components === 1 ? [0] : [0, 1, 2];
  return image2d(img.rgb, 3, pick, img.width, img.height, 'uint8', { filename: file, format: 'jpeg', components: f.components, progressive: f.sof === 0xc2 });
}

/** Header of a JPEG file from its first bytes (`size`: the whole file's), with readJpeg's size checks. */
export function jpegHeaderInfo(head: Uint8Array, file: string, size = head.length, options: ReadOptions = {}): VolumeHeader {
  const f = parseJpegFrame(head, file);
  checkFrame(f, file);
  checkJpegSize(f, size, file, maxBytesOf(options));
  const shape = f.components === 1 ? [f.width, f.height] : [f.width, f.height, 3];
  return {
    format: 'jpeg',
    shape,
    dtype: 'uint8',
    spacing: shape.map(() => 1),
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
  };
}
