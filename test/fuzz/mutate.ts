import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { crc32, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import type { Seed, SeedFile } from './seeds.js';

/**
 * Mutations as fast-check arbitraries: each case is a seed plus a short list
 * of operations, so a failure is reproducible from (seed name, ops) as well
 * as from the bytes. Operations know a little about the formats (where
 * headers are, which values are sizes, that PNG chunks carry CRCs, that a
 * header may name a data file) so that mutations get past the first check
 * and reach the code behind it.
 */

/** A file of a case as laid out on disk: bytes, or a special entry. */
export interface CaseFile {
  name: string;
  bytes?: Buffer;
  /** A symbolic link to this target. */
  link?: string;
  /** A FIFO (opening it for reading blocks without O_NONBLOCK). */
  fifo?: boolean;
  /** A directory. */
  dir?: boolean;
}

export interface FuzzCase {
  format: string;
  seed: string;
  ops: Op[];
  files: CaseFile[];
  target: string;
  /** `--set` items (configs). */
  set?: string[];
}

export const INTERESTING_NUMBERS = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 53, Number.NaN, Infinity, -Infinity, 1e38, -1e38, 3.4e38, 1e308, 5e-324, -0];

export const INTERESTING_STRINGS = [
  '', ' ', '0', '-1', '1', '2', '3', '1e308', '-1e308', '1e400', 'NaN', 'nan', 'inf', '-inf', 'Infinity', '1e-320', '2147483647', '2147483648', '4294967295', '65535', '65536',
  '9007199254740993', '999999999999', '-0', '0.5', '1.5', '1\\2', '1\\2\\3', '\\', '\\\\\\', 'LOCAL', 'LIST', '%d', 'True', 'False', '/dev/zero', '/dev/urandom',
  '/nonexistent/x.raw', '.', '..', '../../../../etc/passwd', '__proto__', 'constructor', 'prototype', 'toString', '{DATA_ROOT}', '{X}', '{A}{A}', 'x'.repeat(300), '9'.repeat(400),
  ' '.repeat(2000), '(nan,0,0)', '(1e308,1e308,1e308)', '(1,0,0) (0,1,0)', 'none', 'MET_STRING', 'MET_DOUBLE', 'block', 'gzip', 'raw', 'ascii', 'bzip2', 'lps', 'scanner-xyz', '\u0000', 'é', '\ufeff',
  '4 3 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1', '100000 100000 100000', '0 0 0', '-4 3 2',
];

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', 'name', 'args', 'path', 'ref', 'disabled', 'x'.repeat(5000)];

/** Binary edits of one file. `at` and lengths are reduced modulo the file's size when applied. */
export type BinaryOp =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'set'; at: number; value: number; width: 1 | 2 | 4 | 8; le: boolean; float: boolean }
  | { k: 'truncate'; len: number }
  | { k: 'insert'; at: number; bytes: number[] }
  | { k: 'delete'; at: number; count: number }
  | { k: 'repeat'; at: number; len: number; times: number }
  | { k: 'text'; at: number; text: string }
  /** Overwrite near a structural anchor (a DICOM tag, a PNG chunk, a JPEG marker, a NIfTI field, a JSON-ish key). */
  | { k: 'near'; anchor: number; delta: number; value: number; width: 1 | 2 | 4 | 8; le: boolean; float: boolean }
  | { k: 'nearText'; anchor: number; delta: number; text: string };

