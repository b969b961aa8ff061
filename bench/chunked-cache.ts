/**
 * Chunk shape and codec of the chunked persistent cache, by measurement.
 *
 * Makes two CT-like 512x512x100 int16 volumes with uint8 spleen labels
 * (src/synthetic) and their fg/bg indices, then for each candidate layout —
 * voxelpipe's own item file with chunk shapes 32^3 .. 128x128x16 and codecs
 * raw / lz4 / auto, and zarr v3 through zarrita (raw `bytes`, and blosc-lz4
 * with byte shuffle) — measures, round-robin so that machine load hits
 * every candidate alike:
 *
 *   write      ms per item (image + label + index), wall and CPU (one row
 *              with fsync before the rename)
 *   disk       bytes on disk per item, and the ratio to the voxels' own size
 *   crops/s    random boxes of 64^3, 96^3, 128^3 read from image and label
 *              (one crop = both boxes), page cache warm, chunk CRCs checked
 *              once per open item ('once') and on every read ('always')
 *   first      ms to open an item and read its first 96^3 box
 *
 * Prints the load average before and after: numbers from a loaded machine
 * compare candidates with each other, not with other runs.
 *
 *   node --import tsx bench/chunked-cache.ts [--rounds N] [--crops N] [--quick]
 *        [--shapes 64x64x32,128x128x16] [--codecs raw,auto] [--no-zarr] [--no-crc-always] [--no-fsync-row]
 */
import { mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { ctLikeCase } from '../src/synthetic/index.js';
import { toChainImage, type ChainImage } from '../src/transforms/image.js';
import { computeFgBgIndices } from '../src/transforms/crop/fg-bg-indices.js';
import { ChunkedStore, type CodecChoice } from '../src/cache/index.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const quick = process.argv.includes('--quick');
const rounds = Number(arg('--rounds')) || (quick ? 1 : 3);
const cropsPerRound = Number(arg('--crops')) || (quick ? 10 : 40);
const SHAPE: [number, number, number] = [512, 512, 100];
const CROPS = [64, 96, 128];
const workDir = join(process.cwd(), '.bench-data', 'chunked-cache-bench');

interface Candidate {
  name: string;
  write(items: Item[]): Promise<void> | void;
  bytes(): number;
  /** Reads one box of image and label (lo/hi spatial) into the given buffers. */
  open(i: number): Promise<Reader> | Reader;
  close(): void;
}
interface Reader {
  read(lo: number[], hi: number[], img: Int16Array, lab: Uint8Array): Promise<void> | void;
}
interface Item {
  key: string;
  image: ChainImage;
  label: ChainImage;
  indices: ReturnType<typeof computeFgBgIndices>;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
function dirBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name));
    if (st.isFile()) n += st.size;
  }
  return n;
}

function ownLayout(chunkShape: number[], codec: CodecChoice, verify: 'once' | 'always', fsync = false): Candidate {
  const dir = join(workDir, `own-${chunkShape.join('x')}-${codec}-${verify}-${fsync}`);
  let store = new ChunkedStore({ dir, chunkShape, codec, verify, fsync });
  return {
    name: `own ${chunkShape.join('x')} ${codec}${verify === 'always' ? ' (crc always)' : ''}${fsync ? ' (fsync)' : ''}`,
    write(items) {
      for (const it of items) store.put(it.key, { image: it.image, label: it.label, label_fg_bg_indices: it.indices });
    },
    bytes: () => dirBytes(dir),
    open(i) {
      const item = store.open(`item${i}xx`)!;
      return {
        read(lo, hi, img, lab) {
          if (!item.readBox('image', lo, hi, img) || !item.readBox('label', lo, hi, lab)) throw new Error('bench: a box read failed');
        },
      };
    },
    close() {
      store.close();
      store = new ChunkedStore({ dir, chunkShape, codec, verify, fsync });
    },
  };
}

