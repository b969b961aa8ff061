import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

// The CI smoke run of `voxelpipe bench --quick`: structure only, never timing.
// Three modes keep it short: workers, Smart Cache, the persistent cache; each runs in its own child process.
test('bench --quick --json: floors, one row per mode, targets, a JSON report on disk', async (t) => {
  const dir = tempDir(t);
  const r = await cli('bench', '--quick', '--json', '--data-dir', join(dir, 'data'), '--out', join(dir, 'results'),
    '--mode', 'uncached-2', '--mode', 'smart-r25', '--mode', 'persistent');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, 'only the JSON report on stdout');
  const rep = JSON.parse(lines[0]);
  assert.equal(rep.version, 1);
  assert.equal(rep.profile, 'spleen-4x64-quick');
  assert.equal(rep.dataset.volumes, 4);
  assert.ok(rep.dataset.compressedBytes > 0 && rep.dataset.voxelBytes > rep.dataset.compressedBytes);
  assert.deepEqual(rep.chain, ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'FastCropByPosNegRatio', 'RandomAxisFlip', 'ScaleIntensityOscillation', 'MergeBatchDims']);
  for (const k of ['gunzipMs', 'memcpyMs', 'oneVolumeMs']) assert.ok(rep.floors[k] > 0, k);
  // 4 volumes x 4 crops x 2 fields x 32^3 float32.
  assert.equal(rep.floors.memcpyBytes, 4 * 4 * 2 * 32 ** 3 * 4);
  assert.ok(rep.floors.oneVolumeSteps.some((s: { name: string }) => s.name === 'PrecomputeFgBgIndices'));
  assert.deepEqual(rep.modes.map((m: { mode: string }) => m.mode), ['uncached-2', 'smart-r25', 'persistent']);
  const [u2, s25, pers] = rep.modes;
  for (const m of [u2, s25, pers]) {
    assert.equal(m.workers, 2);
    assert.equal(m.cropsPerEpoch, 16, 'every volume gives 4 crops each epoch');
    assert.equal(m.outputBytesPerEpoch, rep.floors.memcpyBytes, 'image + label crops as float32');
    assert.ok(m.cropsPerS > 0 && m.firstBatchMs > 0 && m.peakRssMb > 0);
    assert.equal(m.epochMs.length, 2);
  }
  assert.equal(u2.bytesCached, 0);
  assert.equal(u2.cacheFillMs, null);
  assert.ok(s25.bytesCached > 0 && s25.cacheFillMs > 0 && s25.fillEpochMs > 0);
  // The persistent mode: warmed in its own process first (a fresh data dir: every item misses), then read from disk.
  assert.deepEqual({ hits: pers.warm.hits, misses: pers.warm.misses }, { hits: 0, misses: 4 });
  assert.ok(pers.warm.bytes > 0 && pers.warm.warmMs > 0);
  assert.equal(pers.cacheFillMs, pers.warm.warmMs);
  assert.equal(pers.bytesCached, 0, 'nothing cached in memory');
  const names = rep.targets.map((x: { name: string }) => x.name);
  assert.ok(names.includes('uncached-2: epoch / (gunzip floor / 2) <= 1.4'), names.join('; '));
  assert.ok(names.includes('smart-r25: crops/s >= 300'));
  assert.ok(names.includes('persistent: peak RSS <= 450 MB'));
  assert.ok(rep.floors.calibration.ratio > 0, 'the two-thread calibration ran');
  assert.ok(rep.targets.every((x: { ok: unknown; value: unknown; limit: unknown }) => typeof x.ok === 'boolean' && typeof x.value === 'number' && typeof x.limit === 'number'));
  assert.ok(rep.file.startsWith(join(dir, 'results')));
  const { file, ...written } = rep;
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), written);
});

test('bench: an unknown mode is refused, naming the modes', async () => {
  const r = await cli('bench', '--quick', '--mode', 'warp-speed', '--no-save');
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').pop(), 'voxelpipe: bench: unknown mode "warp-speed" (modes: uncached-1, uncached-2, smart-r0, smart-r25, persistent, bridge, monai-names)');
});
