import { VoxelpipeError, isVoxelpipeError } from '../util/errors.js';
import { rngFor, type Rng } from '../util/rng.js';
import { jsonPath } from '../util/schema-errors.js';
import { arrayDTypeOf, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { createCustomTransform, isCustomEntry, loadCustomTransforms, type CustomEntry, type CustomTransforms } from './custom.js';
import { isChainImage, type Sample } from './image.js';
import { PROVENANCE, provenanceOf, type ProvenanceEntry } from './provenance.js';
import type { TransformEntry, TransformRegistry } from './registry.js';
import type { Transform, TransformContext } from './types.js';
import { materialiseSample, type LutCache } from './lazy/materialise.js';

/**
 * The chain runner: a Clara `pre_transforms` list made into transforms,
 * applied in order to one sample.
 *
 * Randomness: the transform at position i of the config list draws from
 * `rngFor(seed, epoch, index, i)` (disabled entries keep their position), so its output depends only on the sample
 * and the key, never on which thread ran it or what ran before it. The
 * deterministic prefix (up to the first random transform, as Clara's Smart
 * Cache) can be computed once, cached, and finished with `applyRange` from
 * the boundary with the same key: the result is bit-identical to `apply`.
 */

/** Which sample of which epoch, under which seed. */
export interface ChainKey {
  seed: number;
  epoch: number;
  /** The sample's position in the epoch's order. */
  index: number;
}

/** A chain entry: a catalogue name (`Name` or `Name#alias`) or a custom module (`path`). */
export type ChainEntry = (TransformEntry | CustomEntry) & {
  /** JSON path of this entry in the config, for messages (default: `options.path[i]`). */
  jsonPath?: string;
  /** Clara's `disabled`: the entry is skipped but keeps its rng position (the config layer may also drop it). */
  disabled?: boolean;
};

export interface ChainOptions {
  registry: TransformRegistry;
  /** MMAR root: custom modules and relative args paths (SaveAsNifti's out_dir) resolve against it. */
  root?: string;
  /** JSON path of the list, e.g. `train.pre_transforms` (default `transforms`). */
  path?: string;
  /** Custom transforms loaded with `loadCustomTransforms`. */
  custom?: CustomTransforms;
  /** Record provenance on samples (default true). */
  provenance?: boolean;
}

export interface ApplyOptions {
  /** Collects per-transform time; make one with `chain.newStats()`. */
  stats?: ChainStats;
  /** Called after each transform with its time and output (profiling: per-call times, bytes produced). */
  onStep?: (step: ChainStep) => void;
  /** Recycled scratch arrays for outputs that die with the sample (`TransformContext.alloc`). */
  alloc?: (dtype: ArrayDType, length: number) => VoxelArray;
  /**
   * Return lazy images as they are (a source volume with maps and a crop view
   * still to apply: transforms/lazy) for the caller to materialise where it
   * wants the voxels — a cache keeps them, the pipeline writes them straight
   * into a batch. Default false: every image of the result is made.
   */
  keepLazy?: boolean;
  /** Lookup tables of value maps, reused across samples (one per worker). */
  luts?: LutCache;
  /** Recycled bytes for data that dies within one transform's call (`TransformContext.scratchBytes`). */
  scratchBytes?: (length: number) => Uint8Array;
  /** Make only part `index` of `count` of a sample's crop batches (TransformContext.part). */
  part?: { index: number; count: number };
}

/** One transform application, as `ApplyOptions.onStep` reports it. */
export interface ChainStep {
  /** Index in the chain (`chain.transforms[index]`). */
  index: number;
  /** `Name` or `Name#alias`. */
  name: string;
  ns: number;
  /** The transform draws from its rng (the first random one ends the cacheable prefix). */
  random: boolean;
  /**
   * The sample the transform returned, its images made (read it, do not
   * modify it): lazy images (a value map or crop view not applied yet) are
   * materialised on first access, so reading it costs what the voxels cost.
   */
  readonly output: Sample;
  /** The sample as the transform returned it: lazy images stay lazy (what profiling measures). */
  readonly result: Sample;
  /** Parsed args and recorded draws, as provenance gets them (here too when a later transform throws). */
  args: Readonly<Record<string, unknown>>;
  draws?: Record<string, unknown>;
}

/** Time spent per transform (ns, from `process.hrtime.bigint`). */
export interface TransformTime {
  name: string;
  calls: number;
  totalNs: number;
}

/** Per-transform timing of a chain, mergeable across workers (send `toJSON()`, `merge` it). */
export class ChainStats {
  readonly transforms: TransformTime[];

  constructor(names: readonly string[]) {
    this.transforms = names.map((name) => ({ name, calls: 0, totalNs: 0 }));
  }

  add(index: number, ns: number): void {
    const t = this.transforms[index];
    t.calls++;
    t.totalNs += ns;
  }

  merge(other: ChainStats | readonly TransformTime[]): this {
    const list = other instanceof ChainStats ? other.transforms : other;
    list.forEach((t, i) => {
      if (!this.transforms[i]) return;
      this.transforms[i].calls += t.calls;
      this.transforms[i].totalNs += t.totalNs;
    });
    return this;
  }

  toJSON(): TransformTime[] {
    return this.transforms.map((t) => ({ ...t }));
  }

  /** One line per transform: name, calls, mean ms per call. */
  format(): string[] {
    return this.transforms.map(
      (t, i) => `${i} ${t.name}: ${t.calls} calls, ${t.calls ? (t.totalNs / t.calls / 1e6).toFixed(3) : '-'} ms/call`,
    );
  }
}

/** The context one transform application gets: its rng, made on first use. */
class ChainContext implements TransformContext {
  draws: Record<string, unknown> | undefined;
  private stream: Rng | undefined;

  constructor(
    private readonly key: ChainKey,
    private readonly position: number,
    private readonly transform: Transform,
    readonly root: string | undefined,
    readonly alloc: ((dtype: ArrayDType, length: number) => VoxelArray) | undefined,
    readonly luts: LutCache | undefined,
    readonly part: { index: number; count: number } | undefined,
    readonly scratchBytes: ((length: number) => Uint8Array) | undefined,
  ) {}

  get rng(): Rng {
    if (!this.transform.isRandom)
      // A deterministic transform may be cached: a draw would freeze one sample's randomness into the cache.
      throw new VoxelpipeError(
        'ERR_TRANSFORM',
        `${label(this.transform)} is declared deterministic (isRandom false) but used ctx.rng; declare it random`,
      );
    return (this.stream ??= rngFor(this.key.seed, this.key.epoch, this.key.index, this.position));
  }

  record(draws: Record<string, unknown>): void {
    this.draws = { ...this.draws, ...draws };
  }
}

export class Chain {
  readonly transforms: readonly Transform[];
  readonly root: string | undefined;
  /** The rng index of each transform: its position in the config list (disabled entries keep theirs). */
  readonly positions: readonly number[];
  private readonly paths: readonly string[];
  private readonly provenance: boolean;

  constructor(
    transforms: readonly Transform[],
    options: { root?: string; paths?: readonly string[]; positions?: readonly number[]; provenance?: boolean } = {},
  ) {
    this.transforms = Object.freeze([...transforms]);
    this.root = options.root;
    this.paths = options.paths ?? transforms.map((_, i) => `transforms[${i}]`);
    this.positions = Object.freeze([...(options.positions ?? transforms.map((_, i) => i))]);
    this.provenance = options.provenance ?? true;
  }

  get length(): number {
    return this.transforms.length;
  }

  /** Applies the whole chain. */
  apply(sample: Sample, key: ChainKey, options: ApplyOptions = {}): Sample {
    return this.applyRange(sample, key, 0, this.transforms.length, options);
  }

  /**
   * Applies transforms `from` (inclusive) to `to` (exclusive) with their
   * config positions as rng indices, so a cached prefix output finished here
   * equals a full `apply` bit for bit.
   */
  applyRange(sample: Sample, key: ChainKey, from: number, to: number, options: ApplyOptions = {}): Sample {
    checkKey(key);
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.transforms.length))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `applyRange(${from}, ${to}): expected 0 <= from <= to <= ${this.transforms.length}`);
    if (from === to) return options.keepLazy ? sample : materialiseSample(sample, undefined, options.alloc, options.luts);
    const stats = options.stats;
    const onStep = options.onStep;
    const timed = stats !== undefined || onStep !== undefined;
    const prov: ProvenanceEntry[] | undefined = this.provenance ? [...provenanceOf(sample)] : undefined;
    let s = sample;
    for (let i = from; i < to; i++) {
      const t = this.transforms[i];
      const ctx = new ChainContext(key, this.positions[i], t, this.root, options.alloc, options.luts, options.part, options.scratchBytes);
      const t0 = timed ? process.hrtime.bigint() : 0n;
      let out: Sample;
      try {
        // A transform that does not take lazy images gets made ones (all fields: custom
        // transforms need not list what they read). Timed with it: that is where the work happens.
        if (!t.lazy) s = materialiseSample(s, undefined, options.alloc, options.luts);
        out = t.applyLazy ? t.applyLazy(s, ctx) : t.apply(s, ctx);
        if (typeof out !== 'object' || out === null || Array.isArray(out))
          throw new VoxelpipeError('ERR_TRANSFORM', `returned ${out === null ? 'null' : typeof out}, expected a sample record`);
      } catch (err) {
        throw this.wrap(err, i, s, key);
      }
      if (timed) {
        const ns = Number(process.hrtime.bigint() - t0);
        stats?.add(i, ns);
        if (onStep) onStep(chainStep({ index: i, name: label(t), ns, random: t.isRandom, args: t.args, ...(ctx.draws ? { draws: ctx.draws } : {}) }, out));
      }
      const index = this.positions[i];
      if (prov) prov.push(ctx.draws ? { index, transform: label(t), args: t.args, draws: ctx.draws } : { index, transform: label(t), args: t.args });
      s = out;
    }
    if (!options.keepLazy) s = materialiseSample(s, undefined, options.alloc, options.luts);
    // One shallow copy per call: the input's list (maybe a cached prefix's) is never modified.
    return prov ? { ...s, [PROVENANCE]: prov } : s;
  }

  /**
   * The cacheable prefix (every transform before the first random one) and
   * the random tail. `boundary` is the index where the tail starts: cache
   * `applyRange(s, k, 0, boundary)`, then `applyRange(cached, k, boundary, length)`.
   */
  split(): { prefix: readonly Transform[]; tail: readonly Transform[]; boundary: number } {
    let b = this.transforms.findIndex((t) => t.isRandom);
    if (b < 0) b = this.transforms.length;
    return { prefix: this.transforms.slice(0, b), tail: this.transforms.slice(b), boundary: b };
  }

  /**
   * A stable text for transforms `from`..`to - 1` (names, custom module
   * files, parsed args with sorted keys, rng positions): what a persistent
   * cache keys the prefix output by, so changing an arg invalidates it.
   */
  signature(from = 0, to = this.split().boundary): string {
    const parts = [];
    for (let i = from; i < to; i++) {
      const t = this.transforms[i];
      parts.push([this.positions[i], t.name, t.source ?? null, t.args]);
    }
    return stableStringify(parts);
  }

  /**
   * A new chain with the deterministic `step` inserted before transform `at`
   * (e.g. a precomputation the next transform needs, placed at the end of the
   * cacheable prefix). It takes the rng position of the transform it precedes,
   * which it never uses: it must not be random.
   */
  withStep(at: number, step: Transform, path: string): Chain {
    if (step.isRandom) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `withStep: ${label(step)} is random; only deterministic steps can be inserted`);
    const ins = <T>(list: readonly T[], x: T) => [...list.slice(0, at), x, ...list.slice(at)];
    return new Chain(ins(this.transforms, step), {
      root: this.root,
      paths: ins(this.paths, path),
      positions: ins(this.positions, this.positions[at] ?? this.positions.length),
      provenance: this.provenance,
    });
  }

  /** "LoadNifti -> ConvertToChannelsFirst -> ScaleIntensityRange -> RandomAxisFlip", for logs. */
  describe(): string {
    return this.transforms.length ? this.transforms.map(label).join(' -> ') : '(empty chain)';
  }

  /** A stats object sized for this chain. */
  newStats(): ChainStats {
    return new ChainStats(this.transforms.map(label));
  }

  /** A transform's error as one line naming the transform, its position and the sample's inputs. */
  private wrap(err: unknown, i: number, sample: Sample, key: ChainKey): VoxelpipeError {
    const t = this.transforms[i];
    const inner = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const inputs = describeInputs(sample, t.fields);
    const msg = `${this.paths[i]} ${label(t)} (chain index ${i}) failed on sample ${key.index} of epoch ${key.epoch}: ${inner}${inputs ? ` [inputs: ${inputs}]` : ''}`;
    return new VoxelpipeError(isVoxelpipeError(err) ? err.code : 'ERR_TRANSFORM', msg, {
      cause: err,
      context: { transform: t.name, index: i, path: this.paths[i], sample: key.index, epoch: key.epoch, inputs },
    });
  }
}