function zarrLayout(chunkShape: number[], codec: 'raw' | 'blosc-lz4'): Candidate {
  const dir = join(workDir, `zarr-${chunkShape.join('x')}-${codec}`);
  // zarr is C-order (last axis fastest): the volume's memory order is that of a [Z, Y, X] array.
  const zshape = [SHAPE[2], SHAPE[1], SHAPE[0]];
  const zchunk = [chunkShape[2], chunkShape[1], chunkShape[0]];
  const codecs = codec === 'raw' ? [{ name: 'bytes', configuration: { endian: 'little' } }] : [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 2, blocksize: 0 } }];
  const lcodecs = codec === 'raw' ? codecs : [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'noshuffle', typesize: 1, blocksize: 0 } }];
  return {
    name: `zarr ${chunkShape.join('x')} ${codec}`,
    async write(items) {
      for (const it of items) {
        const root = zarr.root(new FileSystemStore(join(dir, it.key)));
        const img = await zarr.create(root.resolve('image'), { shape: zshape, chunkShape: zchunk, dtype: 'int16', codecs: codecs as never, fillValue: 0 });
        await zarr.set(img, null, { data: it.image.data as Int16Array, shape: zshape, stride: [SHAPE[0] * SHAPE[1], SHAPE[0], 1] });
        const lab = await zarr.create(root.resolve('label'), { shape: zshape, chunkShape: zchunk, dtype: 'uint8', codecs: lcodecs as never, fillValue: 0 });
        await zarr.set(lab, null, { data: it.label.data as Uint8Array, shape: zshape, stride: [SHAPE[0] * SHAPE[1], SHAPE[0], 1] });
      }
    },
    bytes: () => dirBytes(dir),
    async open(i) {
      const root = zarr.root(new FileSystemStore(join(dir, `item${i}xx`)));
      const img = await zarr.open(root.resolve('image'), { kind: 'array' });
      const lab = await zarr.open(root.resolve('label'), { kind: 'array' });
      return {
        async read(lo, hi, outImg, outLab) {
          const sel = [zarr.slice(lo[2], hi[2]), zarr.slice(lo[1], hi[1]), zarr.slice(lo[0], hi[0])];
          const a = await zarr.get(img, sel);
          const b = await zarr.get(lab, sel);
          // zarrita hands back new arrays: the copy into the recycled buffer is part of the cost.
          outImg.set(a.data as Int16Array);
          outLab.set(b.data as Uint8Array);
        },
      };
    },
    close() {},
  };
}

/** A deterministic stream of box corners (fully inside the volume, as a PosNeg crop of a larger volume is). */
function boxes(size: number, n: number, seed: number): { lo: number[]; hi: number[] }[] {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = [];
  for (let i = 0; i < n; i++) {
    const lo = SHAPE.map((d) => Math.floor(rnd() * (Math.max(0, d - size) + 1)));
    out.push({ lo, hi: lo.map((l, a) => Math.min(SHAPE[a], l + size)) });
  }
  return out;
}

