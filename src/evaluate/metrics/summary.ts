/** Statistics of per-case values, NaNs left out (numpy's nanmean etc.; std with ddof 0). */
export interface ValueSummary {
  count: number;
  nanCount: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  std: number;
}

export function summarize(values: readonly number[]): ValueSummary {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { count: 0, nanCount: values.length, mean: NaN, median: NaN, min: NaN, max: NaN, std: NaN };
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { count: n, nanCount: values.length - n, mean, median, min: v[0], max: v[n - 1], std: Math.sqrt(ss / n) };
}
