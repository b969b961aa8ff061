import dicomParser from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { kMaxLength } from 'node:buffer';
import { VoxelpipeError, fileError, formatBytes } from '../../util/errors.js';
import type { DType } from '../../volume/dtype.js';
import { Attributes } from './attributes.js';

/**
 * One DICOM file parsed by dicom-parser (explicit/implicit VR, little/big
 * endian, deflated), reduced to the attributes voxelpipe needs: image
 * size and pixel format, geometry per frame, rescale, series identity.
 */

export type DataSet = dicomParser.DataSet;

/** `context.reason` of the error for a DICOM file that holds no image (a report, a presentation state...). */
export const NO_PIXEL_DATA = 'no-pixel-data';

export const TRANSFER_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1 (Process 14, selection value 1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
};

/** Transfer syntaxes whose pixel data voxelpipe decodes. */
export const SUPPORTED_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
]);

/** "DICM" at byte 128 (Part 10), or a bare dataset starting with a group 0002/0008 element. */
export function isDicom(b: Uint8Array): boolean {
  return hasPreamble(b) || isBareDicom(b);
}

/** The Part 10 file signature: "DICM" after a 128-byte preamble. */
export function hasPreamble(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/** A dataset without preamble (old ACR-NEMA-like files): implicit VR little endian group 0008. */
export function isBareDicom(b: Uint8Array): boolean {
  if (b.length < 8 || b[1] !== 0x00 || b[3] !== 0x00 || (b[0] !== 0x08 && b[0] !== 0x02)) return false;
  const len = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24);
  const vr = String.fromCharCode(b[4], b[5]);
  return /^[A-Z]{2}$/.test(vr) || (len >= 0 && len < 256);
}

/** Frame geometry in DICOM's LPS world. */
export interface FrameGeometry {
  /** ImagePositionPatient of the frame's first voxel, or undefined when absent. */
  position?: [number, number, number];
  /** ImageOrientationPatient: row direction then column direction. */
  orientation?: [number, number, number, number, number, number];
  /** PixelSpacing: [between rows, between columns]. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  slope: number;
  intercept: number;
}

export interface DicomImage {
  file: string;
  ds: DataSet;
  transferSyntax: string;
  seriesUID: string;
  studyUID: string;
  instanceNumber?: number;
  modality?: string;
  rows: number;
  columns: number;
  frames: number;
  samples: number;
  planar: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric: string;
  dtype: DType;
  littleEndian: boolean;
  /** One entry per frame. */
  geometry: FrameGeometry[];
}

function item(ds: DataSet | undefined, tag: string, index = 0): DataSet | undefined {
  return ds?.elements[tag]?.items?.[index]?.dataSet;
}

/** Parses `bytes` of `file`; `maxBytes` bounds what a deflated dataset may inflate to. */
export function parseDicom(bytes: Uint8Array, file: string, maxBytes: number): DicomImage {
  let ds: DataSet;
  try {
    const options: dicomParser.ParseDicomOptions = {
      inflater: (arr: Uint8Array, position: number) => {
        // Bounded inflate: a deflated dataset must not expand past the byte limit.
        const inflated = inflateRawSync(arr.subarray(position), { maxOutputLength: Math.min(kMaxLength, maxBytes + 16 * 1024 * 1024) });
        const full = new Uint8Array(position + inflated.length);
        full.set(arr.subarray(0, position));
        full.set(inflated, position);
        return full;
      },
    } as dicomParser.ParseDicomOptions;
    // No preamble and no meta header: the transfer syntax is unknown; two VR letters after the tag mean explicit VR.
    if (!hasPreamble(bytes) && isBareDicom(bytes))
      (options as { TransferSyntaxUID?: string }).TransferSyntaxUID = /^[A-Z]{2}$/.test(String.fromCharCode(bytes[4], bytes[5])) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
    ds = dicomParser.parseDicom(bytes, options);
  } catch (e) {
    const err = e as { exception?: unknown; message?: string };
    const msg = typeof e === 'string' ? e : String(err?.exception ?? err?.message ?? e);
    const truncated = /buffer overread|beyond|end of|overrun|exceeds|premature|Unexpected end/i.test(msg);
    throw fileError(truncated ? 'ERR_TRUNCATED' : 'ERR_BAD_HEADER', file, `cannot parse DICOM: ${msg.replace(/^[\w.:]*\w:\s+/, '').slice(0, 200)}`, e);
  }
  return describeDicom(ds, file, maxBytes);
}

