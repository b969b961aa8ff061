/**
 * Which datalist items an epoch processes, in what order, on this rank.
 *
 * Everything here is a pure function of (items, options, epoch): the random
 * choices come from Philox streams keyed by (seed, epoch, purpose,
 * SAMPLER_STREAM), so every rank and every run computes the same global
 * order, and each rank keeps its own shard of it (shard.ts).
 *
 * Three kinds of epoch:
 * - the datalist itself, each item `duplicate_count` times (datalist order
 *   repeated, or one seeded shuffle of the whole repeated list);
 * - i.i.d. weighted draws, items × duplicate_count of them: by item weight
 *   (`sampling: "element"`), or a category first (equal shares for
 *   `automatic`, or `category_weights`) then an item of it uniformly;
 * - category-balanced: `items_per_category` picks per category, the
 *   selection repeated `duplicate_count` times, shuffled when `shuffle`.
 */
import { VoxelpipeError } from '../util/errors.js';
import { rngFor } from '../util/rng.js';
import { jsonPath } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import { groupByCategory, itemLabel, perCategoryValues, show, type CategoryGroups } from './categories.js';
import { WeightedTable, pickEvenly, shuffleInPlace } from './draw.js';
import { shard, shardLength } from './shard.js';
import {
  OPTION_NAMES,
  SAMPLER_DRAW_INDEX,
  SAMPLER_SHUFFLE_INDEX,
  SAMPLER_STREAM,
  type Sampler,
  type SamplingItem,
  type SamplingOptions,
} from './types.js';

type Plan =
  | { kind: 'datalist' }
  | { kind: 'by-item'; table: WeightedTable }
  | { kind: 'by-category'; table: WeightedTable; groups: CategoryGroups; why: string }
  | { kind: 'per-category'; groups: CategoryGroups; counts: Float64Array };

interface Compiled {
  plan: Plan;
  n: number;
  seed: number;
  shuffle: boolean;
  duplicateCount: number;
  rank: number;
  worldSize: number;
  globalLength: number;
}

const MODES = ['element', 'automatic'] as const;

function optionError(path: string, option: keyof SamplingOptions, what: string): VoxelpipeError {
  return new VoxelpipeError('ERR_CONFIG', `${jsonPath(path, OPTION_NAMES[option])}: ${what}`);
}

function wholeNumber(options: SamplingOptions, key: keyof SamplingOptions, path: string, min: number): number {
  const v = options[key];
  if (!Number.isSafeInteger(v) || (v as number) < min) throw optionError(path, key, `expected a whole number >= ${min}, got ${show(v)}`);
  return v as number;
}

