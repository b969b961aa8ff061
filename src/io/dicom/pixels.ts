import dicomParser from 'dicom-parser';
import { Decoder as LosslessDecoder } from 'jpeg-lossless-decoder-js';
import { fileError } from '../../util/errors.js';
import { DTYPE_INFO, allocArray, arrayDTypeOf, type VoxelArray } from '../../volume/dtype.js';
import { decodeJpegRgb, parseJpegFrame } from '../jpeg/read.js';
import { decodeRaw } from '../raw.js';
import { SUPPORTED_SYNTAXES, syntaxName, type DicomImage } from './parse.js';
import { decodeRleFrame } from './rle.js';

/**
 * Pixel data of one frame of a DICOM image as a typed array of the image's
 * dtype, `rows * columns` values per sample, samples planar (all R, then
 * all G, then all B). Native (uncompressed) data in either byte order, RLE
 * (decoded here), JPEG baseline/extended 8-bit (jpeg-js) and JPEG lossless
 * (jpeg-lossless-decoder-js); anything else is a clear "not supported" error.
 */
export function decodeFrame(img: DicomImage, f: number, maxBytes: number): VoxelArray {
  const ts = img.transferSyntax;
  if (!SUPPORTED_SYNTAXES.has(ts))
    throw fileError(
      'ERR_UNSUPPORTED_DATATYPE',
      img.file,
      `DICOM transfer syntax ${syntaxName(ts)} not supported (no maintained synchronous npm decoder); supported: native little/big endian, deflated, RLE, JPEG baseline 8-bit and JPEG lossless — convert with e.g. dcmtk's dcmdjpeg/dcmdjpls first`,
    );
  const el = img.ds.elements.x7fe00010;
  const pixels = img.rows * img.columns;
  const bytesPer = img.bitsAllocated / 8;
  const frameBytes = pixels * img.samples * bytesPer;
  let out: VoxelArray;
  if (!el.encapsulatedPixelData) {
    if (el.length < img.frames * frameBytes || el.dataOffset + img.frames * frameBytes > img.ds.byteArray.length)
      throw fileError(
        'ERR_TRUNCATED',
        img.file,
        `DICOM Pixel Data holds ${Math.min(el.length, img.ds.byteArray.length - el.dataOffset)} bytes, Rows x Columns x frames x samples x bits declare ${img.frames * frameBytes}`,
      );
    const values = decodeRaw(img.ds.byteArray, el.dataOffset + f * frameBytes, pixels * img.samples, img.dtype, img.littleEndian);
    out = img.samples > 1 && img.planar === 0 ? interleavedToPlanar(values, img.samples) : values;
  } else {
    const frame = encapsulatedFrame(img, f);
    if (ts === '1.2.840.10008.1.2.5') {
      let planes: Uint8Array;
      try {
        planes = decodeRleFrame(frame, pixels, img.samples, bytesPer);
      } catch (e) {
        throw fileError('ERR_BAD_HEADER', img.file, `corrupt RLE pixel data in frame ${f + 1}: ${(e as Error).message}`, e);
      }
      out = decodeRaw(planes, 0, pixels * img.samples, img.dtype, true);
    } else if (ts === '1.2.840.10008.1.2.4.50' || ts === '1.2.840.10008.1.2.4.51') {
      const sof = parseJpegFrame(frame, img.file);
      if (sof.precision !== 8 || img.bitsAllocated !== 8)
        throw fileError('ERR_UNSUPPORTED_DATATYPE', img.file, `DICOM transfer syntax ${syntaxName(ts)} with ${sof.precision}-bit samples not supported (jpeg-js decodes 8-bit only)`);
      if (sof.width !== img.columns || sof.height !== img.rows)
        throw fileError('ERR_BAD_HEADER', img.file, `JPEG frame ${f + 1} says ${sof.width}x${sof.height}, the header ${img.columns}x${img.rows}`);
      if (sof.sof !== 0xc0 && sof.sof !== 0xc1 && sof.sof !== 0xc2)
        throw fileError('ERR_UNSUPPORTED_DATATYPE', img.file, `JPEG frame ${f + 1} is of type SOF${sof.sof - 0xc0}, not the baseline/extended/progressive frame its transfer syntax ${syntaxName(ts)} says`);
      // DICOM says what the JPEG components are: RGB means no YCbCr -> RGB conversion (PS3.5 8.2.1).
      const dec = decodeJpegRgb(frame, img.file, maxBytes, img.samples === 3 ? !img.photometric.startsWith('RGB') : undefined);
      if (dec.width !== img.columns || dec.height !== img.rows)
        throw fileError('ERR_BAD_HEADER', img.file, `JPEG frame ${f + 1} is ${dec.width}x${dec.height}, the header says ${img.columns}x${img.rows}`);
      out = allocArray(DTYPE_INFO[img.dtype].arrayDType, pixels * img.samples);
      for (let c = 0; c < img.samples; c++) for (let i = 0, s = c; i < pixels; i++, s += 3) out[c * pixels + i] = dec.rgb[s];
    } else {
      // The decoder sizes its output by the frame's own header: it must be the image's size, checked before decoding.
      const sof = parseJpegFrame(frame, img.file);
      if (sof.width !== img.columns || sof.height !== img.rows || sof.components !== img.samples)
        throw fileError('ERR_BAD_HEADER', img.file, `JPEG lossless frame ${f + 1} says ${sof.width}x${sof.height}x${sof.components}, the header ${img.columns}x${img.rows}x${img.samples}`);
      let dec: ArrayLike<number>;
      try {
        const copy = new Uint8Array(frame); // a copy: Buffer#slice would be a view on a pooled buffer
        dec = new LosslessDecoder().decode(copy.buffer, 0, copy.length, bytesPer);
      } catch (e) {
        throw fileError('ERR_BAD_HEADER', img.file, `corrupt JPEG lossless pixel data in frame ${f + 1}: ${(e as Error)?.message ?? String(e)}`, e);
      }
      if (!dec || dec.length < pixels * img.samples)
        throw fileError('ERR_TRUNCATED', img.file, `JPEG lossless frame ${f + 1} decodes to ${dec?.length ?? 0} values, expected ${pixels * img.samples}`);
      const values = allocArray(DTYPE_INFO[img.dtype].arrayDType, pixels * img.samples);
      for (let i = 0; i < values.length; i++) values[i] = dec[i];
      out = img.samples > 1 ? interleavedToPlanar(values, img.samples) : values;
    }
  }
  if (img.signed && img.bitsStored < img.bitsAllocated) signExtend(out, img.bitsStored);
  return out;
}