async function main() {
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${rounds} rounds, ${cropsPerRound} crops per size per round)`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const items: Item[] = [0, 1].map((i) => {
    const c = ctLikeCase({ shape: SHAPE, seed: 7, index: i });
    const label = toChainImage(c.label);
    return { key: `item${i}xx`, image: toChainImage(c.image), label, indices: computeFgBgIndices(label) };
  });
  // --shapes 64x64x32,128x128x16 and --codecs raw,auto narrow the sweep; --no-zarr drops zarr.
  const shapeArg = arg('--shapes');
  const shapes = shapeArg
    ? shapeArg.split(',').map((t) => t.split('x').map(Number))
    : quick ? [[64, 64, 16], [64, 64, 64]] : [[32, 32, 32], [64, 64, 16], [64, 64, 32], [64, 64, 64], [128, 128, 16], [128, 128, 32], [128, 64, 32]];
  const codecs = (arg('--codecs')?.split(',') ?? ['raw', 'lz4', 'auto']) as CodecChoice[];
  const cands: Candidate[] = [];
  for (const cs of shapes) for (const codec of codecs) cands.push(ownLayout(cs, codec, 'once'));
  if (!process.argv.includes('--no-crc-always')) cands.push(ownLayout(shapes[0], codecs[0], 'always'));
  if (!process.argv.includes('--no-fsync-row')) cands.push(ownLayout(shapes[0], codecs[0], 'once', true));
  if (!process.argv.includes('--no-zarr')) for (const cs of quick ? [[64, 64, 16]] : [[64, 64, 16], [64, 64, 64]]) for (const c of ['raw', 'blosc-lz4'] as const) cands.push(zarrLayout(cs, c));

  const rawBytes = items[0].image.data.byteLength + items[0].label.data.byteLength;
  const res = new Map<string, { writeCpu: number[]; writeWall: number[]; first: number[]; rate: Record<number, number[]>; cpuRate: Record<number, number[]> }>();
  for (const c of cands) res.set(c.name, { writeCpu: [], writeWall: [], first: [], rate: Object.fromEntries(CROPS.map((s) => [s, []])), cpuRate: Object.fromEntries(CROPS.map((s) => [s, []])) });
  let bytes = new Map<string, number>();
  for (let r = 0; r < Math.max(1, Math.min(2, rounds)); r++)
    for (const c of cands) {
      const t0 = performance.now();
      const c0 = cpuMs();
      await c.write(items);
      res.get(c.name)!.writeWall.push((performance.now() - t0) / items.length);
      res.get(c.name)!.writeCpu.push((cpuMs() - c0) / items.length);
      bytes.set(c.name, c.bytes() / items.length);
    }
  const img = new Int16Array(128 ** 3);
  const lab = new Uint8Array(128 ** 3);
  for (let r = 0; r < rounds; r++)
    // Each round starts the rotation elsewhere: no candidate always runs right after the same one.
    for (const c of cands.map((_, i) => cands[(i + r * 7) % cands.length])) {
      c.close();
      const t0 = performance.now();
      const first = await c.open(r % 2);
      const b0 = boxes(96, 1, 99 + r)[0];
      await first.read(b0.lo, b0.hi, img, lab);
      res.get(c.name)!.first.push(performance.now() - t0);
      const readers = [first, await c.open((r + 1) % 2)];
      for (const size of CROPS) {
        const bs = boxes(size, cropsPerRound, 1000 * r + size);
        const t = performance.now();
        const c0 = cpuMs();
        for (let k = 0; k < bs.length; k++) await readers[k % 2].read(bs[k].lo, bs[k].hi, img, lab);
        res.get(c.name)!.rate[size].push(bs.length / ((performance.now() - t) / 1000));
        res.get(c.name)!.cpuRate[size].push(bs.length / ((cpuMs() - c0) / 1000));
      }
    }
  console.log(`load average after:  ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('');
  console.log('crops/s: wall clock (per CPU second in brackets: what one idle core would do); one crop = its image box and its label box');
  console.log('');
  console.log(`| layout | write ms/item (CPU) | MB on disk/item | ratio | crops/s 64^3 | 96^3 | 128^3 | first 96^3 ms |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const c of cands) {
    const v = res.get(c.name)!;
    const b = bytes.get(c.name)!;
    console.log(
      `| ${c.name} | ${median(v.writeWall).toFixed(0)} (${median(v.writeCpu).toFixed(0)}) | ${(b / 1e6).toFixed(1)} | ${(rawBytes / b).toFixed(2)} | ${CROPS.map((s) => `${median(v.rate[s]).toFixed(0)} (${median(v.cpuRate[s]).toFixed(0)})`).join(' | ')} | ${median(v.first).toFixed(1)} |`,
    );
  }
  rmSync(workDir, { recursive: true, force: true });
}

await main();