function compile(items: readonly SamplingItem[], options: SamplingOptions, path: string): Compiled {
  if (!Array.isArray(items)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `sampling: expected a list of items, got ${show(items)}`);
  if (options === null || typeof options !== 'object')
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `sampling: expected an options object, got ${show(options)}`);
  const seed = wholeNumber(options, 'seed', path, 0);
  if (typeof options.shuffle !== 'boolean') throw optionError(path, 'shuffle', `expected true or false, got ${show(options.shuffle)}`);
  const duplicateCount = wholeNumber(options, 'duplicateCount', path, 1);

  const hasRank = options.rank != null, hasWorld = options.worldSize != null;
  if (hasRank !== hasWorld)
    throw optionError(path, hasRank ? 'rank' : 'worldSize', `given without ${hasRank ? OPTION_NAMES.worldSize : OPTION_NAMES.rank}; set both or neither`);
  const worldSize = hasWorld ? wholeNumber(options, 'worldSize', path, 1) : 1;
  const rank = hasRank ? wholeNumber(options, 'rank', path, 0) : 0;
  if (rank >= worldSize) throw optionError(path, 'rank', `${rank} is not below ${OPTION_NAMES.worldSize} ${worldSize}`);

  const mode = options.sampling ?? undefined;
  if (mode !== undefined && !MODES.includes(mode))
    throw optionError(path, 'sampling', `expected "element" or "automatic", got ${show(mode)}${typeof mode === 'string' ? didYouMean(mode, MODES) : ''}`);
  const perCategory = options.itemsPerCategory ?? undefined;
  const categoryWeights = options.categoryWeights ?? undefined;
  const clash = (a: keyof SamplingOptions, b: string, why: string) => optionError(path, a, `cannot be combined with ${b}, ${why}; use one`);
  if (mode === 'element' && perCategory !== undefined) throw clash('itemsPerCategory', 'sampling "element"', 'which draws by each item\'s weight');
  if (mode === 'element' && categoryWeights !== undefined) throw clash('categoryWeights', 'sampling "element"', 'which draws by each item\'s weight');
  if (mode === 'automatic' && perCategory !== undefined)
    throw clash('itemsPerCategory', 'sampling "automatic"', 'which draws categories in equal shares');
  if (perCategory !== undefined && categoryWeights !== undefined)
    throw clash('categoryWeights', OPTION_NAMES.itemsPerCategory, 'which already fixes how many items each category gives');

  const n = items.length;
  const base = { n, seed, shuffle: options.shuffle, duplicateCount, rank, worldSize };
  // An empty datalist gives empty epochs; reporting it is the datalist layer's job.
  if (n === 0) return { ...base, plan: { kind: 'datalist' }, globalLength: 0 };

  if (mode === 'element') {
    const weights = new Float64Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const w = items[i].weight;
      if (w === undefined || w === null)
        throw new VoxelpipeError('ERR_CONFIG', `${itemLabel(items, i)}: has no weight; sampling "element" needs a number >= 0 on every item`);
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw new VoxelpipeError('ERR_CONFIG', `${itemLabel(items, i)}: weight ${show(w)} is not a finite number >= 0, as sampling "element" needs`);
      weights[i] = w;
      any ||= w > 0;
    }
    if (!any) throw optionError(path, 'sampling', 'every item\'s weight is 0; sampling "element" needs at least one positive weight');
    return { ...base, plan: { kind: 'by-item', table: new WeightedTable(weights) }, globalLength: n * duplicateCount };
  }

  if (mode === 'automatic' || categoryWeights !== undefined) {
    const why = mode === 'automatic' ? 'sampling "automatic"' : OPTION_NAMES.categoryWeights;
    const groups = groupByCategory(items, why);
    // Equal shares per category = each item weighted by the inverse of its class's frequency.
    const shares =
      categoryWeights === undefined
        ? new Float64Array(groups.keys.length).fill(1)
        : perCategoryValues(categoryWeights, groups, path, OPTION_NAMES.categoryWeights, 'weight');
    if (!shares.some((w) => w > 0)) throw optionError(path, 'categoryWeights', 'every category\'s weight is 0; at least one must be positive');
    return { ...base, plan: { kind: 'by-category', table: new WeightedTable(shares), groups, why }, globalLength: n * duplicateCount };
  }

  if (perCategory !== undefined) {
    const groups = groupByCategory(items, OPTION_NAMES.itemsPerCategory);
    let counts: Float64Array;
    if (typeof perCategory === 'number') {
      if (!Number.isSafeInteger(perCategory) || perCategory < 1)
        throw optionError(path, 'itemsPerCategory', `expected a whole number >= 1, a list or an object, got ${show(perCategory)}`);
      counts = new Float64Array(groups.keys.length).fill(perCategory);
    } else counts = perCategoryValues(perCategory, groups, path, OPTION_NAMES.itemsPerCategory, 'count');
    const total = counts.reduce((s, c) => s + c, 0);
    if (total === 0) throw optionError(path, 'itemsPerCategory', 'every count is 0, so epochs would be empty');
    return { ...base, plan: { kind: 'per-category', groups, counts }, globalLength: total * duplicateCount };
  }

  return { ...base, plan: { kind: 'datalist' }, globalLength: n * duplicateCount };
}

function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `epoch: expected a whole number from 0 to 4294967295, got ${show(epoch)}`);
}

/** `src` repeated `times` times. */
function repeat(src: Uint32Array, times: number): Uint32Array {
  const out = new Uint32Array(src.length * times);
  for (let r = 0; r < times; r++) out.set(src, r * src.length);
  return out;
}

