import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromFsError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { formatValue, type Metric } from './metric.js';
import { summarize } from './summary.js';

/**
 * Clara 3.x evaluation reports: in the metric's `report_path`,
 * `<name>_raw_results.txt` (one line per case: the image file, a tab, the
 * value) and `<name>_summary_results.txt` (`key: value` lines: the dataset
 * value, then count, mean, median, min, max, std of the per-case values).
 */

export function summaryLines(m: Metric): string[] {
  const lines = [`metric: ${m.name}`, `value: ${formatValue(m.total())}`, `cases: ${m.count}`];
  if (!m.perCase) return lines;
  const s = summarize(m.values());
  return [
    ...lines,
    `count: ${s.count}`,
    `nan_count: ${s.nanCount}`,
    `mean: ${formatValue(s.mean)}`,
    `median: ${formatValue(s.median)}`,
    `min: ${formatValue(s.min)}`,
    `max: ${formatValue(s.max)}`,
    `std: ${formatValue(s.std)}`,
  ];
}

/** Writes both files atomically into `dir` (created); returns their paths. */
export function writeMetricReport(m: Metric, dir: string): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fromFsError(e, dir, 'write');
  }
  const files: [string, string[]][] = [
    [join(dir, `${m.name}_raw_results.txt`), m.rawLines()],
    [join(dir, `${m.name}_summary_results.txt`), summaryLines(m)],
  ];
  for (const [file, lines] of files) writeFileAtomic(file, [Buffer.from(lines.map((l) => `${l}\n`).join(''))]);
  return files.map(([f]) => f);
}
