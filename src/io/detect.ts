import { closeSync, statSync } from 'node:fs';
import { fileError, fromFsError } from '../util/errors.js';
import { openRegularFile, readAt, referencedError, type ReferencedBy } from './file.js';
import { gunzipPrefix, isGzip } from './gzip.js';
import { hasPreamble, isBareDicom } from './dicom/parse.js';
import { isJpeg } from './jpeg/read.js';
import { isMetaImage } from './metaimage/read.js';
import { isNpy } from './numpy/read.js';
import { isNrrd } from './nrrd/read.js';
import { isPng } from './png/read.js';

/** Formats `readVolume` recognises. */
export type ImageFormat = 'nifti' | 'dicom' | 'dicom-series' | 'nrrd' | 'metaimage' | 'png' | 'jpeg' | 'npy' | 'npz';

export interface FileHead {
  /** The first bytes of the file, inflated when it is gzipped. */
  bytes: Uint8Array;
  /** Size of the file on disk. */
  size: number;
  gzip: boolean;
}

/**
 * Reads (and inflates, if gzipped) the first `want` bytes of a regular file
 * without reading it all. `ref`: the header that named this file.
 */
export function readFileHead(file: string, want = 1024, ref?: ReferencedBy): FileHead {
  const { fd, size } = openRegularFile(file, ref);
  try {
    const bytes = readAt(fd, Math.min(size, Math.max(want, 64 * 1024)), 0);
    if (isGzip(bytes)) return { bytes: gunzipPrefix(bytes, want, file), size, gzip: true };
    return { bytes, size, gzip: false };
  } catch (e) {
    throw referencedError(fromFsError(e, file, 'read'), ref, file);
  } finally {
    closeSync(fd);
  }
}

function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/**
 * Recognises a format from a file's first bytes: the content decides, not
 * the name. Magic numbers first (NIfTI's sizeof_hdr, \x93NUMPY, NRRD000x,
 * PNG and JPEG signatures, DICOM's "DICM"), then MetaImage's text header.
 * `name` only breaks ties the bytes cannot: a zip is NumPy's .npz only when
 * so named, a DICOM dataset without its 128-byte preamble only as .dcm/.ima
 * (or when its first element is clearly group 0008).
 */
export function sniffFormat(head: Uint8Array, name = ''): ImageFormat | undefined {
  if (head.length >= 4) {
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const le = dv.getInt32(0, true);
    const be = dv.getInt32(0, false);
    if (le === 348 || le === 540 || be === 348 || be === 540) return 'nifti';
  }
  if (isNpy(head)) return 'npy';
  if (isNrrd(head)) return 'nrrd';
  if (isPng(head)) return 'png';
  if (isJpeg(head)) return 'jpeg';
  if (hasPreamble(head)) return 'dicom';
  if (isMetaImage(head)) return 'metaimage';
  const lower = name.toLowerCase();
  if (isZip(head) && lower.endsWith('.npz')) return 'npz';
  if (isBareDicom(head) && (/\.(dcm|dicom|ima)$/.test(lower) || String.fromCharCode(head[4], head[5]).match(/^[A-Z]{2}$/))) return 'dicom';
  return undefined;
}

/** The format of `path` (a DICOM series when it is a folder), or a one-line ERR_UNKNOWN_FORMAT / ERR_EMPTY_FILE error. */
export function detectFormat(path: string): ImageFormat {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw fromFsError(e, path, 'read');
  }
  if (isDir) return 'dicom-series';
  const head = readFileHead(path);
  if (head.size === 0) throw fileError('ERR_EMPTY_FILE', path, 'file is empty');
  const format = sniffFormat(head.bytes, path);
  if (format === undefined)
    throw fileError(
      'ERR_UNKNOWN_FORMAT',
      path,
      `not a recognised image file${head.gzip ? ' (inside gzip)' : ''}: expected NIfTI (.nii, .nii.gz, .hdr/.img), DICOM, NRRD, MetaImage, PNG, JPEG or NumPy (.npy, .npz)`,
    );
  return format;
}
