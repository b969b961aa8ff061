import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { cropTransforms, computeFgBgIndices, fgBgIndicesField, fgBgIndicesStep } from '../../../src/transforms/crop/index.js';
import type { ChainImage, Sample } from '../../../src/transforms/image.js';
import { applyAffine } from '../../../src/volume/affine.js';
import { at, ctxFor, sameData, synth } from './synthetic.js';

const registry = new TransformRegistry();
for (const d of cropTransforms) registry.register(d);
const make = (name: string, args: Record<string, unknown>) => registry.create({ name, args }, 'train.pre_transforms[3]');

// A 40x36x30 volume: image voxel value encodes its position; label is a small ball (fg ~0.4%) plus one corner voxel.
const dims = [40, 36, 30];
const image = synth(dims, 'int16', (x, y, z) => x + 40 * y + 1440 * (z % 20) - 10000);
const label = synth(dims, 'uint8', (x, y, z) => ((x - 30) ** 2 + (y - 8) ** 2 + (z - 20) ** 2 <= 9 ? 1 : x === 0 && y === 0 && z === 0 ? 2 : 0));
const sample = (): Sample => ({ image, label, id: 'case-1' });

type Draw = { centres: number[][]; starts: number[][]; foreground: boolean[] };

test('PosNeg crops: centres are foreground at pos/(pos+neg) within 4 sd, and every foreground crop contains foreground', () => {
  for (const [pos, neg] of [[1, 1], [1, 3], [3, 1]] as const) {
    const t = make('FastCropByPosNegRatio', { fields: 'image', label_field: 'label', size: [6, 6, 6], pos, neg, batch_size: 50 });
    let n = 0, fg = 0;
    for (let call = 0; call < 20; call++) {
      const ctx = ctxFor(7, call);
      const out = t.apply(sample(), ctx);
      const d = ctx.draws[0] as Draw;
      const lab = out.label as ChainImage;
      for (let j = 0; j < 50; j++) {
        n++;
        const [cx, cy, cz] = d.centres[j];
        const isFgCentre = at(label, cx, cy, cz) > 0;
        assert.equal(isFgCentre, d.foreground[j], 'recorded class matches the label at the centre');
        if (isFgCentre) fg++;
        let has = false;
        for (let i = j * 216; i < (j + 1) * 216; i++) if (lab.data[i] > 0) has = true;
        if (d.foreground[j]) assert.ok(has, 'a foreground-centred crop contains foreground');
      }
    }
    const p = pos / (pos + neg);
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(fg - n * p) <= 4 * sd, `pos ${pos} neg ${neg}: ${fg}/${n} foreground centres, expected ${n * p} ± ${4 * sd}`);
  }
});

test('PosNeg crops near borders stay inside, have the exact size, and image and label come from the same place', () => {
  const t = make('CropByPosNegRatio', { fields: ['image'], label_field: 'label', size: [16, 12, 10], pos: 1, neg: 1, batch_size: 40 });
  const ctx = ctxFor(3);
  const out = t.apply(sample(), ctx);
  const img = out.image as ChainImage, lab = out.label as ChainImage;
  assert.deepEqual(img.shape, [16, 12, 10, 1, 40]);
  assert.deepEqual(lab.shape, [16, 12, 10, 1, 40]);
  assert.equal(img.batched, true);
  assert.ok(img.data instanceof Int16Array && lab.data instanceof Uint8Array, 'crops keep the voxel type');
  const d = ctx.draws[0] as Draw;
  for (let j = 0; j < 40; j++) {
    const s = d.starts[j];
    for (let a = 0; a < 3; a++) assert.ok(s[a] >= 0 && s[a] + [16, 12, 10][a] <= dims[a], `crop ${j} inside on axis ${a}: start ${s}`);
    for (let z = 0; z < 10; z += 3)
      for (let y = 0; y < 12; y += 2)
        for (let x = 0; x < 16; x++) {
          assert.equal(at(img, x, y, z, 0, j), at(image, s[0] + x, s[1] + y, s[2] + z));
          assert.equal(at(lab, x, y, z, 0, j), at(label, s[0] + x, s[1] + y, s[2] + z));
        }
  }
  assert.deepEqual(img.meta.cropStarts, d.starts);
  const w = applyAffine(img.affine, [0, 0, 0]), ws = applyAffine(image.affine, d.starts[0]);
  assert.deepEqual(w, ws, 'affine is crop 0\'s');
});

