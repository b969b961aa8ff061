import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/program.js';
import { FIXTURES, ROOT, close, tempDir } from '../helpers.js';

const run = promisify(execFile);
const NIFTI = join(FIXTURES, 'conformance', 'nifti');
const expected = JSON.parse(readFileSync(join(NIFTI, 'expected.json'), 'utf8')).files as Record<string, {
  shape: number[]; dtype: string; spacing: number[]; affine: number[][]; stats: Record<'min' | 'max' | 'mean' | 'sum', number>;
}>;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The real executable, as a user runs it (TypeScript entry through tsx). */
async function spawnCli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

test('inspect --json prints what nibabel reports, for every conformance file', async () => {
  for (const [name, exp] of Object.entries(expected)) {
    const { code, out, err } = await cli('inspect', join(NIFTI, name), '--json');
    assert.equal(code, 0, err);
    assert.equal(out.trim().split('\n').length, 1, 'exactly one JSON object on one line');
    const j = JSON.parse(out);
    assert.deepEqual(Object.keys(j).sort(), ['affine', 'dtype', 'format', 'shape', 'spacing', 'stats']);
    assert.deepEqual(j.shape, exp.shape, name);
    assert.equal(j.dtype, exp.dtype, name);
    exp.spacing.forEach((s, i) => assert.ok(close(j.spacing[i], s, 1e-6, 0), `${name} spacing`));
    exp.affine.forEach((row, r) => row.forEach((x, c) => assert.ok(close(j.affine[r][c], x, 1e-6, 1e-6), `${name} affine`)));
    for (const k of ['min', 'max', 'mean', 'sum'] as const) assert.ok(close(j.stats[k], exp.stats[k], 1e-5, 1e-6), `${name} stats.${k}`);
  }
});

test('inspect prints a human summary with the orientation code', async () => {
  const { code, out } = await cli('inspect', join(NIFTI, 'u16_qform_qfac_neg.nii.gz'));
  assert.equal(code, 0);
  assert.match(out, /^format\s+nifti1 \(little-endian\)$/m);
  assert.match(out, /^shape\s+30 x 30 x 12$/m);
  assert.match(out, /^orientation\s+LAS$/m);
  assert.match(out, /^values\s+min 132, max 3967/m);
  const ras = await cli('inspect', join(NIFTI, 'u8_sform.nii'));
  assert.match(ras.out, /^orientation\s+RAS$/m);
});

test('inspect on bad input prints one line naming the file and exits non-zero', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.nii.gz');
  writeFileSync(bad, Buffer.from('definitely not an image'));
  const r = await cli('inspect', bad);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(r.err, `voxelpipe: ${bad}: not a recognised image file: expected NIfTI (.nii, .nii.gz, .hdr/.img), DICOM, NRRD, MetaImage, PNG, JPEG or NumPy (.npy, .npz)\n`);
});

test('the voxelpipe executable: --help, exit codes, one-line errors, stack only with VOXELPIPE_DEBUG=1', async (t) => {
  const help = await spawnCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Commands:[\s\S]*inspect/);

  const ok = await spawnCli(['inspect', join(NIFTI, 'i16_nifti2.nii.gz'), '--json']);
  assert.equal(ok.code, 0);
  assert.deepEqual(JSON.parse(ok.out).shape, [24, 20, 12]);

  const dir = tempDir(t);
  const missing = join(dir, 'missing.nii');
  const bad = await spawnCli(['inspect', missing]);
  assert.equal(bad.code, 1);
  assert.equal(bad.err, `voxelpipe: ${missing}: no such file or directory\n`);
  const debug = await spawnCli(['inspect', missing], { VOXELPIPE_DEBUG: '1' });
  assert.equal(debug.code, 1);
  assert.match(debug.err, /^voxelpipe: .*no such file or directory\n.*VoxelpipeError/s);
  assert.match(debug.err, /\n    at /, "a stack trace follows");

  const unknown = await spawnCli(['frobnicate']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /unknown command 'frobnicate'/);
});
