import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { clipText } from '../util/errors.js';
import { formatZodIssues, jsonPath, showValue } from '../util/schema-errors.js';
import { closestNames, didYouMean } from '../util/suggest.js';
import { CLARA2_TRANSFORM_NAMES, CLARA_TRANSFORM_NAMES, clara2Text } from './clara-names.js';
import { PIPELINE_NAMES } from './pipeline.js';
import { refuseExpressions } from './python-expr.js';

/**
 * Transform entries of `pre_transforms` / `batch_transforms`, Clara's
 * component grammar (CLARA-3.1.md §3.7): `name`, `name#alias`, `path`
 * (custom module), `args`, `ref` (reuse a train transform by name or alias)
 * and `disabled`.
 */

/** What the config layer needs of the transform registry (src/transforms/registry.ts satisfies it). */
export interface TransformChecker {
  has(name: string): boolean;
  names(): string[];
  /** A definition: its args schema and (for a registry) its canonical name, which an alias spelling differs from. */
  get(name: string): { args: z.ZodType; name?: string };
}

/** A transform entry after `ref` and `disabled` are resolved. */
export interface TransformSpec {
  /** Clara name ("ScaleByResolution"), or for a custom module its `name` or export name. */
  name: string;
  /** The alias of a `Name#alias` entry. */
  alias?: string;
  /** Custom module (`"path": "./my-transforms.js#MyTransform"`): absolute file path, or a bare package name. */
  path?: string;
  /** The export of `path` to use ("default" when the path has no `#Export`). */
  exportName?: string;
  /** The args as written (placeholders substituted); the transform layer parses them (defaults) when it builds the chain. */
  args: Record<string, unknown>;
  /** JSON path of the entry holding these args, e.g. `train.pre_transforms[2]`. */
  jsonPath: string;
  /** For an entry reached through `ref`: the JSON path of the `ref` entry. */
  refFrom?: string;
  /** `registry`: args checked against the definition's schema; `clara`: a Clara name without a definition yet (args unchecked); `custom`: a module. */
  known: 'registry' | 'clara' | 'custom';
}

const ENTRY_KEYS = ['name', 'path', 'args', 'ref', 'disabled'];

/** A parsed entry before `ref`s are resolved. */
type Parsed =
  | { kind: 'def'; spec: TransformSpec; disabled: boolean }
  | { kind: 'ref'; ref: string; path: string; disabled: boolean }
  /** An entry with a problem (already reported): kept so that a `ref` to it does not report a second, misleading problem. */
  | { kind: 'broken'; name?: string; alias?: string };

export interface ChainContext {
  checker?: TransformChecker;
  /** Clara 4: `$` values in args are Python expressions, refused naming their path. */
  refuseExpressions?: boolean;
  /** Folder custom module paths resolve against (the MMAR root). */
  root: string;
  report: (problem: string) => void;
}

/** Every transform name the config accepts: the registry's plus Clara's. */
export function knownTransformNames(checker?: TransformChecker): string[] {
  return [...new Set([...(checker?.names() ?? []), ...CLARA_TRANSFORM_NAMES])].sort();
}

