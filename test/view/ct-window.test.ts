import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huMap } from '../../src/view/client/ct-window.js';
import type { StepJson } from '../../src/view/index.js';

const step = (name: string, args: Record<string, unknown>): StepJson => ({ index: 0, name, ms: 0, random: false, args, fields: {} });

test('CT presets follow the chain\'s rescalings of the field, composed (Clara and MONAI spellings); HU before them', () => {
  const steps = [
    step('LoadNifti', { fields: ['image', 'label'] }),
    step('ScaleIntensityRange', { fields: ['image'], a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true }),
    step('ScaleIntensityRanged#again', { keys: ['image'], a_min: 0, a_max: 1, b_min: null, b_max: null }),
    step('ScaleIntensityRange', { fields: ['other'], a_min: 0, a_max: 2, b_min: 0, b_max: 1 }),
  ];
  assert.equal(huMap(steps, 0, 'image').via, undefined);
  assert.equal(huMap(steps, 0, 'image').map(40), 40);
  const one = huMap(steps, 1, 'image');
  assert.equal(one.via, 'ScaleIntensityRange (step 1)');
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  assert.ok(near(one.map(-57), 0) && near(one.map(164), 1));
  assert.ok(near(one.map(-160), (-160 + 57) / 221), 'not clipped: a window may reach past the range');
  // Rescalings compose; MONAI's null b's mean 0..1; a rescaling of another field is skipped.
  const two = huMap([...steps, step('ScaleIntensityRanged', { keys: 'image', a_min: 0, a_max: 1, b_min: -1, b_max: 1 })], 4, 'image');
  assert.equal(two.via, 'ScaleIntensityRange (step 1), ScaleIntensityRanged#again (step 2), ScaleIntensityRanged (step 4)');
  assert.ok(near(two.map(-57), -1) && near(two.map(164), 1), `${two.map(-57)} ${two.map(164)}`);
  assert.equal(huMap(steps, 3, 'label').via, undefined);
});
