import { VoxelpipeError } from '../util/errors.js';
import type { Sample } from '../transforms/image.js';
import { alignUp } from './format.js';

/**
 * Sample <-> descriptor. A sample is a tree of plain JSON values and typed
 * arrays (a `ChainImage` is a plain object whose `data` is one; a crop's
 * precomputed foreground indices may be another). The descriptor is that
 * tree as JSON with every typed array replaced by `{"$array": i}`, plus a
 * table of arrays (element type, offset in the data section, element count,
 * CRC-32). So a ChainImage is stored as
 *
 *     {"data": {"$array": 0}, "shape": [512, 512, 100, 1], "dtype": "int16",
 *      "spacing": [...], "affine": [[...]], "meta": {...}, "batched": false}
 *
 * Values JSON would lose or confuse get tagged objects: `{"$number": "NaN"}`
 * (also "Infinity", "-Infinity", "-0"), `{"$undefined": 1}`, and a plain
 * object that has a key starting with "$" is wrapped as `{"$object": {...}}`.
 */

export const TYPED_ARRAYS = {
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

export type TypedArrayName = keyof typeof TYPED_ARRAYS;
export type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[TypedArrayName]>;

export interface ArrayEntry {
  /** Constructor name, e.g. "Float32Array". */
  type: TypedArrayName;
  /** Byte offset from the start of the data section (a multiple of 8). */
  offset: number;
  /** Element count. */
  length: number;
  /** CRC-32 of the array's bytes. */
  crc: number;
}

export interface Descriptor {
  /** The key the entry was stored under: a renamed or copied file is never taken for another key's entry. */
  key: string;
  checksum: 'crc32';
  arrays: ArrayEntry[];
  fields: Record<string, unknown>;
}

export interface Encoded {
  descriptor: Descriptor;
  /** The arrays' bytes (views on the sample's own buffers: nothing is copied). */
  bytes: Uint8Array[];
  /** Bytes of the data section (arrays plus alignment padding). */
  dataBytes: number;
}

/** The descriptor and array bytes of `sample`; `crcOf` checksums one array's bytes. */
export function encodeSample(key: string, sample: Sample, crcOf: (bytes: Uint8Array) => number): Encoded {
  const arrays: ArrayEntry[] = [];
  const bytes: Uint8Array[] = [];
  const seen = new Map<object, number>();
  let offset = 0;
  const encode = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
    if (v === undefined) return { $undefined: 1 };
    if (Array.isArray(v)) return v.map((x, i) => encode(x, `${path}[${i}]`));
    if (ArrayBuffer.isView(v)) {
      const known = seen.get(v);
      if (known !== undefined) return { $array: known };
      const type = v.constructor.name as TypedArrayName;
      if (!(type in TYPED_ARRAYS) || TYPED_ARRAYS[type] !== v.constructor) throw notStorable(path, v.constructor.name);
      const a = v as AnyTypedArray;
      const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const index = arrays.length;
      arrays.push({ type, offset, length: a.length, crc: crcOf(view) });
      bytes.push(view);
      seen.set(v, index);
      offset = alignUp(offset + a.byteLength);
      return { $array: index };
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw notStorable(path, proto?.constructor?.name ?? 'object');
      const out: Record<string, unknown> = {};
      let tagged = false;
      for (const k of Object.keys(v)) {
        if (k.startsWith('$')) tagged = true;
        defineKey(out, k, encode((v as Record<string, unknown>)[k], `${path}.${k}`));
      }
      return tagged ? { $object: out } : out;
    }
    throw notStorable(path, typeof v);
  };
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(sample)) defineKey(fields, k, encode(sample[k], k));
  return { descriptor: { key, checksum: 'crc32', arrays, fields }, bytes, dataBytes: offset };
}

function notStorable(path: string, what: string): VoxelpipeError {
  return new VoxelpipeError('ERR_INVALID_ARGUMENT', `disk cache: cannot store "${path}", a ${what} (only images, typed arrays and plain JSON values are stored)`);
}

/** Sets `out[k]` as an own property even for "__proto__". */
function defineKey(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/**
 * Checks a parsed descriptor against the file it came from: known array
 * types, aligned offsets, every array inside the data section, every
 * `$array` reference in range. Returns, for each array, the path of the
 * first field that references it (for messages), or a description of the
 * first problem.
 */
export function checkDescriptor(d: unknown, key: string, dataBytes: number): { descriptor: Descriptor; owners: string[] } | string {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'bad descriptor: not a JSON object';
  const desc = d as Descriptor;
  if (desc.key !== key) return `holds the entry of another key (${JSON.stringify(desc.key)}): a renamed or copied file?`;
  if (desc.checksum !== 'crc32') return `bad descriptor: unknown checksum "${String(desc.checksum)}"`;
  if (!Array.isArray(desc.arrays)) return 'bad descriptor: no array table';
  if (typeof desc.fields !== 'object' || desc.fields === null || Array.isArray(desc.fields)) return 'bad descriptor: no fields';
  for (let i = 0; i < desc.arrays.length; i++) {
    const a = desc.arrays[i];
    const Ctor = typeof a?.type === 'string' && Object.hasOwn(TYPED_ARRAYS, a.type) ? TYPED_ARRAYS[a.type] : undefined;
    if (!Ctor) return `bad descriptor: array ${i} has unknown type ${JSON.stringify(a?.type)}`;
    if (!isCount(a.offset) || a.offset % 8 !== 0 || !isCount(a.length) || !isCount(a.crc) || a.crc > 0xffffffff)
      return `bad descriptor: array ${i} has a bad offset, length or checksum`;
    if (a.offset + a.length * Ctor.BYTES_PER_ELEMENT > dataBytes)
      return `bad descriptor: array ${i} (${a.length} x ${a.type}) runs past the end of the file`;
  }
  const owners: string[] = new Array(desc.arrays.length).fill('');
  let problem: string | undefined;
  const walk = (v: unknown, path: string): void => {
    if (problem || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    const o = v as Record<string, unknown>;
    if ('$array' in o) {
      const i = o.$array;
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= desc.arrays.length) problem = `bad descriptor: ${path} refers to a missing array`;
      else if (!owners[i]) owners[i] = path;
      return;
    }
    const src = '$object' in o && typeof o.$object === 'object' && o.$object !== null ? (o.$object as Record<string, unknown>) : o;
    for (const k of Object.keys(src)) walk(src[k], `${path}.${k}`);
  };
  for (const k of Object.keys(desc.fields)) walk(desc.fields[k], k);
  return problem ?? { descriptor: desc, owners };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The sample a checked descriptor describes, with `arrays[i]` in place of `{"$array": i}`. */
export function decodeFields(desc: Descriptor, arrays: readonly AnyTypedArray[]): Sample {
  const decode = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map(decode);
    const o = v as Record<string, unknown>;
    if ('$array' in o) return arrays[o.$array as number];
    if ('$number' in o) return o.$number === '-0' ? -0 : Number(o.$number);
    if ('$undefined' in o) return undefined;
    const src = '$object' in o ? (o.$object as Record<string, unknown>) : o;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src)) defineKey(out, k, decode(src[k]));
    return out;
  };
  const sample: Sample = {};
  for (const k of Object.keys(desc.fields)) defineKey(sample, k, decode(desc.fields[k]));
  return sample;
}
