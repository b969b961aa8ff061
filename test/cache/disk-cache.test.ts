import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DiskCache, prefixKey } from '../../src/cache/index.js';
import { decodeHeader, encodeHeader, HEADER_BYTES, alignUp } from '../../src/cache/format.js';
import { readNifti } from '../../src/io/index.js';
import { toChainImage, type ChainImage } from '../../src/transforms/image.js';
import { FIXTURES, tempDir, assertVoxelpipeError } from '../helpers.js';
import { assertSameSample, makeSample } from './samples.js';

const KEY = '0123456789abcdef0123456789abcdef';

function cacheIn(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const cache = new DiskCache({ dir, onWarning: (m) => warnings.push(m) });
  return { dir, cache, warnings };
}

test('round trip: images of several dtypes, a batched image, indices and plain values', (t) => {
  const { cache, warnings } = cacheIn(t);
  const sample = makeSample(3);
  cache.put(KEY, sample);
  const got = cache.get(KEY);
  assertSameSample(got, sample);
  const image = got!.image as ChainImage;
  assert.ok(image.data.buffer instanceof ArrayBuffer);
  assert.equal(image.data.byteOffset, 0);
  assert.equal(image.data.buffer.byteLength, image.data.byteLength, 'each array has a buffer of its own');
  assert.notEqual((got!.label as ChainImage).data.buffer, image.data.buffer);
  assert.deepEqual(warnings, []);
});

test('shared reads: every typed array is backed by a SharedArrayBuffer', (t) => {
  const { cache } = cacheIn(t);
  const sample = makeSample(5);
  cache.put(KEY, sample);
  const got = cache.get(KEY, { shared: true });
  assertSameSample(got, sample);
  for (const f of ['image', 'ct', 'label', 'crops'] as const) assert.ok((got![f] as ChainImage).data.buffer instanceof SharedArrayBuffer, f);
  assert.ok((got!.fg_indices as Int32Array).buffer instanceof SharedArrayBuffer);
});

test('round trip of a volume read from NIfTI (a view on a larger buffer) and of empty arrays', (t) => {
  const { cache } = cacheIn(t);
  const vol = toChainImage(readNifti(join(FIXTURES, 'conformance', 'nifti', 'i16_qform_scaled.nii.gz')));
  const sample = { image: vol, empty: new Float64Array(0), big: new BigUint64Array([2n ** 64n - 1n]) };
  cache.put(KEY, sample);
  assertSameSample(cache.get(KEY), sample);
  assertSameSample(cache.get(KEY, { shared: true }), sample);
});

test('the same typed array referenced twice comes back as one array', (t) => {
  const { cache } = cacheIn(t);
  const data = new Uint16Array([1, 2, 3]);
  cache.put(KEY, { a: data, b: { again: data } });
  const got = cache.get(KEY)!;
  assert.equal(got.a, (got.b as { again: unknown }).again);
});

