import type { MetricSpec } from '../../config/evaluation.js';
import { createAucMetric } from './auc.js';
import { createAverageMetric } from './average.js';
import { createDiceMetric } from './dice.js';
import type { Metric } from './metric.js';

export { type Metric, type MetricCase, type Measurement, formatValue } from './metric.js';
export { summarize, type ValueSummary } from './summary.js';
export { caseDice, channelDice } from './dice.js';
export { rocAuc, averageAuc } from './auc-kernel.js';
export { writeMetricReport, summaryLines } from './report.js';

/** The metric a `val_metrics` entry names. */
export function createMetric(spec: MetricSpec): Metric {
  switch (spec.name) {
    case 'ComputeAverageDice':
      return createDiceMetric(spec as MetricSpec<'ComputeAverageDice'>);
    case 'ComputeAverage':
      return createAverageMetric(spec as MetricSpec<'ComputeAverage'>);
    case 'ComputeAUC':
    case 'ComputeMulticlassAverage':
      return createAucMetric(spec as MetricSpec<'ComputeAUC'>);
  }
}
