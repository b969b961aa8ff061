import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { readVolume } from '../../src/io/index.js';
import { applyAffine } from '../../src/volume/affine.js';
import { linearIndex } from '../../src/volume/volume.js';
import type { Volume } from '../../src/volume/volume.js';
import { FIXTURES, tempDir } from '../helpers.js';

const DICOM = join(FIXTURES, 'dicom');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function invert4(m: number[][]): number[][] {
  // 4x4 affine inverse: [R t; 0 1]^-1 = [R^-1, -R^-1 t].
  const [a, b, c] = m;
  const det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  const r = [
    [(b[1] * c[2] - b[2] * c[1]) / det, (a[2] * c[1] - a[1] * c[2]) / det, (a[1] * b[2] - a[2] * b[1]) / det],
    [(b[2] * c[0] - b[0] * c[2]) / det, (a[0] * c[2] - a[2] * c[0]) / det, (a[2] * b[0] - a[0] * b[2]) / det],
    [(b[0] * c[1] - b[1] * c[0]) / det, (a[1] * c[0] - a[0] * c[1]) / det, (a[0] * b[1] - a[1] * b[0]) / det],
  ];
  const t = [0, 1, 2].map((i) => -(r[i][0] * a[3] + r[i][1] * b[3] + r[i][2] * c[3]));
  return [[...r[0], t[0]], [...r[1], t[1]], [...r[2], t[2]], [0, 0, 0, 1]];
}

/**
 * Same image in the world: every voxel of `a` lands (within `tol` voxels) on
 * a voxel centre of `b` holding the same value. Tools may store the axes
 * flipped or permuted (dcm2niix flips rows); the world is what must agree.
 */
function assertSameInWorld(a: Volume, b: Volume, tol: number) {
  assert.equal(a.data.length, b.data.length, 'voxel count');
  assert.deepEqual([...a.shape].sort((x, y) => x - y), [...b.shape].sort((x, y) => x - y), 'shape up to axis order');
  const toB = invert4(b.affine);
  const [X, Y, Z] = a.shape;
  for (let k = 0; k < Z; k++)
    for (let j = 0; j < Y; j++)
      for (let i = 0; i < X; i++) {
        const w = applyAffine(a.affine, [i, j, k]);
        const ijk = applyAffine(toB, w);
        const r = ijk.map(Math.round);
        ijk.forEach((x, d) => assert.ok(Math.abs(x - r[d]) < tol, `voxel [${i},${j},${k}] maps to [${ijk}] in the other image`));
        const va = a.data[linearIndex(a.shape, [i, j, k])];
        const vb = b.data[linearIndex(b.shape, r)];
        if (Math.abs(va - vb) > 1e-3) assert.fail(`voxel [${i},${j},${k}]: ${va} vs ${vb} at [${r}]`);
      }
}

test('convert: DICOM series folder -> .nii.gz keeps shape, affine and values (int16 + scl_inter, as dcm2niix stores it)', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'ct.nii.gz');
  const r = await cli(['convert', join(DICOM, 'ct-series'), out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /ct\.nii\.gz: 16 x 12 x 5 int16 from dicom-series/);
  const series = readVolume(join(DICOM, 'ct-series'));
  const nii = readVolume(out, { scaling: 'defer' });
  assert.equal(nii.dtype, 'int16', 'stored values kept');
  assert.equal(nii.meta.sclInter, -1024);
  const scaled = readVolume(out);
  assert.deepEqual(scaled.shape, series.shape);
  for (let r0 = 0; r0 < 4; r0++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(scaled.affine[r0][c] - series.affine[r0][c]) < 1e-5);
  assert.deepEqual(Array.from(scaled.data), Array.from(series.data));
});

test('convert: a DICOM series gives what dcm2niix makes of it (shape, world geometry, values)', async (t) => {
  const which = spawnSync('dcm2niix', ['-h'], { encoding: 'utf8' });
  if (which.error) {
    t.skip('dcm2niix is not installed (apt-get install dcm2niix; .ci/run does it)');
    console.log('# skipped: dcm2niix not found on PATH');
    return;
  }
  const dir = tempDir(t);
  const src = join(dir, 'series');
  cpSync(join(DICOM, 'ct-series'), src, { recursive: true });
  const res = spawnSync('dcm2niix', ['-z', 'y', '-f', 'ref', '-o', dir, src], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const ref = readVolume(join(dir, 'ref.nii.gz'));
  const ours = join(dir, 'ours.nii.gz');
  assert.equal((await cli(['convert', src, ours])).code, 0);
  const mine = readVolume(ours);
  assert.deepEqual(mine.shape, ref.shape, 'dcm2niix keeps the axes (it flips rows only)');
  assertSameInWorld(mine, ref, 1e-3);
  // Voxel sizes agree too (dcm2niix's pixdim vs ours).
  const sorted = (v: number[]) => v.slice(0, 3).sort((a, b) => a - b);
  sorted(mine.spacing).forEach((s, i) => assert.ok(Math.abs(s - sorted(ref.spacing)[i]) < 1e-4, `spacing ${s} vs ${sorted(ref.spacing)[i]}`));
});

test('convert: every format converts, colour becomes NIfTI RGB; inspect --json works on each', async (t) => {
  const dir = tempDir(t);
  const inputs = [
    join(DICOM, 'ct-series'),
    join(DICOM, 'mf-enhanced.dcm'),
    join(DICOM, 'rgb8.dcm'),
    join(FIXTURES, 'png', 'grey16.png'),
    join(FIXTURES, 'png', 'rgb8.png'),
    join(FIXTURES, 'jpeg', 'rgb.jpg'),
    join(FIXTURES, 'numpy', 'float32-c.npy'),
    join(FIXTURES, 'numpy', 'pair.npz'),
  ];
  for (const [n, input] of inputs.entries()) {
    const out = join(dir, `o${n}.nii`);
    const r = await cli(['convert', input, out]);
    assert.equal(r.code, 0, `${input}: ${r.err}`);
    const src = readVolume(input);
    const back = readVolume(out);
    if (src.meta.channels === 3) {
      assert.equal(back.dtype, 'rgb24', input);
      assert.deepEqual(back.shape, src.shape);
    } else assert.deepEqual(back.shape, src.shape, input);
    for (let r0 = 0; r0 < 4; r0++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(back.affine[r0][c] - src.affine[r0][c]) < 1e-4, `${input} affine`);
    for (let i = 0; i < src.data.length; i++) if (Math.abs(back.data[i] - src.data[i]) > 1e-4) assert.fail(`${input} voxel ${i}: ${back.data[i]} vs ${src.data[i]}`);
    const ins = await cli(['inspect', '--json', input]);
    assert.equal(ins.code, 0, ins.err);
    const j = JSON.parse(ins.out);
    assert.deepEqual(j.shape, src.shape);
    assert.equal(j.dtype, src.dtype);
  }
  assert.equal(readdirSync(dir).length, inputs.length);
});

test('convert: a non-NIfTI output name and an unreadable input are one-line errors', async (t) => {
  const dir = tempDir(t);
  const bad = await cli(['convert', join(FIXTURES, 'png', 'grey8.png'), join(dir, 'x.png')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^voxelpipe: .*x\.png: output must be a NIfTI file name ending in \.nii or \.nii\.gz\n$/);
  const missing = await cli(['convert', join(dir, 'nope.dcm'), join(dir, 'x.nii')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.dcm: no such file or directory/);
  const unsupported = await cli(['inspect', join(DICOM, 'ts-jpegls.dcm')]);
  assert.equal(unsupported.code, 1);
  assert.match(unsupported.err, /not supported/);
});
