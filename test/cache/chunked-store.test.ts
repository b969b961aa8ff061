import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { ChunkedStore, ChunkGrid, foregroundFromIndices, type CodecChoice } from '../../src/cache/index.js';
import { ctLikeCase } from '../../src/synthetic/index.js';
import { toChainImage, type ChainImage } from '../../src/transforms/image.js';
import { computeFgBgIndices, drawCentre, foregroundTest, fgBgIndicesField } from '../../src/transforms/crop/fg-bg-indices.js';
import { rngFor } from '../../src/util/rng.js';
import type { VoxelArray } from '../../src/volume/dtype.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { assertSameSample, makeSample } from './samples.js';

/** Box [lo, hi) of a first-axis-fastest array, `pad` outside: the reference every read is compared with. */
function referenceBox(img: ChainImage, lo: number[], hi: number[], pad: number): number[] {
  const shape = img.shape;
  const out: number[] = [];
  const g = lo.slice();
  const total = hi.reduce((p, h, a) => p * (h - lo[a]), 1);
  for (let k = 0; k < total; k++) {
    let inside = true;
    let idx = 0;
    let stride = 1;
    for (let a = 0; a < shape.length; a++) {
      if (g[a] < 0 || g[a] >= shape[a]) inside = false;
      idx += g[a] * stride;
      stride *= shape[a];
    }
    out.push(inside ? img.data[idx] : pad);
    for (let a = 0; a < g.length; a++) {
      if (++g[a] < hi[a]) break;
      g[a] = lo[a];
    }
  }
  return out;
}

function smallCase(seed = 3) {
  const c = ctLikeCase({ shape: [70, 61, 23], seed, organScale: 2.5 });
  const image = toChainImage(c.image);
  const label = toChainImage(c.label);
  return { image, label, indices: computeFgBgIndices(label) };
}

test('round trip: every field, dtype, metadata, the map verbatim, field order, other values', (t) => {
  const store = new ChunkedStore({ dir: tempDir(t), chunkShape: [8, 8, 4] });
  const sample = makeSample(5, [19, 14, 9]);
  const maps = { image: { lut: 'scale', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true }, ct: [1, 'x', null] };
  const r = store.put('roundtrip01', sample, { maps });
  assert.equal(r.stored, true);
  assert.equal(r.bytes, statSync(store.fileFor('roundtrip01')).size);
  const item = store.open('roundtrip01')!;
  assert.ok(item);
  assert.deepEqual(item.fields, Object.keys(sample));
  assertSameSample(item.toSample(), sample);
  assertSameSample(item.toSample({ shared: true }), sample);
  assert.ok((item.toSample({ shared: true })!.image as ChainImage).data.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(item.images.image.map, maps.image);
  assert.equal(item.images.image.mapJson, JSON.stringify(maps.image));
  assert.deepEqual(item.images.ct.map, maps.ct);
  assert.equal(item.images.label.map, null);
  assert.equal(item.images.ct.array, 'int16');
  assert.deepEqual(item.images.ct.shape, [19, 14, 9, 2]);
  assert.deepEqual(item.images.ct.chunkShape, [8, 8, 4, 1]);
  assert.deepEqual(item.images.crops.chunkShape, [4, 3, 2, 1, 1]);
  assert.deepEqual(item.extra().tags, sample.tags);
  // A 2-D RGB image gets the 2-D default chunks and reads boxes like any other.
  const rgb: ChainImage = { data: new Uint8Array(300 * 270 * 3).map((_, i) => i % 251), shape: [300, 270, 3], dtype: 'uint8', spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], meta: {}, batched: false };
  store.put('rgb2d0001', { rgb });
  const r2 = store.open('rgb2d0001')!;
  assert.deepEqual(r2.images.rgb.chunkShape, [256, 256, 1]);
  assert.deepEqual(Array.from(r2.readBox('rgb', [250, 200], [310, 260], undefined, { pad: 9 })!), referenceBox(rgb, [250, 200, 0], [310, 260, 3], 9));
  (item.toSample()!.tags as unknown[]).push('edited');
  assert.deepEqual(item.toSample()!.tags, sample.tags);
});

