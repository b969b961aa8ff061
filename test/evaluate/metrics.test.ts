import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS, type MetricName } from '../../src/config/evaluation-components.js';
import type { MetricSpec } from '../../src/config/evaluation.js';
import { averageAuc, caseDice, createMetric, rocAuc, summarize, writeMetricReport } from '../../src/evaluate/metrics/index.js';
import type { ChainImage } from '../../src/transforms/image.js';
import { VoxelpipeError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

const I4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

/** A chain image [n, 1, 1, C] from per-channel value lists. */
function img(...channels: number[][]): ChainImage {
  const n = channels[0].length;
  return { data: Float32Array.from(channels.flat()), shape: [n, 1, 1, channels.length], dtype: 'float32', spacing: [1, 1, 1, 1], affine: I4, meta: {}, batched: false };
}

function spec<N extends MetricName>(name: N, args: Record<string, unknown>, reportDir?: string): MetricSpec<N> {
  return { name, args: METRICS[name].parse(args) as MetricSpec<N>['args'], ...(reportDir ? { reportDir } : {}), jsonPath: 'val_metrics[0]' };
}

const dice = (args: Record<string, unknown>) => METRICS.ComputeAverageDice.parse({ name: 'd', field: 'p', label_field: 'l', ...args });

test('Dice of binary maps: 2|P and L| / (|P| + |L|), prediction thresholded at logit_thresh, NaN when both are empty', () => {
  assert.equal(caseDice(img([1, 1, 0, 0]), img([1, 0, 1, 0]), dice({})), 0.5);
  assert.equal(caseDice(img([0.9, 0.6, 0.2, 0]), img([1, 1, 0, 0]), dice({})), 1);
  assert.equal(caseDice(img([0.9, 0.6, 0.2, 0]), img([1, 1, 0, 0]), dice({ logit_thresh: 0.7 })), 2 / 3);
  assert.ok(Number.isNaN(caseDice(img([0, 0]), img([0, 0]), dice({}))));
  assert.equal(caseDice(img([1, 0]), img([0, 1]), dice({})), 0);
});

test('Dice of multi-channel predictions: per class against a class-index label or one-hot targets, background left out when remove_bg, mean of the defined classes', () => {
  // 4 voxels, 3 classes; label map [0, 1, 2, 2].
  const pred = img([1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]);
  const label = img([0, 1, 2, 2]);
  // class 1: P {1,3}, L {1}: 2/3; class 2: P {2}, L {2,3}: 2/3; background: P {0}, L {0}: 1.
  assert.ok(Math.abs(caseDice(pred, label, dice({})) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(caseDice(pred, label, dice({ remove_bg: false })) - (1 + 2 / 3 + 2 / 3) / 3) < 1e-12);
  const oneHot = img([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]);
  assert.ok(Math.abs(caseDice(pred, oneHot, dice({ is_one_hot_targets: true })) - 2 / 3) < 1e-12);
  // Class 2 absent from both: left out of the mean.
  assert.equal(caseDice(img([1, 0], [0, 1], [0, 0]), img([0, 1]), dice({})), 1);
  assert.throws(() => caseDice(pred, oneHot, dice({})), (e: unknown) => e instanceof VoxelpipeError && /has 3 channels, label field "l" has 3; expected 1 \(a class-index map/.test(e.message));
  assert.throws(() => caseDice(img([1, 0]), img([1, 0, 0]), dice({})), /field "p" has spatial shape \[2,1,1\], label field "l" has \[3,1,1\]/);
});

test('ROC AUC: the Mann-Whitney statistic with tied scores at their mean rank (scikit-learn\'s values), NaN with one class', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  assert.equal(rocAuc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1]), 0.875);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
  const scores = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]];
  const truth = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]];
  const per = [0, 1, 2].map((c) => rocAuc(scores.map((r) => r[c]), truth.map((r) => r[c])));
  assert.deepEqual(per, [1, 11 / 12, 1]);
  assert.ok(Math.abs(averageAuc(scores, truth, 'macro') - (1 + 11 / 12 + 1) / 3) < 1e-12);
  assert.ok(Math.abs(averageAuc(scores, truth, 'weighted') - (1 * 1 + 2 * (11 / 12) + 2 * 1) / 5) < 1e-12);
  assert.equal(averageAuc(scores, truth, 'macro', [1]), 11 / 12);
  const flatS = scores.flat();
  assert.equal(averageAuc(scores, truth, 'micro'), rocAuc(flatS, truth.flat()));
});

