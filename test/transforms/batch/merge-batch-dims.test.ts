import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { batchTransforms, mergeBatchDims } from '../../../src/transforms/batch/index.js';
import { cropTransforms } from '../../../src/transforms/crop/index.js';
import type { ChainImage, Sample } from '../../../src/transforms/image.js';
import { applyAffine } from '../../../src/volume/affine.js';
import { assertVoxelpipeError } from '../../helpers.js';
import { at, ctxFor, synth } from '../crop/synthetic.js';

const registry = new TransformRegistry();
for (const d of [...batchTransforms, ...cropTransforms]) registry.register(d);

const dims = [24, 20, 16];
const image = synth(dims, 'float32', (x, y, z) => x + 100 * y + 10000 * z);
const label = synth(dims, 'uint8', (x, y, z) => (x > 15 && y > 10 && z > 8 ? 1 : 0));

test('mergeBatchDims: B samples of b crops -> B*b unbatched samples, sample-major, as views with their own affines', () => {
  const crop = registry.create({ name: 'FastCropByPosNegRatio', args: { fields: 'image', size: [6, 6, 6], batch_size: 3 } });
  const ctxs = [ctxFor(1, 0), ctxFor(1, 1)];
  const batch: Sample[] = ctxs.map((ctx, n) => ({ ...crop.apply({ image, label }, ctx), index: n }));
  const merged = mergeBatchDims(batch, ['image', 'label']);
  assert.equal(merged.length, 6);
  merged.forEach((s, k) => {
    const n = Math.floor(k / 3), j = k % 3;
    assert.equal(s.index, n, 'other fields follow their sample');
    const img = s.image as ChainImage;
    assert.equal(img.batched, false);
    assert.deepEqual(img.shape, [6, 6, 6, 1]);
    assert.equal(img.data.buffer, (batch[n].image as ChainImage).data.buffer, 'a view, not a copy');
    const start = (ctxs[n].draws[0] as { starts: number[][] }).starts[j];
    assert.equal(at(img, 2, 3, 4), at(image, start[0] + 2, start[1] + 3, start[2] + 4));
    assert.deepEqual(applyAffine(img.affine, [0, 0, 0]), applyAffine(image.affine, start));
  });
});

test('MergeBatchDims: the registry entry checks its fields; mismatched crop counts are refused', () => {
  const t = registry.create({ name: 'MergeBatchDims', args: { fields: ['image', 'label'] } }, 'train.batch_transforms[0]');
  assert.equal(t.isRandom, false);
  const s = { image, label };
  assert.equal(t.apply(s, ctxFor(0)), s);
  assertVoxelpipeError(() => t.apply({ image }, ctxFor(0)), 'ERR_INVALID_ARGUMENT', ['MergeBatchDims: field "label"']);
  assertVoxelpipeError(() => registry.create({ name: 'MergeBatchDims', args: { field: 'image' } }, 'train.batch_transforms[0]'), 'ERR_CONFIG', [
    'MergeBatchDims: train.batch_transforms[0].args.fields: expected',
    'train.batch_transforms[0].args.field: unknown key (did you mean fields?)',
  ]);
  const two = registry.create({ name: 'FastCropByPosNegRatio', args: { fields: 'image', size: [4, 4, 4], batch_size: 2 } }).apply({ image, label }, ctxFor(0));
  assertVoxelpipeError(() => mergeBatchDims([{ ...two, label }], ['image', 'label']), 'ERR_INVALID_ARGUMENT', [
    'MergeBatchDims: sample 0 holds 2 crops in "image" but 1 in "label"',
  ]);
});
