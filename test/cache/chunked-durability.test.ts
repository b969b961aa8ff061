import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync, copyFileSync, mkdirSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChunkedStore, CHUNKED_FORMAT_VERSION } from '../../src/cache/index.js';
import { tempDir } from '../helpers.js';
import { chunkedSample } from './chunked-samples.js';

const CHILD = fileURLToPath(new URL('./workers/chunked-child.ts', import.meta.url));

function patch(file: string, at: number, f: (b: number) => number): void {
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = f(b[0]);
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((n) => statSync(join(dir, n)).isFile()).map((n) => n.split('/').pop()!);
}

test('a corrupt chunk is reported once, the item removed and missed; other damage misses at open', (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8], onWarning: (m) => warnings.push(m) });
  const sample = chunkedSample(1);
  store.put('corrupt01', sample);
  const file = store.fileFor('corrupt01');
  // The first payload (image chunk 0: noisy air, stored raw) starts right after the 64-byte header.
  patch(file, 64 + 100, (b) => b ^ 0x5a);
  const item = store.open('corrupt01')!;
  assert.ok(item, 'header and trailer are sound: the item opens');
  assert.ok(item.readBox('image', [20, 20, 10], [30, 30, 14]), 'a box away from the bad chunk reads');
  assert.equal(item.readBox('image', [0, 0, 0], [4, 4, 4]), undefined);
  assert.equal(item.readBox('image', [0, 0, 0], [4, 4, 4]), undefined);
  assert.equal(item.toSample(), undefined);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /corrupt01\.vxk: checksum mismatch in image chunk 0; item removed, the sample will be recomputed$/);
  assert.equal(store.open('corrupt01'), undefined);
  const c = store.counts();
  assert.deepEqual([c.corrupt, c.hits, c.misses], [1, 0, 2]);
  // Recomputed and stored again: served.
  store.put('corrupt01', sample);
  assert.deepStrictEqual(store.open('corrupt01')!.toSample(), sample);

  const cases: [string, (f: string) => void, RegExp][] = [
    ['trailer', (f) => patch(f, statSync(f).size - 30, (b) => b ^ 1), /trailer checksum mismatch/],
    ['truncated', (f) => truncateSync(f, Math.floor(statSync(f).size / 2)), /truncated: the file has \d+ bytes, its header says \d+/],
    ['header', (f) => patch(f, 20, (b) => b ^ 1), /header checksum mismatch/],
    ['empty', (f) => truncateSync(f, 0), /truncated: shorter than the 64-byte header/],
    [
      'version',
      (f) => {
        const fd = openSync(f, 'r+');
        const h = Buffer.alloc(64);
        readSync(fd, h, 0, 64, 0);
        h.writeUInt32LE(99, 8);
        h.writeUInt32LE(crc32(h.subarray(0, 60)), 60);
        writeSync(fd, h, 0, 64, 0);
        closeSync(fd);
      },
      /written by chunked format version 99, this voxelpipe reads version 1/,
    ],
  ];
  for (const [name, damage, message] of cases) {
    const key = `bad${name}01`;
    store.put(key, sample);
    damage(store.fileFor(key));
    const seen: number = warnings.length;
    assert.equal(store.open(key), undefined, name);
    assert.equal(store.open(key), undefined, name);
    assert.equal(warnings.length, seen + 1, `${name}: reported once`);
    assert.match(warnings.at(-1)!, message);
    assert.equal(store.has(key), false);
  }
  // A file copied under another key's name is never taken for that key.
  store.put('original1', sample);
  mkdirSync(join(store.fileFor('another01'), '..'), { recursive: true });
  copyFileSync(store.fileFor('original1'), store.fileFor('another01'));
  assert.equal(store.open('another01'), undefined);
  assert.match(warnings.at(-1)!, /holds the item of another key \("original1"\)/);
});