function encapsulatedFrame(img: DicomImage, f: number): Uint8Array {
  const el = img.ds.elements.x7fe00010;
  try {
    const fragments = el.fragments ?? [];
    if (img.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(img.ds, el, 0, fragments.length);
    if ((el.basicOffsetTable?.length ?? 0) > 0) return dicomParser.readEncapsulatedImageFrame(img.ds, el, f);
    if (fragments.length === img.frames) return dicomParser.readEncapsulatedPixelDataFromFragments(img.ds, el, f, 1);
    return dicomParser.readEncapsulatedImageFrame(img.ds, el, f, dicomParser.createJPEGBasicOffsetTable(img.ds, el));
  } catch (e) {
    const msg = typeof e === 'string' ? e : ((e as Error)?.message ?? String(e));
    throw fileError('ERR_BAD_HEADER', img.file, `cannot read encapsulated frame ${f + 1}: ${msg.replace(/^dicomParser\.\w+:\s*/, '')}`, e);
  }
}

function interleavedToPlanar(src: VoxelArray, samples: number): VoxelArray {
  const n = src.length / samples;
  const out = allocArray(arrayDTypeOf(src), src.length);
  for (let c = 0; c < samples; c++) for (let i = 0, s = c; i < n; i++, s += samples) out[c * n + i] = src[s];
  return out;
}


/** Signed values stored in fewer bits than allocated: extend the sign bit (as pydicom does). */
function signExtend(a: VoxelArray, bits: number): void {
  const shift = 32 - bits;
  for (let i = 0; i < a.length; i++) a[i] = (a[i] << shift) >> shift;
}