/** The names to suggest: known names without MONAI's other spellings (ToTensorD, ToTensorDict) of the same transform. */
function suggestionNames(checker?: TransformChecker): string[] {
  return knownTransformNames(checker).filter((n) => {
    const canonical = checker?.has(n) ? checker.get(n).name : undefined;
    return canonical === undefined || canonical === n;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses one entry at `path`; problems go to `ctx.report`, and the entry is dropped. */
function parseEntry(entry: unknown, path: string, ctx: ChainContext): Parsed | undefined {
  if (!isObject(entry)) {
    ctx.report(`${path}: expected a transform entry like {"name": "LoadNifti", "args": {...}}, got ${showValue(entry)}`);
    return undefined;
  }
  let ok = true;
  const bad = (p: string) => {
    ctx.report(p);
    ok = false;
  };
  for (const k of Object.keys(entry)) if (!ENTRY_KEYS.includes(k)) bad(`${jsonPath(path, k)}: unknown key${didYouMean(k, ENTRY_KEYS)} (an entry has name, path, args, ref, disabled)`);
  const disabled = entry.disabled ?? false;
  if (typeof disabled !== 'boolean') bad(`${jsonPath(path, 'disabled')}: expected boolean, got ${showValue(disabled)}`);
  if (entry.args !== undefined && !isObject(entry.args)) bad(`${jsonPath(path, 'args')}: expected an object of args, got ${showValue(entry.args)}`);

  if (entry.ref !== undefined) {
    if (typeof entry.ref !== 'string' || entry.ref === '') bad(`${jsonPath(path, 'ref')}: expected the name or alias of a train transform, got ${showValue(entry.ref)}`);
    for (const k of ['name', 'path', 'args'])
      if (entry[k] !== undefined) bad(`${jsonPath(path, k)}: an entry with "ref" reuses the referenced transform as it is; remove "${k}" (or write a full entry instead of "ref")`);
    return ok ? { kind: 'ref', ref: entry.ref as string, path, disabled: disabled === true } : undefined;
  }

  const args = isObject(entry.args) ? entry.args : {};
  let name: string | undefined;
  let alias: string | undefined;
  if (entry.name !== undefined) {
    if (typeof entry.name !== 'string' || entry.name === '') bad(`${jsonPath(path, 'name')}: expected a transform name, got ${showValue(entry.name)}`);
    else {
      const hash = entry.name.indexOf('#');
      name = hash < 0 ? entry.name : entry.name.slice(0, hash);
      alias = hash < 0 ? undefined : entry.name.slice(hash + 1);
      if (hash >= 0 && (!alias || alias.includes('#') || !name))
        bad(`${jsonPath(path, 'name')}: expected "Name" or "Name#alias", got ${showValue(entry.name)}`);
    }
  }

  // Clara 4 names MONAI's own classes by Python path too ("monai.transforms.ToTensord"): that is the catalogue's transform.
  const monaiClass = monaiTransformOf(entry.path, ctx.checker);
  if (monaiClass !== undefined) {
    if (name !== undefined && name !== monaiClass) bad(`${jsonPath(path, 'name')}: "${name}" names another class than path "${entry.path as string}"; give one of them`);
    name ??= monaiClass;
  } else if (entry.path !== undefined) {
    const custom = parseModulePath(entry.path, jsonPath(path, 'path'), ctx);
    if (!custom || !ok) return undefined;
    const spec: TransformSpec = {
      name: name ?? custom.exportName,
      ...(alias ? { alias } : {}),
      path: custom.file,
      exportName: custom.exportName,
      args,
      jsonPath: path,
      known: 'custom',
    };
    return { kind: 'def', spec, disabled: disabled === true };
  }
  if (name === undefined && ok) {
    ctx.report(`${path}: expected "name" (a Clara transform), "path" (a custom module) or "ref" (a train transform)`);
    return undefined;
  }
  if (!ok || name === undefined) return undefined;

  if (ctx.refuseExpressions && !refuseExpressions(args, jsonPath(path, 'args'), ctx.report)) return undefined;
  let known: TransformSpec['known'];
  if (ctx.checker?.has(name)) {
    known = 'registry';
    const schema = ctx.checker.get(name).args;
    const parsed = schema.safeParse(args, { reportInput: true });
    if (!parsed.success) {
      const shape = (schema as { shape?: Record<string, unknown> }).shape;
      for (const line of formatZodIssues(parsed.error.issues, jsonPath(path, 'args'), shape ? Object.keys(shape) : [])) ctx.report(line);
      return undefined;
    }
  } else if (CLARA_TRANSFORM_NAMES.includes(name)) {
    known = 'clara';
  } else {
    ctx.report(`${jsonPath(path, 'name')}: ${unknownNameText(name, ctx.checker)}`);
    return undefined;
  }
  return { kind: 'def', spec: { name, ...(alias ? { alias } : {}), args, jsonPath: path, known }, disabled: disabled === true };
}

/** `unknown transform "X" (did you mean ...?)`, with the Clara 3 name for Clara 2.x names. */
export function unknownNameText(name: string, checker?: TransformChecker): string {
  // Own keys only: a transform named "toString" must not find Object.prototype.toString.
  if (Object.hasOwn(CLARA2_TRANSFORM_NAMES, name)) return clara2Text(name, CLARA2_TRANSFORM_NAMES[name]);
  if ((PIPELINE_NAMES as readonly string[]).includes(name)) return `"${name}" is an image pipeline, not a transform (it belongs in image_pipeline)`;
  return `unknown transform "${clipText(name)}"${didYouMean(name, suggestionNames(checker))}`;
}

const PYTHON_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

/** `monai.transforms.ToTensord` (or `monai.transforms.utility.dictionary.ToTensord`) -> `ToTensord`, when the catalogue has it. */
function monaiTransformOf(p: unknown, checker?: TransformChecker): string | undefined {
  if (typeof p !== 'string' || !p.startsWith('monai.transforms.') || !PYTHON_PATH.test(p)) return undefined;
  const cls = p.slice(p.lastIndexOf('.') + 1);
  return checker?.has(cls) ? cls : undefined;
}

/**
 * `"./my-transforms.js#MyTransform"`: a JavaScript module (relative to the
 * MMAR root, absolute, or a package name) and the export to use. Clara's
 * Python import paths (`"my_module.MyClass"`) cannot be loaded by Node.
 */
function parseModulePath(p: unknown, path: string, ctx: ChainContext): { file: string; exportName: string } | undefined {
  if (typeof p !== 'string' || p === '' || p.startsWith('#')) {
    ctx.report(`${path}: expected a module path like "./my-transforms.js#MyTransform", got ${showValue(p)}`);
    return undefined;
  }
  const hash = p.lastIndexOf('#');
  const spec = hash < 0 ? p : p.slice(0, hash);
  const exportName = hash < 0 ? 'default' : p.slice(hash + 1);
  const looksJs = /[\\/]/.test(spec) || /\.(m|c)?[jt]s$/.test(spec) || spec.startsWith('@');
  if (!looksJs && PYTHON_PATH.test(spec)) {
    const cls = spec.slice(spec.lastIndexOf('.') + 1);
    ctx.report(
      spec.startsWith('monai.')
        ? `${path}: "${p}" is a Python class voxelpipe does not have (it runs no Python; its catalogue holds MONAI's transforms by name${didYouMean(cls, suggestionNames(ctx.checker))}); custom transforms are JavaScript modules: "./file.js#ExportName"`
        : `${path}: "${p}" looks like a Python import path (Clara BYOC); voxelpipe loads JavaScript modules: "./file.js#ExportName"`,
    );
    return undefined;
  }
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    ctx.report(`${path}: expected an export name after "#", got ${showValue(exportName)}`);
    return undefined;
  }
  // "my-transforms.js" means the file in the MMAR, not a package of that name.
  const relative = spec.startsWith('./') || spec.startsWith('../') || (!spec.startsWith('@') && /\.(m|c)?[jt]s$/.test(spec));
  const file = isAbsolute(spec) ? spec : relative ? resolve(ctx.root, spec) : spec;
  return { file, exportName };
}

/** The train transforms a `ref` can name, by alias and by name. */
export class RefIndex {
  private readonly byAlias = new Map<string, TransformSpec>();
  private readonly byName = new Map<string, TransformSpec[]>();
  private readonly broken = new Set<string>();

  /** A train entry that had a problem: refs to it are dropped silently (its problem is reported). */
  addBroken(name?: string, alias?: string): void {
    if (name) this.broken.add(name);
    if (alias) this.broken.add(alias);
  }

  add(spec: TransformSpec): void {
    if (spec.alias && !this.byAlias.has(spec.alias)) this.byAlias.set(spec.alias, spec);
    const list = this.byName.get(spec.name) ?? [];
    list.push(spec);
    this.byName.set(spec.name, list);
  }

  /** The referenced spec, a problem text, or `null` for a ref to a broken entry. */
  resolve(ref: string): TransformSpec | string | null {
    const a = this.byAlias.get(ref);
    if (a) return a;
    const named = this.byName.get(ref) ?? [];
    if (named.length === 1) return named[0];
    // A ref to (a near spelling of) an entry that had a problem: that problem is the one to fix.
    if (named.length === 0 && (this.broken.has(ref) || closestNames(ref, this.broken).length > 0)) return null;
    if (named.length > 1)
      return `"${ref}" is ambiguous: ${named.length} train transforms are named ${ref} (${named.map((s) => s.jsonPath).join(', ')}); give them aliases ("${ref}#alias") and ref the alias`;
    const candidates = [...this.byAlias.keys(), ...this.byName.keys()];
    const close = closestNames(ref, candidates);
    return `no train transform is named or aliased "${clipText(ref)}"${close.length ? didYouMean(ref, candidates) : candidates.length ? ` (train has ${candidates.join(', ')})` : ' (train has no pre_transforms)'}`;
  }
}

/** Parses one entry at `path` (problems to `ctx.report`; undefined after one): bundles build their chains entry by entry. */
export function parseChainEntry(entry: unknown, path: string, ctx: ChainContext): Parsed | undefined {
  return parseEntry(entry, path, ctx);
}

/** First pass: parses a chain's entries (refs unresolved). */
export function parseChainEntries(list: unknown, path: string, ctx: ChainContext): Parsed[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    ctx.report(`${path}: expected a list of transform entries, got ${showValue(list)}`);
    return [];
  }
  const out: Parsed[] = [];
  list.forEach((e, i) => {
    const p = parseEntry(e, jsonPath(path, i), ctx);
    if (p) out.push(p);
    else if (isObject(e) && typeof e.name === 'string') {
      const [name, alias] = e.name.split('#', 2);
      out.push({ kind: 'broken', name, alias });
    }
  });
  return out;
}

/** Adds the definitions of a parsed chain (disabled ones included: a `ref` may reuse them) to `index`. */
export function indexChain(parsed: readonly Parsed[], index: RefIndex): void {
  for (const p of parsed) {
    if (p.kind === 'def') index.add(p.spec);
    else if (p.kind === 'broken') index.addBroken(p.name, p.alias);
  }
}

/** Second pass: resolves refs against the train index and drops disabled entries. */
export function resolveChain(parsed: readonly Parsed[], index: RefIndex, ctx: ChainContext): TransformSpec[] {
  const out: TransformSpec[] = [];
  for (const p of parsed) {
    if (p.kind === 'broken' || p.disabled) continue;
    if (p.kind === 'def') {
      out.push(p.spec);
      continue;
    }
    const target = index.resolve(p.ref);
    if (target === null) continue;
    if (typeof target === 'string') ctx.report(`${jsonPath(p.path, 'ref')}: ${target}`);
    else out.push({ ...target, refFrom: p.path });
  }
  return out;
}
