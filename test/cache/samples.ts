// Samples for the disk-cache tests: several image dtypes, a batched image,
// precomputed indices and plain values, with contents derived from a seed so
// that any mix-up of bytes shows.
import assert from 'node:assert/strict';
import type { ChainImage, Sample } from '../../src/transforms/image.js';
import type { VoxelArray } from '../../src/volume/dtype.js';

const AFFINE = [
  [0.8, 0, 0, -200.5],
  [0, -0.8, 0, 10],
  [0, 0, 2.5, 1e-7],
  [0, 0, 0, 1],
];

function image(data: VoxelArray, shape: number[], dtype: ChainImage['dtype'], batched = false, meta: Record<string, unknown> = {}): ChainImage {
  return { data, shape, dtype, spacing: [0.8, 0.8, 2.5, 1, ...(batched ? [1] : [])], affine: AFFINE, meta, batched };
}

/** A segmentation-like prefix output: float32 image, uint8 label, int16 extra channel, batched crops, indices, plain values. */
export function makeSample(seed: number, [X, Y, Z] = [17, 13, 11]): Sample {
  const n = X * Y * Z;
  const img = new Float32Array(n);
  const ct = new Int16Array(n * 2);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    img[i] = Math.sin(i * 0.37 + seed) * 1000 + seed;
    ct[i] = ((i * 7919 + seed * 31) % 65536) - 32768;
    ct[n + i] = -ct[i] - 1;
    lab[i] = (i + seed) % 3;
  }
  const crops = new Float32Array(4 * 3 * 2 * 1 * 3);
  for (let i = 0; i < crops.length; i++) crops[i] = i / 7 + seed;
  return {
    image: image(img, [X, Y, Z, 1], 'float32', false, { filename: `/data/img_${seed}.nii.gz`, format: 'nifti1', sclSlope: 1, sclInter: 0, qformCode: 1, intentParams: [0, 0, 0] }),
    ct: image(ct, [X, Y, Z, 2], 'int16', false, { description: 'two channels' }),
    label: image(lab, [X, Y, Z, 1], 'uint8'),
    crops: image(crops, [4, 3, 2, 1, 3], 'float32', true),
    fg_indices: new Int32Array([3, 1, 4, 1, 5, 9, 2, 6].map((v) => v + seed)),
    class: seed % 4,
    weight: 0.5 + seed,
    name: `case ${seed} — ünïcode`,
    tags: ['a', { nested: [1, 2, { deep: null }] }, true],
    odd: { $ref: 'dollar keys survive', nan: NaN, inf: -Infinity, negZero: -0, undef: undefined },
  };
}

/** Deep equality that also compares typed arrays element by element and their types. */
export function assertSameSample(actual: Sample | undefined, expected: Sample): void {
  assert.ok(actual, 'expected a cached sample, got a miss');
  assert.deepStrictEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  assert.deepStrictEqual(actual, expected);
}
