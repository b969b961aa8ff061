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
 * Clara 4 configs: MONAI names in pre_transforms, dataset and dataloader
 * blocks in place of image_pipeline. The MMAR is test/fixtures/conformance/monai/spleen4
 * (whose batches MONAI itself made, see test/cli/run-monai.test.ts); each test writes a
 * changed copy of its config beside an environment.json pointing at the fixture's data.
 */

const SPLEEN4 = join(FIXTURES, 'conformance', 'monai', 'spleen4');
const registry = createDefaultRegistry();

type Config = { train: Record<string, any>; validate: Record<string, any>; [k: string]: any };
const original = (): Config => JSON.parse(readFileSync(join(SPLEEN4, 'config', 'config_train.json'), 'utf8'));

function setup(t: { after: (fn: () => void) => void }, change: (c: Config) => void = () => {}) {
  const dir = tempDir(t);
  const c = original();
  change(c);
  const config = join(dir, 'config', 'config_train.json');
  writeJson(config, c);
  writeJson(join(dir, 'config', 'environment.json'), { DATA_ROOT: join(SPLEEN4, 'data'), DATASET_JSON: join(SPLEEN4, 'config', 'dataset_0.json') });
  return { dir, config, load: (set: string[] = []): ConfigSpec => loadConfig({ config, mmar: dir, set, registry }) };
}

function problemsOf(load: () => unknown): string {
  const e = assertVoxelpipeError(load, 'ERR_CONFIG');
  return (e.context.problems as string[]).join('\n');
}

test('Clara 4: CacheDataset + DataLoader map onto Smart Cache N = all, batch size, shuffle and workers; MergeBatchDims stands for list_data_collate', (t) => {
  const { load, dir } = setup(t, (c) => (c.train.dataloader.args.num_workers = 3));
  const spec = load();
  const train = spec.train!;
  assert.deepEqual(train.imagePipeline.monai, {
    source: 'clara4',
    dataset: 'CacheDataset',
    loader: 'DataLoader',
    fields: ['image', 'label'],
    loaderKeys: ['image', 'label'],
    jsonPath: 'train.dataloader',
  });
  assert.equal(train.imagePipeline.name, 'SegmentationImagePipelineWithCache');
  assert.deepEqual(train.batchTransforms.map((b) => [b.name, b.args, b.jsonPath]), [['MergeBatchDims', { fields: ['image', 'label'] }, 'train.dataloader (list_data_collate)']]);
  assert.deepEqual(train.datalist, { file: join(SPLEEN4, 'config', 'dataset_0.json'), baseDir: join(SPLEEN4, 'data'), key: 'training', jsonPath: 'train.dataset' });
  const o = pipelineOptionsFromSpec(spec, train, { seed: 3 });
  assert.equal(o.items.length, 3);
  assert.deepEqual(o.cache, { numCacheObjects: 3, replacePercent: 0, maxBytes: undefined });
  assert.equal(o.cacheDir, undefined);
  assert.equal(o.batchSize, 2);
  assert.equal(o.shuffle, true);
  assert.equal(o.workers, 3);
  // torch's DataLoader keeps prefetch_factor (2) batches per worker in flight.
  assert.equal(o.prefetch, 6);
  assert.equal(o.cropSize, undefined, 'MONAI batches whatever shape the chain gives');
  assert.deepEqual(o.fields, ['image', 'label']);
  assert.deepEqual(o.batchTransforms?.map((b) => ('name' in b ? b.name : '')), ['MergeBatchDims']);
  assert.equal(o.imageDtype, 'float32');
  assert.equal(o.labelDtype, 'float32');
  // validate: refs to the train chain by name, Dataset = no cache, MONAI's DataLoader defaults.
  const v = spec.validate!;
  assert.deepEqual(v.preTransforms.map((p) => [p.name, p.refFrom]), [
    ['LoadImaged', 'validate.pre_transforms[0]'],
    ['EnsureChannelFirstd', 'validate.pre_transforms[1]'],
    ['Spacingd', 'validate.pre_transforms[2]'],
    ['ScaleIntensityRanged', 'validate.pre_transforms[3]'],
    ['CropForegroundd', 'validate.pre_transforms[4]'],
    ['ToTensord', 'validate.pre_transforms[5]'],
  ]);
  const vo = pipelineOptionsFromSpec(spec, v);
  assert.equal(vo.cache, undefined);
  assert.equal(vo.batchSize, 1);
  assert.equal(vo.shuffle, false);
  assert.equal(vo.workers, 0);
  assert.ok(spec.warnings.some((w) => w.startsWith('ignoring Clara keys voxelpipe does not use:') && w.includes('train.lr_scheduler') && w.includes('train.trainer')));
  assert.equal(spec.root, dir);
});