test('readBox equals the reference over random boxes: inside, across borders, outside, every codec and chunk shape, 1-4 channels', (t) => {
  const { image, label, indices } = smallCase();
  const two = makeSample(2, [21, 17, 10]).ct as ChainImage;
  const rng = rngFor(11, 0, 0, 0);
  for (const codec of ['raw', 'lz4', 'auto'] as CodecChoice[])
    for (const chunkShape of [[16, 16, 8], [7, 5, 3], [64, 64, 64]]) {
      const store = new ChunkedStore({ dir: tempDir(t), chunkShape, codec });
      store.put('boxes0001', { image, label, two, [fgBgIndicesField('label')]: indices });
      const item = store.open('boxes0001')!;
      const buffers: Record<string, VoxelArray> = { image: new Int16Array(40 ** 3 * 2), label: new Uint8Array(40 ** 3), two: new Int16Array(40 ** 3 * 2) };
      for (let k = 0; k < 40; k++) {
        const field = (['image', 'label', 'two'] as const)[k % 3];
        const img = field === 'two' ? two : field === 'image' ? image : label;
        const spatial = img.shape.slice(0, 3);
        const size = spatial.map((s) => rng.int(1, Math.min(40, s + 12)));
        const lo = spatial.map((s, a) => rng.int(-8, s - size[a] + 9));
        const hi = lo.map((l, a) => l + size[a]);
        const pad = k % 2 ? -1024 : 0;
        const got = item.readBox(field, lo, hi, buffers[field], { pad: field === 'label' ? 0 : pad })!;
        const want = referenceBox(img, [...lo, 0], [...hi, img.shape[3]], field === 'label' ? 0 : pad);
        assert.equal(got.length, want.length);
        assert.deepEqual(Array.from(got), want, `${codec} ${chunkShape} ${field} [${lo}]..[${hi}]`);
      }
      // A box over every axis (one channel of two) and readAll.
      const c1 = item.readBox('two', [3, 2, 1, 1], [20, 9, 10, 2])!;
      assert.deepEqual(Array.from(c1), referenceBox(two, [3, 2, 1, 1], [20, 9, 10, 2], 0));
      assert.deepEqual(item.readAll('image'), image.data);
      assert.deepEqual(item.readAll('two'), two.data);
    }
});

test('a box read costs exactly the chunks it touches: positioned reads of their stored bytes, nothing else', (t) => {
  const { image, label, indices } = smallCase();
  const dir = tempDir(t);
  const store = new ChunkedStore({ dir, chunkShape: [16, 16, 8], codec: 'raw' });
  store.put('cost00001', { image, label, [fgBgIndicesField('label')]: indices });
  const fileBytes = statSync(store.fileFor('cost00001')).size;
  const item = store.open('cost00001')!;
  const grid = new ChunkGrid(image.shape, [16, 16, 8, 1]);
  // Box [20, 40) x [10, 20) x [5, 13): chunks 1..2 along x, 0..1 along y, 0..1 along z.
  const lo = [20, 10, 5];
  const hi = [40, 20, 13];
  const expected: number[] = [];
  for (let k = 0; k <= 1; k++) for (let j = 0; j <= 1; j++) for (let i = 1; i <= 2; i++) expected.push(i + grid.counts[0] * (j + grid.counts[1] * k));
  const cost = item.boxCost('image', lo, hi);
  assert.deepEqual(cost.chunks, expected);
  // int16 raw chunks: every touched chunk is read whole (edge chunks are smaller).
  const chunkBytes = expected.reduce((s, n) => s + grid.voxels(n) * 2, 0);
  assert.equal(cost.reads + cost.fill, expected.length);
  assert.equal(cost.bytes, chunkBytes);
  assert.equal(cost.decompressions, 0);
  const before = store.counts();
  item.readBox('image', lo, hi);
  const after = store.counts();
  assert.equal(after.bytesRead - before.bytesRead, cost.bytes);
  assert.equal(after.chunksRead - before.chunksRead, cost.reads);
  assert.equal(after.fillChunks - before.fillChunks, cost.fill);
  assert.ok(cost.bytes < fileBytes / 5, `a small box reads ${cost.bytes} of ${fileBytes} bytes`);
  // The empty label: the same box is all constant chunks, no read at all.
  const lcost = item.boxCost('label', [0, 0, 0], [16, 16, 8]);
  assert.deepEqual([lcost.reads, lcost.fill, lcost.bytes], [0, 1, 0]);
  const b2 = store.counts();
  item.readBox('label', [0, 0, 0], [16, 16, 8]);
  assert.equal(store.counts().bytesRead, b2.bytesRead);
  // Outside the volume entirely: nothing touched, all padding.
  assert.deepEqual(item.boxCost('image', [-50, 0, 0], [-10, 5, 5]).chunks, []);
  assert.ok(item.readBox('image', [-50, 0, 0], [-10, 5, 5], undefined, { pad: 7 })!.every((v) => v === 7));
});

