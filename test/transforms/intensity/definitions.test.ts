import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformRegistry } from '../../../src/transforms/registry.js';
import { intensityTransforms } from '../../../src/transforms/intensity/index.js';
import { cropTransforms } from '../../../src/transforms/crop/index.js';
import { annotationTransforms } from '../../../src/transforms/annotation/index.js';
import { batchTransforms } from '../../../src/transforms/batch/index.js';
import type { ChainImage } from '../../../src/transforms/image.js';
import { ctxFor, synth } from '../crop/synthetic.js';

const families = { intensity: intensityTransforms, crop: cropTransforms, annotation: annotationTransforms, batch: batchTransforms };

test('every definition of these families has a summary, a MONAI equivalent, its family, and an example that runs', () => {
  const registry = new TransformRegistry();
  for (const defs of Object.values(families)) for (const d of defs) registry.register(d);
  assert.equal(registry.definitions().filter((d) => (d.vocabulary ?? 'clara') === 'clara').length, 16);
  const image = synth([100, 100, 100], 'int16', (x, y, z) => (x * 3 + y * 5 + z * 7) % 300 - 100);
  const label = synth([100, 100, 100], 'uint8', (x, y, z) => (x > 40 && x < 60 && y > 30 && y < 70 && z > 45 && z < 55 ? 1 : 0));
  for (const [family, defs] of Object.entries(families))
    for (const d of defs) {
      assert.equal(d.family, family, d.name);
      assert.ok(d.summary.length > 10 && d.monai && d.example, `${d.name}: summary, monai and example`);
      const t = registry.create({ name: d.name, args: d.example }, `example of ${d.name}`);
      const out = t.apply({ image, label }, ctxFor(1));
      for (const f of t.fields) if (out[f] !== undefined) assert.ok(ArrayBuffer.isView((out[f] as ChainImage).data), `${d.name}: ${f} is an image`);
    }
});