function globalOrderOf(c: Compiled, epoch: number): Uint32Array {
  checkEpoch(epoch);
  const { plan, n, seed } = c;
  const draws = () => rngFor(seed, epoch, SAMPLER_DRAW_INDEX, SAMPLER_STREAM);
  let out: Uint32Array;
  switch (plan.kind) {
    case 'by-item': {
      // i.i.d. draws are already in random order: `shuffle` has nothing left to do.
      const rng = draws();
      out = new Uint32Array(c.globalLength);
      for (let j = 0; j < out.length; j++) out[j] = plan.table.draw(rng);
      return out;
    }
    case 'by-category': {
      const rng = draws();
      out = new Uint32Array(c.globalLength);
      for (let j = 0; j < out.length; j++) {
        const members = plan.groups.members[plan.table.draw(rng)];
        out[j] = members[rng.int(0, members.length)];
      }
      return out;
    }
    case 'per-category': {
      const rng = draws();
      const selection = new Uint32Array(c.globalLength / c.duplicateCount);
      let offset = 0;
      for (let k = 0; k < plan.groups.keys.length; k++) {
        pickEvenly(plan.groups.members[k], plan.counts[k], rng, selection, offset);
        offset += plan.counts[k];
      }
      out = repeat(selection, c.duplicateCount);
      break;
    }
    case 'datalist': {
      const identity = new Uint32Array(n);
      for (let i = 0; i < n; i++) identity[i] = i;
      out = repeat(identity, c.duplicateCount);
      break;
    }
  }
  if (c.shuffle) shuffleInPlace(out, rngFor(seed, epoch, SAMPLER_SHUFFLE_INDEX, SAMPLER_STREAM));
  return out;
}

function describe(c: Compiled): string {
  const { plan } = c;
  const parts: string[] = [];
  if (plan.kind === 'datalist') parts.push(c.shuffle ? 'shuffled' : 'datalist order');
  else if (plan.kind === 'by-item') parts.push('element sampling by item weight');
  else if (plan.kind === 'by-category')
    parts.push(`${plan.why === OPTION_NAMES.categoryWeights ? 'category-weighted' : 'automatic'} sampling over ${plan.groups.keys.length} categories`);
  else parts.push(`${OPTION_NAMES.itemsPerCategory} over ${plan.groups.keys.length} categories${c.shuffle ? ', shuffled' : ''}`);
  if (c.duplicateCount > 1) parts.push(`${OPTION_NAMES.duplicateCount} ${c.duplicateCount}`);
  parts.push(`${c.globalLength} per epoch`);
  if (c.worldSize > 1) parts.push(`rank ${c.rank} of ${c.worldSize} (${shardLength(c.globalLength, c.worldSize)} per rank)`);
  return parts.join(', ');
}

/**
 * Validates items and options once and returns the sampler. Throws a
 * one-line `VoxelpipeError` naming the option (in Clara's spelling, under
 * `path` when given, e.g. "train.dataset.args") or the datalist item at fault.
 */
export function createSampler(items: readonly SamplingItem[], options: SamplingOptions, path = ''): Sampler {
  const c = compile(items, options, path);
  return {
    rank: c.rank,
    worldSize: c.worldSize,
    globalLength: c.globalLength,
    length: shardLength(c.globalLength, c.worldSize),
    globalOrder: (epoch) => Array.from(globalOrderOf(c, epoch)),
    order: (epoch) => shard(globalOrderOf(c, epoch), c.rank, c.worldSize),
    describe: () => describe(c),
  };
}

/** Throws the first problem with `options` for these items (see `createSampler`); returns nothing when they are fine. */
export function validateSamplingOptions(items: readonly SamplingItem[], options: SamplingOptions, path = ''): void {
  compile(items, options, path);
}

/** Indices into `items`: this rank's shard of `epoch`, in processing order. */
export function epochOrder(items: readonly SamplingItem[], options: SamplingOptions, epoch: number): number[] {
  return createSampler(items, options).order(epoch);
}