test('Clara 4: cache_num / cache_rate, SmartCacheDataset replace_rate, PersistentDataset cache_dir, dtypes and fields from the chain', (t) => {
  // cache_rate 1 and a cache_num above the list: every item cached.
  const big = setup(t, (c) => (c.train.dataset.args.cache_num = 10)).load();
  assert.equal(pipelineOptionsFromSpec(big, big.train!).cache?.numCacheObjects, 3);
  // Fewer than all: voxelpipe's epochs come from the cache alone, so it runs uncached and says why (same batches).
  const part = setup(t, (c) => (c.train.dataset.args.cache_rate = 0.5)).load();
  assert.equal(pipelineOptionsFromSpec(part, part.train!).cache, undefined);
  assert.ok(
    part.warnings.includes(
      "train.dataset.args.cache_rate: CacheDataset would cache 1 of 3 items and load the others each time; voxelpipe's Smart Cache serves whole epochs from memory, so this section runs uncached (same batches). Set cache_rate 1.0 to cache every item, or use SmartCacheDataset for a window of 1 items",
    ),
    part.warnings.join('\n'),
  );
  const smart = setup(t, (c) => {
    c.train.dataset.name = 'SmartCacheDataset';
    c.train.dataset.args = { transform: '@pre_transforms', cache_num: 2, replace_rate: 0.5, num_init_workers: 2, num_replace_workers: 2 };
  }).load();
  assert.deepEqual(pipelineOptionsFromSpec(smart, smart.train!).cache, { numCacheObjects: 2, replacePercent: 0.5, maxBytes: undefined });
  const persistent = setup(t, (c) => {
    c.train.dataset = { ...c.train.dataset, name: 'monai.data.PersistentDataset', args: { cache_dir: 'cache/pd' } };
    c.validate.dataset.name = 'PersistentDataset';
  });
  const ps = persistent.load();
  assert.equal(pipelineOptionsFromSpec(ps, ps.train!).cacheDir, join(persistent.dir, 'cache', 'pd'));
  assert.equal(pipelineOptionsFromSpec(ps, ps.train!).cache, undefined);
  // Clara 4 configs leave cache_dir out (MONAI requires it): a folder in the MMAR.
  assert.equal(pipelineOptionsFromSpec(ps, ps.validate!).cacheDir, join(persistent.dir, 'cache', 'persistent'));
  // A cast at the end of the chain is the batch dtype; CopyItemsd adds a field, DeleteItemsd takes one away.
  const typed = setup(t, (c) => {
    c.train.pre_transforms.splice(7, 0, { name: 'CastToTyped', args: { keys: ['image', 'label'], dtype: ['float32', 'np.uint8'] } });
    c.train.pre_transforms.push({ name: 'CopyItemsd', args: { keys: 'image', times: 1, names: 'image_2' } }, { name: 'DeleteItemsd', args: { keys: 'label' } });
  }).load();
  const to = pipelineOptionsFromSpec(typed, typed.train!);
  assert.equal(to.labelDtype, 'uint8');
  assert.deepEqual(to.fields, ['image', 'image_2']);
  // The other spellings and the Python path of a MONAI transform are the catalogue's transform.
  const spelled = setup(t, (c) => {
    c.train.pre_transforms[7] = { name: 'ToTensorD', args: { keys: ['image', 'label'] } };
    // Clara 4 refs go by the name as written.
    c.validate.pre_transforms[5] = { ref: 'ToTensorD' };
    c.train.pre_transforms[6] = { path: 'monai.transforms.RandShiftIntensityd', args: { keys: 'image', offsets: 0.1, prob: 0.5 } };
  }).load();
  assert.deepEqual(spelled.train!.preTransforms.slice(6).map((p) => [p.name, p.known]), [['RandShiftIntensityd', 'registry'], ['ToTensorD', 'registry']]);
});

test('Clara 4: data_list_key defaults to the section\'s list; --set reaches dataset and dataloader args', (t) => {
  const { load } = setup(t, (c) => delete c.validate.dataset.data_list_key);
  const spec = load(['train.dataloader.args.batch_size=3', 'validate.dataset.data_file_base_dir=' + join(SPLEEN4, 'data')]);
  assert.equal(spec.validate!.datalist.key, 'validation');
  assert.equal(pipelineOptionsFromSpec(spec, spec.train!).batchSize, 3);
});

