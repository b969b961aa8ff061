import { LIMITS } from '../io/options.js';
import { VoxelpipeError, clipText } from '../util/errors.js';
import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import { FORBIDDEN_KEYS, jsonTreeProblem } from './json.js';

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

/**
 * The value of `--set K=V`: a JSON literal where it parses (2, true, [1,2], "x"), else the text itself.
 * A JSON value nested too deeply or holding a `__proto__` / `constructor` / `prototype` key is refused.
 */
export function parseSetValue(raw: string): Json {
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
  const problem = jsonTreeProblem(value, 'value');
  if (problem) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ...=${clipText(raw, 40)}: ${problem}`);
  return value;
}

/**
 * Splits `a.b[2].c` or `a.b.2.c` into segments; digits-only segments become
 * indices. Undefined for a malformed key, or one with more than
 * LIMITS.jsonDepth segments.
 */
export function splitKey(key: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  for (const part of key.split('.', LIMITS.jsonDepth + 1)) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] !== '') out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  if (out.length > LIMITS.jsonDepth) return undefined;
  return out.length > 0 && typeof out[0] === 'string' ? out : undefined;
}

/** Parses `--set` items (`KEY=VALUE`); a malformed item is ERR_INVALID_ARGUMENT naming it. */
export function parseOverrides(items: readonly string[]): Override[] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    const segments = key ? splitKey(key) : undefined;
    if (eq <= 0 || !segments)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${clipText(item)}: expected KEY=VALUE (KEY a variable name or a dotted config path such as train.image_pipeline.args.num_workers)`);
    // A path through __proto__ / constructor / prototype reaches Object.prototype: `--set __proto__.polluted=1`.
    const bad = segments.find((sg) => typeof sg === 'string' && FORBIDDEN_KEYS.has(sg));
    if (bad !== undefined) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${clipText(item)}: "${bad}" is not allowed in a key (it reaches object prototypes)`);
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
      if (FORBIDDEN_KEYS.has(k)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${clipText(o.key)}: "${k}" is not allowed in a key`);
      if (last) node[k] = o.value;
      else {
        // Own keys only: an inherited one (`toString`) is not part of the config.
        if (!Object.hasOwn(node, k)) node[k] = typeof o.segments[s + 1] === 'number' ? [] : {};
        node = node[k];
      }
    } else {
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `--set ${o.key}: ${where} is ${showValue(node)}, not an object or list`);
    }
  }
}

/** One problem found while substituting: its JSON path and the message. */
export type ProblemSink = (message: string) => void;

/** What a variable expands to: its value with placeholders replaced, and the problems met (without a JSON path). */
interface Expansion {
  value: Json;
  problems: string[];
}

/** Problems kept per expansion: enough to act on, bounded when thousands of variables are missing. */
const MAX_PROBLEMS = 10;

/**
 * Expands placeholders against one variable table, each variable once.
 *
 * A variable's expansion is computed bottom-up with an explicit stack (a
 * chain of 5,000 variables each naming the next must not overflow the call
 * stack) and memoised (`A = "{B}{B}"`, `B = "{C}{C}"`, ... must not take
 * exponential time); no string it makes may pass LIMITS.expandedChars, nor
 * all of them together 16 times that: past either the placeholder is left as
 * written and reported.
 */
export class Expander {
  private readonly memo = new Map<string, Expansion>();
  private produced = 0;
  /** "Did you mean" is worked out for the first few missing names only: the message shows no more, and each costs a scan of every variable name. */
  private hints = 20;

  constructor(private readonly vars: ReadonlyMap<string, Variable>) {}

  /** `s` with its placeholders replaced; problems (each naming `path`) go to `report`. */
  string(s: string, path: string, report: ProblemSink): Json {
    const names = placeholdersIn(s);
    if (names.length === 0) return s;
    for (const n of names) this.resolve(n);
    const e = this.expand(s, () => [], new Set());
    for (const p of e.problems) report(`${path}: ${p}`);
    return e.value;
  }

