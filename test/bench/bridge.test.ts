import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensureData } from '../../src/bench/measure.js';
import { QUICK, modeSpec, pipelineOptions } from '../../src/bench/spec.js';
import { bridgeTargets, runBridgeMode, withBridge, writeBridgeConfig, findPython } from '../../src/bench/bridge.js';
import { loadConfig } from '../../src/config/load-config.js';
import { pipelineOptionsFromSpec } from '../../src/pipeline/from-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import type { ModeResult } from '../../src/bench/measure.js';
import { tempDir } from '../helpers.js';

const { python, reason } = findPython();
if (!python) console.log(`# bench bridge mode test skipped: ${reason}`);

test('the bridge mode\'s Clara config makes the engine options of the in-process Smart Cache mode', (t) => {
  const data = ensureData(tempDir(t), QUICK);
  const bridge = modeSpec('bridge')!;
  const config = loadConfig({ config: writeBridgeConfig(QUICK, bridge, data), registry: createDefaultRegistry() });
  const fromConfig = pipelineOptionsFromSpec(config, config.train!, { seed: 0 });
  const direct = pipelineOptions(QUICK, modeSpec('smart-r0')!, data.items);
  const pick = (o: typeof direct) => ({
    items: o.items,
    transforms: o.transforms.map((e) => ({ name: 'name' in e ? e.name : undefined, args: e.args })),
    batchTransforms: o.batchTransforms?.map((e) => ({ name: 'name' in e ? e.name : undefined, args: e.args })),
    cropSize: o.cropSize, dataFormat: o.dataFormat, imageDtype: o.imageDtype, labelDtype: o.labelDtype,
    batchSize: o.batchSize, workers: o.workers, seed: o.seed, shuffle: o.shuffle, cache: { ...o.cache, maxBytes: undefined },
  });
  assert.deepEqual(pick(fromConfig), pick(direct));
});

test('withBridge keeps the bridge mode when Python is there; bridgeTargets compares it with smart-r0', () => {
  const modes = [{ name: 'smart-r0' }, { name: 'bridge', bridge: true }];
  const notes: string[] = [];
  assert.deepEqual(withBridge(modes, false, (s) => notes.push(s)).map((m) => m.name), python ? ['smart-r0', 'bridge'] : ['smart-r0']);
  assert.deepEqual(notes, python ? [] : [`bridge mode skipped: ${reason}\n`]);
  const r = (mode: string, cropsPerS: number) => ({ mode, cropsPerS }) as ModeResult;
  assert.deepEqual(bridgeTargets([r('smart-r0', 80), r('bridge', 76)]).map((x) => [x.value, x.ok]), [[0.95, true]]);
  assert.deepEqual(bridgeTargets([r('smart-r0', 80), r('bridge', 60)]).map((x) => [x.value, x.ok]), [[0.75, false]]);
  assert.deepEqual(bridgeTargets([r('smart-r0', 80)]), []);
});

test('bench bridge mode (quick data): a Python consumer reports crops/s and the per-batch costs', { skip: python ? false : reason }, async (t) => {
  const data = ensureData(join(tempDir(t), 'data'), QUICK);
  const r = await runBridgeMode(QUICK, modeSpec('bridge')!, data);
  assert.equal(r.mode, 'bridge');
  assert.equal(r.cropsPerEpoch, 16, 'every volume gives 4 crops each epoch');
  assert.equal(r.outputBytesPerEpoch, 4 * 4 * 2 * 32 ** 3 * 4, 'image + label crops as float32');
  assert.equal(r.epochMs.length, QUICK.epochs);
  assert.ok(r.cropsPerS > 0 && r.firstBatchMs > 0 && r.fillEpochMs! > 0 && r.peakRssMb > 0);
  assert.ok(r.bytesCached > 0, 'Smart Cache holds the volumes');
  assert.ok(r.bridge.clientMsPerBatch > 0 && r.bridge.writeMsPerBatch > 0 && r.bridge.pythonPeakRssMb > 0);
  assert.ok(r.transformMs.some((x) => x.name === 'ScaleIntensityOscillation'));
});