/** A ChainStep whose `output` materialises the result's lazy images on first access. */
function chainStep(step: Omit<ChainStep, 'output' | 'result'>, result: Sample): ChainStep {
  let made: Sample | undefined;
  return Object.defineProperties(step, {
    result: { value: result, enumerable: true },
    output: { get: () => (made ??= materialiseSample(result)), enumerable: true },
  }) as ChainStep;
}

/** JSON with object keys sorted, so equal args give equal text whatever order a config wrote them in. */
function stableStringify(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function label(t: Transform): string {
  return t.alias ? `${t.name}#${t.alias}` : t.name;
}

function checkKey(key: ChainKey): void {
  for (const k of ['seed', 'epoch', 'index'] as const) {
    const v = key?.[k];
    if (!(Number.isSafeInteger(v) && v >= 0))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `chain key: ${k} must be a non-negative integer, got ${String(v)}`);
  }
}

/** `image int16 [512,512,100,1] from /data/ct.nii.gz, label "/data/lb.nii.gz"`: every image field, and the transform's unloaded fields. */
export function describeInputs(sample: Sample, fields: readonly string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sample)) {
    if (k === PROVENANCE) continue;
    if (isChainImage(v)) {
      const file = typeof v.meta?.filename === 'string' ? ` from ${v.meta.filename}` : '';
      parts.push(`${k} ${arrayDTypeOf(v.data)} [${v.shape.join(',')}]${v.batched ? ' batched' : ''}${file}`);
    } else if (fields.includes(k) && (typeof v === 'string' || Array.isArray(v))) {
      parts.push(`${k} ${JSON.stringify(v)}`);
    } else if (fields.includes(k)) {
      parts.push(`${k} ${v === undefined ? 'missing' : typeof v}`);
    }
  }
  for (const f of fields) if (!(f in sample)) parts.push(`${f} missing`);
  return parts.join(', ');
}

