import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSegmentationDataset } from '../../src/synthetic/datasets.js';
import { writeJson } from '../config/mmars.js';
import { tempDir } from '../helpers.js';

// Clara's batches_to_gen_at_once: 12 crops x 48 batches from one volume is
// 576 crops at once. The first wave made them all in one call (here 2 x 576
// crops of 48^3, image and label as float32: ~1 GB, and copies of it), and
// real configs of this shape were killed by the OOM killer. Now the 48 crop
// batches of a volume are 48 units of work over one shared prefix output:
// memory holds what is in flight. Measured in a child process, as a user
// runs it, against the same process running a plain config.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function mmar(dir: string, cropBatches: number): string {
  makeSegmentationDataset({ dir: join(dir, 'data'), train: 2, size: 128, slices: [48, 48], seed: 5 });
  const crop = [48, 48, 48];
  writeJson(join(dir, 'config/environment.json'), { DATA_ROOT: '../data', DATASET_JSON: '../data/dataset_0.json' });
  writeJson(join(dir, 'config/config_train.json'), {
    train: {
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } },
        { name: 'FastCropByPosNegRatio', args: { size: crop, fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 12, batches_to_gen_at_once: cropBatches } },
        { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.1 } },
      ],
      image_pipeline: {
        name: 'SegmentationImagePipeline',
        args: { data_list_file_path: '{DATASET_JSON}', data_file_base_dir: '{DATA_ROOT}', data_list_key: 'training', output_crop_size: crop, batched_by_transforms: true, num_workers: 2 },
      },
    },
  });
  return join(dir, 'config/config_train.json');
}

function run(config: string): { batches: number; peak_rss_mb: number; fields: Record<string, { shape: number[] }> } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', config, '--json', '--workers', '2'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('batches_to_gen_at_once 48 x batch_size 12: peak RSS stays within 200 MB of a one-batch config (the 576 crops are never all in memory)', (t) => {
  const dir = tempDir(t);
  const base = run(mmar(join(dir, 'one'), 1));
  const big = run(mmar(join(dir, 'big'), 48));
  assert.equal(big.batches, 2 * 48, 'every crop batch of both volumes');
  assert.deepEqual(big.fields.image.shape, [12, 1, 48, 48, 48]);
  // All 576 crops of one volume, image and label as float32, would be 509 MB alone.
  assert.ok(big.peak_rss_mb <= base.peak_rss_mb + 200, `peak RSS ${big.peak_rss_mb} MB with 48 crop batches, ${base.peak_rss_mb} MB with 1`);
});
