import { VoxelpipeError, clipText } from '../util/errors.js';
import { formatZodIssues, jsonPath } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import type { Transform, TransformContext, TransformDefinition } from './types.js';
import type { Sample } from './image.js';
import { materialiseSample } from './lazy/materialise.js';

/** A `{ "name", "args" }` entry of a Clara chain, after the config layer resolved `ref` and `disabled`. */
export interface TransformEntry {
  /** "Name" or "Name#alias". */
  name: string;
  args?: Record<string, unknown>;
}

/**
 * The strict name -> definition table. A duplicate name throws; an unknown
 * name lists the closest known ones. There is no module scanning and nothing
 * global: `createDefaultRegistry()` (catalogue.ts) returns a new one.
 */
export class TransformRegistry {
  private readonly defs = new Map<string, TransformDefinition>();
  /** Every accepted spelling (names and aliases) -> its definition. */
  private readonly lookup = new Map<string, TransformDefinition>();

  register(def: TransformDefinition): this {
    for (const n of [def.name, ...(def.aliases ?? [])])
      if (this.lookup.has(n)) throw new Error(`transform "${n}" is registered twice`);
    this.defs.set(def.name, def);
    for (const n of [def.name, ...(def.aliases ?? [])]) this.lookup.set(n, def);
    return this;
  }

  has(name: string): boolean {
    return this.lookup.has(name);
  }

  /** Every accepted spelling, aliases included, sorted. */
  names(): string[] {
    return [...this.lookup.keys()].sort();
  }

  definitions(): TransformDefinition[] {
    return [...this.defs.values()];
  }

  /** The definition for `name`, or ERR_CONFIG naming `path` with suggestions. */
  get(name: string, path = 'transform'): TransformDefinition {
    const def = this.lookup.get(name);
    if (!def)
      throw new VoxelpipeError('ERR_CONFIG', `${path}: unknown transform "${clipText(name)}"${didYouMean(name, this.defs.keys())}`, {
        context: { path, name },
      });
    return def;
  }

  /**
   * Builds a transform from a config entry, checking its args against the
   * schema. `path` is the entry's JSON path (e.g. `train.pre_transforms[3]`);
   * every problem is reported in one line naming it.
   */
  create(entry: TransformEntry, path = 'transform'): Transform {
    const [written, alias] = entry.name.split('#', 2);
    // An alias spelling (ToTensorD) builds the canonical transform (ToTensord).
    const def = this.get(written, jsonPath(path, 'name'));
    const name = def.name;
    const parsed = def.args.safeParse(entry.args ?? {}, { reportInput: true });
    if (!parsed.success) {
      const shape = (def.args as { shape?: Record<string, unknown> }).shape;
      const lines = formatZodIssues(parsed.error.issues, jsonPath(path, 'args'), shape ? Object.keys(shape) : []);
      throw new VoxelpipeError('ERR_CONFIG', `${name}: ${lines.join('; ')}`, { context: { path, name } });
    }
    const args = parsed.data as Record<string, unknown>;
    let impl;
    try {
      impl = def.create(args as never);
    } catch (e) {
      if (e instanceof VoxelpipeError) throw new VoxelpipeError(e.code, `${name} at ${path}: ${e.message}`, { cause: e });
      throw e;
    }
    return Object.freeze({
      name,
      ...(alias ? { alias } : {}),
      args: Object.freeze(args),
      isRandom: impl.isRandom ?? def.isRandom,
      fields: impl.fields,
      // A transform's public apply makes its images (what a caller of one transform expects, also
      // of a wrapper around a lazy kernel); the chain runner calls applyLazy on lazy-aware ones and
      // materialises once, where the voxels are needed.
      ...(impl.lazy ? { lazy: true } : {}),
      applyLazy: impl.apply,
      apply: (s: Sample, ctx: TransformContext) => materialiseSample(impl.apply(s, ctx), undefined, ctx.alloc, ctx.luts),
      ...(impl.prefixStep ? { prefixStep: impl.prefixStep } : {}),
    });
  }
}
