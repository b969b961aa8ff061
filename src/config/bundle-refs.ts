import { dirname, isAbsolute, resolve } from 'node:path';
import { showValue } from '../util/schema-errors.js';
import { closestNames, didYouMean } from '../util/suggest.js';
import { readJsonFile } from './json.js';
import type { Json } from './variables.js';

/**
 * MONAI bundle references without Python: ids (`train#dataset`, with `::`
 * as a synonym of `#`, list indices as numbers), `@id` references
 * (relative ones too: `@#A` is A beside the item, `@##A` one level up),
 * `%id` and `%file.json::id` macros (a copy of that config text), and
 * `_disabled_` items, which drop out of lists. `$` expressions are Python
 * and are refused, naming the id, except the one form bundles use to join
 * transform lists: `"$@a + @b"` (references joined by `+`, nothing else).
 */

export type Problem = (p: string) => void;

/** A value and the id it was found at (relative references and messages need it). */
export interface Located {
  value: Json;
  id: string;
}

const SEP = /::|#/;
const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `a::b#2` -> ['a', 'b', '2']; '' -> []. */
export function splitId(id: string): string[] {
  return id === '' ? [] : id.split(SEP);
}

export function joinId(...parts: (string | number)[]): string {
  return parts.filter((p) => p !== '').join('#');
}

/** MONAI's `_disabled_`: true, or a string that reads "true". */
export function isDisabled(v: Json): boolean {
  if (!isObject(v) || v._disabled_ === undefined) return false;
  const d = v._disabled_;
  return typeof d === 'string' ? d.trim().toLowerCase() === 'true' : Boolean(d);
}

/** `"$@a + @b"`: only references joined by `+`. */
const JOIN = /^\$\s*@[^\s+]+(\s*\+\s*@[^\s+]+)*\s*$/;

/** Values references may expand to: references to references can grow a small file exponentially ("billion laughs"). */
export const MAX_EXPANDED_VALUES = 1_000_000;

export class BundleRefs {
  private expanded = 0;
  /** Other files' configs read for `%file::id` macros, by absolute path. */
  private readonly files = new Map<string, Json>();
  /** Ids reached (for the "not used" warning). */
  readonly visited = new Set<string>();

  constructor(
    private readonly config: Record<string, Json>,
    private readonly file: string,
    private readonly report: Problem,
  ) {}

