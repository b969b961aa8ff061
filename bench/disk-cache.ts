/**
 * What a persistent-cache hit costs, next to what it saves.
 *
 * Makes (once, in .bench-data/) the CT-like 512x512x100 int16 .nii.gz of
 * bench/read-nifti.ts, then for two prefix outputs of it — the int16 volume
 * as loaded (52 MB) and a float32 ScaleIntensityRange of it (105 MB) —
 * measures, round-robin so that machine load hits every row alike:
 *
 *   put            DiskCache.put of a new key (CRC-32s, temp file, fsync, rename)
 *   get            DiskCache.get into ArrayBuffers (read + CRC-32 check)
 *   get shared     DiskCache.get into SharedArrayBuffers
 *   read floor     open + read the entry file into a fresh buffer, no check
 *   crc32 only     zlib.crc32 over the voxels already in memory
 *   readNifti      reading the .nii.gz the cache replaces
 *   gunzip floor   readFileSync + gunzipSync(chunk = ISIZE) of that file
 *   codecs         inflate of a deflate-1 entry (node:zlib), and lz4 / snappy
 *                  decompression when those packages can be found
 *                  (`--codecs-from DIR`: a node_modules folder holding
 *                  lz4-napi and/or snappy; voxelpipe does not depend on them)
 *
 * Medians of wall time and of CPU time (user + system), MB/s of voxels.
 * With `--cold`, each read row is also timed after evicting the file from the
 * page cache (GNU dd iflag=nocache), as on a first epoch.
 *
 *   node --import tsx bench/disk-cache.ts [--runs N] [--cold] [--codecs-from DIR]
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { crc32, deflateRawSync, gunzipSync, inflateRawSync, constants as zc } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { readNifti, writeNifti, gzipIsize } from '../src/io/index.js';
import { toChainImage, type ChainImage } from '../src/transforms/image.js';
import { DiskCache } from '../src/cache/index.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(arg('--runs')) || 9;
const cold = process.argv.includes('--cold');
const codecsFrom = arg('--codecs-from');

const dataDir = join(process.cwd(), '.bench-data');
const niiGz = join(dataDir, 'ct_512x512x100_int16.nii.gz');
const cacheDir = join(dataDir, 'disk-cache-bench');
const [X, Y, Z] = [512, 512, 100];

function makeCtLike(): Int16Array {
  const data = new Int16Array(X * Y * Z);
  let seed = 12345;
  const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 22) - 512;
  for (let k = 0; k < Z; k++)
    for (let j = 0; j < Y; j++)
      for (let i = 0; i < X; i++) {
        const dx = (i - 256) / 230, dy = (j - 256) / 180;
        let v = dx * dx + dy * dy > 1 ? -1000 : 40;
        const ox = (i - 320) / 40, oy = (j - 240) / 30, oz = (k - 50) / 20;
        if (ox * ox + oy * oy + oz * oz < 1) v = 120;
        data[i + X * (j + Y * k)] = v + (noise() >> 4);
      }
  return data;
}

if (!existsSync(niiGz)) {
  mkdirSync(dataDir, { recursive: true });
  console.log('making', niiGz);
  writeNifti(niiGz, {
    data: makeCtLike(), shape: [X, Y, Z], dtype: 'int16', spacing: [0.8, 0.8, 2.5],
    affine: [[0.8, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]], meta: {},
  });
}
rmSync(cacheDir, { recursive: true, force: true });

const int16 = toChainImage(readNifti(niiGz));
const f32 = new Float32Array(int16.data.length);
for (let i = 0; i < f32.length; i++) {
  const v = (int16.data[i] + 57) / 221;
  f32[i] = v < 0 ? 0 : v > 1 ? 1 : v;
}
const float32: ChainImage = { ...int16, data: f32, dtype: 'float32' };
const kinds = { int16, float32 } as const;

const cache = new DiskCache({ dir: cacheDir, onWarning: (m) => console.warn('warning:', m) });
const keyOf = (k: string) => `bench-${k}`;
for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) cache.put(keyOf(k), { image: kinds[k], label: 1 });

/** Optional codecs, from a node_modules folder given on the command line. */
type Codec = { name: string; compress: (b: Buffer) => Buffer; decompress: (b: Buffer, size: number) => Buffer };
const codecs: Codec[] = [
  {
    name: 'deflate-1',
    compress: (b) => deflateRawSync(b, { level: 1 }),
    decompress: (b, size) => inflateRawSync(b, { chunkSize: Math.max(size, zc.Z_MIN_CHUNK) }),
  },
];
if (codecsFrom) {
  const req = createRequire(join(codecsFrom, 'x.js'));
  try {
    const lz4 = req('lz4-napi') as { compressSync: (b: Buffer) => Buffer; uncompressSync: (b: Buffer) => Buffer };
    codecs.push({ name: 'lz4 (lz4-napi)', compress: (b) => lz4.compressSync(b), decompress: (b) => lz4.uncompressSync(b) });
  } catch (e) {
    console.log('lz4-napi not found:', (e as Error).message.split('\n')[0]);
  }
  try {
    const snappy = req('snappy') as { compressSync: (b: Buffer) => Buffer; uncompressSync: (b: Buffer, o?: object) => Buffer };
    codecs.push({ name: 'snappy', compress: (b) => snappy.compressSync(b), decompress: (b) => snappy.uncompressSync(b) as Buffer });
  } catch (e) {
    console.log('snappy not found:', (e as Error).message.split('\n')[0]);
  }
}
const codecFiles = new Map<string, { file: string; ratio: number }>();
for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) {
  const img = kinds[k];
  const raw = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  for (const c of codecs) {
    const file = join(cacheDir, `${k}.${c.name.split(' ')[0]}.bin`);
    const z = c.compress(raw);
    if (!c.decompress(z, raw.length).equals(raw)) throw new Error(`${c.name} does not round-trip`);
    writeFileSync(file, z);
    codecFiles.set(`${k}/${c.name}`, { file, ratio: raw.length / z.length });
  }
}

