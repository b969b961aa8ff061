import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume } from '../../../src/io/index.js';
import { toChainImage } from '../../../src/transforms/image.js';
import { cropAt } from '../../../src/transforms/crop/index.js';
import { applyAffine } from '../../../src/volume/affine.js';
import { FIXTURES, close } from '../../helpers.js';

const DIR = join(FIXTURES, 'conformance', 'transforms');
const c = (JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')).cases as { id: string; kernel: { args: { start: number[]; size: number[] } }; expected: { image: string }; tolerance: { abs: number; rel: number } }[]).find(
  (x) => x.id === 'crop_at',
)!;

test('conformance: crop_at kernel', () => {
  const src = toChainImage(readVolume(join(DIR, 'in_ct.nii.gz')));
  const got = cropAt(src, c.kernel.args.start, c.kernel.args.size);
  const want = toChainImage(readVolume(join(DIR, c.expected.image)));
  assert.deepEqual(got.shape, want.shape);
  for (let i = 0; i < want.data.length; i++) assert.ok(close(got.data[i], want.data[i], c.tolerance.rel, c.tolerance.abs), `voxel ${i}`);
  assert.deepEqual(got.spacing, want.spacing.map((s, i) => (i < 3 ? src.spacing[i] : s)));
  // The crop's voxel 0 sits where the source's voxel `start` sat.
  const w0 = applyAffine(got.affine, [0, 0, 0]);
  const ws = applyAffine(src.affine, c.kernel.args.start);
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(w0[a] - ws[a]) < 1e-9);
});
