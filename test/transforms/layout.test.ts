import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createChain, type ChainEntry } from '../../src/transforms/chain.js';
import type { ChainImage, Sample } from '../../src/transforms/image.js';
import { bratsToMultiChannel } from '../../src/transforms/layout/convert-to-multi-channel-based-on-brats-classes.js';
import { repeatChannels } from '../../src/transforms/layout/repeat-channel.js';
import { takeChannel } from '../../src/transforms/layout/split-across-channels.js';
import { assertVoxelpipeError } from '../helpers.js';
import { image } from './chain/helpers.js';

const KEY = { seed: 0, epoch: 0, index: 0 };
function run(entry: ChainEntry, sample: Sample): Sample {
  return createChain([entry], { registry: createDefaultRegistry() }).apply(sample, KEY);
}
const img = (s: Sample, f: string) => s[f] as ChainImage;

test('ConvertToChannelsFirst/Last: record the format in meta, share the voxels, leave the input alone', () => {
  const src = image([1, 2, 3, 4, 5, 6], [3, 2, 1]);
  const first = run({ name: 'ConvertToChannelsFirst', args: { fields: ['image'] } }, { image: src });
  assert.equal(img(first, 'image').meta.channelFormat, 'channels_first');
  assert.equal(img(first, 'image').data, src.data, 'no voxel is copied');
  assert.deepEqual(img(first, 'image').shape, [3, 2, 1]);
  assert.equal(src.meta.channelFormat, undefined);
  const last = run({ name: 'ConvertToChannelsLast', args: { fields: 'image' } }, first);
  assert.equal(img(last, 'image').meta.channelFormat, 'channels_last');
  const e = assertVoxelpipeError(() => run({ name: 'ConvertToChannelsFirst', args: { fields: 'image' } }, { image: 'a.nii' }), 'ERR_INVALID_ARGUMENT');
  assert.equal(
    e.message,
    'transforms[0] ConvertToChannelsFirst (chain index 0) failed on sample 0 of epoch 0: ConvertToChannelsFirst: field "image" should hold an image, found the string "a.nii" (not loaded yet?) [inputs: image "a.nii"]',
  );
});

test('RepeatChannel: numpy repeat order (a, b -> a, a, b, b), per crop of a batched image', () => {
  const two = image([1, 2, 3, 4], [2, 2]); // 2 voxels, channels [1,2] and [3,4]
  assert.deepEqual([...repeatChannels(two, 2).data], [1, 2, 1, 2, 3, 4, 3, 4]);
  assert.deepEqual(repeatChannels(two, 2).shape, [2, 4]);
  const batched = image(new Int16Array([1, 2, 3, 4]), [2, 1, 2], { batched: true }); // 2 crops of 1 channel
  const r = repeatChannels(batched, 3);
  assert.deepEqual(r.shape, [2, 3, 2]);
  assert.ok(r.data instanceof Int16Array);
  assert.deepEqual([...r.data], [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  const out = run({ name: 'RepeatChannel', args: { fields: 'image', repeat_times: 3 } }, { image: image([7, 8], [2, 1]) });
  assert.deepEqual([...img(out, 'image').data], [7, 8, 7, 8, 7, 8]);
});

test('SplitAcrossChannels: channel i into channel_names[i], owned copies, source kept', () => {
  const src = image([1, 2, 3, 4, 5, 6], [2, 3]);
  const out = run({ name: 'SplitAcrossChannels', args: { field: 'label', channel_names: ['TC', 'WT'] } }, { label: src });
  assert.deepEqual([...img(out, 'TC').data], [1, 2]);
  assert.deepEqual([...img(out, 'WT').data], [3, 4]);
  assert.deepEqual(img(out, 'TC').shape, [2, 1]);
  assert.notEqual(img(out, 'TC').data.buffer, src.data.buffer);
  assert.equal(out.label, src);
  const b = takeChannel(image([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], { batched: true }), 1);
  assert.deepEqual([...b.data], [3, 4, 7, 8]);
  assert.deepEqual(b.shape, [2, 1, 2]);
  const e = assertVoxelpipeError(
    () => run({ name: 'SplitAcrossChannels', args: { field: 'label', channel_names: ['a', 'b', 'c', 'd'] } }, { label: src }),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    e.message,
    'transforms[0] SplitAcrossChannels (chain index 0) failed on sample 0 of epoch 0: SplitAcrossChannels: 4 channel_names for field "label", which has 3 channels [inputs: label float32 [2,3], a missing, b missing, c missing, d missing]',
  );
});

test('ConvertToMultiChannelBasedOnBratsClasses: TC = 1|4, WT = 1|2|4, ET = 4, in class_names order', () => {
  const label = image(new Uint8Array([0, 1, 2, 3, 4]), [5, 1]);
  const all = run({ name: 'ConvertToMultiChannelBasedOnBratsClasses', args: { fields: 'label' } }, { label });
  const out = img(all, 'label');
  assert.ok(out.data instanceof Uint8Array);
  assert.deepEqual(out.shape, [5, 3]);
  assert.deepEqual([...out.data], [0, 1, 0, 0, 1, /* WT */ 0, 1, 1, 0, 1, /* ET */ 0, 0, 0, 0, 1]);
  const some = bratsToMultiChannel(image([4, 2, 1, 0], [4, 1]), ['ET', 'TC']);
  assert.deepEqual([...some.data], [1, 0, 0, 0, 1, 0, 1, 0]);
  const batched = bratsToMultiChannel(image([1, 2, 4, 0], [2, 1, 2], { batched: true }), ['WT']);
  assert.deepEqual(batched.shape, [2, 1, 2]);
  assert.deepEqual([...batched.data], [1, 1, 1, 0]);
  assertVoxelpipeError(() => bratsToMultiChannel(image([1, 2], [1, 2]), ['TC']), 'ERR_INVALID_VOLUME', [
    'ConvertToMultiChannelBasedOnBratsClasses: expected a 1-channel label map, got 2 channels (shape [1,2])',
  ]);
  assertVoxelpipeError(
    () => createDefaultRegistry().create({ name: 'ConvertToMultiChannelBasedOnBratsClasses', args: { fields: 'label', class_names: ['TC', 'TC'] } }, 'p'),
    'ERR_CONFIG',
    ['ConvertToMultiChannelBasedOnBratsClasses: p.args.class_names: class names must not repeat (got ["TC","TC"])'],
  );
});