test('fg/bg index handed back exactly; centres drawn from it equal the draws against the label, every mode', (t) => {
  const { label, indices } = smallCase();
  // A label with more foreground than background lists the background.
  const inverted = toChainImage({ ...ctLikeCase({ shape: [30, 20, 9], seed: 1 }).label, data: new Uint8Array(30 * 20 * 9).map((_, i) => (i % 7 ? 1 : 0)) });
  const invIx = computeFgBgIndices(inverted);
  assert.equal(invIx.listed, 'bg');
  const empty = toChainImage({ ...ctLikeCase({ shape: [9, 8, 7], seed: 1 }).label, data: new Uint8Array(9 * 8 * 7) });
  const emptyIx = computeFgBgIndices(empty);
  const store = new ChunkedStore({ dir: tempDir(t) });
  store.put('fgbg00001', { label, inverted, empty, label_fg_bg_indices: indices, inverted_fg_bg_indices: invIx, empty_fg_bg_indices: emptyIx });
  const item = store.open('fgbg00001')!;
  for (const [field, lab, ix] of [['label', label, indices], ['inverted', inverted, invIx], ['empty', empty, emptyIx]] as const) {
    const back = item.fgBgIndices(`${field}_fg_bg_indices`)!;
    assert.deepStrictEqual(back, ix);
    const fromLabel = foregroundTest(lab);
    const fromIndex = foregroundFromIndices(back);
    for (let i = 0; i < ix.nFg + ix.nBg; i++) assert.equal(fromIndex(i), fromLabel(i), `${field} voxel ${i}`);
    for (const pFg of [0, 0.25, 0.5, 1]) {
      const a = rngFor(5, 1, 2, 3);
      const b = rngFor(5, 1, 2, 3);
      for (let k = 0; k < 300; k++) assert.deepEqual(drawCentre(back, fromIndex, pFg, b), drawCentre(ix, fromLabel, pFg, a));
      assert.equal(a.uint32(), b.uint32(), 'both streams advanced alike');
    }
  }
  assert.ok(item.descriptor.indices.label_fg_bg_indices.codec === 'delta-lz4');
  // A sample from the item owns its values: editing (or transferring) them leaves the item's answers alone.
  const s1 = item.toSample({ shared: true })!;
  assert.ok((s1.label_fg_bg_indices as typeof indices).indices.buffer instanceof SharedArrayBuffer);
  (s1.label_fg_bg_indices as typeof indices).indices.fill(0);
  assert.deepStrictEqual(item.fgBgIndices('label_fg_bg_indices'), indices);
  assert.deepStrictEqual(item.toSample()!.label_fg_bg_indices, indices);
});

