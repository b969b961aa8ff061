import { jsonPath, showValue } from '../util/schema-errors.js';
import type { Json } from './variables.js';

/**
 * MONAI's `$` values are Python expressions (`"$@a + 1"`, `"$torch.device('cpu')"`):
 * voxelpipe evaluates none. In the parts of a Clara 4 config or bundle it
 * reads, each is one problem naming its JSON path.
 */
export function refuseExpressions(value: unknown, path: string, report: (p: string) => void): boolean {
  if (typeof value === 'string') {
    if (!value.startsWith('$')) return true;
    report(`${path}: ${showValue(value)} is a Python expression ("$..."); voxelpipe runs no Python: write the value itself`);
    return false;
  }
  let ok = true;
  if (Array.isArray(value)) value.forEach((v: Json, i) => (ok = refuseExpressions(v, jsonPath(path, i), report) && ok));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) ok = refuseExpressions(v, jsonPath(path, k), report) && ok;
  return ok;
}