test('odd field names round-trip as own properties, without touching prototypes', (t) => {
  const { cache } = cacheIn(t);
  const sample = JSON.parse('{"__proto__": {"polluted": 1}, "$array": 0, "": "empty", "a.b": [1]}');
  cache.put(KEY, sample);
  const got = cache.get(KEY)!;
  assert.deepStrictEqual(Object.keys(got), ['__proto__', '$array', '', 'a.b']);
  assert.deepStrictEqual(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, { polluted: 1 });
  assert.equal(Object.getPrototypeOf(got), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(got.$array, 0);
});

test('put overwrites; entries are 8-byte aligned; files go to a two-character fan-out folder', (t) => {
  const { cache, dir } = cacheIn(t);
  cache.put(KEY, makeSample(1));
  cache.put(KEY, makeSample(2));
  assertSameSample(cache.get(KEY), makeSample(2));
  const file = cache.fileFor(KEY);
  assert.equal(file, join(dir, '01', `${KEY}.vxc`));
  const bytes = readFileSync(file);
  const h = decodeHeader(bytes);
  assert.ok(typeof h !== 'string');
  assert.equal(h.totalBytes, bytes.length);
  const desc = JSON.parse(bytes.subarray(HEADER_BYTES, HEADER_BYTES + h.descriptorBytes).toString());
  for (const a of desc.arrays) assert.equal((HEADER_BYTES + alignUp(h.descriptorBytes) + a.offset) % 8, 0);
  assert.ok(existsSync(join(dir, 'CACHEDIR.TAG')));
});

test('get of an absent key is a silent miss; has follows put', (t) => {
  const { cache, warnings } = cacheIn(t);
  assert.equal(cache.get(KEY), undefined);
  assert.equal(cache.has(KEY), false);
  cache.put(KEY, { x: 1 });
  assert.equal(cache.has(KEY), true);
  assert.equal(cache.delete(KEY), true);
  assert.equal(cache.has(KEY), false);
  assert.deepEqual(warnings, []);
});

test('bad keys and unstorable values are refused with one-line errors', (t) => {
  const { cache } = cacheIn(t);
  assertVoxelpipeError(() => cache.get('../etc/passwd'), 'ERR_INVALID_ARGUMENT', ['DiskCache: bad key "../etc/passwd"']);
  assertVoxelpipeError(() => cache.put(KEY, { when: new Date(0) }), 'ERR_INVALID_ARGUMENT', ['disk cache: cannot store "when", a Date']);
  assertVoxelpipeError(() => cache.put(KEY, { a: { f: () => 1 } }), 'ERR_INVALID_ARGUMENT', ['cannot store "a.f", a function']);
  assertVoxelpipeError(() => cache.put(KEY, { v: new DataView(new ArrayBuffer(4)) }), 'ERR_INVALID_ARGUMENT', ['cannot store "v", a DataView']);
  assert.equal(cache.has(KEY), false, 'a refused put leaves nothing behind');
});

/** Where array `i`'s bytes start in an entry file. */
function arrayStart(file: string, i: number): number {
  const bytes = readFileSync(file);
  const h = decodeHeader(bytes);
  assert.ok(typeof h !== 'string');
  const desc = JSON.parse(bytes.subarray(HEADER_BYTES, HEADER_BYTES + h.descriptorBytes).toString());
  return HEADER_BYTES + alignUp(h.descriptorBytes) + desc.arrays[i].offset;
}

function flipByte(file: string, at: number) {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x40;
  writeFileSync(file, bytes);
}

const damages: { name: string; damage: (file: string) => void; says: string }[] = [
  { name: 'truncated entry', damage: (f) => truncateSync(f, statSync(f).size - 100), says: 'truncated: the file has' },
  { name: 'truncated inside the header', damage: (f) => truncateSync(f, 20), says: 'truncated: shorter than the 32-byte header (20 bytes)' },
  { name: 'empty file', damage: (f) => truncateSync(f, 0), says: 'truncated: shorter than the 32-byte header (0 bytes)' },
  { name: 'flipped byte in the voxel data', damage: (f) => flipByte(f, arrayStart(f, 0) + 1001), says: 'checksum mismatch in image.data (2431 x Float32)' },
  { name: 'flipped byte in the last array', damage: (f) => flipByte(f, arrayStart(f, 4) + 3), says: 'checksum mismatch in fg_indices (8 x Int32)' },
  { name: 'flipped byte in the descriptor', damage: (f) => flipByte(f, HEADER_BYTES + 10), says: 'descriptor checksum mismatch' },
  { name: 'bad magic', damage: (f) => flipByte(f, 0), says: 'bad header: not a voxelpipe cache entry (wrong magic bytes)' },
  { name: 'flipped byte in the header', damage: (f) => flipByte(f, 13), says: 'bad header: header checksum mismatch' },
  {
    name: 'another format version',
    damage: (f) => {
      const bytes = readFileSync(f);
      const h = decodeHeader(bytes);
      assert.ok(typeof h !== 'string');
      encodeHeader({ ...h, version: 99 }).copy(bytes, 0);
      writeFileSync(f, bytes);
    },
    says: 'written by cache format version 99, this voxelpipe reads version 1',
  },
  { name: 'extra bytes at the end', damage: (f) => writeFileSync(f, Buffer.alloc(8), { flag: 'a' }), says: 'bad length: the file has' },
];

for (const { name, damage, says } of damages) {
  test(`${name}: reported once, a miss, removed; put works again`, (t) => {
    const { cache, warnings } = cacheIn(t);
    const sample = makeSample(7);
    cache.put(KEY, sample);
    const file = cache.fileFor(KEY);
    damage(file);
    for (const shared of [false, true]) assert.equal(cache.get(KEY, { shared }), undefined);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.ok(warnings[0].startsWith(`${file}: ${says}`), warnings[0]);
    assert.ok(warnings[0].endsWith('; entry removed, the sample will be recomputed'), warnings[0]);
    assert.equal(existsSync(file), false);
    assert.deepEqual({ ...cache.stats(), bytes: 0 }, { entries: 0, bytes: 0, hits: 0, misses: 2, corrupt: 1, stale: 0, staleBytes: 0, tempFiles: 0 });
    cache.put(KEY, sample);
    assertSameSample(cache.get(KEY), sample);
    assert.equal(warnings.length, 1);
  });
}

test("an entry file copied to another key's place is not taken for that key", (t) => {
  const { cache, warnings } = cacheIn(t);
  const other = 'fedcba9876543210fedcba9876543210';
  cache.put(KEY, makeSample(1));
  mkdirSync(dirname(cache.fileFor(other)), { recursive: true });
  writeFileSync(cache.fileFor(other), readFileSync(cache.fileFor(KEY)));
  assert.equal(cache.get(other), undefined);
  assert.deepEqual(warnings, [
    `${cache.fileFor(other)}: holds the entry of another key ("${KEY}"): a renamed or copied file?; entry removed, the sample will be recomputed`,
  ]);
  assertSameSample(cache.get(KEY), makeSample(1));
});

test('a sample read shared can be stored again (writes from SharedArrayBuffers)', (t) => {
  const { cache } = cacheIn(t);
  cache.put(KEY, makeSample(4));
  const shared = cache.get(KEY, { shared: true })!;
  cache.put('abc', shared);
  assertSameSample(cache.get('abc'), makeSample(4));
});

/** Writes an entry with sound header and CRCs around whatever descriptor text it is given. */
function craft(file: string, descriptor: string, dataBytes: number) {
  const desc = Buffer.from(descriptor);
  const dataStart = HEADER_BYTES + alignUp(desc.length);
  const out = Buffer.alloc(dataStart + dataBytes);
  encodeHeader({ version: 1, descriptorBytes: desc.length, totalBytes: out.length, descriptorCrc: crc32(desc) }).copy(out, 0);
  desc.copy(out, HEADER_BYTES);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, out);
}