/**
 * Builds a chain from config entries (after the config layer resolved `ref`
 * and dropped `disabled` ones). Custom entries need their modules loaded
 * first: use `createChainAsync`, or pass `loadCustomTransforms`' result as
 * `options.custom`.
 */
export function createChain(entries: readonly ChainEntry[], options: ChainOptions): Chain {
  const base = options.path ?? 'transforms';
  const paths: string[] = [];
  const positions: number[] = [];
  const transforms: Transform[] = [];
  entries.forEach((e, i) => {
    // A disabled entry keeps its position, so switching one transform off leaves the others' draws unchanged.
    if ((e as { disabled?: unknown })?.disabled === true) return;
    const at = e.jsonPath ?? jsonPath(base, i);
    paths.push(at);
    positions.push(i);
    if (isCustomEntry(e)) transforms.push(createCustomTransform(e, options.custom, at));
    else if (typeof (e as TransformEntry)?.name !== 'string')
      throw new VoxelpipeError('ERR_CONFIG', `${at}: expected an object with "name" (a catalogue transform) or "path" (a custom module)`, {
        context: { path: at },
      });
    else transforms.push(options.registry.create(e as TransformEntry, at));
  });
  return new Chain(transforms, { root: options.root, paths, positions, provenance: options.provenance });
}

/** `createChain` after importing the modules of custom entries. */
export async function createChainAsync(entries: readonly ChainEntry[], options: ChainOptions): Promise<Chain> {
  const loaded = await loadCustomTransforms(entries, { root: options.root, path: options.path });
  const custom = new Map([...(options.custom ?? []), ...loaded]);
  return createChain(entries, { ...options, custom });
}
