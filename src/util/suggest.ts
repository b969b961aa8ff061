/** Levenshtein distance, case-insensitive. Small inputs only (names). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * Bounds of "did you mean": the longest name compared (nobody mistypes a
 * 100-character name, and the edit distance costs the product of the two
 * lengths: a 2.4 MB transform name took 18 s) and the most known names
 * looked at (an environment file may hold any number of keys).
 */
export const MAX_SUGGEST_NAME = 100;
export const MAX_SUGGEST_CANDIDATES = 5000;

/** The known names closest to `name` (at most `max`), best first; for "did you mean ...?". */
export function closestNames(name: string, known: Iterable<string>, max = 3): string[] {
  const scored: [string, number][] = [];
  if (name.length > MAX_SUGGEST_NAME) return [];
  let looked = 0;
  for (const k of known) {
    if (++looked > MAX_SUGGEST_CANDIDATES) break;
    if (k.length > MAX_SUGGEST_NAME) continue;
    const contains = k.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(k.toLowerCase());
    // The distance is at least the difference in length: skip the table when that is already too far.
    if (!contains && Math.abs(name.length - k.length) > Math.max(2, Math.ceil(Math.max(name.length, k.length) * 0.4))) continue;
    const d = editDistance(name, k);
    // Accept plausible typos: distance within ~40% of the longer name, or containment.
    if (contains || d <= Math.max(2, Math.ceil(Math.max(name.length, k.length) * 0.4))) scored.push([k, contains ? Math.min(d, 1) : d]);
  }
  return scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, max).map(([k]) => k);
}

/** " (did you mean A, B or C?)" or "" when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const c = closestNames(name, known);
  if (c.length === 0) return '';
  const list = c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}`;
  return ` (did you mean ${list}?)`;
}
