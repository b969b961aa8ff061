import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ConfigSpec } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { pipelineOptionsFromSpec } from '../../src/pipeline/from-config.js';
import { FIXTURES, assertVoxelpipeError, tempDir } from '../helpers.js';
import { writeJson } from './mmars.js';

/**
 * MONAI bundles: the train.json of test/fixtures/conformance/monai/spleen4/bundle (MONAI's own
 * ConfigParser made its batches, see test/cli/run-monai.test.ts), read as it is, then changed
 * copies of it (written to a temporary bundle whose paths point at the fixture's data).
 */

const SPLEEN4 = join(FIXTURES, 'conformance', 'monai', 'spleen4');
const BUNDLE = join(SPLEEN4, 'bundle', 'configs', 'train.json');
const registry = createDefaultRegistry();
type Bundle = Record<string, any>;
const original = (): Bundle => JSON.parse(readFileSync(BUNDLE, 'utf8'));

function setup(t: { after: (fn: () => void) => void }, change: (b: Bundle) => void = () => {}) {
  const dir = tempDir(t);
  const b = original();
  b.datalist_file = join(SPLEEN4, 'config', 'dataset_0.json');
  b.data_dir = join(SPLEEN4, 'data');
  change(b);
  const config = join(dir, 'configs', 'train.json');
  writeJson(config, b);
  return { dir, config, load: (set: string[] = [], sections?: ('train' | 'validate')[]): ConfigSpec => loadConfig({ config, set, registry, ...(sections ? { sections } : {}) }) };
}

function problemsOf(load: () => unknown): string {
  const e = assertVoxelpipeError(load, 'ERR_CONFIG');
  return (e.context.problems as string[]).join('\n');
}

test('bundle: the dataloader -> dataset -> Compose path is read; @ references, the "$@a + @b" join, % macros and _disabled_ resolve; the rest is not read', () => {
  const spec = loadConfig({ config: BUNDLE, registry });
  assert.equal(spec.root, join(SPLEEN4, 'bundle'), 'the bundle root is the folder above configs/');
  const train = spec.train!;
  assert.deepEqual(train.preTransforms.map((p) => [p.name, p.jsonPath]), [
    ['LoadImaged', 'train#deterministic_transforms#0'],
    ['EnsureChannelFirstd', 'train#deterministic_transforms#1'],
    ['Spacingd', 'train#deterministic_transforms#2'],
    ['ScaleIntensityRanged', 'train#deterministic_transforms#3'],
    ['CropForegroundd', 'train#deterministic_transforms#4'],
    ['EnsureTyped', 'train#deterministic_transforms#5'],
    ['RandCropByPosNegLabeld', 'train#random_transforms#0'],
    // random_transforms#1 (RandFlipd) is _disabled_.
    ['RandShiftIntensityd', 'train#random_transforms#2'],
  ]);
  assert.deepEqual(train.preTransforms[6].args.spatial_size, [16, 16, 16], '@spatial_size resolved');
  assert.deepEqual(train.datalist, { file: join(SPLEEN4, 'config', 'dataset_0.json'), baseDir: join(SPLEEN4, 'data'), key: 'training', jsonPath: 'train#datalist' });
  assert.deepEqual(train.imagePipeline.monai, { source: 'bundle', dataset: 'CacheDataset', loader: 'DataLoader', fields: ['image', 'label'], loaderKeys: ['image', 'label'], jsonPath: 'train#dataloader' });
  const o = pipelineOptionsFromSpec(spec, train);
  assert.deepEqual([o.batchSize, o.shuffle, o.workers, o.cache?.numCacheObjects], [2, true, 0, 3]);
  // validate: a macro copy of train's deterministic transforms, a Dataset over load_decathlon_datalist's validation list.
  assert.deepEqual(spec.validate!.preTransforms.map((p) => p.name), ['LoadImaged', 'EnsureChannelFirstd', 'Spacingd', 'ScaleIntensityRanged', 'CropForegroundd', 'EnsureTyped']);
  assert.equal(spec.validate!.datalist.key, 'validation');
  assert.equal(pipelineOptionsFromSpec(spec, spec.validate!).cache, undefined);
  assert.deepEqual(spec.warnings, ['ignoring bundle items voxelpipe does not use: imports, bundle_root, device, network_def, network, train#trainer, validate#evaluator, run']);
});

