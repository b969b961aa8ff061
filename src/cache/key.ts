import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, readdirSync, statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { VoxelpipeError } from '../util/errors.js';
import { CACHE_FORMAT_VERSION } from './format.js';

/**
 * Cache keys for the persistent cache: what must change when the cached
 * output could change, and nothing else.
 *
 *   key = sha256(format version, source identity of the item, prefix names + args)
 *
 * The source identity replaces every file path in the item with the file's
 * identity (path, size, mtime — or its content hash), and keeps the item's
 * other values (class labels, weights...) as they are, since the prefix
 * copies them into the cached sample.
 */

/** One datalist item (the pipeline's `Item`; declared here because cache/ sits below pipeline/). */
export type Item = Record<string, unknown>;

/** A transform of the cached prefix, as the key sees it. */
export interface PrefixEntry {
  /** Clara name; a `#alias` suffix is ignored (an alias is a label, not behaviour). */
  name: string;
  /** Parsed args, ideally with defaults filled in (`Transform.args`). Key order does not matter. */
  args?: Readonly<Record<string, unknown>>;
  /** Module of a custom (BYOC) transform: its identity joins the key, so editing the module misses. */
  path?: string;
}

export interface IdentityOptions {
  /**
   * 'stat' (default): path + size + mtime, free to compute, misses after a
   * `touch`. 'content': path + SHA-256 of the bytes, survives copies and
   * touches, costs one read of every source per key.
   */
  identity?: 'stat' | 'content';
  /** Folder relative paths resolve against (default: the working directory). */
  root?: string;
  /**
   * Memo of content hashes owned by the caller, keyed by path + size + mtime,
   * so 'content' hashes each file once per run rather than once per access.
   */
  memo?: Map<string, string>;
}

/**
 * The identity of an item's sources, as canonical JSON: every string value
 * that names an existing file (alone or in an array) becomes
 * `{"$file": path, "size", "mtimeNs"}` (or `"sha256"`); a directory (a DICOM
 * series) becomes the identities of the files directly inside it; every
 * other value is kept. Field order does not matter.
 */
export function sourceIdentity(item: Item, options: IdentityOptions = {}): string {
  return canonicalJson(identifyItem(item, options));
}

function identifyItem(item: Item, options: IdentityOptions): Record<string, unknown> {
  // fromEntries defines own properties, even for a "__proto__" key.
  return Object.fromEntries(Object.keys(item).map((key) => [key, identifyValue(item[key], options)]));
}

/**
 * The cache key of `item` after `prefix`: 32 hex digits (128 bits of
 * SHA-256), used as the entry's file name.
 */
export function prefixKey(item: Item, prefix: readonly PrefixEntry[], options: IdentityOptions = {}): string {
  const transforms = prefix.map((t) => {
    const entry: Record<string, unknown> = { name: t.name.split('#')[0], args: t.args ?? {} };
    if (t.path !== undefined) entry.module = identifyValue(t.path.split('#')[0], { ...options, identity: 'stat' });
    return entry;
  });
  const text = canonicalJson({ version: CACHE_FORMAT_VERSION, identity: options.identity ?? 'stat', source: identifyItem(item, options), transforms });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` hash
 * alike. Values JSON cannot tell apart from others (NaN, ±Infinity, -0,
 * undefined in arrays, typed arrays, bigints) get explicit spellings rather
 * than collapsing to `null`, so two different args never share a key.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, '$'));
}

function canonical(v: unknown, path: string): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return Object.is(v, -0) ? { $number: '-0' } : v;
    return { $number: String(v) };
  }
  if (v === undefined) return { $undefined: true };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (Array.isArray(v)) return v.map((x, i) => canonical(x, `${path}[${i}]`));
  if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { $typed: v.constructor.name, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `cache key: ${path} is a ${proto?.constructor?.name ?? 'non-plain object'}, expected plain JSON values`);
    const entries: [string, unknown][] = [];
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      // An absent key and an undefined one are the same arg (zod drops both).
      if (x !== undefined) entries.push([k, canonical(x, `${path}.${k}`)]);
    }
    return Object.fromEntries(entries);
  }
  throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `cache key: ${path} is a ${typeof v}, expected plain JSON values`);
}

function identifyValue(v: unknown, options: IdentityOptions): unknown {
  if (typeof v === 'string') return identifyPath(v, options) ?? v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? (identifyPath(x, options) ?? x) : x));
  return v;
}

/** The identity of `p` if it names an existing file or directory, else undefined. */
function identifyPath(p: string, options: IdentityOptions): Record<string, unknown> | undefined {
  // Strings that cannot be paths (empty, multi-line) are values, not sources.
  if (p === '' || p.includes('\n') || p.includes('\0')) return undefined;
  const abs = isAbsolute(p) ? p : resolve(options.root ?? process.cwd(), p);
  const st = statOrUndefined(abs);
  if (!st) return undefined;
  if (st.isFile()) return fileIdentity(abs, st, options);
  if (st.isDirectory()) {
    const files: Record<string, unknown>[] = [];
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch {
      return undefined;
    }
    for (const name of names) {
      const f = join(abs, name);
      const fst = statOrUndefined(f);
      if (fst?.isFile()) files.push(fileIdentity(f, fst, options));
    }
    return { $dir: abs, files };
  }
  return undefined;
}

function fileIdentity(abs: string, st: BigIntStats, options: IdentityOptions): Record<string, unknown> {
  const size = st.size.toString();
  const mtimeNs = st.mtimeNs.toString();
  if ((options.identity ?? 'stat') === 'stat') return { $file: abs, size, mtimeNs };
  const memoKey = `${abs}\0${size}\0${mtimeNs}`;
  let sha256 = options.memo?.get(memoKey);
  if (sha256 === undefined) {
    sha256 = hashFile(abs);
    options.memo?.set(memoKey, sha256);
  }
  return { $file: abs, sha256 };
}

function statOrUndefined(p: string): BigIntStats | undefined {
  try {
    return statSync(p, { bigint: true });
  } catch {
    return undefined;
  }
}

/** SHA-256 of a file, read in 4 MiB chunks (sources can be larger than memory allows twice). */
function hashFile(file: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } catch (e) {
    throw new VoxelpipeError('ERR_FILE_READ', `${file}: cannot read to hash it for the cache key: ${(e as Error).message}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}
