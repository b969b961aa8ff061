import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileError, fromFsError } from '../util/errors.js';
import { gunzipPrefix, isGzip } from './gzip.js';

/** Formats `readVolume` recognises. Later readers (NRRD, DICOM, ...) add theirs here. */
export type ImageFormat = 'nifti';

export interface FileHead {
  /** The first bytes of the file, inflated when it is gzipped. */
  bytes: Uint8Array;
  /** Size of the file on disk. */
  size: number;
  gzip: boolean;
}

/** Reads (and inflates, if gzipped) the first `want` bytes of a file without reading it all. */
export function readFileHead(file: string, want = 1024): FileHead {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fromFsError(e, file, 'read');
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, Math.max(want, 64 * 1024)));
    const n = readSync(fd, buf, 0, buf.length, 0);
    const bytes = buf.subarray(0, n);
    if (isGzip(bytes)) return { bytes: gunzipPrefix(bytes, want, file), size, gzip: true };
    return { bytes, size, gzip: false };
  } catch (e) {
    throw fromFsError(e, file, 'read');
  } finally {
    closeSync(fd);
  }
}

/** Recognises a format from a file's first bytes: the content decides, not the name. */
export function sniffFormat(head: Uint8Array): ImageFormat | undefined {
  if (head.length >= 4) {
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const le = dv.getInt32(0, true);
    const be = dv.getInt32(0, false);
    if (le === 348 || le === 540 || be === 348 || be === 540) return 'nifti';
  }
  return undefined;
}

/** The format of `file`, or a one-line ERR_UNKNOWN_FORMAT / ERR_EMPTY_FILE error. */
export function detectFormat(file: string): ImageFormat {
  const head = readFileHead(file);
  if (head.size === 0) throw fileError('ERR_EMPTY_FILE', file, 'file is empty');
  const format = sniffFormat(head.bytes);
  if (format === undefined)
    throw fileError(
      'ERR_UNKNOWN_FORMAT',
      file,
      `not a recognised image file${head.gzip ? ' (inside gzip)' : ''}: expected NIfTI-1, NIfTI-2 or Analyze 7.5 (.nii, .nii.gz, .hdr/.img)`,
    );
  return format;
}