test('bundle: inline data lists, relative and "::" references, other files\' macros, --set by id, the loader named by the trainer', (t) => {
  const { load, dir } = setup(t, (b) => {
    const items = JSON.parse(readFileSync(join(SPLEEN4, 'config', 'dataset_0.json'), 'utf8')).training.map((it: Record<string, string>) => ({ image: join(SPLEEN4, 'data', it.image), label: join(SPLEEN4, 'data', it.label) }));
    b.train.items = items;
    b.train.dataset.data = '@train::items';
    b.train.random_transforms[0].label_key = '@#image_key';
    b.train.random_transforms[0].image_key = 'label';
    b.train.random_transforms[0].spatial_size = '@####spatial_size';
    b.validate.preprocessing.transforms = '%../shared.json::transforms';
    // No validate#dataloader: the evaluator names one.
    b.validate.loader = b.validate.dataloader;
    delete b.validate.dataloader;
    b.validate.evaluator.val_data_loader = '@validate#loader';
  });
  writeJson(join(dir, 'shared.json'), { transforms: [{ _target_: 'LoadImaged', keys: 'image' }, { _target_: 'EnsureChannelFirstd', keys: 'image' }] });
  const spec = load(['train#dataloader#batch_size=3', 'train.dataloader.num_workers=1']);
  const train = spec.train!;
  assert.equal(train.datalist.items?.length, 3);
  assert.equal(train.datalist.file, join(dir, 'configs', 'train.json'));
  assert.equal(train.datalist.key, 'train#items');
  const crop = train.preTransforms.find((p) => p.name === 'RandCropByPosNegLabeld')!;
  assert.equal(crop.args.label_key, 'label');
  assert.deepEqual(crop.args.spatial_size, [16, 16, 16]);
  const o = pipelineOptionsFromSpec(spec, train);
  assert.equal(o.items.length, 3);
  assert.deepEqual([o.batchSize, o.workers], [3, 1]);
  assert.deepEqual(spec.validate!.preTransforms.map((p) => p.name), ['LoadImaged', 'EnsureChannelFirstd']);
  assert.deepEqual(spec.validate!.imagePipeline.monai?.fields, ['image']);
  assert.equal(spec.validate!.imagePipeline.monai?.jsonPath, 'validate#loader');
});

test('bundle: only the sections asked for are read (a validate section with Python data does not stop train)', (t) => {
  const { load } = setup(t, (b) => (b.validate.dataset.data = "$[{'image': i} for i in @images[-9:]]"));
  assert.ok(load([], ['train']).train);
  assert.equal(
    problemsOf(() => load()),
    `validate#dataset#data: "$[{'image': i} for i in @images[-9:]]" is a Python expression ("$..."); voxelpipe reads bundles without running Python: write the value itself, or set it with --set 'validate#dataset#data=...'`,
  );
});

test('bundle: data made with Python (as in the model zoo\'s spleen bundle) is replaced with --set, and the Python is never read', (t) => {
  const { load } = setup(t, (b) => {
    b.images = "$list(sorted(glob.glob(@dataset_dir + '/imagesTr/*.nii.gz')))";
    b.train.dataset.data = "$[{'image': i, 'label': l} for i, l in zip(@images[:-9], @labels[:-9])]";
    b.train.handlers = [{ _target_: 'StatsHandler', output_transform: "$monai.handlers.from_engine(['loss'], first=True)" }];
  });
  const data = JSON.stringify({ _target_: 'load_decathlon_datalist', data_list_file_path: join(SPLEEN4, 'config', 'dataset_0.json'), base_dir: join(SPLEEN4, 'data') });
  const spec = load([`train#dataset#data=${data}`], ['train']);
  assert.equal(pipelineOptionsFromSpec(spec, spec.train!).items.length, 3);
  assert.ok(spec.warnings[0].includes('images') && spec.warnings[0].includes('train#handlers'));
});

