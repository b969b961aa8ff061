import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { spatialShape, type ChainImage, type Sample } from '../../../src/transforms/image.js';
import { spatialTransforms } from '../../../src/transforms/spatial/index.js';
import { rngFor } from '../../../src/util/rng.js';
import { applyAffine } from '../../../src/volume/affine.js';
import { close } from '../../helpers.js';
import { CASES, assertMatches, expectedGeometry, loadInput } from './conformance-helpers.js';

const registry = new TransformRegistry();
for (const def of spatialTransforms) registry.register(def);

const OURS = CASES.filter((c) => c.transform && registry.has(c.transform.name));
/** Grid changes that resample: the reference files carry the new affine (voxel 0 fixed, columns rescaled). */
const RESAMPLING = new Set(['ScaleByResolution', 'ScaleByFactor', 'ScaleToShape']);

test('conformance: every spatial transform case of cases.json is covered', () => {
  assert.deepEqual(
    OURS.map((c) => c.id),
    ['scale_by_resolution_image', 'scale_by_resolution_label', 'scale_by_factor', 'scale_to_shape', 'symmetric_padder_div', 'crop_foreground'],
  );
});

for (const c of OURS) {
  test(`conformance ${c.id} (${c.note})`, () => {
    const sample: Sample = {};
    for (const [field, file] of Object.entries(c.inputs)) sample[field] = loadInput(file);
    const t = registry.create(c.transform!, `conformance.${c.id}`);
    const out = t.apply(sample, { rng: rngFor(0, 0, 0, 0), record: () => {} });
    for (const field of Object.keys(c.expected)) {
      const img = out[field] as ChainImage;
      const input = sample[field] as ChainImage;
      assertMatches(c, field, spatialShape(img), img.data);
      const geo = expectedGeometry(c, field);
      for (let a = 0; a < 3; a++) assert.ok(close(img.spacing[a], geo.spacing[a], 1e-6, 0), `spacing[${a}]: ${img.spacing[a]} vs ${geo.spacing[a]}`);
      if (RESAMPLING.has(c.transform!.name)) {
        for (let r = 0; r < 4; r++)
          for (let k = 0; k < 4; k++) assert.ok(close(img.affine[r][k], geo.affine[r][k], 1e-6, 1e-6), `affine[${r}][${k}]`);
      } else {
        // The reference files keep the input affine for pads and crops; ours
        // moves the origin so every kept voxel keeps its world position.
        const offset = (img.meta.shapeHistory as { offset: number[] }[]).at(-1)!.offset;
        const world = applyAffine(img.affine, [0, 0, 0]);
        const before = applyAffine(input.affine, offset);
        for (let a = 0; a < 3; a++) assert.ok(close(world[a], before[a], 0, 1e-9), `origin moved wrongly on axis ${a}`);
      }
    }
  });
}