test('a format version change misses cleanly; stats count the old items as stale, eviction and clear remove them', (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const store = new ChunkedStore({ dir, onWarning: (m) => warnings.push(m) });
  const sample = chunkedSample(2);
  store.put('version01', sample);
  const bytes = statSync(store.fileFor('version01')).size;
  // What an older voxelpipe left: the same item under another version's folder.
  renameSync(join(dir, `chunked-v${CHUNKED_FORMAT_VERSION}`), join(dir, 'chunked-v0'));
  assert.equal(store.open('version01'), undefined);
  assert.deepEqual(warnings, [], 'another version is a plain miss, not a bad item');
  let s = store.stats();
  assert.deepEqual([s.items, s.stale, s.staleBytes], [0, 1, bytes]);
  store.put('version01', sample);
  s = store.stats();
  assert.deepEqual([s.items, s.stale], [1, 1]);
  assert.deepStrictEqual(store.open('version01')!.toSample(), sample);
  // Over the bound, the stale item goes first even though it was used more recently.
  utimesSync(store.fileFor('version01'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  const r = store.evict(bytes + 10);
  assert.equal(r.removed, 1);
  s = store.stats();
  assert.deepEqual([s.items, s.stale], [1, 0]);
  mkdirSync(join(dir, 'chunked-v0', 've'), { recursive: true });
  copyFileSync(store.fileFor('version01'), join(dir, 'chunked-v0', 've', 'version01.vxk'));
  assert.deepEqual(store.clear({ staleOnly: true }), { removed: 1, bytes });
  assert.equal(store.stats().items, 1);
  assert.deepEqual(store.clear(), { removed: 1, bytes });
  assert.deepEqual(readdirSync(dir), ['CACHEDIR.TAG']);
});

test('LRU eviction under maxBytes, an item larger than the bound refused once, stats with ratio and hit rate', (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const probe = new ChunkedStore({ dir: tempDir(t) });
  const sample = chunkedSample(3);
  const size = probe.put('probe0001', sample).bytes;
  const store = new ChunkedStore({ dir, maxBytes: Math.floor(3.5 * size), onWarning: (m) => warnings.push(m) });
  for (const k of ['lru_a', 'lru_b', 'lru_c']) store.put(`${k}0000`, { ...sample, k });
  const now = Date.now();
  ['lru_a', 'lru_b', 'lru_c'].forEach((k, i) => {
    const used = new Date(now - 300_000 + i * 100_000);
    utimesSync(store.fileFor(`${k}0000`), used, used);
  });
  // Reading every item (stats) must not change the order (the kernel may move atimes on reads).
  assert.equal(store.stats().items, 3);
  assert.ok(store.open('lru_a0000'), 'using a makes it the most recent');
  const r = store.put('lru_d0000', { ...sample, k: 'lru_d' });
  assert.deepEqual([r.stored, r.evicted], [true, 1]);
  assert.equal(store.has('lru_b0000'), false, 'b, the least recently used, went');
  for (const k of ['lru_a', 'lru_c', 'lru_d']) assert.ok(store.has(`${k}0000`), k);
  const s = store.stats();
  assert.equal(s.items, 3);
  assert.ok(s.bytes <= store.maxBytes);
  assert.equal(s.bytes, ['lru_a', 'lru_c', 'lru_d'].reduce((n, k) => n + statSync(store.fileFor(`${k}0000`)).size, 0));
  const raw = (sample.image as { data: Int16Array }).data.byteLength + (sample.label as { data: Uint8Array }).data.byteLength + 4 * (sample.label_fg_bg_indices as { indices: Uint32Array }).indices.length;
  assert.equal(s.rawBytes, 3 * raw);
  assert.ok(Math.abs(s.compressionRatio - s.rawBytes / s.bytes) < 1e-12 && s.compressionRatio > 1);
  assert.deepEqual([s.evicted, s.hits, s.misses, s.hitRate], [1, 1, 0, 1]);
  store.open('nothing01');
  assert.equal(store.counts().hitRate, 0.5);
  // Too large for the bound: not kept, reported once.
  const tiny = new ChunkedStore({ dir: tempDir(t), maxBytes: Math.floor(size / 2), onWarning: (m) => warnings.push(m) });
  assert.equal(tiny.put('huge00001', sample).stored, false);
  assert.equal(tiny.put('huge00001', sample).stored, false);
  assert.equal(tiny.has('huge00001'), false);
  assert.equal(warnings.filter((w) => w.includes('huge00001')).length, 1);
  assert.match(warnings.at(-1)!, /not cached: the item takes .* more than the cache's bound of .* \(cache_max_disk\)/);
});

function runChild(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${args[0]} exited with ${code}: ${err}`))));
  });
}

/**
 * Starts a warming child and SIGKILLs it in the middle of writing item
 * `at`: once it said it began that item and its temporary file exists.
 * Resolves with the items it finished, once it is dead.
 */
function killDuringWarm(dir: string, at: number): Promise<number[]> {
  const fanout = join(dir, `chunked-v${CHUNKED_FORMAT_VERSION}`, 'wa');
  const writing = () => {
    try {
      return readdirSync(fanout).some((n) => n.startsWith(`.warm${String(at).padStart(4, '0')}.vxk.`) && n.endsWith('.tmp'));
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'warm', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done: number[] = [];
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const [what, k] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (what === 'done') done.push(Number(k));
        if (what === 'begin' && Number(k) === at) {
          const deadline = Date.now() + 5000;
          const poll = () => (writing() || Date.now() > deadline ? child.kill('SIGKILL') : setImmediate(poll));
          poll();
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(done) : reject(new Error(`warm child ended without being killed (${signal})`))));
  });
}

test('kill -9 of a real warming process: every item it left is whole or absent, never served half-written; a rerun completes', async (t) => {
  const dir = tempDir(t);
  const expected = chunkedSample(0, [160, 160, 48]);
  let temps = 0;
  for (const at of [2, 4]) {
    const done = await killDuringWarm(dir, at);
    assert.ok(done.length >= at, `items 0..${at - 1} finished before the kill`);
    const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8] });
    for (let k = 0; k <= at; k++) {
      const key = `warm${String(k).padStart(4, '0')}`;
      const item = store.open(key);
      if (k < at) assert.ok(item, `${key} was finished before the kill`);
      if (!item) continue;
      assert.deepStrictEqual(item.toSample(), { ...expected, k }, `${key} is whole`);
      assert.deepEqual(item.images.image.map, { k });
    }
    const s = store.stats();
    assert.equal(s.stale, 0, 'no damaged item');
    assert.equal(s.corrupt, 0);
    temps += s.tempFiles;
  }
  // The kill lands inside a put (between its temp file's creation and its rename, a window of tens of ms): the temp file stays.
  assert.ok(temps >= 1, 'at least one kill interrupted a write');
  const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8] });
  for (let k = 0; k <= 4; k++) if (!store.has(`warm${String(k).padStart(4, '0')}`)) store.put(`warm${String(k).padStart(4, '0')}`, { ...expected, k }, { maps: { image: { k } } });
  const s = store.stats();
  assert.equal(s.items, 5);
  // Temp files of dead writers: an hour old, eviction removes them; clear removes them at once.
  const tmp = filesUnder(dir).filter((n) => n.endsWith('.tmp'));
  assert.equal(tmp.length, s.tempFiles);
  assert.equal(store.clear().removed, 5 + s.tempFiles);
  assert.deepEqual(filesUnder(dir), ['CACHEDIR.TAG']);
});

test('two writers and a reader of one key in separate processes: every read is whole and one writer\'s, no temp file left', async (t) => {
  const dir = tempDir(t);
  const key = 'sharedkey1';
  const results = await Promise.all([runChild(['writer', dir, key, '25', '0']), runChild(['writer', dir, key, '25', '1']), runChild(['reader', dir, key, '40', '2'])]);
  for (const r of results) assert.deepEqual(r.warnings, [], `${r.role} saw no bad item`);
  const reader = results[2] as { opens: number; hits: number; bad: number };
  assert.deepEqual([reader.opens, reader.hits, reader.bad], [40, 40, 0]);
  assert.deepEqual(readdirSync(join(dir, `chunked-v${CHUNKED_FORMAT_VERSION}`, key.slice(0, 2))), [`${key}.vxk`]);
  const got = new ChunkedStore({ dir }).open(key)!.toSample()!;
  assert.ok([0, 1].includes(got.writer as number));
  assert.deepStrictEqual(got, { ...chunkedSample(got.writer as number), writer: got.writer });

});

/** Rewrites an item's descriptor (and chunk table) with `edit`, recomputing every CRC: damage that only the structure checks can see. */
function forge(file: string, edit: (d: Record<string, any>, table: Buffer) => void): void {
  const buf = readFileSync(file);
  const T = Number(buf.readBigUInt64LE(16));
  const D = buf.readUInt32LE(T);
  const d = JSON.parse(buf.toString('utf8', T + 8, T + 8 + D));
  const table = Buffer.from(buf.subarray(T + 8 + Math.ceil(D / 8) * 8));
  edit(d, table);
  const json = Buffer.from(JSON.stringify(d));
  const trailer = Buffer.alloc(8 + Math.ceil(json.length / 8) * 8 + table.length);
  trailer.writeUInt32LE(json.length, 0);
  json.copy(trailer, 8);
  table.copy(trailer, 8 + Math.ceil(json.length / 8) * 8);
  const head = Buffer.from(buf.subarray(0, 64));
  head.writeUInt32LE(trailer.length, 24);
  head.writeUInt32LE(crc32(trailer), 28);
  head.writeBigUInt64LE(BigInt(T + trailer.length), 32);
  head.writeUInt32LE(crc32(head.subarray(0, 60)), 60);
  writeFileSync(file, Buffer.concat([head, buf.subarray(64, T), trailer]));
}

test('a descriptor that passes its CRC but lies is refused at open, with what is wrong', (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8], onWarning: (m) => warnings.push(m) });
  const sample = chunkedSample(6);
  const lies: [string, (d: Record<string, any>, table: Buffer) => void, RegExp][] = [
    ['shape', (d) => (d.images.image.shape = [65536, 65536, 2, 1]), /image "image" declares more than 2147483648 voxels/],
    ['zero', (d) => (d.images.image.shape = [0, 56, 20, 1]), /image "image" has a bad shape/],
    ['dtype', (d) => (d.images.image.array = 'int128'), /unknown element type "int128"/],
    ['grid', (d) => (d.images.label.chunks = 3), /image "label" has a chunk table out of range/],
    ['codec', (_d, table) => table.writeUInt8(9, 16), /image "image" chunk 0: unknown codec 9/],
    ['offset', (_d, table) => table.writeUInt32LE(2 ** 31, 0), /image "image" chunk 0 lies outside the payload area/],
    ['length', (_d, table) => table.writeUInt32LE(12, 8), /image "image" chunk 0: 12 raw bytes for 2048 voxels/],
    ['map', (d) => (d.images.image.map = '{not json'), /map that is not JSON text/],
    ['index', (d) => (d.indices.label_fg_bg_indices.nFg += 1), /fg\/bg index "label_fg_bg_indices" has counts that do not match its shape/],
    ['order', (d) => (d.order = ['image']), /"label" is not in the field order/],
    ['headers', (d) => delete d.rest.fields.headers, /other fields or image headers missing/],
    ['key', (d) => (d.key = 'someoneelse'), /holds the item of another key/],
  ];
  for (const [name, lie, message] of lies) {
    const key = `lie${name}01`;
    store.put(key, sample);
    forge(store.fileFor(key), lie);
    assert.equal(store.open(key), undefined, name);
    assert.match(warnings.at(-1)!, message, name);
    assert.equal(store.has(key), false, `${name}: removed`);
  }
  assert.equal(warnings.length, lies.length);
  // The forging itself keeps a sound item sound.
  store.put('liecontrol', sample);
  forge(store.fileFor('liecontrol'), () => {});
  assert.deepStrictEqual(store.open('liecontrol')!.toSample(), sample);
});