function describeDicom(ds: DataSet, file: string, maxBytes: number): DicomImage {
  const at = new Attributes(file);
  const ts = at.string(ds, 'x00020010') ?? '1.2.840.10008.1.2';
  const rows = at.uint16(ds, 'x00280010') ?? 0;
  const columns = at.uint16(ds, 'x00280011') ?? 0;
  if (!ds.elements.x7fe00010)
    throw new VoxelpipeError('ERR_BAD_HEADER', `${file}: DICOM file has no Pixel Data (7FE0,0010): not an image`, { context: { file, reason: NO_PIXEL_DATA } });
  if (rows < 1 || columns < 1) throw fileError('ERR_BAD_HEADER', file, `DICOM Rows ${rows} / Columns ${columns} must be positive`);
  const frames = Math.max(1, at.integer(ds, 'x00280008') ?? 1);
  if (!Number.isSafeInteger(frames)) throw fileError('ERR_BAD_HEADER', file, `DICOM NumberOfFrames ${frames} is not an integer`);
  const samples = at.uint16(ds, 'x00280002') ?? 1;
  const bitsAllocated = at.uint16(ds, 'x00280100') ?? 16;
  const bitsStored = at.uint16(ds, 'x00280101') ?? bitsAllocated;
  const signed = (at.uint16(ds, 'x00280103') ?? 0) === 1;
  const photometric = (at.string(ds, 'x00280004') ?? (samples === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  if (samples !== 1 && samples !== 3) throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `DICOM SamplesPerPixel ${samples} is not supported, expected 1 or 3`);
  let dtype: DType;
  if (bitsAllocated === 8) dtype = signed ? 'int8' : 'uint8';
  else if (bitsAllocated === 16) dtype = signed ? 'int16' : 'uint16';
  else if (bitsAllocated === 32) dtype = signed ? 'int32' : 'uint32';
  else throw fileError('ERR_UNSUPPORTED_DATATYPE', file, `DICOM BitsAllocated ${bitsAllocated} is not supported, expected 8, 16 or 32`);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw fileError('ERR_BAD_HEADER', file, `DICOM BitsStored ${bitsStored} is not 1..${bitsAllocated}`);
  // Before anything is sized by NumberOfFrames: the Pixel Data must hold that many frames, and they must fit the budget.
  checkPixelData(ds, file, ts, { rows, columns, frames, samples, bitsAllocated }, maxBytes);

  // Geometry: top-level attributes (classic images), else the enhanced
  // multi-frame functional groups (per-frame first, then shared).
  const shared = item(ds, 'x52009229');
  const geometry: FrameGeometry[] = [];
  const topPos = at.numbers(ds, 'x00200032', 3);
  const topOri = at.numbers(ds, 'x00200037', 6);
  const topPs = at.numbers(ds, 'x00280030', 2) ?? at.numbers(ds, 'x00181164', 2);
  const topThickness = at.number(ds, 'x00180050');
  const topBetween = at.number(ds, 'x00180088');
  const topSlope = at.number(ds, 'x00281053');
  const topIntercept = at.number(ds, 'x00281052');
  const perFrame = ds.elements.x52009230?.items;
  for (let f = 0; f < frames; f++) {
    const per = perFrame?.[f]?.dataSet;
    const pick = (seq: string) => item(per, seq) ?? item(shared, seq);
    const planePos = pick('x00209113');
    const planeOri = pick('x00209116');
    const measures = pick('x00289110');
    const rescale = pick('x00289145');
    geometry.push({
      position: (at.numbers(planePos, 'x00200032', 3) ?? (f === 0 || frames === 1 ? topPos : undefined)) as FrameGeometry['position'],
      orientation: (at.numbers(planeOri, 'x00200037', 6) ?? topOri) as FrameGeometry['orientation'],
      pixelSpacing: (at.numbers(measures, 'x00280030', 2) ?? topPs) as FrameGeometry['pixelSpacing'],
      sliceThickness: at.number(measures, 'x00180050') ?? topThickness,
      spacingBetweenSlices: at.number(measures, 'x00180088') ?? topBetween,
      slope: at.number(rescale, 'x00281053') ?? topSlope ?? 1,
      intercept: at.number(rescale, 'x00281052') ?? topIntercept ?? 0,
    });
  }
  const instance = at.number(ds, 'x00200013');
  return {
    file,
    ds,
    transferSyntax: ts,
    seriesUID: at.string(ds, 'x0020000e') ?? '',
    studyUID: at.string(ds, 'x0020000d') ?? '',
    instanceNumber: instance === undefined ? undefined : Math.trunc(instance),
    modality: at.string(ds, 'x00080060'),
    rows,
    columns,
    frames,
    samples,
    planar: at.uint16(ds, 'x00280006') ?? 0,
    bitsAllocated,
    bitsStored,
    signed,
    photometric,
    dtype,
    littleEndian: ts !== '1.2.840.10008.1.2.2',
    geometry,
  };
}

/**
 * Most bytes of pixels one byte of encapsulated data can decode to, by
 * transfer syntax: RLE's PackBits turns 2 bytes into at most 128; JPEG
 * lossless spends at least one bit per sample; baseline/extended JPEG at
 * least one bit per 8x8 block, up to 16 pixels per block sample with 4x4
 * subsampling, for 1 to 3 one-byte samples.
 */
const MAX_DECODED_PER_BYTE: Readonly<Record<string, (bitsAllocated: number, samples: number) => number>> = Object.freeze({
  '1.2.840.10008.1.2.5': () => 64,
  '1.2.840.10008.1.2.4.57': (bits) => bits,
  '1.2.840.10008.1.2.4.70': (bits) => bits,
  '1.2.840.10008.1.2.4.50': (_, samples) => 8 * 64 * 16 * samples,
  '1.2.840.10008.1.2.4.51': (_, samples) => 8 * 64 * 16 * samples,
});

/**
 * Refuses a Pixel Data element that cannot hold what Rows x Columns x
 * NumberOfFrames x SamplesPerPixel x BitsAllocated declare, or whose frames
 * are over the byte budget, before anything is allocated or looped over.
 */
function checkPixelData(
  ds: DataSet,
  file: string,
  ts: string,
  d: { rows: number; columns: number; frames: number; samples: number; bitsAllocated: number },
  maxBytes: number,
): void {
  const el = ds.elements.x7fe00010;
  const frameBytes = d.rows * d.columns * d.samples * (d.bitsAllocated / 8);
  const need = d.frames * frameBytes;
  const declared = `Rows x Columns x NumberOfFrames x SamplesPerPixel x BitsAllocated declare ${d.columns}x${d.rows}x${d.frames}x${d.samples}x${d.bitsAllocated / 8} bytes`;
  if (need > maxBytes) throw fileError('ERR_TOO_LARGE', file, `DICOM ${declared} = ${formatBytes(need)}, over the ${formatBytes(maxBytes)} limit (maxBytes / VOXELPIPE_MAX_BYTES)`);
  const inFile = Math.max(0, ds.byteArray.length - el.dataOffset);
  if (!el.encapsulatedPixelData) {
    const have = Math.min(el.length, inFile);
    if (need > have) throw fileError('ERR_TRUNCATED', file, `DICOM Pixel Data holds ${have} bytes, ${declared} = ${need}`);
    return;
  }
  const fragments = el.fragments ?? [];
  // A fragment never holds data of two frames (PS3.5 A.4).
  if (d.frames > 1 && fragments.length < d.frames)
    throw fileError('ERR_TRUNCATED', file, `DICOM encapsulated Pixel Data holds ${fragments.length} fragments, fewer than the ${d.frames} frames of NumberOfFrames`);
  let stored = 0;
  for (const f of fragments) stored += Math.max(0, Math.min(f.length, ds.byteArray.length - f.position));
  const ratio = Object.hasOwn(MAX_DECODED_PER_BYTE, ts) ? MAX_DECODED_PER_BYTE[ts](d.bitsAllocated, d.samples) : Infinity;
  if (need > stored * ratio)
    throw fileError('ERR_TRUNCATED', file, `DICOM encapsulated Pixel Data of ${stored} bytes cannot hold the ${need} bytes ${declared.replace(' declare ', ' of ')}`);
}

export function syntaxName(uid: string): string {
  const shown = uid.length > 64 ? `${uid.slice(0, 61)}...` : uid;
  return Object.hasOwn(TRANSFER_SYNTAXES, uid) ? `${uid} (${TRANSFER_SYNTAXES[uid]})` : shown;
}