export type Op =
  | { k: 'bin'; file: number; op: BinaryOp }
  /** Edit the inflated payload of a gzip/zlib file (or of a zip member), then compress again. */
  | { k: 'payload'; file: number; ops: BinaryOp[] }
  /** Text header line edits (NRRD, MetaImage). */
  | { k: 'line'; file: number; line: number; action: 'delete' | 'duplicate' | 'value' | 'key' | 'swap' | 'insert'; text: string }
  /** Replace a file with a special entry, or add one (file index past the end). */
  | { k: 'special'; file: number; what: 'dev-zero' | 'dev-urandom' | 'dangling' | 'self-loop' | 'fifo' | 'dir' | 'empty' | 'dir-cycle' | 'parent' }
  /** Configs: edits of the JSON tree of file `file` at the `path`-th path found. */
  | { k: 'json'; file: number; path: number; action: 'replace' | 'delete' | 'deep' | 'key' | 'placeholder'; value: unknown; depth: number; key: string }
  /** Configs: variables that chain, cycle or expand exponentially, used at a path. */
  | { k: 'vars'; kind: 'chain' | 'cycle' | 'exp' | 'missing'; n: number; path: number }
  /** Configs: the file replaced by deeply nested text. */
  | { k: 'deepText'; file: number; n: number; open: string };

const offset = fc.oneof(fc.nat({ max: 512 }), fc.nat({ max: 1 << 20 }));
const valueArb = fc.oneof(fc.constantFrom(...INTERESTING_NUMBERS), fc.integer(), fc.double());
const widthArb = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const textArb = fc.oneof(fc.constantFrom(...INTERESTING_STRINGS), fc.string({ maxLength: 12 }));

export const binaryOpArb: fc.Arbitrary<BinaryOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('flip' as const), at: offset, bit: fc.nat({ max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), at: offset, value: valueArb, width: widthArb, le: fc.boolean(), float: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('truncate' as const), len: offset }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('insert' as const), at: offset, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), at: offset, count: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('repeat' as const), at: offset, len: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('text' as const), at: offset, text: textArb }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('near' as const), anchor: fc.nat(), delta: fc.integer({ min: -4, max: 24 }), value: valueArb, width: widthArb, le: fc.boolean(), float: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('nearText' as const), anchor: fc.nat(), delta: fc.integer({ min: 0, max: 16 }), text: textArb }) },
);

const specialArb = fc.constantFrom('dev-zero' as const, 'dev-urandom' as const, 'dangling' as const, 'self-loop' as const, 'fifo' as const, 'dir' as const, 'empty' as const, 'dir-cycle' as const, 'parent' as const);

function fileOps(seed: Seed): fc.WeightedArbitrary<Op>[] {
  const n = seed.files.length;
  const file = fc.nat({ max: n - 1 });
  const out: fc.WeightedArbitrary<Op>[] = [{ weight: 10, arbitrary: fc.record({ k: fc.constant('bin' as const), file, op: binaryOpArb }) }];
  const compressed = seed.layout === 'gzip' || seed.name.includes('gzip') || seed.name.startsWith('z.') || seed.name.endsWith('.npz') || seed.format === 'config';
  if (compressed) out.push({ weight: 6, arbitrary: fc.record({ k: fc.constant('payload' as const), file, ops: fc.array(binaryOpArb, { minLength: 1, maxLength: 4 }) }) });
  if (seed.layout === 'text-header')
    out.push({
      weight: 8,
      arbitrary: fc.record({
        k: fc.constant('line' as const),
        file: fc.constant(0),
        line: fc.nat({ max: 24 }),
        action: fc.constantFrom('delete' as const, 'duplicate' as const, 'value' as const, 'value' as const, 'key' as const, 'swap' as const, 'insert' as const),
        text: textArb,
      }),
    });
  // Special entries: replace any file, or add one (a folder may gain a link loop). Rarely: they end a case at the first open.
  out.push({ weight: 1, arbitrary: fc.record({ k: fc.constant('special' as const), file: fc.nat({ max: n }), what: specialArb }) });
  return out;
}

