import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainImage } from '../../../src/transforms/image.js';
import { scaleIntensityRange, thresholdValues, type ScaleIntensityRangeParams } from '../../../src/transforms/intensity/index.js';
import { scaleIntensity } from '../../../src/transforms/intensity/scale-intensity-oscillation.js';
import { scaleIntensityRangeStage } from '../../../src/transforms/intensity/scale-intensity-range.js';
import { cropAt, cropLazy } from '../../../src/transforms/crop/crop-at.js';
import { flip } from '../../../src/transforms/kernels/index.js';
import { gridOf, withData } from '../../../src/transforms/spatial/spatial-image.js';
import { withStage, type AnyImage, type LazyImage } from '../../../src/transforms/lazy/lazy-image.js';
import { LutCache, materialiseImage, writeLazy } from '../../../src/transforms/lazy/materialise.js';
import { flipLazy } from '../../../src/transforms/lazy/view-ops.js';
import type { PointwiseStage } from '../../../src/transforms/lazy/pointwise.js';
import { writeNetworkLayout } from '../../../src/pipeline/layout.js';
import { ARRAY_CTORS, INTEGER_RANGE, type ArrayDType, type VoxelArray } from '../../../src/volume/dtype.js';
import { identity4 } from '../../../src/volume/affine.js';
import { rngFor } from '../../../src/util/rng.js';

// The lazy data path must give the eager chain's bytes: every value map for
// every source type, and a fused crop (box, padding, flips, maps, dtype,
// network layout in one pass) against crop-then-transforms-then-layout.

const rng = rngFor(11, 0, 0, 0);

function volume(shape: number[], dtype: ArrayDType, channels = 1): ChainImage {
  const n = shape.reduce((a, b) => a * b, 1) * channels;
  const data = new ARRAY_CTORS[dtype](n);
  const range = INTEGER_RANGE[dtype];
  const specials = [NaN, Infinity, -Infinity, -0, 1e30, -1e30, 0.5, -0.5, 2.5];
  for (let i = 0; i < n; i++) {
    if (range) data[i] = i < 4 ? range[i % 2] : rng.int(range[0], range[1] + 1);
    else data[i] = i < specials.length ? specials[i] : rng.uniform(-300, 300);
  }
  const affine = identity4();
  affine[0][3] = -5;
  return { data, shape: [...shape, channels], dtype, spacing: [...shape.map(() => 0.8), 1], affine, meta: { filename: 'synthetic' }, batched: false };
}

