import type { MetricSpec } from '../../config/evaluation.js';
import type { MetricArgs } from '../../config/evaluation-components.js';
import { VoxelpipeError } from '../../util/errors.js';
import { channelCount, getImage, spatialShape, voxelsPerChannel, type ChainImage } from '../../transforms/image.js';
import { formatValue, type Metric, type MetricCase } from './metric.js';

type DiceArgs = MetricArgs<'ComputeAverageDice'>;

/**
 * Dice of one channel pair: 2|P ∩ L| / (|P| + |L|) with P = pred > `predThreshold`
 * and L = label > 0.5 (or label == `labelClass` for a class-index map);
 * NaN when both are empty (nothing to overlap: the case does not count).
 */
export function channelDice(pred: ArrayLike<number>, pOff: number, label: ArrayLike<number>, lOff: number, n: number, predThreshold: number, labelClass?: number): number {
  let inter = 0;
  let p = 0;
  let l = 0;
  for (let i = 0; i < n; i++) {
    const a = pred[pOff + i] > predThreshold;
    const lv = label[lOff + i];
    const b = labelClass === undefined ? lv > 0.5 : lv === labelClass;
    if (a) p++;
    if (b) l++;
    if (a && b) inter++;
  }
  return p + l === 0 ? NaN : (2 * inter) / (p + l);
}

/**
 * Clara's ComputeAverageDice for one case: a 1-channel prediction is a
 * binary map (value > logit_thresh); a prediction of C channels is one map
 * per class, against a label of C channels (is_one_hot_targets) or a
 * class-index map, channel 0 left out when remove_bg. The case's value is
 * the mean over the channels whose Dice is defined.
 */
export function caseDice(pred: ChainImage, label: ChainImage, a: DiceArgs): number {
  const ps = spatialShape(pred);
  const ls = spatialShape(label);
  if (ps.join() !== ls.join())
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${a.name}: field "${a.field}" has spatial shape [${ps}], label field "${a.label_field}" has [${ls}]`);
  const n = voxelsPerChannel(pred);
  const cp = channelCount(pred);
  const cl = channelCount(label);
  const scores: number[] = [];
  if (cp === 1) {
    if (cl !== 1) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${a.name}: field "${a.field}" has 1 channel, label field "${a.label_field}" has ${cl}; a binary prediction needs a 1-channel label`);
    scores.push(channelDice(pred.data, 0, label.data, 0, n, a.logit_thresh));
  } else {
    if (a.is_one_hot_targets ? cl !== cp : cl !== 1)
      throw new VoxelpipeError(
        'ERR_SHAPE_MISMATCH',
        `${a.name}: field "${a.field}" has ${cp} channels, label field "${a.label_field}" has ${cl}; expected ${a.is_one_hot_targets ? `${cp} (is_one_hot_targets)` : '1 (a class-index map; or set is_one_hot_targets)'}`,
      );
    for (let c = a.remove_bg ? 1 : 0; c < cp; c++)
      scores.push(a.is_one_hot_targets ? channelDice(pred.data, c * n, label.data, c * n, n, a.logit_thresh) : channelDice(pred.data, c * n, label.data, 0, n, a.logit_thresh, c));
  }
  const defined = scores.filter((s) => !Number.isNaN(s));
  return defined.length ? defined.reduce((x, y) => x + y, 0) / defined.length : NaN;
}

export function createDiceMetric(spec: MetricSpec<'ComputeAverageDice'>): Metric {
  const cases: { image: string; value: number }[] = [];
  return {
    name: spec.args.name,
    spec,
    perCase: true,
    get count() {
      return cases.length;
    },
    measure(c: MetricCase) {
      const value = caseDice(getImage(c.sample, spec.args.field, spec.args.name), getImage(c.sample, spec.args.label_field, spec.args.name), spec.args);
      return { value, commit: () => void cases.push({ image: c.image, value }) };
    },
    total() {
      const v = cases.map((c) => c.value).filter((x) => !Number.isNaN(x));
      return v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN;
    },
    values: () => cases.map((c) => c.value),
    rawLines: () => cases.map((c) => `${c.image}\t${formatValue(c.value)}`),
  };
}
