import { jsonPath, showValue } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import type { TransformChecker } from './components.js';
import type { Json } from './variables.js';

/**
 * Clara AutoML search spaces (Clara Train 3.1 "AutoML search space
 * definition"): the `search` and `apply` blocks of a training config, read
 * into variables. Outside AutoML Clara trains with the values written in
 * `args`; so does voxelpipe, and `--set NAME=VALUE` picks a point of the
 * space (search-point.ts). The grammar:
 *
 * - a component (`{"name", "args"}`) may carry `"search": [entry, ...]`;
 *   an entry is `{"domain": "lr"|"net"|"transform", "type": "float"|"enum",
 *   "args": [...], "targets": ...}`. `args` name the component's args
 *   (`"probability"`), optionally with a variable name (`"probability#myProb"`),
 *   or its `@disabled` attribute.
 * - `float`: `targets` is `[min, max]`; every arg of the entry takes the one
 *   value drawn. `enum`: `targets` is a list of choices, each a list with one
 *   value per arg (args searched together).
 * - the config's top level may carry `"search"` too: its args are
 *   first-level parameters (`"learning_rate"`) or free names
 *   (`"@myTransformDisable"`, `"mySearchLoss1"`) for `apply` to use.
 * - a component's `"apply": {"probability": "myProb", "@disabled": "x"}`
 *   gives an arg or attribute the value of a named variable.
 *
 * Decided where the docs are silent: a variable without a `#name` is named
 * by the JSON path of the arg it searches (`train.pre_transforms[8].args.probability`,
 * `train.pre_transforms[9].disabled`), so `--set` of that path picks it too;
 * a named variable also answers to that path. Names are identifiers
 * (letters, digits, `_`, `-`), each defined once.
 */

export type SearchType = 'float' | 'enum';
export const SEARCH_TYPES: readonly SearchType[] = ['float', 'enum'];
export const SEARCH_DOMAINS: readonly string[] = ['lr', 'net', 'transform'];
const ENTRY_KEYS = ['domain', 'type', 'args', 'targets'];
/** Keys a config path must never write through (prototype pollution). */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Where a variable's value goes. */
export interface SearchPlace {
  /** JSON path of the value: `train.pre_transforms[8].args.probability`, `train.pre_transforms[6].disabled`, `learning_rate`. */
  path: string;
  /** Path segments of the component holding it (empty for a first-level parameter). */
  component: (string | number)[];
  /** `arg`: component.args[key]; `attribute`: component[key] (`disabled`); `parameter`: the config's top-level key. */
  kind: 'arg' | 'attribute' | 'parameter';
  key: string;
  /** Defined by the variable's search entry, or by an `apply` (its JSON path in `from`). */
  via: 'search' | 'apply';
  from: string;
}

export interface SearchVariable {
  name: string;
  /** JSON path of the search entry defining it: `train.pre_transforms[8].search[0]`. */
  entry: string;
  type: SearchType;
  domain?: string;
  /** float: [min, max]. */
  range?: [number, number];
  /** enum: this variable's value in each choice of the entry (its position in the tuples). */
  choices?: Json[];
  /** Every variable of the entry, in args order (chosen together); this one is at `position`. */
  group: string[];
  position: number;
  /** Other `--set` keys that pick it: the JSON paths of the args it searches. */
  aliases: string[];
  places: SearchPlace[];
}

export interface SearchEntry {
  path: string;
  type: SearchType;
  /** Variable names, one per arg. */
  names: string[];
  range?: [number, number];
  /** enum: the choices, one value per arg each. */
  choices?: Json[][];
}