function sameBytes(a: VoxelArray, b: VoxelArray, what: string): void {
  assert.equal(a.constructor, b.constructor, `${what}: element type`);
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i}: lazy ${a[i]} vs eager ${b[i]}`);
}

const SIR: ScaleIntensityRangeParams = { a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true, dtype: 'float32', a_offset: 0 };

/** A map both ways: an eager kernel on a made image, and the lazy stage. */
interface MapCase {
  name: string;
  eager: (img: ChainImage) => ChainImage;
  stage: PointwiseStage;
}

const MAPS: MapCase[] = [
  { name: 'SIR clip float32', eager: (i) => scaleIntensityRange(i, SIR), stage: scaleIntensityRangeStage(SIR) },
  { name: 'SIR no clip float32', eager: (i) => scaleIntensityRange(i, { ...SIR, clip: false }), stage: scaleIntensityRangeStage({ ...SIR, clip: false }) },
  { name: 'SIR to uint8 (round, saturate)', eager: (i) => scaleIntensityRange(i, { ...SIR, b_max: 255, dtype: 'uint8' }), stage: scaleIntensityRangeStage({ ...SIR, b_max: 255, dtype: 'uint8' }) },
  { name: 'SIR to float64 with offset', eager: (i) => scaleIntensityRange(i, { ...SIR, a_offset: 3, dtype: 'float64', clip: false }), stage: scaleIntensityRangeStage({ ...SIR, a_offset: 3, dtype: 'float64', clip: false }) },
  {
    name: 'threshold',
    eager: (i) => thresholdValues(i, { threshold: 20, above_value: 1, below_value: 0, dtype: 'float32' }),
    stage: { op: 'threshold', t: 20, above: 1, below: 0, dtype: 'float32' },
  },
  { name: 'oscillation factor', eager: (i) => scaleIntensity(i, 1.0731), stage: { op: 'affine', m: 1.0731, c: 0, lo: -Infinity, hi: Infinity, dtype: 'float32' } },
];

test('lazy value maps equal the eager kernels for every source dtype, with and without deferred NIfTI scaling, alone and composed', () => {
  const dtypes: ArrayDType[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
  for (const dtype of dtypes)
    for (const side of ['int32', 'uint32', 'float32', 'float64'].includes(dtype) ? [6] : [6, 70]) {
      // 70x70x14 is above the 64K table: the lookup-table path of both sides runs for 8/16-bit sources.
      const base = volume([side, side, side > 10 ? 14 : side], dtype);
      for (const deferred of [false, true]) {
        const src: ChainImage = deferred ? { ...base, meta: { ...base.meta, scalingDeferred: true, sclSlope: 0.5, sclInter: -1024 } } : base;
        for (const first of MAPS)
          for (const second of [undefined, ...MAPS.slice(4)]) {
            let eager = first.eager(src);
            let lazy: AnyImage = withStage(src, first.stage, eager.meta);
            if (second) {
              eager = second.eager(eager);
              lazy = withStage(lazy, second.stage, eager.meta);
            }
            const made = materialiseImage(lazy as LazyImage, undefined, new LutCache());
            const what = `${dtype} ${side} deferred ${deferred}: ${first.name}${second ? ` then ${second.name}` : ''}`;
            sameBytes(made.data, eager.data, what);
            assert.deepEqual(made.shape, eager.shape, what);
            assert.deepEqual(made.meta, eager.meta, what);
            assert.equal(made.dtype, eager.dtype, what);
          }
      }
    }
});

/** The eager reference of a fused crop: crops, batched as the PosNeg crops batch them, flipped, mapped. */
function eagerCrops(img: ChainImage, starts: number[][], size: number[], batched: boolean): ChainImage {
  const crops = starts.map((s) => cropAt(img, s, size));
  if (!batched) return crops[0];
  const per = crops[0].data.length;
  const data = new ARRAY_CTORS[crops[0].dtype as ArrayDType](per * crops.length);
  crops.forEach((c, j) => data.set(c.data as never, j * per));
  return { ...crops[0], data, shape: [...crops[0].shape, crops.length], batched: true };
}

test('a fused crop equals crop, flips, maps and network layout done one after another (borders, padding, channels, batches, 2D)', () => {
  const cases = [
    { shape: [23, 17, 11], dtype: 'int16' as ArrayDType, channels: 1 },
    { shape: [23, 17, 11], dtype: 'uint8' as ArrayDType, channels: 2 },
    { shape: [19, 13, 9], dtype: 'float32' as ArrayDType, channels: 1 },
    { shape: [31, 25], dtype: 'int16' as ArrayDType, channels: 3 },
    { shape: [8, 6, 5], dtype: 'int16' as ArrayDType, channels: 1 },
  ];
  let checked = 0;
  for (const c of cases) {
    const src = volume(c.shape, c.dtype, c.channels);
    const rank = c.shape.length;
    for (let trial = 0; trial < 24; trial++) {
      // Boxes up to 1.5x the volume, starting anywhere from before it to past its end: padding on any side.
      const size = c.shape.map((d) => 1 + rng.int(0, Math.ceil(d * 1.5)));
      const count = 1 + rng.int(0, 3);
      const starts = Array.from({ length: count }, () => c.shape.map((d, a) => rng.int(-size[a], d + 2)));
      const batched = count > 1 || rng.bernoulli(0.5);
      const flips = c.shape.map((_, a) => a).filter(() => rng.bernoulli(0.5));
      const pre = trial % 3 === 0 ? undefined : MAPS[trial % 2];
      const post = trial % 4 === 1 ? MAPS[5] : undefined;
      // Eager: map the whole volume, crop, flip, map the crops, lay out.
      let eager = pre ? pre.eager(src) : src;
      eager = eagerCrops(eager, starts, size, batched);
      if (flips.length) eager = withData(eager, flip(gridOf(eager), flips));
      if (post) eager = post.eager(eager);
      // Lazy: the same steps as a description, made once.
      let lazy: AnyImage = pre ? withStage(src, pre.stage, pre.eager(src).meta) : src;
      lazy = cropLazy(lazy, starts, size, batched);
      lazy = flipLazy(lazy, flips)!;
      if (post) lazy = withStage(lazy, post.stage, eager.meta);
      for (const format of ['channels_first', 'channels_last'] as const)
        for (const out of ['float32', 'float64', 'uint8'] as ArrayDType[]) {
          const n = eager.data.length;
          const want = new ARRAY_CTORS[out](n);
          writeNetworkLayout(eager, format, want, 0);
          // Stale memory around and inside the row: every element must be written, nothing outside it.
          const got = new ARRAY_CTORS[out](n + 10).fill(7);
          assert.equal(writeLazy(lazy as LazyImage, got, 5, format, new LutCache()), n);
          const what = `${c.dtype} [${c.shape}] x${c.channels} size [${size}] starts ${JSON.stringify(starts)} flips [${flips}] ${pre?.name ?? '-'} / ${post?.name ?? '-'} -> ${format} ${out}`;
          sameBytes(got.subarray(5, 5 + n), want, what);
          assert.ok(got.subarray(0, 5).every((v) => v === 7) && got.subarray(5 + n).every((v) => v === 7), `${what}: wrote outside its row`);
          checked++;
        }
      const made = materialiseImage(lazy as LazyImage);
      sameBytes(made.data, eager.data, `planar materialisation, ${c.dtype} trial ${trial}`);
      assert.deepEqual(made.shape, eager.shape);
      assert.deepEqual(made.affine, eager.affine);
      assert.equal(made.batched, eager.batched);
    }
    assert.ok(rank >= 2);
  }
  assert.equal(checked, cases.length * 24 * 6);
});

test('lazy-aware transforms in a chain never materialise a volume-sized array before the crop', async () => {
  const { createDefaultRegistry } = await import('../../../src/transforms/catalogue.js');
  const { createChain } = await import('../../../src/transforms/chain.js');
  const { isLazyImage } = await import('../../../src/transforms/lazy/lazy-image.js');
  const chain = createChain(
    [
      { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } },
      { name: 'FastCropByPosNegRatio', args: { size: [8, 8, 8], fields: 'image', label_field: 'label', batch_size: 3 } },
      { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 1 } },
      { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1, probability: 1 } },
    ],
    { registry: createDefaultRegistry() },
  );
  const image = volume([30, 30, 20], 'int16');
  const label = { ...volume([30, 30, 20], 'uint8'), data: new Uint8Array(30 * 30 * 20).map((_, i) => (i % 97 === 0 ? 1 : 0)) };
  const sizes: number[] = [];
  const out = chain.apply({ image, label }, { seed: 1, epoch: 0, index: 0 }, {
    keepLazy: true,
    alloc: (dtype, n) => {
      sizes.push(n);
      return new ARRAY_CTORS[dtype](n);
    },
  });
  assert.ok(isLazyImage(out.image) && isLazyImage(out.label), 'image and label reach the end of the chain lazy');
  assert.deepEqual(sizes, [], 'no scratch array was asked for');
  assert.equal((out.image as LazyImage).source.data, image.data, 'the lazy image reads the loaded voxels themselves');
  // And made at the end (keepLazy false), the result equals the lazy result materialised.
  const made = chain.apply({ image, label }, { seed: 1, epoch: 0, index: 0 });
  sameBytes((made.image as ChainImage).data, materialiseImage(out.image as LazyImage).data, 'chain output');
});

test('a crop of a lazy zero pad reads the source directly and equals pad-then-crop done eagerly', async () => {
  const { padLazy, windowImage } = await import('../../../src/transforms/spatial/spatial-image.js');
  let checked = 0;
  for (const dtype of ['int16', 'uint8', 'float32'] as ArrayDType[]) {
    const src = volume([14, 11, 7], dtype);
    for (let trial = 0; trial < 20; trial++) {
      // Pad every axis by 0..6 on each side, then crop boxes anywhere in (and beyond) the padded volume.
      const before = [0, 1, 2].map(() => rng.int(0, 7));
      const out = src.shape.slice(0, 3).map((d, a) => d + before[a] + rng.int(0, 7));
      const offset = before.map((b) => -b);
      const pre = trial % 2 ? MAPS[0] : undefined;
      const mapped = pre ? pre.eager(src) : src;
      const eagerPad = windowImage(mapped, offset, out);
      const lazyPad = padLazy(pre ? withStage(src, pre.stage, mapped.meta) : src, offset, out);
      if (!lazyPad) {
        assert.ok(out.every((n, a) => n === src.shape[a]), 'only a pad that changes nothing is refused');
        continue;
      }
      const size = [1 + rng.int(0, out[0] + 4), 1 + rng.int(0, out[1] + 4), 1 + rng.int(0, out[2] + 4)];
      const starts = [0, 1].map(() => out.map((d, a) => rng.int(-size[a], d + 2)));
      const eager = eagerCrops(eagerPad, starts, size, true);
      const lazy = cropLazy(lazyPad, starts, size, true);
      assert.equal(lazy.source.data, src.data, 'the crop reads the unpadded source');
      const made = materialiseImage(lazy);
      sameBytes(made.data, eager.data, `${dtype} pad ${JSON.stringify(offset)} -> [${out}], crop [${size}] at ${JSON.stringify(starts)}`);
      assert.deepEqual(made.affine, eager.affine);
      assert.deepEqual(made.shape, eager.shape);
      checked++;
    }
  }
  assert.ok(checked > 40);
});