function configOps(seed: Seed): fc.WeightedArbitrary<Op>[] {
  const file = fc.nat({ max: 2 });
  const w = (weight: number, arbitrary: fc.Arbitrary<Op>) => ({ weight, arbitrary });
  return [
    w(12, fc.record({
      k: fc.constant('json' as const),
      file,
      path: fc.nat({ max: 400 }),
      action: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'deep' as const, 'key' as const, 'placeholder' as const),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...INTERESTING_STRINGS), fc.constantFrom(...INTERESTING_NUMBERS.filter(Number.isFinite))),
      depth: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 3000 })),
      key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
    })),
    w(3, fc.record({ k: fc.constant('vars' as const), kind: fc.constantFrom('chain' as const, 'cycle' as const, 'exp' as const, 'missing' as const), n: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 6000 })), path: fc.nat({ max: 400 }) })),
    w(3, fc.record({ k: fc.constant('bin' as const), file, op: binaryOpArb })),
    w(1, fc.record({ k: fc.constant('deepText' as const), file, n: fc.integer({ min: 50, max: 200_000 }), open: fc.constantFrom('[', '{"a":', '[{"b":') })),
    w(1, fc.record({ k: fc.constant('special' as const), file: fc.nat({ max: seed.files.length - 1 }), what: specialArb })),
  ];
}

const setItemArb = fc.oneof(
  fc.constantFrom('__proto__.polluted=1', 'train.__proto__.args=5', 'train.constructor.prototype.x=1', 'constructor=1', 'train.toString=1', 'train.pre_transforms[0].args.fields=5', 'DATASET_JSON=/dev/zero', 'DATA_ROOT=/dev/urandom', 'train.image_pipeline.args.num_workers=-1', 'x={"__proto__":{"a":1}}', 'train=[]', '=1', 'a..b=1', 'train.pre_transforms[99].x=1'),
  fc.tuple(fc.constantFrom('train', 'validate', 'train.image_pipeline.args', 'train.pre_transforms[1]', 'DATA_ROOT', 'epochs', 'V'), fc.constantFrom('', '.x', '.__proto__', '.args.a', '[0]', '.name'), fc.oneof(fc.json({ maxDepth: 2 }), fc.constantFrom(...INTERESTING_STRINGS))).map(([a, b, v]) => `${a}${b}=${v}`),
);

/** The arbitrary of cases of one seed. */
export function caseArb(seed: Seed): fc.Arbitrary<{ ops: Op[]; set: string[]; fixCrc: boolean }> {
  const ops = seed.format === 'config' ? configOps(seed) : fileOps(seed);
  return fc.record({
    ops: fc.oneof({ weight: 3, arbitrary: fc.array(fc.oneof(...ops), { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.array(fc.oneof(...ops), { minLength: 3, maxLength: 6 }) }),
    set: seed.format === 'config' ? (fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(setItemArb, { minLength: 1, maxLength: 2 }) }) as fc.Arbitrary<string[]>) : fc.constant<string[]>([]),
    fixCrc: fc.boolean(),
  });
}

// ---------------------------------------------------------------------------
// Applying operations.

function anchorsOf(seed: Seed, b: Buffer): number[] {
  const out: number[] = [];
  const scan = (pattern: number[]) => {
    for (let i = b.indexOf(Buffer.from(pattern)); i >= 0 && out.length < 400; i = b.indexOf(Buffer.from(pattern), i + 1)) out.push(i);
  };
  switch (seed.format) {
    case 'dicom':
      for (const g of [[0x28, 0x00], [0x20, 0x00], [0xe0, 0x7f], [0x02, 0x00], [0x18, 0x00], [0x00, 0x28], [0x52, 0x00], [0xfe, 0xff]]) scan(g);
      break;
    case 'png':
      for (const t of ['IHDR', 'IDAT', 'PLTE', 'tRNS', 'IEND']) scan([...Buffer.from(t)]);
      break;
    case 'jpeg':
      scan([0xff]);
      break;
    case 'nifti':
      out.push(0, 40, 42, 44, 46, 48, 56, 68, 70, 72, 76, 80, 84, 88, 92, 108, 112, 116, 252, 254, 256, 268, 280, 296, 312, 344);
      break;
    case 'numpy':
      for (const t of ['shape', 'descr', 'fortran', '(', 'PK']) scan([...Buffer.from(t)]);
      out.push(6, 8);
      break;
    default:
      for (const t of ['\n', ':', '=', '(', ' ']) scan([...Buffer.from(t)]);
  }
  return out.length ? out : [0];
}