export interface SearchSpace {
  variables: SearchVariable[];
  entries: SearchEntry[];
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

interface Component {
  node: Record<string, Json>;
  segments: (string | number)[];
  path: string;
  /** Registry name when the entry is a transform the checker knows (its args are checked). */
  transform?: string;
  isRef: boolean;
}

/** The components of a config that may carry search / apply: each section's entries and lists of entries. */
function components(config: Record<string, Json>, sections: readonly string[], checker?: TransformChecker): Component[] {
  const out: Component[] = [];
  for (const s of sections) {
    const sec = config[s];
    if (!isObject(sec)) continue;
    for (const [k, v] of Object.entries(sec)) {
      const chain = k === 'pre_transforms' || k === 'batch_transforms';
      const add = (node: Json, segments: (string | number)[]) => {
        if (!isObject(node)) return;
        const name = typeof node.name === 'string' ? node.name.split('#')[0] : undefined;
        const transform = chain && name && node.path === undefined && checker?.has(name) ? name : undefined;
        out.push({ node, segments, path: jsonPath('', ...segments), transform, isRef: node.ref !== undefined });
      };
      if (Array.isArray(v)) v.forEach((e, i) => add(e, [s, k, i]));
      else add(v, [s, k]);
    }
  }
  return out;
}

/** The arg names a registry transform takes, when its schema says (undefined: unknown, not checked). */
function argNames(checker: TransformChecker | undefined, transform: string | undefined): string[] | undefined {
  if (!checker || !transform) return undefined;
  const shape = (checker.get(transform).args as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : undefined;
}

interface ParsedArg {
  name?: string;
  kind: SearchPlace['kind'];
  key: string;
}

/**
 * Reads and removes every `search` / `apply` block of `config` (a copy the
 * caller owns), so the rest of the loader sees plain Clara entries.
 * Returns the space and the problems found, one line each with its JSON path.
 */
export function takeSearchSpace(
  config: Record<string, Json>,
  sections: readonly string[],
  checker?: TransformChecker,
): { space: SearchSpace; problems: string[] } {
  const problems: string[] = [];
  const variables = new Map<string, SearchVariable>();
  const entries: SearchEntry[] = [];
  const applies: { comp: Component; raw: Json; path: string }[] = [];
  // First-level parameters (top-level scalars: learning_rate, epochs...) a top-level search may set.
  const parameters = new Set(Object.keys(config).filter((k) => config[k] === null || typeof config[k] !== 'object'));

  const define = (v: SearchVariable, at: string) => {
    const before = variables.get(v.name);
    if (before) problems.push(`${at}: search variable "${v.name}" is already defined at ${before.entry}`);
    else variables.set(v.name, v);
  };

  const readEntries = (raw: Json, path: string, comp: Component | undefined) => {
    if (!Array.isArray(raw)) {
      problems.push(`${path}: expected a list of search entries like {"type": "float", "args": ["probability"], "targets": [0, 1]}, got ${showValue(raw)}`);
      return;
    }
    raw.forEach((e, i) => {
      const entry = readEntry(e, jsonPath(path, i), comp, checker, problems, parameters);
      if (!entry) return;
      entries.push(entry.entry);
      for (const v of entry.variables) define(v, jsonPath(path, i, 'args', v.position));
    });
  };

  if (config.search !== undefined) {
    readEntries(config.search, 'search', undefined);
    delete config.search;
  }
  for (const comp of components(config, sections, checker)) {
    for (const key of ['search', 'apply'] as const) {
      if (comp.node[key] === undefined) continue;
      const path = jsonPath(comp.path, key);
      if (comp.isRef) problems.push(`${path}: a ref reuses the train transform as it is (its search and apply included); remove "${key}"`);
      else if (key === 'search') readEntries(comp.node.search, path, comp);
      else applies.push({ comp, raw: comp.node.apply, path });
      delete comp.node[key];
    }
  }

  // Applies last: they may name variables defined anywhere.
  for (const { comp, raw, path } of applies) {
    if (!isObject(raw)) {
      problems.push(`${path}: expected an object like {"probability": "myProb"} (arg or "@disabled" -> search variable), got ${showValue(raw)}`);
      continue;
    }
    for (const [k, name] of Object.entries(raw)) {
      const at = jsonPath(path, k);
      const arg = parseTargetName(k, at, comp, checker, problems, false);
      if (!arg) continue;
      if (typeof name !== 'string') {
        problems.push(`${at}: expected the name of a search variable, got ${showValue(name)}`);
        continue;
      }
      const v = variables.get(name);
      if (!v) {
        const named = [...variables.keys()].filter((n) => NAME.test(n));
        problems.push(
          `${at}: no search variable is named "${name}"${didYouMean(name, named) || (named.length ? ` (variables: ${named.join(', ')})` : '')}; name one with "arg#${name}" in a search entry's args or in the top-level search`,
        );
        continue;
      }
      if (arg.kind === 'attribute' && !booleanOnly(v)) {
        problems.push(`${at}: @disabled takes true or false, but ${v.entry} searches ${describeDomain(v)}`);
        continue;
      }
      v.places.push(place(comp, arg, 'apply', at));
    }
  }
  return { space: { variables: [...variables.values()], entries }, problems };
}

const describeDomain = (v: SearchVariable) => (v.type === 'float' ? `floats in [${v.range!.join(', ')}]` : `the values ${v.choices!.map((c) => JSON.stringify(c)).join(', ')}`);

function booleanOnly(v: SearchVariable): boolean {
  return v.type === 'enum' && v.choices!.every((c) => typeof c === 'boolean');
}

function place(comp: Component | undefined, arg: ParsedArg, via: SearchPlace['via'], from: string): SearchPlace {
  if (!comp || arg.kind === 'parameter') return { path: arg.key, component: [], kind: 'parameter', key: arg.key, via, from };
  const path = arg.kind === 'arg' ? jsonPath(comp.path, 'args', arg.key) : jsonPath(comp.path, arg.key);
  return { path, component: comp.segments, kind: arg.kind, key: arg.key, via, from };
}

/**
 * `probability`, `probability#myProb`, `@disabled`, `@disabled#x` on a
 * component (`allowName`: in a search entry; an apply key has no name);
 * `learning_rate` / `@myTag` at the top level.
 */
function parseTargetName(
  raw: string,
  at: string,
  comp: Component | undefined,
  checker: TransformChecker | undefined,
  problems: string[],
  allowName: boolean,
): ParsedArg | undefined {
  if (!comp) {
    const key = raw.startsWith('@') ? raw.slice(1) : raw;
    if (!NAME.test(key) || UNSAFE_KEYS.has(key)) {
      problems.push(`${at}: expected a parameter or variable name (letters, digits, _ and -), got ${showValue(raw)}`);
      return undefined;
    }
    return { name: key, kind: 'parameter', key };
  }
  const hash = raw.indexOf('#');
  const target = hash < 0 ? raw : raw.slice(0, hash);
  const name = hash < 0 ? undefined : raw.slice(hash + 1);
  if (name !== undefined && (!allowName || !NAME.test(name) || UNSAFE_KEYS.has(name))) {
    problems.push(
      allowName
        ? `${at}: expected "arg#name" with a name of letters, digits, _ and -, got ${showValue(raw)}`
        : `${at}: an apply key is an arg or "@disabled" (the variable is its value), got ${showValue(raw)}`,
    );
    return undefined;
  }
  if (target.startsWith('@')) {
    if (target !== '@disabled') {
      problems.push(`${at}: ${showValue(target)} is not a searchable attribute; components have one, @disabled`);
      return undefined;
    }
    return { ...(name ? { name } : {}), kind: 'attribute', key: 'disabled' };
  }
  if (target === '' || UNSAFE_KEYS.has(target)) {
    problems.push(`${at}: expected an arg name, got ${showValue(raw)}`);
    return undefined;
  }
  const known = argNames(checker, comp.transform);
  if (known && !known.includes(target)) {
    problems.push(`${at}: ${comp.transform} has no arg "${target}"${didYouMean(target, known) || ` (its args: ${known.join(', ')})`}`);
    return undefined;
  }
  return { ...(name ? { name } : {}), kind: 'arg', key: target };
}

/** One search entry at `path` (of `comp`, or the top level): its variables, or undefined after reporting. */
function readEntry(
  raw: Json,
  path: string,
  comp: Component | undefined,
  checker: TransformChecker | undefined,
  problems: string[],
  parameters: ReadonlySet<string>,
): { entry: SearchEntry; variables: SearchVariable[] } | undefined {
  if (!isObject(raw)) {
    problems.push(`${path}: expected a search entry like {"type": "float", "args": ["probability"], "targets": [0, 1]}, got ${showValue(raw)}`);
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(raw)) if (!ENTRY_KEYS.includes(k)) problems.push(`${jsonPath(path, k)}: unknown key${didYouMean(k, ENTRY_KEYS)} (a search entry has domain, type, args, targets)`);
  const { type, domain, targets } = raw;
  if (typeof type !== 'string' || !(SEARCH_TYPES as readonly string[]).includes(type))
    problems.push(`${jsonPath(path, 'type')}: expected "float" or "enum"${typeof type === 'string' ? didYouMean(type, SEARCH_TYPES) : ''}, got ${showValue(type)}`);
  if (domain !== undefined && (typeof domain !== 'string' || !SEARCH_DOMAINS.includes(domain)))
    problems.push(`${jsonPath(path, 'domain')}: expected one of "lr", "net", "transform"${typeof domain === 'string' ? didYouMean(domain, SEARCH_DOMAINS) : ''}, got ${showValue(domain)}`);
  const argList = typeof raw.args === 'string' ? [raw.args] : raw.args;
  if (!Array.isArray(argList) || argList.length === 0 || !argList.every((a) => typeof a === 'string')) {
    problems.push(`${jsonPath(path, 'args')}: expected an arg name or a list of them, got ${showValue(raw.args)}`);
    return undefined;
  }
  const args = (argList as string[]).map((a, i) => parseTargetName(a, jsonPath(path, 'args', i), comp, checker, problems, true));
  if (problems.length > before || args.some((a) => !a)) return undefined;

  const t = type as SearchType;
  let range: [number, number] | undefined;
  let choices: Json[][] | undefined;
  const targetsPath = jsonPath(path, 'targets');
  if (t === 'float') {
    if (!Array.isArray(targets) || targets.length !== 2 || !targets.every((x) => typeof x === 'number' && Number.isFinite(x)) || (targets[0] as number) > (targets[1] as number)) {
      problems.push(`${targetsPath}: a float search takes [min, max] with min <= max, got ${showValue(targets)}`);
      return undefined;
    }
    if (args.some((a) => a!.kind === 'attribute')) {
      problems.push(`${jsonPath(path, 'type')}: @disabled takes true or false; search it with "type": "enum" and "targets": [[true], [false]]`);
      return undefined;
    }
    range = [targets[0] as number, targets[1] as number];
  } else {
    const n = args.length;
    const example = JSON.stringify([Array(n).fill('a'), Array(n).fill('b')]).replace(/"/g, '');
    if (!Array.isArray(targets) || targets.length === 0) {
      problems.push(`${targetsPath}: an enum search takes a list of choices, each a list of ${n} value${n > 1 ? 's' : ''} (one per arg), e.g. ${example}; got ${showValue(targets)}`);
      return undefined;
    }
    for (let i = 0; i < targets.length; i++) {
      const c = targets[i];
      if (!Array.isArray(c) || c.length !== n) {
        problems.push(`${jsonPath(targetsPath, i)}: expected a list of ${n} value${n > 1 ? 's' : ''} (one per arg: ${(argList as string[]).join(', ')}), got ${showValue(c)}`);
        return undefined;
      }
    }
    choices = targets as Json[][];
    args.forEach((a, k) => {
      if (a!.kind === 'attribute' && !choices!.every((c) => typeof c[k] === 'boolean'))
        problems.push(`${targetsPath}: @disabled takes true or false, got ${choices!.map((c) => JSON.stringify(c[k])).join(', ')}`);
    });
    if (problems.length > before) return undefined;
  }

  const placesOf = (a: ParsedArg) => place(comp, a, 'search', path);
  const names = args.map((a) => a!.name ?? placesOf(a!).path);
  const variables = args.map((a, position): SearchVariable => {
    const p = placesOf(a!);
    return {
      name: names[position],
      entry: path,
      type: t,
      ...(typeof domain === 'string' ? { domain } : {}),
      ...(range ? { range } : {}),
      ...(choices ? { choices: choices.map((c) => c[position]) } : {}),
      group: names,
      position,
      aliases: p.kind === 'parameter' || p.path === names[position] ? [] : [p.path],
      // A top-level free name (no such first-level parameter) has no place of its own: only its applies.
      places: p.kind === 'parameter' && !parameters.has(a!.key) ? [] : [p],
    };
  });
  return { entry: { path, type: t, names, ...(range ? { range } : {}), ...(choices ? { choices } : {}) }, variables };
}