  /** Expands variable `name` (and, first, everything it uses) into the memo. */
  private resolve(name: string): void {
    if (this.memo.has(name) || !this.vars.has(name)) return;
    interface Frame {
      name: string;
      deps: string[];
      next: number;
    }
    const frameOf = (n: string): Frame => {
      const v = this.vars.get(n)!.value;
      return { name: n, deps: typeof v === 'string' ? placeholdersIn(v) : [], next: 0 };
    };
    const stack: Frame[] = [frameOf(name)];
    const open = new Set<string>([name]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.deps.length) {
        const d = top.deps[top.next++];
        if (this.memo.has(d) || !this.vars.has(d) || open.has(d)) continue;
        open.add(d);
        stack.push(frameOf(d));
        continue;
      }
      const v = this.vars.get(top.name)!.value;
      this.memo.set(top.name, typeof v === 'string' ? this.expand(v, () => stack.map((f) => f.name), open) : { value: v, problems: [] });
      open.delete(top.name);
      stack.pop();
    }
  }

  /**
   * One string with its placeholders replaced from the memo (every
   * variable it uses is resolved, or open: still being expanded, i.e. a
   * cycle through `chain`).
   */
  private expand(s: string, chainOf: () => string[], open: ReadonlySet<string>): Expansion {
    const problems: string[] = [];
    const note = (p: string) => {
      if (problems.length < MAX_PROBLEMS && !problems.includes(p)) problems.push(p);
    };
    const lookup = (name: string): Json | undefined => {
      if (open.has(name)) {
        const chain = chainOf();
        const cycle = [...chain.slice(Math.max(0, chain.indexOf(name))), name].map((n) => clipText(n, 40));
        const shown = cycle.length > 12 ? [...cycle.slice(0, 6), `... (${cycle.length - 9} more)`, ...cycle.slice(-3)] : cycle;
        note(`placeholder {${clipText(name)}} refers to itself (${shown.join(' -> ')})`);
        return undefined;
      }
      const e = this.memo.get(name);
      if (e === undefined) {
        const shown = clipText(name);
        const hint = this.hints-- > 0 ? didYouMean(name, this.vars.keys()) : '';
        note(`placeholder {${shown}} has no value${hint} (define ${shown} in environment.json, at the top of the config, or with --set ${shown}=...)`);
        return undefined;
      }
      for (const p of e.problems) note(p);
      return e.value;
    };
    const whole = WHOLE_PLACEHOLDER.exec(s);
    if (whole) {
      const v = lookup(whole[1]);
      return { value: v === undefined ? s : v, problems };
    }
    // Measure before building: "{A}{A}{A}..." with a large A must be refused, not made.
    let length = s.length;
    const texts = new Map<string, string | undefined>();
    for (const m of s.matchAll(PLACEHOLDER)) {
      if (!texts.has(m[1])) {
        const v = lookup(m[1]);
        texts.set(m[1], v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
      }
      const t = texts.get(m[1]);
      if (t !== undefined) length += t.length - m[0].length;
    }
    if (length > LIMITS.expandedChars || this.produced + length > LIMITS.expandedChars * 16) {
      note(`placeholders in ${showValue(s)} expand to ${length} characters, more than the ${LIMITS.expandedChars} a string may hold (or than all substitutions together may make)`);
      return { value: s, problems };
    }
    this.produced += length;
    return { value: s.replace(PLACEHOLDER, (token, name: string) => texts.get(name) ?? token), problems };
  }
}

/** Names of the `{NAME}` placeholders in `s`, each once. */
function placeholdersIn(s: string): string[] {
  if (!s.includes('{')) return [];
  return [...new Set(Array.from(s.matchAll(PLACEHOLDER), (m) => m[1]))];
}

/**
 * Replaces `{NAME}` placeholders in every string of `value`. An undefined
 * variable is reported through `report` (naming `path`) and left in place,
 * so that every missing one is reported, not just the first. Pass one
 * `Expander` for all the calls over a config so that each variable is
 * expanded once and the size bounds hold for the whole config.
 */
export function substitute(value: Json, vars: ReadonlyMap<string, Variable> | Expander, path: string, report: ProblemSink): Json {
  const expander = vars instanceof Expander ? vars : new Expander(vars);
  if (typeof value === 'string') return expander.string(value, path, report);
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, expander, jsonPath(path, i), report));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, expander, jsonPath(path, k), report);
    return out;
  }
  return value;
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
