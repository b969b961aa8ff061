import { VoxelpipeError } from '../util/errors.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';

/**
 * Config variables: `{NAME}` placeholders and `--set KEY=VALUE` overrides
 * (CLARA-3.1.md §3.5–3.6).
 *
 * Priority, lowest first: the config's own top-level variables <
 * environment.json < `--set`. A string that is exactly one placeholder takes
 * the variable's JSON value (number, boolean, list...); a placeholder inside
 * a longer string is replaced by the value's text. A variable's value may
 * itself use placeholders (`"DATASET_JSON": "{DATA_ROOT}/dataset_0.json"`).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a variable's value came from, for messages. */
export type VariableSource = 'config' | 'environment' | 'set';

export interface Variable {
  value: Json;
  source: VariableSource;
}

/** `--set KEY=VALUE`, parsed. */
export interface Override {
  /** As written, e.g. "train.image_pipeline.args.num_workers". */
  key: string;
  /** Path segments of a dotted key (one segment for a plain variable). */
  segments: (string | number)[];
  value: Json;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The value of `--set K=V`: a JSON literal where it parses (2, true, [1,2], "x"), else the text itself. */
export function parseSetValue(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

/** Splits `a.b[2].c` or `a.b.2.c` into segments; digits-only segments become indices. */
export function splitKey(key: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] !== '') out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out.length > 0 && typeof out[0] === 'string' ? out : undefined;
}

/** Parses `--set` items (`KEY=VALUE`); a malformed item is ERR_INVALID_ARGUMENT naming it. */
export function parseOverrides(items: readonly string[]): Override[] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    const segments = key ? splitKey(key) : undefined;
    if (eq <= 0 || !segments)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${item}: expected KEY=VALUE (KEY a variable name or a dotted config path such as train.image_pipeline.args.num_workers)`);
    return { key, segments, value: parseSetValue(item.slice(eq + 1)) };
  });
}

/** True for overrides that reach into the config rather than set a variable. */
export function isPathOverride(o: Override): boolean {
  return o.segments.length > 1 || o.key === 'train' || o.key === 'validate';
}

/**
 * Applies a dotted `--set` to `config` (mutating it; callers pass a copy).
 * Missing object keys are created; a list index must exist.
 */
export function applyPathOverride(config: Record<string, Json>, o: Override): void {
  let node: Json = config;
  for (let s = 0; s < o.segments.length; s++) {
    const seg = o.segments[s];
    const last = s === o.segments.length - 1;
    const where = jsonPath('', ...o.segments.slice(0, s)) || 'the config';
    if (Array.isArray(node)) {
      if (typeof seg !== 'number' || seg >= node.length)
        throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${o.key}: ${where} is a list of ${node.length} items, expected an index below ${node.length}, got ${showValue(seg)}`);
      if (last) node[seg] = o.value;
      else node = node[seg];
    } else if (node !== null && typeof node === 'object') {
      const k = String(seg);
      if (last) node[k] = o.value;
      else {
        if (node[k] === undefined) node[k] = typeof o.segments[s + 1] === 'number' ? [] : {};
        node = node[k];
      }
    } else {
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${o.key}: ${where} is ${showValue(node)}, not an object or list`);
    }
  }
}

/** One problem found while substituting: its JSON path and the message. */
export type ProblemSink = (message: string) => void;

/**
 * Replaces `{NAME}` placeholders in every string of `value`. An undefined
 * variable is reported through `report` (naming `path`) and left in place,
 * so that every missing one is reported, not just the first.
 */
export function substitute(value: Json, vars: ReadonlyMap<string, Variable>, path: string, report: ProblemSink): Json {
  if (typeof value === 'string') return substituteString(value, vars, path, report, []);
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, vars, jsonPath(path, i), report));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars, jsonPath(path, k), report);
    return out;
  }
  return value;
}

function substituteString(s: string, vars: ReadonlyMap<string, Variable>, path: string, report: ProblemSink, stack: string[]): Json {
  const lookup = (name: string): Json | undefined => {
    if (stack.includes(name)) {
      report(`${path}: placeholder {${name}} refers to itself (${[...stack, name].join(' -> ')})`);
      return undefined;
    }
    const v = vars.get(name);
    if (v === undefined) {
      const hint = didYouMean(name, vars.keys());
      report(`${path}: placeholder {${name}} has no value${hint} (define ${name} in environment.json, at the top of the config, or with --set ${name}=...)`);
      return undefined;
    }
    // A variable's own value may use placeholders.
    return typeof v.value === 'string' ? substituteString(v.value, vars, path, report, [...stack, name]) : v.value;
  };
  const whole = WHOLE_PLACEHOLDER.exec(s);
  if (whole) {
    const v = lookup(whole[1]);
    return v === undefined ? s : v;
  }
  return s.replace(PLACEHOLDER, (token, name: string) => {
    const v = lookup(name);
    if (v === undefined) return token;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/**
 * The variable table: the config's top-level non-section values, then
 * environment.json, then plain `--set` keys, each overriding the one before.
 */
export function buildVariables(
  configTop: Readonly<Record<string, Json>>,
  env: Readonly<Record<string, Json>> | undefined,
  overrides: readonly Override[],
): Map<string, Variable> {
  const vars = new Map<string, Variable>();
  for (const [k, v] of Object.entries(configTop)) vars.set(k, { value: v, source: 'config' });
  for (const [k, v] of Object.entries(env ?? {})) vars.set(k, { value: v, source: 'environment' });
  for (const o of overrides) if (!isPathOverride(o)) vars.set(o.key, { value: o.value, source: 'set' });
  return vars;
}
