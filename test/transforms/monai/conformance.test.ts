import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDefaultRegistry } from '../../../src/transforms/catalogue.js';
import { isChainImage, spatialShape, channelCount, type ChainImage, type Sample } from '../../../src/transforms/image.js';
import type { TransformContext } from '../../../src/transforms/types.js';
import { extremePointsImage } from '../../../src/transforms/annotation/add-extreme-points-channeld.js';
import { FIXTURES, close } from '../../helpers.js';

/**
 * Every deterministic MONAI dictionary transform (and the deterministic twin
 * of each random one) against MONAI 1.4.0's own output on small volumes:
 * test/fixtures/conformance/monai/make_monai_refs.py made the references.
 */

interface Expected {
  file: string;
  shape: number[];
}
interface Case {
  id: string;
  transform?: { name: string; args: Record<string, unknown> };
  kernel?: { name: string; args: Record<string, unknown> };
  inputs: Record<string, string>;
  expected: Record<string, Expected>;
  tolerance: { abs: number; rel: number; label_agreement?: number };
}

const DIR = join(FIXTURES, 'conformance', 'monai');
const REF = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { monai: string; cases: Case[]; kernels: Case[] };
const registry = createDefaultRegistry();
const ctx: TransformContext = {
  get rng(): never {
    throw new Error('a deterministic transform drew from the rng');
  },
  record: () => {},
};

function run(c: Case): Sample {
  const keys = Object.keys(c.inputs);
  let s: Sample = Object.fromEntries(keys.map((k) => [k, join(DIR, c.inputs[k])]));
  for (const e of [{ name: 'LoadImaged', args: { keys } }, { name: 'EnsureChannelFirstd', args: { keys } }, c.transform!])
    s = registry.create(e, c.id).apply(s, ctx);
  return s;
}

function compare(c: Case, key: string, img: ChainImage): void {
  const exp = c.expected[key];
  const shape = [channelCount(img), ...spatialShape(img)];
  assert.deepEqual(shape, exp.shape, `${c.id}: shape of ${key}`);
  const buf = readFileSync(join(DIR, exp.file));
  const want = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  assert.equal(img.data.length, want.length, `${c.id}: ${key} length`);
  if (key !== 'image' && c.tolerance.label_agreement !== undefined) {
    let same = 0;
    for (let i = 0; i < want.length; i++) if (img.data[i] === want[i]) same++;
    assert.ok(same / want.length >= c.tolerance.label_agreement, `${c.id}: ${key} agrees on ${((100 * same) / want.length).toFixed(2)}% of voxels`);
    return;
  }
  let bad = 0, first = -1;
  for (let i = 0; i < want.length; i++)
    if (!close(img.data[i], want[i], c.tolerance.rel, c.tolerance.abs)) {
      if (first < 0) first = i;
      bad++;
    }
  assert.equal(bad, 0, `${c.id}: ${key}: ${bad} of ${want.length} voxels differ, first at ${first}: got ${img.data[first]}, MONAI ${want[first]}`);
}

test(`MONAI ${REF.monai} conformance: ${REF.cases.length} dictionary transforms match MONAI's output`, async (t) => {
  assert.ok(REF.cases.length >= 35);
  for (const c of REF.cases)
    await t.test(c.id, () => {
      const out = run(c);
      for (const key of Object.keys(c.expected)) {
        const img = out[key];
        assert.ok(isChainImage(img), `${c.id}: ${key} is an image`);
        compare(c, key, img);
      }
    });
});

test('MONAI conformance: the extreme-points heat map (the deterministic part of AddExtremePointsChanneld)', () => {
  const c = REF.kernels.find((k) => k.id === 'extreme_points_image')!;
  const s = registry.create({ name: 'LoadImaged', args: { keys: 'label' } }).apply({ label: join(DIR, c.inputs.label) }, ctx);
  const a = c.kernel!.args as { points: number[][]; sigma: number; rescale_min: number; rescale_max: number };
  compare(c, 'image', extremePointsImage(s.label as ChainImage, a.points, a.sigma, a.rescale_min, a.rescale_max));
});
