import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { CLARA2_PIPELINE_ARGS, CLARA2_TRANSFORM_NAMES } from '../../src/config/clara-names.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { tempDir } from '../helpers.js';
import { spleenConfig, writeJson, writeSpleenMmar } from './mmars.js';

type Config = ReturnType<typeof spleenConfig> & { train: { pre_transforms: { name: string; args: object }[]; image_pipeline: { args: Record<string, unknown> } } };

function refusal(dir: string, edit: (c: Config) => void): string {
  const m = writeSpleenMmar(dir, 1, 1);
  const c = spleenConfig() as Config;
  // The validate section refs train entries by their Clara 3 names: leave it out, one problem per case.
  delete (c as { validate?: unknown }).validate;
  edit(c);
  writeJson(m.config, c);
  try {
    loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  } catch (e) {
    const err = e as { code: string; message: string };
    assert.equal(err.code, 'ERR_CONFIG');
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message.slice(m.config.length + 2);
  }
  return assert.fail('expected the config to be refused');
}

const expected: [string, string][] = [
  ['LoadNifty', 'LoadNifti'],
  ['VolumeTo4DArray', 'ConvertToChannelsFirst'],
  ['TransformVolumeCropROIFastPosNegRatio', 'FastPosNegRatioCropROI'],
  ['CropSubVolumeBatchPosNegRatio', 'CropByPosNegRatio (FastCropByPosNegRatio for fast_crop: true)'],
  ['CropSubVolumeRandomWithinBounds', 'CropFixedSizeRandomCenter'],
  ['FlipAxisRandom', 'RandomAxisFlip'],
  ['AugmentIntensityRandomScaleShift', 'ScaleShiftIntensity'],
  ['BratsConvertLabels', 'ConvertToMultiChannelBasedOnBratsClasses'],
];

test('Clara 2.x transform names are refused in one line naming the Clara 3 name', (t) => {
  assert.deepEqual(Object.entries(CLARA2_TRANSFORM_NAMES), expected);
  for (const [old, now] of expected) {
    const msg = refusal(tempDir(t), (c) => {
      c.train.pre_transforms[0].name = old;
    });
    assert.equal(msg, `train.pre_transforms[0].name: ${old} is Clara 2.x; Clara 3 calls it ${now}`);
    // The Clara 3 name it points to is one the config accepts.
    assert.ok(createDefaultRegistry().has(now.split(' ')[0]), now);
  }
});

test('Clara 2.x image pipeline args are refused in one line naming the Clara 3 arg; all of them are reported', (t) => {
  const msg = refusal(tempDir(t), (c) => {
    const a = c.train.image_pipeline.args;
    delete a.output_crop_size;
    delete a.output_batch_size;
    Object.assign(a, { crop_size: [96, 96, 96], num_channels: 1, batch_size: 4 });
  });
  assert.equal(
    msg,
    'train.image_pipeline.args.output_crop_size: expected array, got nothing; ' +
      'train.image_pipeline.args.crop_size: crop_size is Clara 2.x; Clara 3 calls it output_crop_size; ' +
      'train.image_pipeline.args.num_channels: num_channels is Clara 2.x; Clara 3 calls it output_image_channels; ' +
      'train.image_pipeline.args.batch_size: batch_size is Clara 2.x; Clara 3 calls it output_batch_size',
  );
  for (const [old, now] of Object.entries(CLARA2_PIPELINE_ARGS)) {
    const one = refusal(tempDir(t), (c) => {
      c.train.image_pipeline.args[old] = 1;
    });
    assert.equal(one, `train.image_pipeline.args.${old}: ${old} is Clara 2.x; Clara 3 calls it ${now}`);
  }
});
