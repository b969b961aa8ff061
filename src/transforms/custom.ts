import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VoxelpipeError } from '../util/errors.js';
import { formatZodIssues, jsonPath, showValue } from '../util/schema-errors.js';
import type { Sample } from './image.js';
import type { Transform, TransformContext } from './types.js';

/**
 * Custom transforms, Clara's "bring your own component": a chain entry
 * `{ "path": "./my-transforms.js#MyTransform", "args": {...} }` names an ES
 * module (relative to the MMAR root) and one of its exports (the default
 * export when there is no `#`). The export may be
 *
 *   - a definition object: `{ name?, args?: zodSchema, isRandom?, create(args) }`
 *     where `create` returns `{ apply(sample, ctx), fields?, isRandom? }`;
 *   - a class: `new Export(args)` gives an object with `apply(sample, ctx)` and
 *     optionally `fields`, `isRandom` or Clara's `is_deterministic()`; a
 *     `static args` zod schema validates args;
 *   - a factory function: `Export(args)` returns such an object.
 *
 * Importing is asynchronous (ES modules), creating is not: load the modules
 * once with `loadCustomTransforms` (or `createChainAsync`), then build chains
 * synchronously, in the main thread and in each worker.
 *
 * A custom transform is deterministic unless it says otherwise; the chain
 * refuses a deterministic transform that touches `ctx.rng`, so a forgotten
 * `isRandom: true` is an error rather than a silently wrong cache.
 */

/** A chain entry naming a user module instead of a catalogue name. */
export interface CustomEntry {
  /** `file.js#Export` or `file.js` (default export), relative to the MMAR root. */
  path: string;
  args?: Record<string, unknown>;
}

/** A loaded export, ready to make transforms from args. */
export interface CustomDefinition {
  /** The entry's `path` spelling. */
  readonly spec: string;
  /** Absolute path of the module file. */
  readonly file: string;
  /** Name used in logs, provenance and errors. */
  readonly name: string;
  create(args: Record<string, unknown> | undefined, path: string): Transform;
}

/** Loaded custom definitions by their `path` spelling. */
export type CustomTransforms = ReadonlyMap<string, CustomDefinition>;

export function isCustomEntry(e: unknown): e is CustomEntry {
  return typeof e === 'object' && e !== null && typeof (e as CustomEntry).path === 'string' && !('name' in e && (e as { name?: unknown }).name);
}

/** `./a/b.js#X` -> file and export name. */
export function parseCustomSpec(spec: string): { file: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  return hash < 0 ? { file: spec, exportName: 'default' } : { file: spec.slice(0, hash), exportName: spec.slice(hash + 1) || 'default' };
}

/**
 * Imports the module of every custom entry of `entries` (each module once)
 * and checks that the named export is a transform. `path` is the JSON path
 * of the list (errors name `path[i].path`); relative files resolve against
 * `root` (default: the working directory).
 */
export async function loadCustomTransforms(
  entries: readonly unknown[],
  options: { root?: string; path?: string } = {},
): Promise<Map<string, CustomDefinition>> {
  const out = new Map<string, CustomDefinition>();
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!isCustomEntry(e) || out.has(e.path)) continue;
    const at = jsonPath(jsonPath(options.path ?? 'transforms', i), 'path');
    const { file, exportName } = parseCustomSpec(e.path);
    const abs = isAbsolute(file) ? file : resolve(options.root ?? process.cwd(), file);
    if (!existsSync(abs))
      throw new VoxelpipeError('ERR_FILE_NOT_FOUND', `${at}: custom transform module "${file}" not found (looked for ${abs})`, {
        context: { path: at, file: abs },
      });
    let pending = modules.get(abs);
    if (!pending) {
      pending = import(pathToFileURL(abs).href) as Promise<Record<string, unknown>>;
      modules.set(abs, pending);
    }
    let mod: Record<string, unknown>;
    try {
      mod = await pending;
    } catch (err) {
      throw new VoxelpipeError('ERR_CONFIG', `${at}: cannot load custom transform module ${abs}: ${firstLine(err)}`, {
        cause: err,
        context: { path: at, file: abs },
      });
    }
    if (!(exportName in mod)) {
      const names = Object.keys(mod);
      throw new VoxelpipeError(
        'ERR_CONFIG',
        `${at}: ${abs} has no export "${exportName}" (${names.length ? `its exports: ${names.join(', ')}` : 'it exports nothing'})`,
        { context: { path: at, file: abs } },
      );
    }
    out.set(e.path, toDefinition(mod[exportName], e.path, abs, exportName, at));
  }
  return out;
}