function readWhole(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const b = Buffer.from(new ArrayBuffer(size));
    let off = 0;
    while (off < size) off += readSync(fd, b, off, size - off, off);
    return b;
  } finally {
    closeSync(fd);
  }
}

function evict(file: string): void {
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

type Row = { name: string; bytes: number; file?: string; run: () => unknown; after?: () => void; noCold?: boolean };
let putCount = 0;
const rows: Row[] = [];
for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) {
  const img = kinds[k];
  const bytes = img.data.byteLength;
  const entry = cache.fileFor(keyOf(k));
  // A new key each time, as when warming (replacing an entry also frees the old file's pages: slower).
  rows.push({
    name: `${k} put (new key)`,
    bytes,
    run: () => cache.put(`${keyOf(k)}-put-${putCount}`, { image: img, label: 1 }),
    after: () => cache.delete(`${keyOf(k)}-put-${putCount++}`),
    noCold: true,
  });
  rows.push({ name: `${k} get`, bytes, file: entry, run: () => cache.get(keyOf(k)) });
  rows.push({ name: `${k} get shared`, bytes, file: entry, run: () => cache.get(keyOf(k), { shared: true }) });
  rows.push({ name: `${k} read floor (no check)`, bytes, file: entry, run: () => readWhole(entry) });
  rows.push({ name: `${k} crc32 only`, bytes, run: () => crc32(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength)), noCold: true });
  for (const c of codecs) {
    const { file } = codecFiles.get(`${k}/${c.name}`)!;
    rows.push({ name: `${k} read + ${c.name}`, bytes, file, run: () => c.decompress(readWhole(file), bytes) });
  }
}
const niiBytes = int16.data.byteLength;
rows.push({ name: 'readNifti .nii.gz (int16)', bytes: niiBytes, file: niiGz, run: () => readNifti(niiGz) });
rows.push({
  name: 'gunzip floor (int16)',
  bytes: niiBytes,
  file: niiGz,
  run: () => {
    const buf = readFileSync(niiGz);
    return gunzipSync(buf, { chunkSize: gzipIsize(buf) });
  },
});

const results = new Map<string, { wall: number[]; cpu: number[]; coldWall: number[] }>();
for (const r of rows) results.set(r.name, { wall: [], cpu: [], coldWall: [] });
let sink = 0;
function time(r: Row, isCold: boolean) {
  if (isCold) evict(r.file!);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = r.run();
  const t = performance.now() - t0;
  const c = process.cpuUsage(c0);
  sink += out ? 1 : 0;
  r.after?.();
  const res = results.get(r.name)!;
  if (isCold) res.coldWall.push(t);
  else {
    res.wall.push(t);
    res.cpu.push((c.user + c.system) / 1000);
  }
}
for (let i = 0; i < runs; i++) {
  // Alternate the direction so no row always follows the same neighbour's garbage.
  const order = i % 2 === 0 ? rows : [...rows].reverse();
  for (const r of order) time(r, false);
  if (cold) for (const r of order) if (r.file && !r.noCold) time(r, true);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mbs = (bytes: number, ms: number) => ((bytes / 1e6 / ms) * 1000).toFixed(0);
console.log(`${runs} runs, round-robin; ${X}x${Y}x${Z}: int16 ${(niiBytes / 1e6).toFixed(1)} MB, float32 ${(f32.byteLength / 1e6).toFixed(1)} MB; .nii.gz ${(readFileSync(niiGz).length / 1e6).toFixed(1)} MB`);
for (const [k, v] of codecFiles) console.log(`codec ${k}: ratio ${v.ratio.toFixed(2)}`);
console.log(`${'row'.padEnd(34)} ${'wall ms'.padStart(8)} ${'MB/s'.padStart(6)} ${'cpu ms'.padStart(8)}${cold ? ` ${'cold ms'.padStart(8)} ${'MB/s'.padStart(6)}` : ''}`);
for (const r of rows) {
  const res = results.get(r.name)!;
  const w = median(res.wall), c = median(res.cpu);
  let line = `${r.name.padEnd(34)} ${w.toFixed(1).padStart(8)} ${mbs(r.bytes, w).padStart(6)} ${c.toFixed(1).padStart(8)}`;
  if (cold && res.coldWall.length) {
    const cw = median(res.coldWall);
    line += ` ${cw.toFixed(1).padStart(8)} ${mbs(r.bytes, cw).padStart(6)}`;
  }
  console.log(line);
}
const get = (k: string) => median(results.get(k)!.wall);
console.log(`int16 get / readNifti: ${(get('int16 get') / get('readNifti .nii.gz (int16)')).toFixed(3)}; int16 get / gunzip floor: ${(get('int16 get') / get('gunzip floor (int16)')).toFixed(3)}`);
console.log(`float32 get / readNifti: ${(get('float32 get') / get('readNifti .nii.gz (int16)')).toFixed(3)}; get / read floor: int16 ${(get('int16 get') / get('int16 read floor (no check)')).toFixed(3)}, float32 ${(get('float32 get') / get('float32 read floor (no check)')).toFixed(3)}`);
rmSync(cacheDir, { recursive: true, force: true });
if (sink < 0) console.log('');
