import { unzipSync, zipSync } from 'fflate';
import { crc32, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import type { BinaryOp, CaseFile, FuzzCase, Op } from './mutate.js';
import type { Seed, SeedFile } from './seeds.js';

/**
 * Applying the mutations of mutate.ts to a seed's files: the concrete files
 * of a case. Offsets and lengths are taken modulo the file's size, so every
 * drawn operation applies to every file.
 */

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