function encode(value: number, width: 1 | 2 | 4 | 8, le: boolean, float: boolean): Buffer {
  const b = Buffer.alloc(width);
  if (float && width >= 4) width === 4 ? (le ? b.writeFloatLE(value) : b.writeFloatBE(value)) : le ? b.writeDoubleLE(value) : b.writeDoubleBE(value);
  else {
    const v = Number.isFinite(value) ? BigInt.asUintN(width * 8, BigInt(Math.trunc(value))) : 0n;
    for (let i = 0; i < width; i++) b[le ? i : width - 1 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  }
  return b;
}

function overwrite(b: Buffer, at: number, bytes: Buffer): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const p = ((at % out.length) + out.length) % out.length;
  bytes.copy(out, p, 0, Math.min(bytes.length, out.length - p));
  return out;
}

export function applyBinary(seed: Seed, b: Buffer, op: BinaryOp): Buffer {
  const len = b.length;
  const pos = (at: number) => (len === 0 ? 0 : at % (len + 1));
  switch (op.k) {
    case 'flip': {
      if (len === 0) return b;
      const out = Buffer.from(b);
      out[op.at % len] ^= 1 << op.bit;
      return out;
    }
    case 'set':
      return overwrite(b, op.at, encode(op.value, op.width, op.le, op.float));
    case 'truncate':
      return b.subarray(0, pos(op.len));
    case 'insert': {
      const p = pos(op.at);
      return Buffer.concat([b.subarray(0, p), Buffer.from(op.bytes), b.subarray(p)]);
    }
    case 'delete': {
      const p = pos(op.at);
      return Buffer.concat([b.subarray(0, p), b.subarray(Math.min(len, p + op.count))]);
    }
    case 'repeat': {
      const p = pos(op.at);
      const chunk = b.subarray(p, Math.min(len, p + op.len));
      return Buffer.concat([b.subarray(0, p), ...Array.from({ length: op.times }, () => chunk), b.subarray(p)]);
    }
    case 'text':
      return overwrite(b, op.at, Buffer.from(op.text, 'latin1'));
    case 'near': {
      const anchors = anchorsOf(seed, b);
      return overwrite(b, Math.max(0, anchors[op.anchor % anchors.length] + op.delta), encode(op.value, op.width, op.le, op.float));
    }
    case 'nearText': {
      const anchors = anchorsOf(seed, b);
      return overwrite(b, anchors[op.anchor % anchors.length] + op.delta, Buffer.from(op.text, 'latin1'));
    }
  }
}

/** Inflates (gzip, zlib, or each member of a zip), edits, compresses again the same way. */
function applyPayload(seed: Seed, b: Buffer, ops: BinaryOp[], headerBytes: number): Buffer {
  const edit = (x: Buffer) => ops.reduce((acc, op) => applyBinary(seed, acc, op), x);
  try {
    if (b[0] === 0x50 && b[1] === 0x4b) {
      const members = unzipSync(b);
      const names = Object.keys(members);
      if (names.length === 0) return b;
      members[names[0]] = new Uint8Array(edit(Buffer.from(members[names[0]])));
      return Buffer.from(zipSync(members, { level: seed.name.includes('compressed') ? 6 : 0 }));
    }
    const head = b.subarray(0, headerBytes);
    const body = b.subarray(headerBytes);
    if (body[0] === 0x1f && body[1] === 0x8b) return Buffer.concat([head, gzipSync(edit(gunzipSync(body)))]);
    if (body[0] === 0x78) return Buffer.concat([head, deflateSync(edit(inflateSync(body)))]);
  } catch {
    // Not compressed after all (an earlier op broke it): edit the bytes as they are.
  }
  return edit(b);
}