test('codec choice: noisy CT stays raw under auto, labels use lz4 and constant chunks cost no bytes; lz4 forced shrinks CT', (t) => {
  const c = ctLikeCase({ shape: [128, 128, 32], seed: 2 });
  const sample = { image: toChainImage(c.image), label: toChainImage(c.label) };
  const auto = new ChunkedStore({ dir: tempDir(t), chunkShape: [32, 32, 16] });
  auto.put('codec0001', sample);
  const a = auto.open('codec0001')!;
  assert.equal(a.images.image.codec, 'raw');
  assert.equal(a.images.label.codec, 'lz4');
  assert.ok(a.images.label.storedBytes < a.images.label.rawBytes / 20, `label ${a.images.label.storedBytes} of ${a.images.label.rawBytes}`);
  const lz = new ChunkedStore({ dir: tempDir(t), chunkShape: [32, 32, 16], codec: 'lz4' });
  lz.put('codec0001', sample);
  const l = lz.open('codec0001')!;
  assert.equal(l.images.image.codec, 'lz4');
  assert.ok(l.images.image.storedBytes < 0.9 * l.images.image.rawBytes);
  assert.deepEqual(l.readAll('image'), sample.image.data);
  assert.ok(lz.counts().decompressions > 0);
  // A decoded lz4 chunk is kept: reading it again costs no read and no decode (unless the reuse is off).
  for (const decodedCacheBytes of [undefined, 0]) {
    const s = new ChunkedStore({ dir: tempDir(t), chunkShape: [32, 32, 16], codec: 'lz4', decodedCacheBytes });
    s.put('reuse0001', sample);
    const it = s.open('reuse0001')!;
    const box: [number[], number[]] = [[40, 40, 8], [70, 70, 24]];
    const cost = it.boxCost('image', ...box);
    const first = it.readBox('image', ...box)!.slice();
    const c1 = s.counts();
    assert.deepEqual(it.readBox('image', ...box), first);
    const c2 = s.counts();
    if (decodedCacheBytes === 0) assert.deepEqual([c2.decompressions - c1.decompressions, c2.decodedReuses, c2.bytesRead - c1.bytesRead], [cost.decompressions, 0, cost.bytes]);
    else assert.deepEqual([c2.decompressions - c1.decompressions, c2.decodedReuses - c1.decodedReuses, c2.bytesRead - c1.bytesRead], [0, cost.decompressions, 0]);
  }
  // A constant image (air outside the field of view): every chunk is `fill`.
  const flat = toChainImage({ ...c.image, data: new Int16Array(c.image.data.length).fill(-1024) });
  auto.put('flat00001', { flat });
  const f = auto.open('flat00001')!;
  assert.equal(f.images.flat.storedBytes, 0);
  assert.ok(f.readBox('flat', [5, 5, 5], [40, 40, 20])!.every((v) => v === -1024));
});

test('bad arguments are one-line errors naming what is wrong', (t) => {
  const store = new ChunkedStore({ dir: tempDir(t) });
  const { image } = smallCase();
  assertVoxelpipeError(() => store.put('../etc/passwd', { image }), 'ERR_INVALID_ARGUMENT', ['bad key']);
  assertVoxelpipeError(() => store.put('args00001', { image }, { maps: { label: {} } }), 'ERR_INVALID_ARGUMENT', ['"label"', 'not an image field']);
  assertVoxelpipeError(() => store.put('args00001', { image }, { maps: { image: () => 1 } }), 'ERR_INVALID_ARGUMENT', ['not a JSON value']);
  assertVoxelpipeError(() => store.put('args00001', { image, f: () => 1 }), 'ERR_INVALID_ARGUMENT', ['"f"']);
  store.put('args00001', { image });
  const item = store.open('args00001')!;
  assertVoxelpipeError(() => item.readBox('image', [0, 0, 0], [4, 4, 4], new Float32Array(64)), 'ERR_INVALID_ARGUMENT', ['Int16Array', 'Float32Array']);
  assertVoxelpipeError(() => item.readBox('image', [0, 0, 0], [4, 4, 4], new Int16Array(10)), 'ERR_INVALID_ARGUMENT', ['at least 64']);
  assertVoxelpipeError(() => item.readBox('image', [0, 0], [4, 4]), 'ERR_INVALID_ARGUMENT', ['3 (spatial) or 4 axes']);
  assertVoxelpipeError(() => item.readBox('image', [0, 5, 0], [4, 5, 4]), 'ERR_INVALID_ARGUMENT', ['axis 1']);
  assertVoxelpipeError(() => item.readBox('nope', [0, 0, 0], [1, 1, 1]), 'ERR_INVALID_ARGUMENT', ['no image field "nope"', 'image']);
  assertVoxelpipeError(() => new ChunkedStore({ dir: 'x', maxBytes: -1 }), 'ERR_INVALID_ARGUMENT', ['maxBytes']);
  assert.equal(store.open('missing01'), undefined);
  assert.deepEqual([store.counts().hits, store.counts().misses], [1, 1]);
});
