import type { MetricSpec } from '../../config/evaluation.js';
import type { Sample } from '../../transforms/image.js';

/**
 * A Clara `val_metrics` entry at work: fed one case at a time (the sample
 * after the post transforms), it keeps what the dataset value needs.
 * Per-case metrics (Dice, averages) report each case's value; dataset
 * metrics (AUC) have none and report only the total.
 */

/** One case as the metrics see it. */
export interface MetricCase {
  sample: Sample;
  /** The case's image file (the datalist entry), as Clara's reports name cases. */
  image: string;
}

export interface Metric {
  readonly name: string;
  readonly spec: MetricSpec;
  /** Whether the metric has a value per case (else only a dataset value). */
  readonly perCase: boolean;
  /**
   * Scores a case without keeping it (it may throw on a bad case): `value`
   * is the case's value (NaN when undefined for it, e.g. Dice of two empty
   * masks; absent for a dataset metric); `commit` adds the case.
   */
  measure(c: MetricCase): Measurement;
  /** The dataset value over the cases added so far (NaN when none counts). */
  total(): number;
  /** Per-case values that count for the statistics (NaN for a case left out), in case order; empty for a dataset metric. */
  values(): number[];
  /** Lines of `<name>_raw_results.txt`: one per case. */
  rawLines(): string[];
  /** Cases added. */
  readonly count: number;
}

export interface Measurement {
  value?: number;
  commit(): void;
}

/** A number as the reports print it (NaN as "nan", as numpy prints it). */
export function formatValue(v: number): string {
  return Number.isNaN(v) ? 'nan' : v.toFixed(6);
}
