import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisWeights, planWindows, scanStarts, slidingWindowInference, type ModelRun, type SlidingWindowOptions } from '../../src/evaluate/sliding-window.js';
import { VoxelpipeError } from '../../src/util/errors.js';

const OPTS: SlidingWindowOptions = { roiSize: [4, 4, 4], overlap: 0.25, batchSize: 1, blendMode: 'constant', sigmaScale: 0.125, paddingValue: 0 };

/** A chain-layout volume [X, Y, Z, C] whose voxel (x, y, z, c) holds a distinct value. */
function volume(shape: number[], channels = 1): Float32Array {
  const [X, Y, Z] = shape.length === 3 ? shape : [shape[0], shape[1], 1];
  const out = new Float32Array(X * Y * Z * channels);
  for (let c = 0; c < channels; c++)
    for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) out[x + X * (y + Y * (z + Z * c))] = 1000 * c + 100 * z + 10 * y + x + 0.5;
  return out;
}

/** A model without spatial context: K = 2 channels, f(v) and 2 f(v) per voxel. */
function pointwise(runs: number[][]) {
  return async (r: ModelRun) => {
    runs.push(r.dims);
    const [n, C, ...s] = r.dims;
    const per = s.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * 2 * per);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < per; i++) {
        let v = 0;
        for (let c = 0; c < C; c++) v += r.data[(b * C + c) * per + i];
        out[(b * 2) * per + i] = v * 0.5;
        out[(b * 2 + 1) * per + i] = v;
      }
    return { data: out, dims: [n, 2, ...s] };
  };
}

test('scanStarts: MONAI\'s windows: interval floor(roi (1 - overlap)), the last one moved back to the border, one window when roi equals the size', () => {
  assert.deepEqual(scanStarts(48, 16, 0.25), [0, 12, 24, 32]);
  assert.deepEqual(scanStarts(10, 4, 0.25), [0, 3, 6]);
  assert.deepEqual(scanStarts(11, 4, 0.25), [0, 3, 6, 7]);
  assert.deepEqual(scanStarts(16, 16, 0.25), [0]);
  assert.deepEqual(scanStarts(20, 16, 0), [0, 4]);
  assert.deepEqual(scanStarts(5, 4, 0.9), [0, 1]);
  // Every voxel covered, no window out of the axis.
  for (const [size, roi, o] of [[97, 16, 0.25], [33, 8, 0.5], [9, 9, 0.1], [64, 7, 0.6]]) {
    const s = scanStarts(size, roi, o);
    const covered = new Uint8Array(size);
    for (const a of s) {
      assert.ok(a >= 0 && a + roi <= size, `window ${a} of ${size}`);
      covered.fill(1, a, a + roi);
    }
    assert.ok(covered.every((c) => c === 1), `${size}/${roi}/${o}`);
  }
});

test('planWindows: -1 takes the image side; a window larger than the image pads it symmetrically', () => {
  const p = planWindows([10, 3, 7], [4, -1, 10], 0.25);
  assert.deepEqual(p.roi, [4, 3, 10]);
  assert.deepEqual(p.padBefore, [0, 0, 1]);
  assert.deepEqual(p.starts, [[0, 3, 6], [0], [0]]);
  assert.equal(p.count, 3);
  assert.throws(() => planWindows([10, 10], [4, 4, 4], 0.25), VoxelpipeError);
});

test('axisWeights: ones, or a Gaussian symmetric about the window centre with its peak there', () => {
  assert.deepEqual([...axisWeights(3, 'constant', 0.125)], [1, 1, 1]);
  const g = axisWeights(8, 'gaussian', 0.125);
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(g[i] - g[7 - i]) < 1e-15);
  assert.ok(g[3] > g[2] && g[2] > g[1] && g[1] > g[0] && g[0] > 0);
});

test('a model without spatial context: overlapping windows (constant and Gaussian blending, any batch) give the whole-volume answer', async () => {
  const shape = [11, 9, 6];
  const data = volume(shape, 2);
  const whole: number[][] = [];
  const ref = await slidingWindowInference({ data, shape, channels: 2 }, { ...OPTS, roiSize: [-1, -1, -1] }, pointwise(whole));
  assert.deepEqual(whole, [[1, 2, 11, 9, 6]]);
  assert.equal(ref.windows, 1);
  assert.equal(ref.channels, 2);
  const n = 11 * 9 * 6;
  for (let i = 0; i < n; i++) {
    assert.equal(ref.data[i], Math.fround((data[i] + data[n + i]) * 0.5));
    assert.equal(ref.data[n + i], Math.fround(data[i] + data[n + i]));
  }
  for (const blendMode of ['constant', 'gaussian'] as const)
    for (const batchSize of [1, 3, 100]) {
      const runs: number[][] = [];
      const progress: number[] = [];
      const r = await slidingWindowInference({ data, shape, channels: 2 }, { ...OPTS, blendMode, batchSize }, pointwise(runs), (d) => progress.push(d));
      // x: 0,3,6,7; y: 0,3,5; z: 0,2 -> 24 windows.
      assert.equal(r.windows, 24);
      assert.equal(runs.length, Math.ceil(24 / batchSize));
      assert.deepEqual(runs[0], [Math.min(batchSize, 24), 2, 4, 4, 4]);
      assert.equal(progress.at(-1), 24);
      let worst = 0;
      for (let i = 0; i < 2 * n; i++) worst = Math.max(worst, Math.abs(r.data[i] - ref.data[i]) / Math.abs(ref.data[i]));
      assert.ok(worst < 1e-6, `${blendMode} batch ${batchSize}: relative difference ${worst}`);
    }
});

test('windows see the image where they cover it and the padding value outside; 2D images run as rank-4 windows', async () => {
  const shape = [3, 2];
  const data = volume(shape);
  const seen: Float32Array[] = [];
  const r = await slidingWindowInference({ data, shape, channels: 1 }, { ...OPTS, roiSize: [5, 2], paddingValue: -7 }, async (run) => {
    seen.push(run.data.slice());
    assert.deepEqual(run.dims, [1, 1, 5, 2]);
    return { data: run.data.slice(), dims: [1, 1, 5, 2] };
  });
  // Padded x: 1 before, 1 after; C-order [1, 1, 5, 2]: element (x, y) at 2x + y.
  assert.deepEqual([...seen[0]], [-7, -7, 0.5, 10.5, 1.5, 11.5, 2.5, 12.5, -7, -7]);
  assert.deepEqual([...r.data], [...data], 'cropped back to the image');
});

test('a model answer of another shape is a one-line error naming both shapes', async () => {
  const shape = [8, 8, 8];
  const data = volume(shape);
  await assert.rejects(
    slidingWindowInference({ data, shape, channels: 1 }, OPTS, async (run) => ({ data: new Float32Array(2 * 2 * 2 * 2), dims: [1, 2, 2, 2, 2] })),
    (e: unknown) => e instanceof VoxelpipeError && e.code === 'ERR_SHAPE_MISMATCH' && e.message === 'the model answered [1, 2, 2, 2, 2] for the input [1, 1, 4, 4, 4]; expected [1, K, 4, 4, 4] (the window\'s shape with K output channels)',
  );
  await assert.rejects(
    slidingWindowInference({ data, shape, channels: 1 }, OPTS, async () => ({ data: new Float32Array(3), dims: [1, 1, 4, 4, 4] })),
    /holds 3 values, its shape \[1, 1, 4, 4, 4\] needs 64/,
  );
});
