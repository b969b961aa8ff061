import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSampler, validateSamplingOptions, type SamplingItem, type SamplingOptions } from '../../src/sampling/index.js';
import { assertVoxelpipeError } from '../helpers.js';

const base: SamplingOptions = { seed: 1, shuffle: true, duplicateCount: 1 };
const classes: SamplingItem[] = [0, 1, 2, 0, 1, 0].map((category) => ({ category }));
const named: SamplingItem[] = ['liver', 'tumor', 'liver'].map((category) => ({ category }));

/** The exact message of the error `validateSamplingOptions` throws (code ERR_CONFIG). */
function message(items: readonly SamplingItem[], options: object, path?: string): string {
  return assertVoxelpipeError(() => validateSamplingOptions(items, options as SamplingOptions, path), 'ERR_CONFIG').message;
}

test('scalar options: one-line errors in Clara spelling, under the config path when given', () => {
  assert.equal(message(classes, { ...base, seed: -1 }), 'seed: expected a whole number >= 0, got -1');
  assert.equal(message(classes, { ...base, seed: 1.5 }), 'seed: expected a whole number >= 0, got 1.5');
  assert.equal(message(classes, { ...base, seed: Infinity }), 'seed: expected a whole number >= 0, got Infinity');
  assert.equal(message(classes, { ...base, shuffle: 'yes' }), 'shuffle: expected true or false, got "yes"');
  assert.equal(message(classes, { ...base, duplicateCount: 0 }), 'duplicate_count: expected a whole number >= 1, got 0');
  assert.equal(
    message(classes, { ...base, duplicateCount: 0 }, 'train.dataset.args'),
    'train.dataset.args.duplicate_count: expected a whole number >= 1, got 0',
  );
  assert.equal(message(classes, { ...base, sampling: 'elemnt' }), 'sampling: expected "element" or "automatic", got "elemnt" (did you mean element?)');
});

test('rank and world size', () => {
  assert.equal(message(classes, { ...base, rank: 1 }), 'rank: given without world_size; set both or neither');
  assert.equal(message(classes, { ...base, worldSize: 2 }), 'world_size: given without rank; set both or neither');
  assert.equal(message(classes, { ...base, rank: 2, worldSize: 2 }), 'rank: 2 is not below world_size 2');
  assert.equal(message(classes, { ...base, rank: 0, worldSize: 0 }), 'world_size: expected a whole number >= 1, got 0');
  assert.equal(message(classes, { ...base, rank: -1, worldSize: 2 }), 'rank: expected a whole number >= 0, got -1');
});

test('element sampling: weights present, finite, non-negative, not all zero', () => {
  const opts = { ...base, sampling: 'element' };
  assert.equal(
    message([{ weight: 1 }, { weight: -1, name: 'imagesTr/b.nii.gz' }], opts),
    'datalist item 1 (imagesTr/b.nii.gz): weight -1 is not a finite number >= 0, as sampling "element" needs',
  );
  assert.equal(message([{ weight: 1 }, {}], opts), 'datalist item 1: has no weight; sampling "element" needs a number >= 0 on every item');
  assert.equal(message([{ weight: 1 }, { weight: NaN }], opts), 'datalist item 1: weight NaN is not a finite number >= 0, as sampling "element" needs');
  assert.equal(message([{ weight: 0 }, { weight: 0 }], opts), 'sampling: every item\'s weight is 0; sampling "element" needs at least one positive weight');
});

test('category options need a category on every item', () => {
  assert.equal(
    message([{ category: 0 }, { name: 'a.png' }], { ...base, sampling: 'automatic' }),
    'datalist item 1 (a.png): has no category; sampling "automatic" needs one on every item',
  );
  assert.equal(message([{ category: 0 }, {}], { ...base, itemsPerCategory: 2 }), 'datalist item 1: has no category; items_per_category needs one on every item');
  assert.equal(
    message([{ category: [1] as unknown as number }], { ...base, categoryWeights: [1] }),
    'datalist item 0: category [1] is not a name or a number; category_weights needs one on every item',
  );
});

