/**
 * Grouping datalist items by category, and reading per-category option
 * values (`items_per_category`, `category_weights`) against the categories
 * that actually occur.
 *
 * A category is compared as a string, so a datalist label `1` and a
 * category_weights key `"1"` are the same category. A list-valued option
 * gives category i at entry i, which is what class indices need.
 */
import { VoxelpipeError } from '../util/errors.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import type { PerCategory, SamplingItem } from './types.js';

export interface CategoryGroups {
  /** Category keys in canonical order: non-negative integers ascending, then other names in code-unit order. */
  readonly keys: readonly string[];
  /** Item indices of each category, ascending. */
  readonly members: readonly Uint32Array[];
}

const INDEX_KEY = /^(0|[1-9]\d*)$/;

function compareKeys(a: string, b: string): number {
  const ai = INDEX_KEY.test(a), bi = INDEX_KEY.test(b);
  if (ai && bi) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How messages name a category: class indices bare, names quoted. */
export function showCategory(key: string): string {
  return INDEX_KEY.test(key) ? key : JSON.stringify(key);
}

function listCategories(keys: readonly string[]): string {
  const shown = keys.slice(0, 8).map(showCategory).join(', ');
  return keys.length > 8 ? `${shown}, ... (${keys.length} in all)` : shown;
}

/** A value for messages; unlike JSON, NaN and Infinity show as themselves. */
export function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : showValue(v);
}

/** How messages name a datalist item. */
export function itemLabel(items: readonly SamplingItem[], i: number): string {
  const name = items[i]?.name;
  return name ? `datalist item ${i} (${name})` : `datalist item ${i}`;
}

/** The category key of an item, or throws naming the item and `why` it needs one. */
function categoryKey(items: readonly SamplingItem[], i: number, why: string): string {
  const c = items[i].category;
  if (c === undefined || c === null) throw new VoxelpipeError('ERR_CONFIG', `${itemLabel(items, i)}: has no category; ${why} needs one on every item`);
  if (typeof c === 'number' ? !Number.isFinite(c) : typeof c !== 'string' || c === '')
    throw new VoxelpipeError('ERR_CONFIG', `${itemLabel(items, i)}: category ${show(c)} is not a name or a number; ${why} needs one on every item`);
  return String(c);
}

/** Groups items by category; every item must have one (`why` names the option that needs it). */
export function groupByCategory(items: readonly SamplingItem[], why: string): CategoryGroups {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const key = categoryKey(items, i, why);
    let list = byKey.get(key);
    if (list === undefined) byKey.set(key, (list = []));
    list.push(i);
  }
  const keys = [...byKey.keys()].sort(compareKeys);
  return { keys, members: keys.map((k) => Uint32Array.from(byKey.get(k)!)) };
}

/**
 * One value per category (in `groups.keys` order) from a per-category
 * option. Every category present needs a value; an entry for a category no
 * item has is an error unless it is 0 (so a typo never goes unnoticed, but a
 * fold lacking a class can keep the shared option).
 */
export function perCategoryValues(
  spec: PerCategory,
  groups: CategoryGroups,
  path: string,
  option: string,
  kind: 'count' | 'weight',
): Float64Array {
  const at = (seg?: string | number) => (seg === undefined ? jsonPath(path, option) : jsonPath(path, option, seg));
  const index = new Map(groups.keys.map((k, i) => [k, i]));
  const values = new Float64Array(groups.keys.length).fill(NaN);
  const check = (v: unknown, seg: string | number): number => {
    const ok = kind === 'count' ? Number.isInteger(v) && (v as number) >= 0 : typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!ok)
      throw new VoxelpipeError(
        'ERR_CONFIG',
        `${at(seg)}: expected ${kind === 'count' ? 'a whole number >= 0' : 'a finite number >= 0'}, got ${show(v)}`,
      );
    return v as number;
  };
  if (!Array.isArray(spec) && (spec === null || typeof spec !== 'object'))
    throw new VoxelpipeError('ERR_CONFIG', `${at()}: expected a list (entry i for category i) or an object keyed by category, got ${show(spec)}`);
  // A list indexes categories 0, 1, 2, ...: say so when the datalist's categories are names.
  const listHint =
    Array.isArray(spec) && groups.keys.some((k) => !INDEX_KEY.test(k)) ? '; a list gives categories 0, 1, 2, ...: use an object keyed by category name' : '';
  const entries: [string | number, string, unknown][] = Array.isArray(spec)
    ? spec.map((v, i) => [i, String(i), v])
    : Object.entries(spec).map(([k, v]) => [k, k, v]);
  for (const [seg, key, raw] of entries) {
    const v = check(raw, seg);
    const k = index.get(key);
    if (k !== undefined) values[k] = v;
    else if (v !== 0)
      throw new VoxelpipeError(
        'ERR_CONFIG',
        `${at(seg)}: no item has category ${showCategory(key)}${Array.isArray(spec) ? '' : didYouMean(key, groups.keys)}; categories: ${listCategories(groups.keys)}${listHint}`,
      );
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isNaN(values[k])) continue;
    const m = groups.members[k].length;
    throw new VoxelpipeError(
      'ERR_CONFIG',
      `${at()}: no ${kind} for category ${showCategory(groups.keys[k])} (${m} item${m === 1 ? '' : 's'})${listHint}`,
    );
  }
  return values;
}
