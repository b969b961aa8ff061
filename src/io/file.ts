import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { kMaxLength } from 'node:buffer';
import { VoxelpipeError, fileError, formatBytes, fromFsError } from '../util/errors.js';

/**
 * Opening and reading the files readers are given or that a header points
 * at. A path may name anything: a FIFO (opening it for reading would block
 * until a writer comes), `/dev/zero` (reads forever), a directory, a socket.
 * So a file is opened without blocking, checked with `fstat` to be a regular
 * file, and sized before a byte is read; what is read is never more than
 * that size, nor more than the caller's bound.
 */

/** A header that names the file being opened (a detached data file): errors name the header first. */
export interface ReferencedBy {
  /** The header file. */
  file: string;
  /** What in the header names the data file (`ElementDataFile`, `data file`, "its .img"). */
  field: string;
}

/** An error about `file`, put under the header that pointed at it when there is one. */
export function referencedError(e: VoxelpipeError, ref: ReferencedBy | undefined, file: string): VoxelpipeError {
  if (!ref) return e;
  return new VoxelpipeError(e.code, `${ref.file}: ${ref.field} ${e.message}`, { cause: e.cause ?? e, context: { file: ref.file, dataFile: file } });
}

/** Opens `file` for reading as a regular file: its descriptor and size. The caller closes it. */
export function openRegularFile(file: string, ref?: ReferencedBy): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; regular files ignore it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw referencedError(fromFsError(e, file, 'read'), ref, file);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fileError('ERR_FILE_READ', file, 'is a directory, expected a file');
    if (!st.isFile())
      throw fileError('ERR_FILE_READ', file, `is a ${st.isFIFO() ? 'FIFO' : st.isCharacterDevice() ? 'character device' : st.isBlockDevice() ? 'block device' : st.isSocket() ? 'socket' : 'special file'}, expected a regular file`);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw referencedError(e instanceof VoxelpipeError ? e : fromFsError(e, file, 'read'), ref, file);
  }
}

/** Reads up to `length` bytes from `fd` at `position` (fewer at end of file). */
export function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let n = 0;
  while (n < length) {
    const got = readSync(fd, buf, n, length - n, position + n);
    if (got === 0) break;
    n += got;
  }
  return n === length ? buf : buf.subarray(0, n);
}

/**
 * Reads a whole regular file of at most `maxFileBytes` bytes (a larger one is
 * ERR_TOO_LARGE before it is read). `ref`: the header that named this file.
 * `into`: where the bytes go (recycled memory of at least the size asked),
 * else a new buffer.
 */
export function readRegularFile(file: string, maxFileBytes: number, ref?: ReferencedBy, into?: (bytes: number) => Uint8Array): Buffer {
  const { fd, size } = openRegularFile(file, ref);
  try {
    if (size > maxFileBytes || size > kMaxLength)
      throw referencedError(
        fileError('ERR_TOO_LARGE', file, `file is ${formatBytes(size)}, over the ${formatBytes(Math.min(maxFileBytes, kMaxLength))} a read may take (maxBytes / VOXELPIPE_MAX_BYTES)`),
        ref,
        file,
      );
    try {
      if (!into) return readAt(fd, size, 0);
      const buf = into(size);
      let n = 0;
      while (n < size) {
        const got = readSync(fd, buf, n, size - n, n);
        if (got === 0) break;
        n += got;
      }
      return Buffer.from(buf.buffer, buf.byteOffset, n);
    } catch (e) {
      throw referencedError(fromFsError(e, file, 'read'), ref, file);
    }
  } finally {
    closeSync(fd);
  }
}
