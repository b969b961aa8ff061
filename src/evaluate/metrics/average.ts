import type { MetricSpec } from '../../config/evaluation.js';
import { VoxelpipeError } from '../../util/errors.js';
import { isChainImage } from '../../transforms/image.js';
import { formatValue, type Metric, type MetricCase } from './metric.js';

/** A scalar read from a field: a number, a one-number list, or a one-voxel image. */
export function scalarOf(v: unknown, field: string, metric: string): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  if (isChainImage(v) && v.data.length === 1) return Number(v.data[0]);
  throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${metric}: field "${field}" should hold one number, found ${v === undefined ? 'nothing (no such field)' : isChainImage(v) ? `an image of ${v.data.length} values` : typeof v}`);
}

/**
 * Clara's ComputeAverage: the mean over cases of a scalar field (e.g. a
 * per-case value a custom post transform computes); negate_value flips its
 * sign; a case whose field holds NaN or `invalid_value` (compared before
 * negation: it is the value the field uses to say "undefined") is left out.
 */
export function createAverageMetric(spec: MetricSpec<'ComputeAverage'>): Metric {
  const a = spec.args;
  const cases: { image: string; value: number; valid: boolean }[] = [];
  const valid = (raw: number) => !Number.isNaN(raw) && (a.invalid_value === null || raw !== a.invalid_value);
  return {
    name: a.name,
    spec,
    perCase: true,
    get count() {
      return cases.length;
    },
    measure(c: MetricCase) {
      const raw = scalarOf(c.sample[a.field], a.field, a.name);
      const value = a.negate_value ? -raw : raw;
      return { value, commit: () => void cases.push({ image: c.image, value, valid: valid(raw) }) };
    },
    total() {
      const v = cases.filter((c) => c.valid).map((c) => c.value);
      return v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN;
    },
    values: () => cases.map((c) => (c.valid ? c.value : NaN)),
    rawLines: () => cases.map((c) => `${c.image}\t${formatValue(c.value)}`),
  };
}
