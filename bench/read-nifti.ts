/**
 * How close reading a .nii.gz comes to the cost of only gunzipping it.
 *
 * Makes (once, cached in .bench-data/) a CT-like 512x512x100 int16 .nii.gz
 * at gzip level 6, then alternates, in one process: (a) read the file and
 * gunzip it the fastest way Node can (one chunk of ISIZE bytes), and (b)
 * `readNifti` of the same file. Reports medians and the ratio b / a.
 *
 *   node --import tsx bench/read-nifti.ts [--runs N]
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { readNifti, writeNifti, gzipIsize } from '../src/io/index.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 9;
const dir = join(process.cwd(), '.bench-data');
const file = join(dir, 'ct_512x512x100_int16.nii.gz');

function makeCtLike(): Int16Array {
  const [X, Y, Z] = [512, 512, 100];
  const data = new Int16Array(X * Y * Z);
  let seed = 12345;
  const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 22) - 512; // +-512
  for (let k = 0; k < Z; k++)
    for (let j = 0; j < Y; j++)
      for (let i = 0; i < X; i++) {
        const dx = (i - 256) / 230, dy = (j - 256) / 180;
        const r2 = dx * dx + dy * dy;
        // Air outside the body, soft tissue inside, a brighter "organ", scanner noise.
        let v = r2 > 1 ? -1000 : 40;
        const ox = (i - 320) / 40, oy = (j - 240) / 30, oz = (k - 50) / 20;
        if (ox * ox + oy * oy + oz * oz < 1) v = 120;
        data[i + X * (j + Y * k)] = v + (noise() >> 4);
      }
  return data;
}

if (!existsSync(file)) {
  mkdirSync(dir, { recursive: true });
  console.log('making', file);
  writeNifti(file, {
    data: makeCtLike(), shape: [512, 512, 100], dtype: 'int16', spacing: [0.8, 0.8, 2.5],
    affine: [[0.8, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]], meta: {},
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const floor: number[] = [];
const read: number[] = [];
let sink = 0;
function timeFloor() {
  const t = performance.now();
  const buf = readFileSync(file);
  const out = gunzipSync(buf, { chunkSize: gzipIsize(buf) });
  sink += out[400];
  floor.push(performance.now() - t);
}
function timeRead() {
  const t = performance.now();
  const v = readNifti(file);
  sink += v.data[1000];
  read.push(performance.now() - t);
}
// ABBA order so neither side always runs right after the other's garbage.
for (let r = 0; r < runs; r++) {
  if (r % 2 === 0) { timeFloor(); timeRead(); } else { timeRead(); timeFloor(); }
}
const f = median(floor), r = median(read);
const mb = (512 * 512 * 100 * 2) / 1e6;
console.log(`file: ${file} (${(readFileSync(file).length / 1e6).toFixed(1)} MB compressed, ${mb.toFixed(1)} MB of voxels)`);
console.log(`gunzip floor (readFileSync + gunzipSync, chunk = ISIZE): median ${f.toFixed(1)} ms  (${(mb / f * 1000).toFixed(0)} MB/s)`);
console.log(`readNifti:                                           median ${r.toFixed(1)} ms  (${(mb / r * 1000).toFixed(0)} MB/s)`);
console.log(`ratio readNifti / floor: ${(r / f).toFixed(3)}   (target <= 1.15; ${runs} alternating runs)`);
if (sink === 0.5) console.log(''); // keep results alive
