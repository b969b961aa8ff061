import type { MetricSpec } from '../../config/evaluation.js';
import { VoxelpipeError } from '../../util/errors.js';
import { isChainImage } from '../../transforms/image.js';
import { averageAuc } from './auc-kernel.js';
import type { Metric, MetricCase } from './metric.js';

/** A case's class scores: a number (one class), a list of numbers, or a small image holding them. */
export function scoresOf(v: unknown, field: string, metric: string): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return v as number[];
  if (isChainImage(v)) return Array.from(v.data as ArrayLike<number>, Number);
  throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${metric}: field "${field}" should hold the class scores (numbers), found ${v === undefined ? 'nothing (no such field)' : typeof v}`);
}

/** A label as a 0/1 row of `k` classes: a class index, a one-hot / multi-label vector, or a 0/1 value for one class. */
export function truthRow(v: unknown, k: number, field: string, metric: string): number[] {
  const bad = () => new VoxelpipeError('ERR_INVALID_ARGUMENT', `${metric}: label field "${field}" holds ${JSON.stringify(v)}; expected a class index in 0..${k - 1} or a vector of ${k} 0/1 values`);
  const list = Array.isArray(v) ? v : isChainImage(v) ? Array.from(v.data as ArrayLike<number>, Number) : undefined;
  if (list && list.length === k && k > 1) return list.map((x) => (Number(x) > 0.5 ? 1 : 0));
  const x = list && list.length === 1 ? Number(list[0]) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(x)) throw bad();
  if (k === 1) {
    if (x !== 0 && x !== 1) throw bad();
    return [x];
  }
  if (x < 0 || x >= k) throw bad();
  return Array.from({ length: k }, (_, c) => (c === x ? 1 : 0));
}

/**
 * Clara's ComputeAUC (multi-label or multi-class scores, per-class
 * one-vs-rest AUC averaged by auc_average; class_index picks one class,
 * include_list restricts the average) and ComputeMulticlassAverage (the
 * same for mutually exclusive classes: the label is a class index;
 * label_index picks one class). Dataset metrics: no value per case.
 */
export function createAucMetric(spec: MetricSpec<'ComputeAUC'> | MetricSpec<'ComputeMulticlassAverage'>): Metric {
  const a = spec.args;
  const rows: { image: string; scores: number[]; truth: number[] }[] = [];
  const pick = spec.name === 'ComputeAUC' ? (spec.args as MetricSpec<'ComputeAUC'>['args']).class_index : (spec.args as MetricSpec<'ComputeMulticlassAverage'>['args']).label_index;
  const include = spec.name === 'ComputeAUC' ? (spec.args as MetricSpec<'ComputeAUC'>['args']).include_list : null;
  return {
    name: a.name,
    spec,
    perCase: false,
    get count() {
      return rows.length;
    },
    measure(c: MetricCase) {
      const scores = scoresOf(c.sample[a.field], a.field, a.name);
      if (rows.length && scores.length !== rows[0].scores.length)
        throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${a.name}: field "${a.field}" has ${scores.length} scores, earlier cases had ${rows[0].scores.length}`);
      const classes = [pick, ...(include ?? [])].filter((x): x is number => x !== null);
      const outside = classes.find((x) => x >= scores.length);
      if (outside !== undefined) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${a.name}: class ${outside} does not exist, field "${a.field}" has ${scores.length} scores`);
      if (spec.name === 'ComputeMulticlassAverage' && scores.length > 1 && Array.isArray(c.sample[a.label_field]))
        throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${a.name}: label field "${a.label_field}" should be a class index (ComputeMulticlassAverage); use ComputeAUC for multi-label vectors`);
      const truth = truthRow(c.sample[a.label_field], scores.length, a.label_field, a.name);
      return { commit: () => void rows.push({ image: c.image, scores, truth }) };
    },
    total() {
      if (rows.length === 0) return NaN;
      const classes = pick !== null ? [pick] : (include ?? undefined);
      return averageAuc(rows.map((r) => r.scores), rows.map((r) => r.truth), a.auc_average, classes);
    },
    values: () => [],
    rawLines: () => rows.map((r) => `${r.image}\t${r.scores.map((s) => s.toFixed(6)).join(',')}\t${r.truth.join(',')}`),
  };
}