test('summarize: NaN left out; numpy\'s median and population std', () => {
  assert.deepEqual(summarize([0.5, NaN, 1, 0.75, 0.25]), { count: 4, nanCount: 1, mean: 0.625, median: 0.625, min: 0.25, max: 1, std: Math.sqrt(0.078125) });
  assert.equal(summarize([NaN]).count, 0);
});

test('metrics keep a case only once it is committed; the reports are Clara\'s two files per metric', (t) => {
  const dir = tempDir(t);
  const d = createMetric(spec('ComputeAverageDice', { name: 'mean_dice', field: 'p', label_field: 'l' }, dir));
  const a = createMetric(spec('ComputeAverage', { name: 'avg', field: 'v', invalid_value: -1, negate_value: true }));
  const auc = createMetric(spec('ComputeAUC', { name: 'auc', field: 's', label_field: 'y' }, dir));
  const cases = [
    { p: img([1, 1, 0, 0]), l: img([1, 0, 1, 0]), v: 2, s: [0.1], y: 0 },
    { p: img([1, 0]), l: img([1, 0]), v: 1, s: [0.9], y: 1 },
    { p: img([0, 0]), l: img([0, 0]), v: [-1], s: [0.4], y: 1 },
  ];
  const dropped = d.measure({ sample: cases[0], image: '/d/x.nii.gz' });
  assert.equal(dropped.value, 0.5);
  assert.equal(d.count, 0, 'not committed');
  cases.forEach((s, i) => {
    for (const m of [d, a, auc]) m.measure({ sample: s, image: `/d/case${i}.nii.gz` }).commit();
  });
  assert.equal(d.total(), 0.75);
  assert.deepEqual(d.values().map(String), ['0.5', '1', 'NaN']);
  // Raw values 2, 1, -1: the -1 is invalid_value (compared before negation); the others negated.
  assert.equal(a.total(), -1.5);
  assert.deepEqual(a.values(), [-2, -1, NaN]);
  assert.equal(auc.total(), 1);
  assert.equal(auc.perCase, false);
  const files = writeMetricReport(d, dir);
  assert.deepEqual(files, [join(dir, 'mean_dice_raw_results.txt'), join(dir, 'mean_dice_summary_results.txt')]);
  assert.equal(readFileSync(files[0], 'utf8'), '/d/case0.nii.gz\t0.500000\n/d/case1.nii.gz\t1.000000\n/d/case2.nii.gz\tnan\n');
  assert.equal(
    readFileSync(files[1], 'utf8'),
    'metric: mean_dice\nvalue: 0.750000\ncases: 3\ncount: 2\nnan_count: 1\nmean: 0.750000\nmedian: 0.750000\nmin: 0.500000\nmax: 1.000000\nstd: 0.250000\n',
  );
  const aucFiles = writeMetricReport(auc, dir);
  assert.equal(readFileSync(aucFiles[0], 'utf8').split('\n')[1], '/d/case1.nii.gz\t0.900000\t1');
  assert.equal(readFileSync(aucFiles[1], 'utf8'), 'metric: auc\nvalue: 1.000000\ncases: 3\n');
  assert.throws(() => a.measure({ sample: { v: 'x' }, image: 'y' }), /avg: field "v" should hold one number, found string/);
  assert.throws(() => auc.measure({ sample: { s: [0.3, 0.7], y: 1 }, image: 'y' }), /auc: field "s" has 2 scores, earlier cases had 1/);
});