test('a crop centred on the corner voxel is shifted to start at 0', () => {
  // Label with only the corner voxel as foreground: every pos crop is centred there.
  const corner = synth(dims, 'uint8', (x, y, z) => (x === 0 && y === 0 && z === 0 ? 1 : 0));
  const t = make('FastCropByPosNegRatio', { fields: 'image', size: [8, 8, 8], pos: 1, neg: 0, batch_size: 3 });
  const ctx = ctxFor(1);
  t.apply({ image, label: corner }, ctx);
  assert.deepEqual((ctx.draws[0] as Draw).starts, [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  const far = synth(dims, 'uint8', (x, y, z) => (x === 39 && y === 35 && z === 29 ? 1 : 0));
  const ctx2 = ctxFor(1);
  t.apply({ image, label: far }, ctx2);
  assert.deepEqual((ctx2.draws[0] as Draw).starts[0], [32, 28, 22]);
});

test('batch_size x batches_to_gen_at_once crops in one batched image', () => {
  const t = make('FastCropByPosNegRatio', { fields: 'image', size: [4, 4, 4], batch_size: 3, batches_to_gen_at_once: 5 });
  const out = t.apply(sample(), ctxFor(2));
  assert.deepEqual((out.image as ChainImage).shape, [4, 4, 4, 1, 15]);
  assert.equal(out.id, 'case-1', 'other fields pass through');
});

test('a volume smaller than the crop is zero-padded, centred', () => {
  const small = synth([5, 36, 30], 'int16', () => 7);
  const slab = synth([5, 36, 30], 'uint8', (x, y, z) => (y === 18 && z === 15 ? 1 : 0));
  const t = make('FastCropByPosNegRatio', { fields: 'image', size: [8, 4, 4], pos: 1, neg: 0 });
  const ctx = ctxFor(5);
  const out = t.apply({ image: small, label: slab }, ctx);
  const img = out.image as ChainImage;
  assert.equal((ctx.draws[0] as Draw).starts[0][0], -1);
  const row = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => at(img, x, 0, 0));
  assert.deepEqual(row, [0, 7, 7, 7, 7, 7, 0, 0]);
});

test('Fast and plain variants give bit-identical crops for the same key; cached indices change nothing', () => {
  const args = { fields: 'image', label_field: 'label', size: [10, 10, 10], pos: 2, neg: 1, batch_size: 6 };
  const plain = make('CropByPosNegRatio', args).apply(sample(), ctxFor(11));
  const fast = make('FastCropByPosNegRatio', args).apply(sample(), ctxFor(11));
  const cached = make('FastCropByPosNegRatio', args).apply(fgBgIndicesStep('label').apply(sample(), ctxFor(0)), ctxFor(11));
  for (const f of ['image', 'label']) {
    assert.ok(sameData(plain[f] as ChainImage, fast[f] as ChainImage), f);
    assert.ok(sameData(plain[f] as ChainImage, cached[f] as ChainImage), f);
  }
  assert.equal(fgBgIndicesField('label') in cached, false, 'the index does not travel with the crops');
});

test('same key -> bit-identical crops, different key -> different crops', () => {
  const t = make('FastCropByPosNegRatio', { fields: 'image', size: [8, 8, 8], batch_size: 4 });
  const a = t.apply(sample(), ctxFor(1, 9)).image as ChainImage;
  const b = t.apply(sample(), ctxFor(1, 9)).image as ChainImage;
  const c = t.apply(sample(), ctxFor(1, 10)).image as ChainImage;
  assert.ok(sameData(a, b));
  assert.ok(!sameData(a, c));
});

test('the fg/bg index lists the smaller class only and counts both', () => {
  const ix = computeFgBgIndices(label);
  const n = dims[0] * dims[1] * dims[2];
  assert.equal(ix.nFg + ix.nBg, n);
  assert.equal(ix.listed, 'fg');
  assert.equal(ix.indices.length, ix.nFg);
  for (const i of ix.indices) assert.ok(label.data[i] > 0);
  const inverted = synth(dims, 'uint8', (x, y, z) => (at(label, x, y, z) > 0 ? 0 : 1));
  const iy = computeFgBgIndices(inverted);
  assert.equal(iy.listed, 'bg');
  assert.equal(iy.nFg, ix.nBg);
  // A label without foreground: every crop falls back to background.
  const empty = synth(dims, 'uint8', () => 0);
  const ctx = ctxFor(4);
  make('FastCropByPosNegRatio', { fields: 'image', size: [4, 4, 4], pos: 1, neg: 0, batch_size: 3 }).apply({ image, label: empty }, ctx);
  assert.deepEqual((ctx.draws[0] as Draw).foreground, [false, false, false]);
});

test('CropByPosNegRatioLabelOnly crops only the label; 2D volumes work', () => {
  const out = make('CropByPosNegRatioLabelOnly', { size: [4, 4, 4], batch_size: 2 }).apply(sample(), ctxFor(1));
  assert.equal(out.image, image, 'image untouched');
  assert.deepEqual((out.label as ChainImage).shape, [4, 4, 4, 1, 2]);
  const img2 = synth([50, 40], 'float32', (x, y) => x * y);
  const lab2 = synth([50, 40], 'uint8', (x, y) => (x > 40 && y > 30 ? 1 : 0));
  const ctx = ctxFor(3);
  const o2 = make('FastCropByPosNegRatio', { fields: 'image', size: [16, 16], pos: 1, neg: 0, batch_size: 2 }).apply({ image: img2, label: lab2 }, ctx);
  assert.deepEqual((o2.image as ChainImage).shape, [16, 16, 1, 2]);
  const s = (ctx.draws[0] as Draw).starts[0];
  assert.equal(at(o2.image as ChainImage, 3, 5, 0), (s[0] + 3) * (s[1] + 5));
});

test('multi-channel images are cropped channel by channel; a multi-channel label is foreground where any channel is', () => {
  const img2 = synth(dims, 'float32', (x, y, z, c) => c * 1e6 + x + 40 * y + 1440 * z, 2);
  // Channel 0 empty, channel 1 holds a single voxel: it is the only foreground.
  const lab2 = synth(dims, 'uint8', (x, y, z, c) => (c === 1 && x === 20 && y === 20 && z === 20 ? 1 : 0), 2);
  const ctx = ctxFor(6);
  const out = make('FastCropByPosNegRatio', { fields: 'image', size: [5, 5, 5], pos: 1, neg: 0, batch_size: 2 }).apply({ image: img2, label: lab2 }, ctx);
  const d = ctx.draws[0] as Draw;
  assert.deepEqual(d.centres, [[20, 20, 20], [20, 20, 20]]);
  const img = out.image as ChainImage;
  assert.deepEqual(img.shape, [5, 5, 5, 2, 2]);
  const s = d.starts[1];
  for (const c of [0, 1]) assert.equal(at(img, 1, 2, 3, c, 1), c * 1e6 + (s[0] + 1) + 40 * (s[1] + 2) + 1440 * (s[2] + 3));
  assert.equal(at(out.label as ChainImage, 2, 2, 2, 1, 0), 1);
});

test('a cached index that no longer describes the label (changed after caching) is not trusted', () => {
  const cached = fgBgIndicesStep('label').apply(sample(), ctxFor(0));
  // Same shape, different foreground: as if a flip had run after the index was cached.
  const moved = synth(dims, 'uint8', (x, y, z) => (x < 3 && y < 3 && z < 3 ? 1 : 0));
  const ctx = ctxFor(2);
  make('FastCropByPosNegRatio', { fields: 'image', size: [4, 4, 4], pos: 1, neg: 0, batch_size: 20 }).apply({ ...cached, label: moved }, ctx);
  for (const [x, y, z] of (ctx.draws[0] as Draw).centres) assert.ok(x < 3 && y < 3 && z < 3, `centre ${[x, y, z]} is foreground of the current label`);
});

test('the fg/bg index of a uint8 mask (word-skipping path) equals the generic one: any byte offset, tails, fg majority', () => {
  const asImage = (data: Uint8Array | Uint16Array, n: number): ChainImage =>
    ({ data, shape: [n, 1, 1, 1], dtype: data instanceof Uint8Array ? 'uint8' : 'uint16', spacing: [1, 1, 1], affine: [], meta: {}, batched: false }) as unknown as ChainImage;
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) / 65536;
  for (const density of [0, 0.01, 0.3, 0.7, 1])
    for (const offset of [0, 1, 2, 3])
      for (const n of [0, 1, 3, 5, 64, 1031, 5000]) {
        const buf = new Uint8Array(offset + n + 3);
        for (let i = 0; i < buf.length; i++) buf[i] = rand() < density ? 1 + Math.floor(rand() * 250) : 0;
        const u8 = buf.subarray(offset, offset + n);
        const fast = computeFgBgIndices(asImage(u8, n));
        const generic = computeFgBgIndices(asImage(Uint16Array.from(u8), n));
        assert.deepEqual(fast, generic, `density ${density}, offset ${offset}, n ${n}`);
      }
});
