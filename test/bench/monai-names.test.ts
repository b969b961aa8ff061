import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, modeSpec, pipelineOptions } from '../../src/bench/spec.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { FIXTURES } from '../helpers.js';

/** The bench's monai-names mode: smart-r0's work in MONAI's names (the bench itself runs on an idle machine, not here). */

const SPLEEN4 = join(FIXTURES, 'conformance', 'monai', 'spleen4');
const items = (JSON.parse(readFileSync(join(SPLEEN4, 'config', 'dataset_0.json'), 'utf8')).training as Record<string, string>[]).map((it) => ({
  image: join(SPLEEN4, 'data', it.image),
  label: join(SPLEEN4, 'data', it.label),
}));

test('bench mode monai-names: the spleen chain in MONAI names, with smart-r0\'s cache, workers and batches', async () => {
  const p = { ...QUICK, crop: 8 };
  const monai = modeSpec('monai-names')!;
  const clara = modeSpec('smart-r0')!;
  assert.deepEqual([monai.workers, monai.cache], [clara.workers, clara.cache]);
  const shapes = async (mode: typeof monai) => {
    const pipe = createPipeline({ ...pipelineOptions(p, mode, items), workers: 0 });
    const out: number[][] = [];
    try {
      for await (const b of pipe.epoch(0)) out.push(b.fields.image.shape, b.fields.label.shape);
      return { describe: pipe.describe(), out };
    } finally {
      await pipe.close();
    }
  };
  const m = await shapes(monai);
  const c = await shapes(clara);
  assert.match(m.describe, /^LoadImaged -> EnsureChannelFirstd -> ScaleIntensityRanged -> SpatialPadd -> RandCropByPosNegLabeld -> RandAxisFlipd -> RandScaleIntensityd \| MergeBatchDims \| batch 2, 0 workers, Smart Cache 3 items/);
  assert.deepEqual(m.out, c.out);
  assert.deepEqual(m.out[0], [8, 1, 8, 8, 8]);
});
