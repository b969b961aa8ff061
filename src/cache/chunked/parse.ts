import type { Stats } from 'node:fs';
import { crc32 } from 'node:zlib';
import { TYPED_ARRAYS, checkDescriptor, decodeFields, type AnyTypedArray } from '../codec.js';
import { CODEC_IDS } from './codecs.js';
import { ChunkGrid } from './grid.js';
import { ARRAY_CTORS, ChunkedItem, type ItemHost } from './item.js';
import { openItemFile, type ItemFile } from './item-file.js';
import {
  CHUNKED_FORMAT_VERSION,
  CHUNKED_HEADER_BYTES,
  MAX_TRAILER_BYTES,
  TABLE_ENTRY_BYTES,
  alignTo8,
  decodeChunkedHeader,
  type ImageEntry,
  type IndexEntry,
  type ItemDescriptor,
} from './format.js';

/** Voxels one stored image may declare (2^31: 4 GB of int16), and one chunk (its decode buffer). */
const MAX_IMAGE_VOXELS = 2 ** 31;
const MAX_CHUNK_VOXELS = 2 ** 24;

export type OpenResult = { item: ChunkedItem } | { missing: true } | { bad: string; stat?: Stats; remove: boolean };

/**
 * Opens and checks one item file: magic, header CRC, version, length,
 * trailer CRC, then the descriptor's structure (every chunk and blob inside
 * the payload area, sizes consistent with shapes, known codecs) and the
 * other fields' arrays (read and checksummed now: they are small). Voxel
 * chunks are checked as they are read. Two reads (header, trailer) plus one
 * per other-field array: nothing else of the file is touched.
 */
export function openItem(host: ItemHost, path: string, key: string): OpenResult {
  const h = openItemFile(path);
  if (h === 'missing') return { missing: true };
  if ('error' in h) return { bad: h.error, remove: false };
  let result: OpenResult;
  try {
    result = parse(host, h, key);
  } catch (e) {
    // An I/O error mid-read (EIO, a file shrunk under us): a miss, never a crash.
    result = { bad: `read failed: ${(e as Error).message}`, stat: h.stat, remove: false };
  }
  if (!('item' in result)) h.close();
  return result;
}

function parse(host: ItemHost, h: ItemFile, key: string): OpenResult {
  const size = h.stat.size;
  const bad = (what: string): OpenResult => ({ bad: what, stat: h.stat, remove: true });
  const head = new Uint8Array(CHUNKED_HEADER_BYTES);
  const got = h.read(head, 0);
  const header = decodeChunkedHeader(head.subarray(0, got));
  if (typeof header === 'string') return bad(got < CHUNKED_HEADER_BYTES ? `truncated: ${header}` : header);
  if (header.version !== CHUNKED_FORMAT_VERSION) return bad(`written by chunked format version ${header.version}, this voxelpipe reads version ${CHUNKED_FORMAT_VERSION}`);
  if (header.totalBytes !== size)
    return bad(header.totalBytes > size ? `truncated: the file has ${size} bytes, its header says ${header.totalBytes}` : `bad length: the file has ${size} bytes, its header says ${header.totalBytes}`);
  const T = header.trailerOffset;
  const L = header.trailerBytes;
  if (T < CHUNKED_HEADER_BYTES || T % 8 !== 0 || L < 8 || L > MAX_TRAILER_BYTES || T + L !== size) return bad('bad header: trailer out of range');
  const trailer = new Uint8Array(L);
  if (h.read(trailer, T) !== L) return bad('truncated while reading the trailer');
  if (crc32(trailer) !== header.trailerCrc) return bad('trailer checksum mismatch');
  const view = Buffer.from(trailer.buffer, 0, L);
  const D = view.readUInt32LE(0);
  const tableAt = 8 + alignTo8(D);
  if (tableAt > L || (L - tableAt) % TABLE_ENTRY_BYTES !== 0) return bad('bad trailer: descriptor length out of range');
  let desc: unknown;
  try {
    desc = JSON.parse(view.toString('utf8', 8, 8 + D));
  } catch {
    return bad('bad descriptor: not valid JSON');
  }
  const table = trailer.subarray(tableAt);
  const problem = checkItemDescriptor(desc, key, T, table);
  if (problem) return bad(problem);
  const d = desc as ItemDescriptor;
  const rest = readRest(h, d, key, T);
  if (typeof rest === 'string') return bad(rest);
  return { item: new ChunkedItem(host, h, d, table, rest.headers, rest.fields) };
}