const lies: { name: string; descriptor: object | string; says: string }[] = [
  { name: 'an array longer than the file', descriptor: { arrays: [{ type: 'Float32Array', offset: 0, length: 1e9, crc: 0 }], fields: { a: { $array: 0 } } }, says: 'bad descriptor: array 0 (1000000000 x Float32Array) runs past the end of the file' },
  { name: 'an unknown array type', descriptor: { arrays: [{ type: 'toString', offset: 0, length: 1, crc: 0 }], fields: {} }, says: 'bad descriptor: array 0 has unknown type "toString"' },
  { name: 'a misaligned offset', descriptor: { arrays: [{ type: 'Uint8Array', offset: 4, length: 1, crc: 0 }], fields: {} }, says: 'bad descriptor: array 0 has a bad offset, length or checksum' },
  { name: 'a dangling reference', descriptor: { arrays: [], fields: { a: [{ b: { $array: 3 } }] } }, says: 'bad descriptor: a[0].b refers to a missing array' },
  { name: 'an unknown checksum', descriptor: { checksum: 'md5', arrays: [], fields: {} }, says: 'bad descriptor: unknown checksum "md5"' },
  { name: 'text that is not JSON', descriptor: '{"key": ', says: 'bad descriptor: not valid JSON' },
];

for (const { name, descriptor, says } of lies) {
  test(`a descriptor with sound CRCs but ${name} is refused before allocating`, (t) => {
    const { cache, warnings } = cacheIn(t);
    const file = cache.fileFor(KEY);
    craft(file, typeof descriptor === 'string' ? descriptor : JSON.stringify({ key: KEY, checksum: 'crc32', ...descriptor }), 16);
    assert.equal(cache.get(KEY), undefined);
    assert.deepEqual(warnings, [`${file}: ${says}; entry removed, the sample will be recomputed`]);
    assert.equal(existsSync(file), false);
  });
}