test('category_weights: unknown, missing, negative or all-zero weights', () => {
  assert.equal(
    message(named, { ...base, categoryWeights: { liver: 1, tumour: 2 } }),
    'category_weights.tumour: no item has category "tumour" (did you mean tumor?); categories: "liver", "tumor"',
  );
  assert.equal(message(classes, { ...base, categoryWeights: [1, 1, 1, 5] }), 'category_weights[3]: no item has category 3; categories: 0, 1, 2');
  assert.equal(message(classes, { ...base, categoryWeights: [1, 1] }), 'category_weights: no weight for category 2 (1 item)');
  assert.equal(
    message(named, { ...base, categoryWeights: [1, 1] }),
    'category_weights[0]: no item has category 0; categories: "liver", "tumor"; a list gives categories 0, 1, 2, ...: use an object keyed by category name',
  );
  assert.equal(
    message(named, { ...base, categoryWeights: [0, 0] }),
    'category_weights: no weight for category "liver" (2 items); a list gives categories 0, 1, 2, ...: use an object keyed by category name',
  );
  assert.equal(message(classes, { ...base, categoryWeights: [1, -2, 1] }), 'category_weights[1]: expected a finite number >= 0, got -2');
  assert.equal(message(classes, { ...base, categoryWeights: [0, 0, 0] }), "category_weights: every category's weight is 0; at least one must be positive");
  assert.equal(
    message(classes, { ...base, categoryWeights: 3 }),
    'category_weights: expected a list (entry i for category i) or an object keyed by category, got 3',
  );
  // An entry of 0 for a category this datalist lacks is fine (a fold without that class keeps the shared config).
  validateSamplingOptions(classes, { ...base, categoryWeights: [1, 1, 1, 0] });
});

test('items_per_category: whole numbers, known categories, not all zero', () => {
  assert.equal(message(classes, { ...base, itemsPerCategory: 0 }), 'items_per_category: expected a whole number >= 1, a list or an object, got 0');
  assert.equal(message(classes, { ...base, itemsPerCategory: [1, 1.5, 1] }), 'items_per_category[1]: expected a whole number >= 0, got 1.5');
  assert.equal(message(classes, { ...base, itemsPerCategory: [0, 0, 0] }), 'items_per_category: every count is 0, so epochs would be empty');
  assert.equal(message(named, { ...base, itemsPerCategory: { liver: 1 } }), 'items_per_category: no count for category "tumor" (1 item)');
});

test('options that contradict each other', () => {
  assert.equal(
    message(classes, { ...base, sampling: 'element', categoryWeights: [1, 1, 1] }),
    'category_weights: cannot be combined with sampling "element", which draws by each item\'s weight; use one',
  );
  assert.equal(
    message(classes, { ...base, sampling: 'element', itemsPerCategory: 1 }),
    'items_per_category: cannot be combined with sampling "element", which draws by each item\'s weight; use one',
  );
  assert.equal(
    message(classes, { ...base, sampling: 'automatic', itemsPerCategory: 1 }),
    'items_per_category: cannot be combined with sampling "automatic", which draws categories in equal shares; use one',
  );
  assert.equal(
    message(classes, { ...base, itemsPerCategory: 1, categoryWeights: [1, 1, 1] }),
    'category_weights: cannot be combined with items_per_category, which already fixes how many items each category gives; use one',
  );
});

test('null stands for an absent option, as in a JSON config', () => {
  validateSamplingOptions(classes, { ...base, sampling: null, itemsPerCategory: null, categoryWeights: null, rank: null, worldSize: null } as unknown as SamplingOptions);
});

test('a bad epoch is a programming error', () => {
  const s = createSampler(classes, base);
  for (const e of [-1, 1.5, 2 ** 32])
    assertVoxelpipeError(() => s.order(e), 'ERR_INVALID_ARGUMENT', [`epoch: expected a whole number from 0 to 4294967295, got ${e}`]);
});
