import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxesOf, cropBoxesPerStep } from '../../src/view/crop-boxes.js';
import { createChain } from '../../src/transforms/chain.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import type { ChainImage, Sample } from '../../src/transforms/image.js';
import type { ChainStep } from '../../src/transforms/chain.js';

const A = [
  [-1.5, 0, 0, 40],
  [0, 1.5, 0, -20],
  [0, 0, 2, 7],
  [0, 0, 0, 1],
];

function vol(shape: number[], affine = A): ChainImage {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: new Float32Array(n).map((_, i) => i % 13), shape: [...shape, 1], dtype: 'float32', spacing: [1.5, 1.5, 2, 1], affine, meta: {}, batched: false };
}

test('crop boxes: a deterministic crop or pad is found from its affine; a resampling is no crop', () => {
  const before = vol([20, 16, 12]);
  const shifted = (t: number[]) => A.map((r, i) => (i < 3 ? [r[0], r[1], r[2], r[3] + r[0] * t[0] + r[1] * t[1] + r[2] * t[2]] : r.slice()));
  assert.deepEqual(boxesOf(before, vol([8, 6, 4], shifted([3, 5, 2]))), [{ start: [3, 5, 2], size: [8, 6, 4] }]);
  assert.deepEqual(boxesOf(before, vol([24, 16, 12], shifted([-2, 0, 0]))), [{ start: [-2, 0, 0], size: [24, 16, 12] }], 'a pad: the box reaches outside');
  assert.equal(boxesOf(before, vol([20, 16, 12])), undefined, 'same geometry: no crop');
  const zoomed = A.map((r, i) => (i < 3 ? [r[0] * 2, r[1] * 2, r[2] * 2, r[3]] : r.slice()));
  assert.equal(boxesOf(before, vol([10, 8, 6], zoomed)), undefined);
  assert.equal(boxesOf(before, vol([8, 6, 4], shifted([0.5, 0, 0]))), undefined, 'half a voxel is a resampling');
  assert.deepEqual(boxesOf(before, vol([8, 6, 4]), { start: [1, 2, 3] }), [{ start: [1, 2, 3], size: [8, 6, 4] }], 'recorded start wins');
});

test('crop boxes: the real chain\'s crops, carried back to the steps that keep the voxels, stopped by a flip', () => {
  const registry = createDefaultRegistry();
  const spatial = (name: string) => registry.get(name.split('#')[0]).family === 'spatial';
  const chain = createChain(
    [
      { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: 0, a_max: 12, b_min: 0, b_max: 1 } },
      { name: 'CropSubVolumeCenter', args: { fields: ['image', 'label'], size: [10, 8, 6] } },
      { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 1 } },
      { name: 'CropByPosNegRatio', args: { fields: ['image', 'label'], label_field: 'label', size: [4, 4, 4], pos: 1, neg: 1, batch_size: 3 } },
    ],
    { registry },
  );
  const label = vol([20, 16, 12]);
  label.data = new Float32Array(label.data.length).map((_, i) => (i % 5 === 0 ? 1 : 0));
  const steps: ChainStep[] = [];
  chain.apply({ image: vol([20, 16, 12]), label } as Sample, { seed: 3, epoch: 0, index: 1 }, { onStep: (s) => steps.push(s) });
  const per = cropBoxesPerStep(steps, spatial);
  assert.deepEqual(per[0], { step: 1, name: 'CropSubVolumeCenter', field: 'image', boxes: [{ start: [5, 4, 3], size: [10, 8, 6] }] });
  assert.equal(per[1], undefined, 'the flip moves voxels: the PosNeg boxes are not drawn before it');
  const draws = steps[3].draws as { starts: number[][]; centres: number[][]; foreground: boolean[] };
  assert.equal(draws.starts.length, 3);
  assert.deepEqual(per[2], { step: 3, name: 'CropByPosNegRatio', field: 'image', boxes: draws.starts.map((start, k) => ({ start, size: [4, 4, 4], centre: draws.centres[k], foreground: draws.foreground[k] })) });
  assert.equal(per[3], undefined);
  assertBoxContent(steps[2].output.image as ChainImage, steps[3].output.image as ChainImage, per[2]!.boxes);
  assertBoxContent(steps[0].output.image as ChainImage, steps[1].output.image as ChainImage, per[0]!.boxes);
});

/** Every voxel of crop k inside its box equals the input voxel there (the box is where the crop came from). */
function assertBoxContent(before: ChainImage, after: ChainImage, boxes: { start: number[]; size: number[] }[]): void {
  const [X, Y] = before.shape;
  const per = boxes[0].size.reduce((a, b) => a * b, 1);
  boxes.forEach((b, k) => {
    const [sx, sy, sz] = b.size;
    for (let z = 0; z < sz; z++)
      for (let y = 0; y < sy; y++)
        for (let x = 0; x < sx; x++) {
          const [i, j, l] = [b.start[0] + x, b.start[1] + y, b.start[2] + z];
          assert.equal(after.data[k * per + x + sx * (y + sy * z)], before.data[i + X * (j + Y * l)], `crop ${k} voxel (${x}, ${y}, ${z})`);
        }
  });
}

test('crop boxes of the MONAI crops: centre crops (from the output meta), RandSpatialCropSamplesd (recorded boxes), RandSpatialCropd (recorded start)', () => {
  const registry = createDefaultRegistry();
  const label = vol([20, 16, 12]);
  label.data = new Float32Array(label.data.length).map((_, i) => (i % 5 === 0 ? 1 : 0));
  const image = vol([20, 16, 12]);
  image.data = new Float32Array(image.data.length).map((_, i) => i);
  for (const entry of [
    { name: 'RandCropByPosNegLabeld', args: { keys: ['image', 'label'], label_key: 'label', spatial_size: [4, 5, 6], pos: 1, neg: 1, num_samples: 3, image_key: 'image', image_threshold: 0 } },
    { name: 'RandCropByLabelClassesd', args: { keys: ['image', 'label'], label_key: 'label', spatial_size: [4, 5, 6], num_classes: 2, ratios: [1, 1], num_samples: 2 } },
    { name: 'RandSpatialCropSamplesd', args: { keys: ['image', 'label'], roi_size: [4, 5, 6], num_samples: 3, random_size: false } },
    { name: 'RandSpatialCropd', args: { keys: ['image', 'label'], roi_size: [4, 5, 6], random_size: false } },
  ]) {
    const steps: ChainStep[] = [];
    createChain([entry], { registry }).apply({ image, label } as Sample, { seed: 5, epoch: 0, index: 2 }, { onStep: (s) => steps.push(s) });
    const after = steps[0].output.image as ChainImage;
    const boxes = boxesOf(image, after, steps[0].draws);
    assert.ok(boxes, entry.name);
    assert.equal(boxes.length, after.batched ? after.shape.at(-1) : 1, `${entry.name}: one box per crop`);
    assertBoxContent(image, after, boxes);
    const centres = steps[0].draws?.centres as number[][] | undefined;
    if (centres) assert.deepEqual(boxes.map((b) => b.centre), centres, entry.name);
  }
});