function applyLine(b: Buffer, headerBytes: number, op: Extract<Op, { k: 'line' }>): { bytes: Buffer; headerBytes: number } {
  const head = b.subarray(0, headerBytes).toString('latin1');
  const rest = b.subarray(headerBytes);
  const lines = head.split('\n');
  const i = op.line % Math.max(1, lines.length - 1);
  const sep = lines[i].includes(':=') ? ':=' : lines[i].includes(' = ') ? ' = ' : lines[i].includes(': ') ? ': ' : '=';
  const [key, ...vals] = lines[i].split(sep);
  switch (op.action) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, lines[i]);
      break;
    case 'value':
      lines[i] = vals.length ? `${key}${sep}${op.text}` : op.text;
      break;
    case 'key':
      lines[i] = `${op.text}${sep}${vals.join(sep)}`;
      break;
    case 'swap': {
      const j = (i + 1) % lines.length;
      [lines[i], lines[j]] = [lines[j], lines[i]];
      break;
    }
    case 'insert':
      lines.splice(i, 0, op.text);
      break;
  }
  const text = Buffer.from(lines.join('\n'), 'latin1');
  return { bytes: Buffer.concat([text, rest]), headerBytes: text.length };
}

function special(name: string, what: Extract<Op, { k: 'special' }>['what']): CaseFile {
  switch (what) {
    case 'dev-zero':
      return { name, link: '/dev/zero' };
    case 'dev-urandom':
      return { name, link: '/dev/urandom' };
    case 'dangling':
      return { name, link: '/nonexistent/voxelpipe-fuzz' };
    case 'self-loop':
      return { name, link: name };
    case 'fifo':
      return { name, fifo: true };
    case 'dir':
      return { name, dir: true };
    case 'empty':
      return { name, bytes: Buffer.alloc(0) };
    case 'dir-cycle':
      return { name, link: '.' };
    case 'parent':
      return { name, link: '..' };
  }
}

/** Paths (as key lists) of a JSON tree, breadth first, at most `max`. */
function jsonPaths(root: unknown, max = 400): (string | number)[][] {
  const out: (string | number)[][] = [[]];
  for (let q = 0; q < out.length && out.length < max; q++) {
    let node: unknown = root;
    for (const k of out[q]) node = (node as Record<string | number, unknown>)[k];
    if (Array.isArray(node)) node.forEach((_, i) => out.push([...out[q], i]));
    else if (node !== null && typeof node === 'object') for (const k of Object.keys(node)) out.push([...out[q], k]);
  }
  return out.slice(0, max);
}

function setAt(root: unknown, path: (string | number)[], fn: (old: unknown) => unknown | typeof DELETE): unknown {
  if (path.length === 0) {
    const v = fn(root);
    return v === DELETE ? {} : v;
  }
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const v = fn(node[last]);
  if (v === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value: v, enumerable: true, writable: true, configurable: true });
  return root;
}
const DELETE = Symbol('delete');

function deep(value: unknown, depth: number): unknown {
  let v = value;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Serialises a JSON tree iteratively-safe: deep values go through JSON.stringify, which V8 handles to great depth. */
function jsonBytes(v: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(v));
  } catch {
    return Buffer.from('{}');
  }
}