test('bundle: what voxelpipe cannot read is refused in one line naming the id', (t) => {
  const cases: [string, (b: Bundle) => void, string][] = [
    ['a Python expression in a transform arg', (b) => (b.train.deterministic_transforms[3].a_min = '$-57.0'), 'train#deterministic_transforms#3#a_min: "$-57.0" is a Python expression ("$..."); voxelpipe reads bundles without running Python: write the value itself, or set it with --set \'train#deterministic_transforms#3#a_min=...\''],
    ['a join with more than references', (b) => (b.train.preprocessing.transforms = '$@train#deterministic_transforms + [@train#random_transforms[0]]'), 'train#preprocessing#transforms: "$@train#deterministic_transforms + [@train#random_transf... is a Python expression ("$..."); voxelpipe reads bundles without running Python: write the value itself, or set it with --set \'train#preprocessing#transforms=...\''],
    ['a missing item, with the closest', (b) => (b.train.dataset.transform = '@train#preprocesing'), 'train#dataset#transform: no item "train#preprocesing" in <config> (did you mean train#preprocessing?)'],
    ['a reference cycle', (b) => ((b.a = '@b'), (b.b = '@a'), (b.train.random_transforms[0].pos = '@a')), 'a: the reference "@b" leads back to itself (train#random_transforms#0#pos -> a -> b -> a)'],
    ['a Python class of a MONAI app', (b) => b.train.deterministic_transforms.push({ _target_: 'monai.apps.deepgrow.transforms.AddGuidanceSignald', image: 'image' }), `train#deterministic_transforms#6#_target_: "monai.apps.deepgrow.transforms.AddGuidanceSignald" is a Python class voxelpipe does not have (it runs no Python; its catalogue holds MONAI's transforms by name); custom transforms are JavaScript modules: "./file.js#ExportName"`],
    ['an unknown transform', (b) => (b.train.random_transforms[2]._target_ = 'RandShiftIntensity'), 'train#random_transforms#2#_target_: unknown transform "RandShiftIntensity" (did you mean RandShiftIntensityd, ScaleShiftIntensity or RandScaleIntensityd?)'],
    ['a wrong arg', (b) => (b.train.deterministic_transforms[2].pixdim = 'one'), 'train#deterministic_transforms#2#pixdim: expected number or array, got "one"'],
    ['a component as an arg', (b) => (b.train.random_transforms[0].spatial_size = { _target_: 'monai.utils.ensure_tuple', vals: 16 }), 'train#random_transforms#0#spatial_size: a component ("monai.utils.ensure_tuple") as an arg value is not read; voxelpipe reads plain values here'],
    ['a callable mode', (b) => (b.train.dataset._mode_ = 'callable'), 'train#dataset#_mode_: "callable" is not read (voxelpipe builds components in the default mode)'],
    ['an unknown dataset', (b) => (b.train.dataset._target_ = 'LMDBDataset'), 'train#dataset#_target_: unknown dataset "LMDBDataset" (voxelpipe reads Dataset, CacheDataset, PersistentDataset, SmartCacheDataset)'],
    ['an unknown datalist function', (b) => (b.train.datalist._target_ = 'load_cifar'), 'train#datalist#_target_: "load_cifar" does not give a datalist voxelpipe reads (a list of items, or load_decathlon_datalist)'],
    ['a list the datalist lacks', (b) => (b.train.datalist.data_list_key = 'train'), `train#dataset#data: ${join(SPLEEN4, 'config', 'dataset_0.json')} has no list "train" (did you mean training?)`],
    ['no dataloader and no dataset', (b) => ((b.train = { trainer: {} }), delete b.validate), 'train: no "dataloader" (expected {"_target_": "DataLoader", "dataset": "@train#dataset", "batch_size": ...})'],
    ['drop_last', (b) => (b.train.dataloader.drop_last = true), 'train#dataloader.drop_last: dropping the last short batch is not supported; voxelpipe serves it (set drop_last to false)'],
  ];
  for (const [what, change, expected] of cases) {
    const m = setup(t, change);
    assert.equal(problemsOf(() => m.load()), expected.replace('<config>', m.config), what);
  }
  // References to references: ten levels of ten make 10^10 values from a few lines; refused quickly, not built.
  const bomb = setup(t, (b) => {
    for (let l = 0; l < 10; l++) b[`l${l}`] = Array.from({ length: 10 }, () => (l === 9 ? 1 : `@l${l + 1}`));
    b.train.random_transforms[0].spatial_size = '@l0';
  });
  assert.equal(problemsOf(() => bomb.load()), 'l9#3: the references expand to more than 1000000 values; refusing to build them');
  const m = setup(t);
  assertVoxelpipeError(() => m.load(['train#nothing#batch_size=2']), 'ERR_INVALID_ARGUMENT', ['--set train#nothing#batch_size: the bundle has no item "train#nothing" to set "batch_size" in']);
  assert.equal(problemsOf(() => loadConfig({ config: m.config, env: m.config, registry })), `${m.config}: a bundle has no environment.json; set bundle items with --set ID=VALUE (e.g. --set dataset_dir=/data)`);
});