test('Clara 4: what voxelpipe cannot do is refused in one line naming the key', (t) => {
  const cases: [string, (c: Config) => void, string][] = [
    ['a $ expression in a transform arg', (c) => (c.train.pre_transforms[3].args.a_min = '$-57 * 1.0'), 'train.pre_transforms[3].args.a_min: "$-57 * 1.0" is a Python expression ("$..."); voxelpipe runs no Python: write the value itself'],
    ['a $ expression in the dataloader', (c) => (c.train.dataloader.args.batch_size = '$2 * 1'), 'train.dataloader.args.batch_size: "$2 * 1" is a Python expression ("$..."); voxelpipe runs no Python: write the value itself'],
    [
      'a Python class by path',
      (c) => (c.train.pre_transforms[4] = { name: 'SpatialCropForegroundd', path: 'monai.apps.deepgrow.transforms.SpatialCropForegroundd', args: { keys: ['image', 'label'], source_key: 'label', spatial_size: [16, 16, 16] } }),
      `train.pre_transforms[4].path: "monai.apps.deepgrow.transforms.SpatialCropForegroundd" is a Python class voxelpipe does not have (it runs no Python; its catalogue holds MONAI's transforms by name (did you mean CropForeground or CropForegroundd?)); custom transforms are JavaScript modules: "./file.js#ExportName"`,
    ],
    ['an unknown dataset class', (c) => (c.train.dataset.name = 'SmartCachePatchWSIDataset'), 'train.dataset.name: unknown dataset "SmartCachePatchWSIDataset" (voxelpipe reads Dataset, CacheDataset, PersistentDataset, SmartCacheDataset)'],
    ['a misspelt dataset arg', (c) => (c.train.dataset.args.cache_rat = 1), 'train.dataset.args.cache_rat: not an arg of CacheDataset (did you mean cache_rate or cache_num?)'],
    ['a cache_rate above 1', (c) => (c.train.dataset.args.cache_rate = 2), 'train.dataset.args.cache_rate: expected a number <= 1, got 2'],
    ['drop_last', (c) => (c.train.dataloader.args.drop_last = true), 'train.dataloader.args.drop_last: dropping the last short batch is not supported; voxelpipe serves it (set drop_last to false)'],
    ['a collate_fn', (c) => (c.train.dataloader.args.collate_fn = 'pad_list_data_collate'), 'train.dataloader.args.collate_fn: voxelpipe always collates as list_data_collate (B items x num_samples crops per batch)'],
    ['another reference', (c) => (c.train.dataset.args.transform = '@post_transforms'), 'train.dataset.args.transform: expected "@pre_transforms" (Clara 4 links the section\'s blocks so), got "@post_transforms"'],
    ['a reference voxelpipe does not resolve', (c) => (c.train.dataloader.args.sampler_seed = '@model'), 'train.dataloader.args.sampler_seed: reference "@model" is not resolved in a Clara 4 config (a dataset\'s "transform" is "@pre_transforms", a dataloader\'s "dataset" is "@dataset"); write the value itself'],
    ['a dataset by Python path', (c) => (c.train.dataset.path = 'monai.data.CacheDataset'), 'train.dataset.path: "monai.data.CacheDataset" is a Python class; voxelpipe reads MONAI\'s data classes by name ("name": "CacheDataset")'],
    ['image_pipeline beside dataset', (c) => (c.train.image_pipeline = { name: 'SegmentationImagePipeline', args: {} }), 'train.image_pipeline: a section has an image_pipeline (Clara 3) or dataset + dataloader blocks (Clara 4), not both'],
    ['batch_transforms', (c) => (c.train.batch_transforms = []), 'train.batch_transforms: Clara 4 has no batch transforms: MONAI collates with list_data_collate (B items x num_samples crops per batch), which voxelpipe does'],
    ['a missing datalist', (c) => (c.train.dataset.data_list_file_path = 'nowhere.json'), 'train.dataset.data_list_file_path: no such file <dir>/nowhere.json'],
    ['a list the datalist lacks', (c) => (c.train.dataset.data_list_key = 'trainin'), `train.dataset.data_list_file_path: ${join(SPLEEN4, 'config', 'dataset_0.json')} has no list "trainin" (did you mean training?)`],
    ['no dataset', (c) => delete c.train.dataset, 'train: no dataset (expected e.g. {"name": "CacheDataset", "data_list_file_path": "{DATASET_JSON}", "data_list_key": "training"})'],
  ];
  for (const [what, change, expected] of cases) {
    const m = setup(t, change);
    assert.equal(problemsOf(() => m.load()), expected.replace('<dir>', m.dir), what);
  }
  // The dataloader's arg with a Python value is refused; the same in an ignored block (handlers) is never read.
  const ignored = setup(t, (c) => (c.train.handlers[0].args.load_path = '$os.path.join(x)'));
  assert.ok(ignored.load().train);
});