/** The other fields and each image's header, decoded (their typed arrays read and checksummed). */
function readRest(h: ItemFile, d: ItemDescriptor, key: string, payloadEnd: number): { fields: Record<string, unknown>; headers: Record<string, Record<string, unknown>> } | string {
  const r = d.rest;
  if (typeof r !== 'object' || r === null || !isCount(r.arraysStart) || r.arraysStart % 8 !== 0 || r.arraysStart < CHUNKED_HEADER_BYTES || r.arraysStart > payloadEnd)
    return 'bad descriptor: no other-fields section';
  const checked = checkDescriptor({ key, checksum: 'crc32', arrays: r.arrays, fields: r.fields }, key, payloadEnd - r.arraysStart);
  if (typeof checked === 'string') return checked;
  const arrays: AnyTypedArray[] = [];
  for (let i = 0; i < r.arrays.length; i++) {
    const a = r.arrays[i];
    const Ctor = TYPED_ARRAYS[a.type];
    const bytes = new Uint8Array(a.length * Ctor.BYTES_PER_ELEMENT);
    if (h.read(bytes, r.arraysStart + a.offset) !== bytes.length) return `truncated while reading ${checked.owners[i] || `array ${i}`}`;
    if (crc32(bytes) !== a.crc) return `checksum mismatch in ${checked.owners[i] || `array ${i}`}`;
    arrays.push(new Ctor(bytes.buffer) as AnyTypedArray);
  }
  const decoded = decodeFields(checked.descriptor, arrays) as { fields?: unknown; headers?: unknown };
  if (!isRecord(decoded.fields) || !isRecord(decoded.headers)) return 'bad descriptor: other fields or image headers missing';
  const headers = decoded.headers as Record<string, unknown>;
  for (const name of Object.keys(d.images)) {
    const hd = headers[name];
    if (!isRecord(hd) || typeof hd.dtype !== 'string' || !Array.isArray(hd.spacing) || !Array.isArray(hd.affine) || !isRecord(hd.meta))
      return `bad descriptor: image "${name}" has no sound header (dtype, spacing, affine, meta)`;
  }
  return { fields: decoded.fields as Record<string, unknown>, headers: headers as Record<string, Record<string, unknown>> };
}

/** The first structural problem of a parsed descriptor, or undefined. */
export function checkItemDescriptor(d: unknown, key: string, payloadEnd: number, table: Uint8Array): string | undefined {
  if (!isRecord(d)) return 'bad descriptor: not a JSON object';
  const desc = d as unknown as ItemDescriptor;
  if (desc.format !== 'voxelpipe-chunked' || desc.version !== CHUNKED_FORMAT_VERSION) return 'bad descriptor: not a chunked item of this version';
  if (desc.key !== key) return `holds the item of another key (${JSON.stringify(desc.key)}): a renamed or copied file?`;
  if (!Array.isArray(desc.order) || !desc.order.every((k) => typeof k === 'string')) return 'bad descriptor: no field order';
  if (!isRecord(desc.images) || !isRecord(desc.indices)) return 'bad descriptor: no image or index table';
  const entries = table.byteLength / TABLE_ENTRY_BYTES;
  const t32 = new Uint32Array(table.buffer, table.byteOffset, table.byteLength >> 2);
  for (const [name, e] of Object.entries(desc.images)) {
    const p = checkImage(name, e, entries, t32, payloadEnd);
    if (p) return p;
  }
  for (const [name, e] of Object.entries(desc.indices)) {
    const p = checkIndex(name, e, payloadEnd);
    if (p) return p;
  }
  for (const name of [...Object.keys(desc.images), ...Object.keys(desc.indices)]) if (!desc.order.includes(name)) return `bad descriptor: "${name}" is not in the field order`;
  return undefined;
}