  /** The raw value at `id` of `root` (this config when absent), or undefined. */
  private at(id: string, root: Json = this.config): Json | undefined {
    let node: Json | undefined = root;
    for (const seg of splitId(id)) {
      if (Array.isArray(node)) node = /^\d+$/.test(seg) ? node[Number(seg)] : undefined;
      else if (isObject(node)) node = Object.hasOwn(node, seg) ? node[seg] : undefined;
      else return undefined;
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** `#A` / `##A` (relative to the item at `from`) -> an absolute id. */
  private absolute(ref: string, from: string, where: string): string | undefined {
    const m = /^(#+)(.*)$/.exec(ref);
    if (!m) return ref.replace(/::/g, '#');
    const up = m[1].length;
    const base = splitId(from);
    if (up > base.length) {
      this.report(`${where}: relative reference "${ref}" goes above the top of the config`);
      return undefined;
    }
    return joinId(...base.slice(0, base.length - up), ...splitId(m[2]));
  }

  /** What `id` holds, or a problem naming `where` with the closest ids. */
  lookup(id: string, where: string, root: Json = this.config, file = this.file): Located | undefined {
    const v = this.at(id, root);
    if (v !== undefined) {
      if (root === this.config) for (let i = 1, segs = splitId(id); i <= segs.length; i++) this.visited.add(joinId(...segs.slice(0, i)));
      return { value: v, id };
    }
    const segs = splitId(id);
    const parent = this.at(joinId(...segs.slice(0, -1)), root);
    const siblings = isObject(parent) ? Object.keys(parent).map((k) => joinId(...segs.slice(0, -1), k)) : [];
    const hint = closestNames(id, siblings).length ? didYouMean(id, siblings) : '';
    this.report(`${where}: no item "${id}" in ${file}${hint}`);
    return undefined;
  }

  /**
   * Follows `@` references and `%` macros from `v` (found at `id`) to a
   * value that is neither; `$` expressions are reported. Undefined after a
   * problem.
   */
  deref(v: Json, id: string, stack: string[] = []): Located | undefined {
    if (typeof v !== 'string') return { value: v, id };
    if (v.startsWith('$')) {
      this.report(`${id}: ${showValue(v)} is a Python expression ("$..."); voxelpipe reads bundles without running Python: write the value itself, or set it with --set '${id}=...'`);
      return undefined;
    }
    const sym = v[0];
    if (sym !== '@' && sym !== '%') return { value: v, id };
    if (stack.includes(id)) {
      this.report(`${id}: the reference ${showValue(v)} leads back to itself (${[...stack, id].join(' -> ')})`);
      return undefined;
    }
    const body = v.slice(1);
    if (sym === '%') {
      const m = /^(.+\.(?:json|ya?ml))(?:::|#)(.*)$/i.exec(body);
      const target = m ? this.fromFile(m[1], m[2], id) : this.lookupRef(body, id);
      // A macro is a copy of the text; MONAI resolves relative ids before it copies, so they stay relative to the source.
      return target ? this.deref(structuredClone(target.value), target.id, [...stack, id]) : undefined;
    }
    const target = this.lookupRef(body, id);
    return target ? this.deref(target.value, target.id, [...stack, id]) : undefined;
  }

  private lookupRef(ref: string, from: string): Located | undefined {
    const id = this.absolute(ref, from, from);
    return id === undefined ? undefined : this.lookup(id, from);
  }

  private fromFile(path: string, id: string, where: string): Located | undefined {
    if (/\.ya?ml$/i.test(path)) {
      this.report(`${where}: macro file ${path} is YAML; voxelpipe reads JSON bundle files`);
      return undefined;
    }
    const file = isAbsolute(path) ? path : resolve(dirname(this.file), path);
    let root = this.files.get(file);
    if (root === undefined) {
      root = readJsonFile(file) as Json;
      this.files.set(file, root);
    }
    return this.lookup(id.replace(/::/g, '#'), where, root, file);
  }

  /**
   * A list whose items may be references (`["@a", {...}]`), a reference to
   * a list, or `"$@a + @b"` (lists joined); `_disabled_` items are dropped.
   * Each item comes with its id, references followed.
   */
  list(v: Json, id: string): Located[] | undefined {
    if (typeof v === 'string' && JOIN.test(v)) {
      const out: Located[] = [];
      for (const ref of v.slice(1).split('+')) {
        const part = this.deref(ref.trim(), id);
        const items = part && this.list(part.value, part.id);
        if (!items) return undefined;
        out.push(...items);
      }
      return out;
    }
    const d = this.deref(v, id);
    if (!d) return undefined;
    if (!Array.isArray(d.value)) {
      this.report(`${d.id}: expected a list, got ${showValue(d.value)}`);
      return undefined;
    }
    if (!this.grow(d.value.length, d.id)) return undefined;
    const out: Located[] = [];
    let ok = true;
    d.value.forEach((item, i) => {
      const e = this.deref(item, joinId(d.id, i));
      if (!e) ok = false;
      else if (!isDisabled(e.value)) out.push(e);
    });
    return ok ? out : undefined;
  }

  /** Counts `n` values produced; false (reported once) past MAX_EXPANDED_VALUES. */
  private grow(n: number, id: string): boolean {
    if (this.expanded > MAX_EXPANDED_VALUES) return false;
    this.expanded += n;
    if (this.expanded <= MAX_EXPANDED_VALUES) return true;
    this.report(`${id}: the references expand to more than ${MAX_EXPANDED_VALUES} values; refusing to build them`);
    return false;
  }

  /**
   * `v` with every reference and macro inside followed (plain JSON, as the
   * component's args); components (`_target_`) inside are refused.
   */
  deep(v: Json, id: string): Json | undefined {
    const d = this.deref(v, id);
    if (!d || !this.grow(1, d.id)) return undefined;
    const x = d.value;
    if (Array.isArray(x)) {
      const out: Json[] = [];
      for (let i = 0; i < x.length; i++) {
        const r = this.deep(x[i], joinId(d.id, i));
        if (r === undefined) return undefined;
        out.push(r);
      }
      return out;
    }
    if (isObject(x)) {
      if (x._target_ !== undefined) {
        this.report(`${d.id}: a component (${showValue(x._target_)}) as an arg value is not read; voxelpipe reads plain values here`);
        return undefined;
      }
      const out: Record<string, Json> = {};
      for (const [k, e] of Object.entries(x)) {
        const r = this.deep(e, joinId(d.id, k));
        if (r === undefined) return undefined;
        out[k] = r;
      }
      return out;
    }
    return x;
  }
}