/** Builds the transform of a custom entry from already loaded modules. */
export function createCustomTransform(entry: CustomEntry, custom: CustomTransforms | undefined, path: string): Transform {
  const def = custom?.get(entry.path);
  if (!def)
    throw new VoxelpipeError(
      'ERR_CONFIG',
      `${jsonPath(path, 'path')}: custom transform "${entry.path}" is not loaded: build the chain with createChainAsync, or pass loadCustomTransforms' result as options.custom`,
      { context: { path } },
    );
  return def.create(entry.args, path);
}

interface Schema {
  safeParse(v: unknown, params?: unknown): { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };
  shape?: Record<string, unknown>;
}

interface Impl {
  apply?: unknown;
  fields?: unknown;
  isRandom?: unknown;
  is_deterministic?: unknown;
}

function toDefinition(exp: unknown, spec: string, file: string, exportName: string, at: string): CustomDefinition {
  const fallbackName = exportName === 'default' ? basename(file).replace(/\.[cm]?[jt]s$/, '') : exportName;
  let name: string;
  let schema: Schema | undefined;
  let make: (args: Record<string, unknown>) => Impl;
  let defaultRandom = false;
  if (typeof exp === 'function') {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exp));
    name = exportName === 'default' && exp.name ? exp.name : fallbackName;
    schema = asSchema((exp as { args?: unknown }).args);
    make = isClass
      ? (args) => new (exp as new (a: Record<string, unknown>) => Impl)(args)
      : (args) => (exp as (a: Record<string, unknown>) => Impl)(args);
  } else if (typeof exp === 'object' && exp !== null && typeof (exp as { create?: unknown }).create === 'function') {
    const d = exp as { name?: unknown; args?: unknown; isRandom?: unknown; create(a: Record<string, unknown>): Impl };
    name = typeof d.name === 'string' && d.name ? d.name : fallbackName;
    schema = asSchema(d.args);
    defaultRandom = d.isRandom === true;
    make = (args) => d.create(args);
  } else {
    throw new VoxelpipeError(
      'ERR_CONFIG',
      `${at}: export "${exportName}" of ${file} is not a transform: expected a class or factory whose result has apply(sample, ctx), or an object with create(args); got ${exp === null ? 'null' : typeof exp}`,
      { context: { path: at, file } },
    );
  }

  return {
    spec,
    file,
    name,
    create(rawArgs, path) {
      const args = parseArgs(schema, rawArgs ?? {}, name, path);
      let impl: Impl;
      try {
        impl = make(args);
      } catch (err) {
        throw new VoxelpipeError('ERR_CONFIG', `${name} at ${path}: construction failed: ${firstLine(err)}`, { cause: err, context: { path } });
      }
      if (typeof impl !== 'object' || impl === null || typeof impl.apply !== 'function')
        throw new VoxelpipeError(
          'ERR_CONFIG',
          `${name} at ${path}: ${file} export "${exportName}" made ${showValue(impl)}, expected an object with apply(sample, ctx)`,
          { context: { path } },
        );
      const apply = impl.apply as (s: Sample, c: TransformContext) => Sample;
      const isRandom =
        typeof impl.isRandom === 'boolean'
          ? impl.isRandom
          : typeof impl.is_deterministic === 'function'
            ? !(impl.is_deterministic as () => boolean).call(impl)
            : defaultRandom;
      const f = impl.fields ?? args.fields;
      const fields = typeof f === 'string' ? [f] : Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
      return Object.freeze({
        name,
        source: file,
        args: Object.freeze(args),
        isRandom,
        fields: Object.freeze(fields),
        apply: (s: Sample, c: TransformContext) => apply.call(impl, s, c),
      });
    },
  };
}

function asSchema(v: unknown): Schema | undefined {
  return typeof v === 'object' && v !== null && typeof (v as Schema).safeParse === 'function' ? (v as Schema) : undefined;
}

function parseArgs(schema: Schema | undefined, raw: Record<string, unknown>, name: string, path: string): Record<string, unknown> {
  if (!schema) return { ...raw };
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const lines = formatZodIssues(parsed.error.issues as never, jsonPath(path, 'args'), schema.shape ? Object.keys(schema.shape) : []);
    throw new VoxelpipeError('ERR_CONFIG', `${name}: ${lines.join('; ')}`, { context: { path, name } });
  }
  return parsed.data as Record<string, unknown>;
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0];
}