function checkImage(name: string, e: ImageEntry, entries: number, t32: Uint32Array, payloadEnd: number): string | undefined {
  const bad = `bad descriptor: image "${name}"`;
  if (!isRecord(e) || !Array.isArray(e.shape) || e.shape.length < 2 || e.shape.length > 6 || !e.shape.every((s) => isCount(s) && s > 0)) return `${bad} has a bad shape`;
  if (e.shape.reduce((p, s) => p * s, 1) > MAX_IMAGE_VOXELS) return `${bad} declares more than ${MAX_IMAGE_VOXELS} voxels`;
  if (typeof e.array !== 'string' || !Object.hasOwn(ARRAY_CTORS, e.array)) return `${bad} has unknown element type ${JSON.stringify(e.array)}`;
  if (!Array.isArray(e.chunk) || e.chunk.length !== e.shape.length || !e.chunk.every((s) => isCount(s) && s > 0)) return `${bad} has a bad chunk shape`;
  if (e.chunk.reduce((p, s, a) => p * Math.min(s, e.shape[a]), 1) > MAX_CHUNK_VOXELS) return `${bad} has chunks of more than ${MAX_CHUNK_VOXELS} voxels`;
  if (e.codec !== 'raw' && e.codec !== 'lz4') return `${bad} has unknown codec ${JSON.stringify(e.codec)}`;
  if (e.map !== null && (typeof e.map !== 'string' || !isJson(e.map))) return `${bad} has a map that is not JSON text`;
  if (!isCount(e.rawBytes) || !isCount(e.storedBytes)) return `${bad} has bad byte counts`;
  const grid = new ChunkGrid(e.shape, e.chunk);
  if (e.chunks !== grid.size || !isCount(e.table) || e.table + e.chunks > entries) return `${bad} has a chunk table out of range`;
  const es = ARRAY_CTORS[e.array].BYTES_PER_ELEMENT;
  for (let n = 0; n < grid.size; n++) {
    const t = (e.table + n) * (TABLE_ENTRY_BYTES >> 2);
    const offset = t32[t] + t32[t + 1] * 2 ** 32;
    const bytes = t32[t + 2];
    const codec = t32[t + 4] & 0xff;
    if (codec === CODEC_IDS.fill) {
      if (bytes !== es) return `${bad} chunk ${n}: a constant chunk of ${bytes} bytes per voxel`;
      continue;
    }
    if (codec !== CODEC_IDS.raw && codec !== CODEC_IDS.lz4) return `${bad} chunk ${n}: unknown codec ${codec}`;
    if (offset < CHUNKED_HEADER_BYTES || offset + bytes > payloadEnd) return `${bad} chunk ${n} lies outside the payload area`;
    if (codec === CODEC_IDS.raw && bytes !== grid.voxels(n) * es) return `${bad} chunk ${n}: ${bytes} raw bytes for ${grid.voxels(n)} voxels`;
    if (codec === CODEC_IDS.lz4 && bytes < 4) return `${bad} chunk ${n}: lz4 chunk too short`;
  }
  return undefined;
}

function checkIndex(name: string, e: IndexEntry, payloadEnd: number): string | undefined {
  const bad = `bad descriptor: fg/bg index "${name}"`;
  if (!isRecord(e) || !Array.isArray(e.shape) || !e.shape.every((s) => isCount(s) && s > 0)) return `${bad} has a bad shape`;
  if (!isCount(e.nFg) || !isCount(e.nBg) || (e.listed !== 'fg' && e.listed !== 'bg')) return `${bad} has bad counts`;
  if (e.nFg + e.nBg !== e.shape.reduce((p, s) => p * s, 1) || e.length !== (e.listed === 'fg' ? e.nFg : e.nBg)) return `${bad} has counts that do not match its shape`;
  if (!isCount(e.offset) || !isCount(e.bytes) || e.offset < CHUNKED_HEADER_BYTES || e.offset + e.bytes > payloadEnd || !isCount(e.crc)) return `${bad} lies outside the payload area`;
  if (e.codec === 'delta-raw' ? e.bytes !== 4 * e.length : e.codec !== 'delta-lz4') return `${bad} has a bad codec or length`;
  return undefined;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
