import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeDemoMmar, DEMO_SIZES } from '../../src/synthetic/mmar.js';
import { loadTfjs } from '../../src/adapters/tfjs.js';
import { tempDir } from '../helpers.js';
import { optional, skipUnless } from '../adapters/helpers.js';

const SKIP = optional('@tensorflow/tfjs') ? false : skipUnless('@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-data', '@tensorflow/tfjs-layers');
if (SKIP) console.log(`# examples/train-unet-tfjs.ts test skipped: ${SKIP}`);

test('examples/train-unet-tfjs.ts (shortened: 16^3 crops, 2 filters, 12 steps): the loss on a fixed batch falls, Dice is reported, no tensor is left behind', { skip: SKIP }, async (t) => {
  const { trainUnet } = await import('../../examples/train-unet-tfjs.js');
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const tf = loadTfjs().core;
  const tensorsBefore = tf.memory().numTensors;
  const lines: string[] = [];
  const r = await trainUnet({ mmar: mmar.root, crop: 16, filters: 2, steps: 12, workers: 0, log: (l) => lines.push(l) });
  assert.equal(r.losses.length, 12);
  assert.equal(r.dice.length, 12);
  assert.ok(r.losses.every(Number.isFinite) && r.dice.every((d) => d >= 0 && d <= 1));
  assert.ok(r.after.loss < r.before.loss, `loss on the fixed batch ${r.before.loss} -> ${r.after.loss}`);
  assert.match(lines.find((l) => l.startsWith('step   1/12'))!, /^step {3}1\/12 {2}loss \d\.\d{4} {2}dice \d\.\d{3} {2}\(\d+\.\d s\)$/);
  assert.match(lines.find((l) => l.startsWith('model:'))!, /^model: 3D U-Net, \d+ parameters, input \[B, 16, 16, 16, 1\]$/);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'model, optimizer and every batch tensor disposed');
});