test('a bad entry that cannot be removed (read-only folder) is reported once and keeps missing', (t) => {
  if (process.getuid?.() === 0) return t.skip('root ignores folder permissions');
  const { cache, warnings } = cacheIn(t);
  cache.put(KEY, makeSample(1));
  const file = cache.fileFor(KEY);
  flipByte(file, arrayStart(file, 0));
  chmodSync(dirname(file), 0o555);
  t.after(() => chmodSync(dirname(file), 0o755));
  assert.equal(cache.get(KEY), undefined);
  assert.equal(cache.get(KEY), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /checksum mismatch in image\.data .*; the sample will be recomputed$/);
});

test('stats counts entries and bytes on disk, hits and misses; stale entries and temp files apart', (t) => {
  const { cache, dir } = cacheIn(t);
  const keys = ['aa11', 'aa22', 'bb33'];
  for (const [i, k] of keys.entries()) cache.put(k, makeSample(i));
  cache.get('aa11');
  cache.get('aa22', { shared: true });
  cache.get('cc44');
  const bytes = keys.reduce((s, k) => s + statSync(cache.fileFor(k)).size, 0);
  assert.deepEqual(cache.stats(), { entries: 3, bytes, hits: 2, misses: 1, corrupt: 0, stale: 0, staleBytes: 0, tempFiles: 0 });
  // An entry of another version, a leftover temp file, and a file that is not ours.
  const old = readFileSync(cache.fileFor('bb33'));
  const h = decodeHeader(old);
  assert.ok(typeof h !== 'string');
  encodeHeader({ ...h, version: 0 }).copy(old, 0);
  mkdirSync(join(dir, 'dd'));
  writeFileSync(join(dir, 'dd', 'dd55.vxc'), old);
  writeFileSync(join(dir, 'aa', '.aa99.vxc.123.abcd.tmp'), 'partial');
  writeFileSync(join(dir, 'aa', 'notes.txt'), 'mine');
  const s = cache.stats();
  assert.deepEqual([s.entries, s.stale, s.staleBytes, s.tempFiles], [3, 1, old.length, 1]);
  assert.deepEqual(cache.clear({ staleOnly: true }), { removed: 1, bytes: old.length });
  assert.equal(cache.stats().entries, 3);
  const c = cache.clear();
  assert.deepEqual(c, { removed: 4, bytes: bytes + 'partial'.length });
  assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, hits: 2, misses: 1, corrupt: 0, stale: 0, staleBytes: 0, tempFiles: 0 });
  assert.deepEqual(readdirSync(join(dir, 'aa')), ['notes.txt'], 'files that are not ours stay');
  assert.equal(existsSync(join(dir, 'bb')), false, 'empty fan-out folders go');
  assert.equal(cache.get('aa11'), undefined);
});

test('stats and clear of a folder that does not exist', (t) => {
  const dir = join(tempDir(t), 'never-made');
  const cache = new DiskCache({ dir });
  assert.deepEqual(cache.clear(), { removed: 0, bytes: 0 });
  assert.equal(cache.stats().entries, 0);
  assert.equal(cache.get(KEY), undefined);
  cache.put(KEY, { x: 1 });
  assert.deepEqual(cache.get(KEY), { x: 1 });
});

test('put into an unwritable place fails with ERR_FILE_WRITE naming the folder', (t) => {
  const dir = tempDir(t);
  const blocker = join(dir, 'file');
  writeFileSync(blocker, 'x');
  const cache = new DiskCache({ dir: blocker });
  assertVoxelpipeError(() => cache.put(KEY, { x: 1 }), 'ERR_FILE_WRITE', [`${blocker}: cannot create the cache folder`]);
});

test('keys from prefixKey work as file names', (t) => {
  const { cache } = cacheIn(t);
  const key = prefixKey({ image: '/nonexistent/img.nii.gz', label: 2 }, [{ name: 'LoadNifti', args: { fields: 'image' } }]);
  cache.put(key, { label: 2 });
  assert.deepEqual(cache.get(key), { label: 2 });
});
