import { jsonPath } from '../util/schema-errors.js';
import { closestNames, didYouMean } from '../util/suggest.js';
import type { SearchSpace, SearchVariable } from './search-space.js';
import type { Json, Override } from './variables.js';

/**
 * Picking a point of an AutoML search space (search-space.ts) with
 * `--set NAME=VALUE`: the value is checked against the variable's search
 * entry, then written to the searched arg and to every `apply` naming the
 * variable. Without a pick the config's written values stay (what Clara
 * does outside AutoML).
 */

/** A variable as `validate` lists it (and `validate --json` prints it). */
export interface SearchVariableReport {
  name: string;
  type: 'float' | 'enum';
  domain?: string;
  /** JSON path of the search entry defining it. */
  entry: string;
  /** float: [min, max]. */
  range?: [number, number];
  /** enum: the values it can take. */
  choices?: Json[];
  /** The other variables of its entry (an enum chooses them together; a float gives them one value). */
  with?: string[];
  /** Every place it applies, with the value used there now (picked, or as written; null: not written, the default applies). */
  places: { path: string; via: 'search' | 'apply'; value: Json | null }[];
  /** The `--set` value, when a point was picked. */
  picked?: Json;
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: Json) => JSON.stringify(v);
/** A --set as the user typed it: strings bare, other values as JSON. */
const typed = (key: string, v: Json) => `--set ${key}=${typeof v === 'string' ? v : show(v)}`;

/** The variable a `--set` names (by name, or by the JSON path of an arg it searches), if any. */
export function searchVariableFor(space: SearchSpace, o: Override): SearchVariable | undefined {
  const canonical = jsonPath('', ...o.segments);
  return space.variables.find((v) => v.name === o.key || v.name === canonical || v.aliases.includes(canonical));
}

function nodeAt(config: Record<string, Json>, segments: readonly (string | number)[]): Json | undefined {
  let node: Json | undefined = config;
  for (const s of segments) {
    if (Array.isArray(node) && typeof s === 'number') node = node[s];
    else if (isObject(node) && typeof s === 'string' && Object.hasOwn(node, s)) node = node[s];
    else return undefined;
  }
  return node;
}

function write(config: Record<string, Json>, v: SearchVariable, value: Json): void {
  for (const p of v.places) {
    if (p.kind === 'parameter') {
      config[p.key] = value;
      continue;
    }
    const node = nodeAt(config, p.component);
    // A --set path may have replaced the entry by something else; that is reported when the entry is parsed.
    if (!isObject(node)) continue;
    if (p.kind === 'attribute') node[p.key] = value;
    else {
      if (!isObject(node.args)) node.args = {};
      (node.args as Record<string, Json>)[p.key] = value;
    }
  }
}

function read(config: Record<string, Json>, p: SearchVariable['places'][number]): Json | null {
  if (p.kind === 'parameter') return config[p.key] ?? null;
  const node = nodeAt(config, p.component);
  if (!isObject(node)) return null;
  const holder = p.kind === 'attribute' ? node : node.args;
  if (!isObject(holder) || !Object.hasOwn(holder, p.key)) return p.kind === 'attribute' ? false : null;
  return holder[p.key];
}

/**
 * Applies the `--set` picks among `overrides` to `config` (the loader's
 * copy). Returns the problems (one line each, naming the search entry),
 * warnings (a --set that looks like a misspelt search variable), and the
 * listing of every variable with the values now in place.
 */
export function applySearchPoint(
  config: Record<string, Json>,
  space: SearchSpace,
  overrides: readonly Override[],
): { problems: string[]; warnings: string[]; report: SearchVariableReport[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  // The last --set of a variable wins, as for every --set.
  const picks = new Map<string, { key: string; value: Json }>();
  for (const o of overrides) {
    const v = searchVariableFor(space, o);
    if (v) picks.set(v.name, { key: o.key, value: o.value });
    else if (o.segments.length === 1 && closestNames(o.key, space.variables.map((x) => x.name)).length > 0)
      warnings.push(`--set ${o.key}: not a search variable${didYouMean(o.key, space.variables.map((x) => x.name))}; it is set as a plain variable`);
  }
  const byName = new Map(space.variables.map((v) => [v.name, v]));
  const picked = new Map<string, Json>();

  for (const entry of space.entries) {
    const given = entry.names.filter((n) => picks.has(n));
    if (given.length === 0) continue;
    const setText = given.map((n) => typed(picks.get(n)!.key, picks.get(n)!.value)).join(' ');
    const targets = `${entry.path}.targets`;
    let values: Json[];
    if (entry.type === 'float') {
      const [lo, hi] = entry.range!;
      const vals = given.map((n) => picks.get(n)!.value);
      const bad = vals.find((x) => typeof x !== 'number' || !Number.isFinite(x));
      if (bad !== undefined) {
        problems.push(`${setText}: ${entry.path} is a float search over [${lo}, ${hi}]; expected a number, got ${show(bad)}`);
        continue;
      }
      const out = vals.find((x) => (x as number) < lo || (x as number) > hi);
      if (out !== undefined) {
        problems.push(`${setText}: ${show(out)} is outside ${targets} [${lo}, ${hi}]`);
        continue;
      }
      if (vals.some((x) => x !== vals[0])) {
        problems.push(`${setText}: ${given.join(' and ')} share one value (one float search, ${entry.path}); give one`);
        continue;
      }
      values = entry.names.map(() => vals[0]);
    } else {
      const choices = entry.choices!;
      const matching = choices.filter((c) => given.every((n) => same(c[entry.names.indexOf(n)], picks.get(n)!.value)));
      const list = (cs: Json[][]) => cs.map((c) => (c.length === 1 ? show(c[0]) : show(c))).join(', ');
      if (matching.length === 0) {
        problems.push(
          given.length === 1
            ? `${setText}: ${show(picks.get(given[0])!.value)} is not among the choices of ${targets} (${list(choices.map((c) => [c[entry.names.indexOf(given[0])]]))})`
            : `${setText}: no choice of ${targets} has ${given.map((n) => `${n}=${show(picks.get(n)!.value)}`).join(', ')} (choices: ${list(choices)})`,
        );
        continue;
      }
      const open = entry.names.filter((n, k) => !picks.has(n) && matching.some((c) => !same(c[k], matching[0][k])));
      if (open.length > 0) {
        problems.push(`${setText}: ${matching.length} choices of ${targets} match (${list(matching)}); also set ${open.join(', ')}`);
        continue;
      }
      values = matching[0];
    }
    entry.names.forEach((n, k) => {
      write(config, byName.get(n)!, values[k]);
      picked.set(n, values[k]);
    });
  }

  const report = space.variables.map((v): SearchVariableReport => {
    const others = v.group.filter((n) => n !== v.name);
    return {
      name: v.name,
      type: v.type,
      ...(v.domain ? { domain: v.domain } : {}),
      entry: v.entry,
      ...(v.range ? { range: v.range } : {}),
      ...(v.choices ? { choices: v.choices } : {}),
      ...(others.length ? { with: others } : {}),
      places: v.places.map((p) => ({ path: p.path, via: p.via, value: read(config, p) })),
      ...(picked.has(v.name) ? { picked: picked.get(v.name)! } : {}),
    };
  });
  return { problems, warnings, report };
}
