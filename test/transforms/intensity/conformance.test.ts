import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume } from '../../../src/io/index.js';
import { toChainImage, type ChainImage } from '../../../src/transforms/image.js';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { intensityTransforms } from '../../../src/transforms/intensity/index.js';
import { rngFor } from '../../../src/util/rng.js';
import { FIXTURES, close } from '../../helpers.js';

const DIR = join(FIXTURES, 'conformance', 'transforms');
const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')).cases as {
  id: string;
  transform: { name: string; args: Record<string, unknown> };
  inputs: Record<string, string>;
  expected: Record<string, string>;
  tolerance: { abs: number; rel: number };
}[];

const registry = new TransformRegistry();
for (const d of intensityTransforms) registry.register(d);

function compare(got: ChainImage, want: ChainImage, tol: { abs: number; rel: number }, what: string) {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let bad = 0, first = '';
  for (let i = 0; i < want.data.length; i++)
    if (!close(got.data[i], want.data[i], tol.rel, tol.abs)) {
      if (bad++ === 0) first = `voxel ${i}: got ${got.data[i]}, want ${want.data[i]}`;
    }
  assert.equal(bad, 0, `${what}: ${bad} voxels differ, first ${first}`);
}

for (const id of ['scale_intensity_range_clip_true', 'scale_intensity_range_clip_false', 'normalize_nonzero']) {
  const c = cases.find((x) => x.id === id)!;
  for (const scaling of ['apply', 'defer'] as const)
    test(`conformance: ${id} (scaling ${scaling})`, () => {
      const sample: Record<string, unknown> = {};
      for (const [f, file] of Object.entries(c.inputs)) sample[f] = toChainImage(readVolume(join(DIR, file), { scaling }));
      const t = registry.create(c.transform, 'conformance');
      const out = t.apply(sample, { rng: rngFor(0, 0, 0, 0), record: () => {} });
      for (const [f, file] of Object.entries(c.expected)) {
        const got = out[f] as ChainImage;
        assert.ok(got.data instanceof Float32Array, 'float32 output');
        assert.notEqual(got.meta.scalingDeferred, true, 'output holds scaled values');
        compare(got, toChainImage(readVolume(join(DIR, file))), c.tolerance, `${id}.${f}`);
      }
    });
}
