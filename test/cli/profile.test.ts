import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { percentile, type ProfileReport } from '../../src/cli/commands/profile.js';
import { readVolume } from '../../src/io/index.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('profile --json: every transform with calls, mean, p95, share and the bytes of its output; the cached prefix marked', async (t) => {
  const dir = tempDir(t);
  const s = DEMO_SIZES.small;
  const mmar = writeDemoMmar(join(dir, 'mmar'), 'segmentation', s);
  const r = await cli('profile', '--config', mmar.config, '--mmar', mmar.root, '--samples', '6', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n').length, 1);
  const rep = JSON.parse(r.out) as ProfileReport;
  assert.equal(rep.samples, 6);
  assert.deepEqual(
    rep.transforms.map((x) => [x.name, x.cached]),
    [
      ['LoadNifti', true],
      ['ConvertToChannelsFirst', true],
      ['ScaleIntensityRange', true],
      ['PrecomputeFgBgIndices', true],
      ['FastCropByPosNegRatio', false],
      ['RandomAxisFlip', false],
      ['ScaleIntensityOscillation', false],
    ],
  );
  for (const x of rep.transforms) {
    assert.equal(x.calls, 6);
    assert.ok(x.mean_ms >= 0 && x.p95_ms >= 0 && x.share >= 0 && x.share <= 1);
  }
  assert.ok(Math.abs(rep.transforms.reduce((a, x) => a + x.share, 0) - 1) < 1e-9);
  assert.equal(rep.transforms.filter((x) => x.slowest).length, 1);
  const slowest = rep.transforms.find((x) => x.slowest)!;
  assert.equal(slowest.mean_ms, Math.max(...rep.transforms.map((x) => x.mean_ms)));
  assert.ok(Math.abs(rep.total_ms_per_sample - rep.transforms.reduce((a, x) => a + x.mean_ms, 0)) < 1e-9);
  assert.ok(rep.tail_ms_per_sample! < rep.total_ms_per_sample);
  // Bytes: the crops are 2 x 16^3 float32 images + 2 x 16^3 uint8 labels.
  const crop = s.cropsPerVolume * 16 ** 3 * (4 + 1);
  assert.deepEqual(rep.transforms.slice(4).map((x) => x.bytes_out), [crop, crop, crop]);
  // After ScaleIntensityRange the image is float32 (4 bytes), the label still uint8: 5 bytes a voxel of the loaded volumes.
  assert.ok(rep.transforms[0].bytes_out < rep.transforms[2].bytes_out);
  assert.equal(rep.transforms[2].bytes_out % 5, 0);
  const vox = readVolume(join(mmar.dataRoot, 'imagesTr/spleen_0.nii.gz')).shape.reduce((a, b) => a * b, 1);
  assert.ok(vox >= 48 * 48 * 24 && vox <= 48 * 48 * 28);
});

test('profile: the table flags the slowest step once and says what Smart Cache saves', async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const r = await cli('profile', '--config', mmar.config, '--mmar', mmar.root, '-k', '3');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0], /^# {2}transform +mean ms {2}p95 ms {2}share {2}bytes out$/);
  assert.match(lines[1], /^0 {2}LoadNifti +\d+\.\d\d +\d+\.\d\d +\d+\.\d% +[\d.]+ KiB {2}cached/);
  assert.equal(lines.filter((l) => l.endsWith('<- slowest')).length, 1);
  assert.match(lines.at(-2)!, /^3 samples, [\d.]+ ms per sample on one thread; slowest step: \w+ \(\d+%\)$/);
  assert.match(lines.at(-1)!, /^Smart Cache keeps the output of the steps marked cached \(run once per item\): [\d.]+ ms per sample after the cache fills$/);
});

test('profile: a classification config without a cache has no cached steps; percentile interpolates as numpy', async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'classification', DEMO_SIZES.small);
  const r = await cli('profile', '--config', mmar.config, '--mmar', mmar.root, '-k', '4', '--json');
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as ProfileReport;
  assert.deepEqual(rep.transforms.map((x) => x.name), ['LoadPng', 'ScaleIntensityRange', 'RandomRotate2D', 'ScaleIntensityOscillation']);
  assert.ok(rep.transforms.every((x) => !x.cached));
  assert.equal(rep.tail_ms_per_sample, undefined);
  const side = DEMO_SIZES.small.size;
  assert.equal(rep.transforms[0].bytes_out, side * side, 'an 8-bit grey PNG');
  assert.equal(rep.transforms[1].bytes_out, side * side * 4, 'float32 after scaling');
  assert.equal(percentile([1, 2, 3, 4, 5], 95), 4.8);
  assert.equal(percentile([7], 95), 7);
});
