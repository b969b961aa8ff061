import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { VoxelpipeError, formatBytes } from '../util/errors.js';
import type { Sample } from '../transforms/image.js';
import { TYPED_ARRAYS, checkDescriptor, decodeFields, encodeSample, type AnyTypedArray, type Descriptor } from './codec.js';
import { CACHE_FORMAT_VERSION, HEADER_BYTES, MAX_DESCRIPTOR_BYTES, alignUp, decodeHeader, encodeHeader } from './format.js';

/**
 * One entry file, written and read (layout in format.ts). Writing returns
 * the chunks to write in order — header, descriptor, padding, and views on
 * the sample's own arrays (no copy). Reading checks every byte before it is
 * trusted and says what is wrong rather than throwing.
 */

/** Bytes read (and checksummed) per step: small enough to stay in L2/L3 between read and CRC (4 MiB measured best). */
const READ_CHUNK = 4 << 20;

/** The bytes of the entry storing `sample` under `key`, as chunks to write in order. */
export function entryChunks(key: string, sample: Sample): Uint8Array[] {
  const enc = encodeSample(key, sample, (b) => crc32(b));
  const descriptor = Buffer.from(JSON.stringify(enc.descriptor), 'utf8');
  if (descriptor.length > MAX_DESCRIPTOR_BYTES)
    throw new VoxelpipeError(
      'ERR_INVALID_ARGUMENT',
      `disk cache: the sample's plain values take ${formatBytes(descriptor.length)} of JSON (limit ${formatBytes(MAX_DESCRIPTOR_BYTES)}); hold large numeric data in typed arrays`,
    );
  const dataStart = HEADER_BYTES + alignUp(descriptor.length);
  const totalBytes = dataStart + enc.dataBytes;
  const header = encodeHeader({ version: CACHE_FORMAT_VERSION, descriptorBytes: descriptor.length, totalBytes, descriptorCrc: crc32(descriptor) });
  const chunks: Uint8Array[] = [header, descriptor];
  let at = HEADER_BYTES + descriptor.length;
  const pad = (to: number) => {
    if (to > at) chunks.push(new Uint8Array(to - at));
    at = to;
  };
  pad(dataStart);
  enc.descriptor.arrays.forEach((a, i) => {
    pad(dataStart + a.offset);
    chunks.push(enc.bytes[i]);
    at += enc.bytes[i].byteLength;
  });
  pad(totalBytes);
  return chunks;
}

/**
 * Reads and checks one entry from an open file of `size` bytes. Returns the
 * sample, or what is wrong with the file.
 */
export function readEntry(fd: number, size: number, key: string, shared: boolean): Sample | string {
  const head = new Uint8Array(HEADER_BYTES);
  const got = readFully(fd, head, 0, Math.min(size, HEADER_BYTES), 0);
  const header = decodeHeader(head.subarray(0, got));
  if (typeof header === 'string') return size < HEADER_BYTES ? `truncated: ${header}` : header;
  if (header.version !== CACHE_FORMAT_VERSION) return `written by cache format version ${header.version}, this voxelpipe reads version ${CACHE_FORMAT_VERSION}`;
  if (header.totalBytes !== size)
    return header.totalBytes > size
      ? `truncated: the file has ${size} bytes, its header says ${header.totalBytes}`
      : `bad length: the file has ${size} bytes, its header says ${header.totalBytes}`;
  const dataStart = HEADER_BYTES + alignUp(header.descriptorBytes);
  if (header.descriptorBytes > MAX_DESCRIPTOR_BYTES || dataStart > size) return 'bad header: descriptor length out of range';
  const descBytes = Buffer.allocUnsafe(header.descriptorBytes);
  readFully(fd, descBytes, 0, descBytes.length, HEADER_BYTES);
  if (crc32(descBytes) !== header.descriptorCrc) return 'descriptor checksum mismatch';
  let parsed: unknown;
  try {
    parsed = JSON.parse(descBytes.toString('utf8'));
  } catch {
    return 'bad descriptor: not valid JSON';
  }
  const checked = checkDescriptor(parsed, key, size - dataStart);
  if (typeof checked === 'string') return checked;
  const arrays = readArrays(fd, checked.descriptor, checked.owners, dataStart, shared);
  if (typeof arrays === 'string') return arrays;
  return decodeFields(checked.descriptor, arrays);
}

function readArrays(fd: number, desc: Descriptor, owners: string[], dataStart: number, shared: boolean): AnyTypedArray[] | string {
  const out: AnyTypedArray[] = [];
  for (let i = 0; i < desc.arrays.length; i++) {
    const a = desc.arrays[i];
    const Ctor = TYPED_ARRAYS[a.type];
    const byteLength = a.length * Ctor.BYTES_PER_ELEMENT;
    // Each array gets its own buffer: transferring or sharing one field never drags another along.
    const buffer = shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
    const bytes = new Uint8Array(buffer);
    let crc = 0;
    for (let off = 0; off < byteLength; ) {
      const n = Math.min(READ_CHUNK, byteLength - off);
      if (readFully(fd, bytes, off, n, dataStart + a.offset + off) !== n) return `truncated while reading ${owners[i] || `array ${i}`}`;
      crc = crc32(bytes.subarray(off, off + n), crc);
      off += n;
    }
    if (crc !== a.crc) return `checksum mismatch in ${owners[i] || `array ${i}`} (${a.length} x ${a.type.replace('Array', '')})`;
    out.push(new Ctor(buffer as ArrayBuffer) as AnyTypedArray);
  }
  return out;
}

/** Reads `length` bytes at `position` (fewer only at end of file). */
function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** 'entry' for a current-version entry whose length matches its header, else what it is. */
export function probe(file: string): 'entry' | 'missing' | 'bad' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return 'missing';
  }
  try {
    const head = new Uint8Array(HEADER_BYTES);
    const got = readFully(fd, head, 0, HEADER_BYTES, 0);
    const h = decodeHeader(head.subarray(0, got));
    return typeof h !== 'string' && h.version === CACHE_FORMAT_VERSION && h.totalBytes === fstatSync(fd).size ? 'entry' : 'bad';
  } catch {
    return 'bad';
  } finally {
    closeSync(fd);
  }
}

