/**
 * The sampling layer's vocabulary: what the caller knows about each datalist
 * item, the options (Clara's `shuffle`, `duplicate_count`, `sampling`,
 * `items_per_category`, `category_weights`, plus the rank shard), and the
 * sampler that turns them into one epoch's order of items.
 */

/** What the sampler needs to know about one datalist item; derived by the caller. */
export interface SamplingItem {
  /** Relative draw weight for `sampling: "element"` (the datalist item's `weight`). */
  weight?: number;
  /** Class / category, for `automatic` sampling and category-balanced epochs. `1` and `"1"` are the same category. */
  category?: string | number;
  /** How errors name the item (e.g. its image path); defaults to its index. */
  name?: string;
}

export type SamplingMode = 'element' | 'automatic';

/** A value per category: a list (entry i is category i) or an object keyed by category. */
export type PerCategory = readonly number[] | Readonly<Record<string, number>>;

export interface SamplingOptions {
  /** Every random choice of the sampler comes from the Philox stream keyed by this seed and the epoch. */
  seed: number;
  /** Reshuffle the order every epoch (seeded). */
  shuffle: boolean;
  /** Each item this many times per epoch (Clara `duplicate_count`). */
  duplicateCount: number;
  /**
   * `element`: i.i.d. draws with probability proportional to `item.weight`;
   * `automatic`: i.i.d. draws with every category equally likely (inverse
   * class frequency), or in proportion to `categoryWeights` when given.
   * Epoch length is the number of items times `duplicateCount` in both.
   */
  sampling?: SamplingMode;
  /** Category-balanced epochs: draw this many items per category (a number for all, or per category). */
  itemsPerCategory?: number | PerCategory;
  /** Relative weight of each category in i.i.d. draws (with or without `sampling: "automatic"`). */
  categoryWeights?: PerCategory;
  /** This process's rank in [0, worldSize); default 0. */
  rank?: number;
  /** Number of ranks sharing the epoch; default 1. */
  worldSize?: number;
}

/** The per-epoch order of one rank, computed by pure functions of (items, options, epoch). */
export interface Sampler {
  readonly rank: number;
  readonly worldSize: number;
  /** Length of the global order of an epoch (before padding for sharding). */
  readonly globalLength: number;
  /** Length of every rank's shard: ceil(globalLength / worldSize). Equal on all ranks. */
  readonly length: number;
  /** The whole epoch, all ranks together, unpadded: indices into items in processing order. */
  globalOrder(epoch: number): number[];
  /** This rank's shard of the epoch: entry j is global position rank + j * worldSize (after wrap-around padding). */
  order(epoch: number): number[];
  /** One line for logs: "shuffle, duplicate_count 2, automatic over 3 categories, rank 1 of 4". */
  describe(): string;
}

/**
 * The `transform` part of the RNG key reserved for the sampler. Transform
 * indices are positions in a chain (small numbers), so the sampler's streams
 * never coincide with a transform's stream for the same seed and epoch.
 */
export const SAMPLER_STREAM = 0xfffffff0;

/** The `index` parts of the sampler's RNG keys: one stream per purpose, so changing one choice never shifts another. */
export const SAMPLER_DRAW_INDEX = 0;
export const SAMPLER_SHUFFLE_INDEX = 1;

/** How messages name each option: the Clara config spelling, which is what a user wrote. */
export const OPTION_NAMES = {
  seed: 'seed',
  shuffle: 'shuffle',
  duplicateCount: 'duplicate_count',
  sampling: 'sampling',
  itemsPerCategory: 'items_per_category',
  categoryWeights: 'category_weights',
  rank: 'rank',
  worldSize: 'world_size',
} as const satisfies Record<keyof SamplingOptions, string>;
