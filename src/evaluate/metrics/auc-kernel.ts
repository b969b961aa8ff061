/**
 * Area under the ROC curve of `scores` for binary `labels` (1 positive,
 * 0 negative): the Mann-Whitney statistic with tied scores sharing their
 * mean rank, as scikit-learn's roc_auc_score gives it. NaN when one class
 * is absent (the AUC is undefined).
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[order[k]] === 1) {
        pos++;
        rankSum += rank;
      }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * One-vs-rest AUCs of a score matrix (rows: cases, columns: classes)
 * against a 0/1 matrix of the same shape, averaged as scikit-learn does:
 * `macro` (mean of the classes' AUCs), `weighted` (by positives per class),
 * `micro` (every cell as one binary problem). Classes whose AUC is
 * undefined are left out; `classes` restricts the average to some columns.
 */
export function averageAuc(scores: readonly number[][], truth: readonly number[][], average: 'macro' | 'micro' | 'weighted', classes?: readonly number[]): number {
  const k = scores[0]?.length ?? 0;
  const cols = classes ?? Array.from({ length: k }, (_, c) => c);
  if (average === 'micro') {
    const s: number[] = [];
    const t: number[] = [];
    for (let r = 0; r < scores.length; r++) for (const c of cols) (s.push(scores[r][c]), t.push(truth[r][c]));
    return rocAuc(s, t);
  }
  let sum = 0;
  let weight = 0;
  for (const c of cols) {
    const auc = rocAuc(scores.map((row) => row[c]), truth.map((row) => row[c]));
    if (Number.isNaN(auc)) continue;
    const w = average === 'weighted' ? truth.reduce((a, row) => a + row[c], 0) : 1;
    sum += w * auc;
    weight += w;
  }
  return weight > 0 ? sum / weight : NaN;
}