function applyConfigOps(files: CaseFile[], ops: Op[]): void {
  const trees: unknown[] = files.slice(0, 3).map((f) => JSON.parse(f.bytes!.toString('utf8')));
  const binary: Op[] = [];
  for (const op of ops) {
    if (op.k === 'json') {
      const paths = jsonPaths(trees[op.file]);
      const path = paths[op.path % paths.length];
      trees[op.file] = setAt(trees[op.file], path, (old) => {
        switch (op.action) {
          case 'replace':
            // A copy: later ops edit the tree in place, and must not edit the op (it is the reproducer).
            return structuredClone(op.value);
          case 'delete':
            return DELETE;
          case 'deep':
            return deep(old, op.depth);
          case 'key': {
            const o: Record<string, unknown> = {};
            Object.defineProperty(o, op.key, { value: structuredClone(op.value), enumerable: true, writable: true, configurable: true });
            if (old !== null && typeof old === 'object' && !Array.isArray(old)) for (const [k, v] of Object.entries(old)) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
            return o;
          }
          case 'placeholder':
            return typeof op.value === 'string' && op.value.length < 20 ? `{${op.key.replace(/\W/g, '') || 'X'}}${op.value}` : `{${op.key.replace(/\W/g, '') || 'DATA_ROOT'}}`;
        }
      });
    } else if (op.k === 'vars') {
      const env = trees[1] as Record<string, unknown>;
      if (env === null || typeof env !== 'object' || Array.isArray(env)) continue;
      for (let i = 0; i < op.n; i++) {
        const next = op.kind === 'cycle' && i === op.n - 1 ? 'V0' : `V${i + 1}`;
        env[`V${i}`] = op.kind === 'exp' ? `{${next}}{${next}}` : op.kind === 'missing' ? `{${next}}/x` : `{${next}}`;
      }
      if (op.kind !== 'cycle' && op.kind !== 'missing') env[`V${op.n}`] = 'training';
      const paths = jsonPaths(trees[0]);
      trees[0] = setAt(trees[0], paths[op.path % paths.length], () => '{V0}');
    } else binary.push(op);
  }
  trees.forEach((t, i) => (files[i] = { name: files[i].name, bytes: jsonBytes(t) }));
  for (const op of binary) {
    if (op.k === 'bin' && files[op.file].bytes) files[op.file] = { name: files[op.file].name, bytes: applyBinary({ format: 'config' } as Seed, files[op.file].bytes!, op.op) };
    if (op.k === 'deepText') files[op.file] = { name: files[op.file].name, bytes: Buffer.from(op.open.repeat(op.n)) };
    if (op.k === 'special') files[op.file] = special(files[op.file].name, op.what);
  }
}

/** Recomputes each PNG chunk's CRC, so that mutations get past pngjs's CRC check to the decoder. */
function fixPngCrcs(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let p = 8; p + 12 <= out.length; ) {
    const len = out.readUInt32BE(p);
    if (p + 12 + len > out.length) break;
    out.writeUInt32BE(crc32(out.subarray(p + 4, p + 8 + len)), p + 8 + len);
    p += 12 + len;
  }
  return out;
}

/** The concrete files of a case: the seed's, with `ops` applied in order. */
export function buildCase(seed: Seed, c: { ops: Op[]; set: string[]; fixCrc: boolean }): FuzzCase {
  const files: CaseFile[] = seed.files.map((f: SeedFile) => ({ name: f.name, bytes: f.bytes }));
  if (seed.format === 'config') applyConfigOps(files, c.ops);
  else {
    let header = seed.headerBytes ?? 0;
    for (const op of c.ops) {
      const i = 'file' in op ? op.file : 0;
      if (op.k === 'special') {
        // Past the end: add an entry (a series folder gains a stray link or FIFO).
        if (i >= files.length) files.push(special(`zz-extra-${op.what}.dcm`, op.what));
        else files[i] = special(files[i].name, op.what);
        continue;
      }
      const f = files[i];
      if (!f?.bytes) continue;
      const h = i === 0 ? Math.min(header, f.bytes.length) : 0;
      if (op.k === 'bin') f.bytes = applyBinary(seed, f.bytes, op.op);
      else if (op.k === 'payload') f.bytes = applyPayload(seed, f.bytes, op.ops, h);
      else if (op.k === 'line' && i === 0) ({ bytes: f.bytes, headerBytes: header } = applyLine(f.bytes, h, op));
    }
  }
  if (seed.format === 'png' && c.fixCrc) for (const f of files) if (f.bytes) f.bytes = fixPngCrcs(f.bytes);
  return { format: seed.format, seed: seed.name, ops: c.ops, files, target: seed.target, ...(c.set.length ? { set: c.set } : {}) };
}
