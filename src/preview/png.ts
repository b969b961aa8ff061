import { PNG } from 'pngjs';

/**
 * PNG encoding and decoding through pngjs (pure JavaScript, maintained,
 * installs offline). The output is deterministic: the same pixels give the
 * same bytes.
 */

/** Encodes an opaque RGBA buffer (width * height * 4 bytes) as an 8-bit RGB PNG (alpha dropped: previews are opaque). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true, deflateLevel: 6 });
}

/** Decodes a PNG to RGBA (pngjs always expands to 8-bit RGBA unless asked otherwise). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
