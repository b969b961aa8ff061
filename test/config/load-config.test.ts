import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSpec } from '../../src/config/index.js';
import { defineTransform } from '../../src/transforms/types.js';
import { TransformRegistry } from '../../src/transforms/registry.js';
import { fieldsArg } from '../../src/transforms/args.js';
import { tempDir } from '../helpers.js';
import { spleenConfig, writeClassificationMmar, writeJson, writeSpleenMmar } from './mmars.js';

const segDefaults = {
  output_data_format: 'channels_first',
  output_image_dtype: 'float32',
  batched_by_transforms: false,
  shuffle: true,
  repeat: true,
  duplicate_count: 1,
  extra_inputs: null,
  items_per_category: null,
  category_weights: null,
  output_label_dtype: 'float32',
};

test('spleen MMAR: {DATASET_JSON}/{DATA_ROOT}, Clara spleen chain, Smart Cache pipeline, refs, ignored keys', (t) => {
  const m = writeSpleenMmar(tempDir(t));
  const spec = loadConfig({ config: m.config, mmar: m.root });
  const datalist = join(m.root, 'config', 'dataset_0.json');
  assert.equal(spec.configFile, m.config);
  assert.equal(spec.envFile, m.env, 'environment.json beside the config is the default');
  assert.equal(spec.root, m.root);
  assert.deepEqual(spec.warnings, ['ignoring Clara keys voxelpipe does not use: train.loss, train.optimizer, train.model, validate.metrics, validate.inferer']);
  const chain = [
    { name: 'LoadNifti', args: { fields: ['image', 'label'] }, jsonPath: 'train.pre_transforms[0]', known: 'clara' },
    { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] }, jsonPath: 'train.pre_transforms[1]', known: 'clara' },
    {
      name: 'ScaleIntensityRange',
      args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true },
      jsonPath: 'train.pre_transforms[2]',
      known: 'clara',
    },
    {
      name: 'FastCropByPosNegRatio',
      args: { size: [96, 96, 96], fields: 'image', label_field: 'label', pos: 1, neg: 1, batch_size: 3, batches_to_gen_at_once: 48 },
      jsonPath: 'train.pre_transforms[3]',
      known: 'clara',
    },
    { name: 'RandomAxisFlip', args: { fields: ['image', 'label'], probability: 0.1 }, jsonPath: 'train.pre_transforms[4]', known: 'clara' },
    { name: 'ScaleIntensityOscillation', args: { fields: 'image', magnitude: 0.1 }, jsonPath: 'train.pre_transforms[5]', known: 'clara' },
  ];
  assert.deepEqual(spec.train, {
    section: 'train',
    datalist: { file: datalist, baseDir: m.dataRoot, key: 'training', jsonPath: 'train.image_pipeline.args' },
    imagePipeline: {
      name: 'SegmentationImagePipelineWithCache',
      task: 'segmentation',
      keras: false,
      withCache: true,
      jsonPath: 'train.image_pipeline',
      args: {
        ...segDefaults,
        data_list_file_path: datalist,
        data_file_base_dir: m.dataRoot,
        data_list_key: 'training',
        output_crop_size: [96, 96, 96],
        output_data_dims: 3,
        output_batch_size: 4,
        num_workers: 2,
        prefetch_size: 0,
        num_cache_objects: 32,
        replace_percent: 0.25,
        caches_data: true,
      },
    },
    preTransforms: chain,
    batchTransforms: [{ name: 'MergeBatchDims', args: { fields: ['image', 'label'] }, jsonPath: 'train.batch_transforms[0]', known: 'clara' }],
  });
  assert.deepEqual(spec.validate, {
    section: 'validate',
    datalist: { file: datalist, baseDir: m.dataRoot, key: 'validation', jsonPath: 'validate.image_pipeline.args' },
    imagePipeline: {
      name: 'SegmentationImagePipeline',
      task: 'segmentation',
      keras: false,
      withCache: false,
      jsonPath: 'validate.image_pipeline',
      args: {
        ...segDefaults,
        data_list_file_path: datalist,
        data_file_base_dir: m.dataRoot,
        data_list_key: 'validation',
        output_crop_size: [-1, -1, -1],
        output_data_dims: 3,
        output_batch_size: 1,
        num_workers: 1,
        prefetch_size: 0,
      },
    },
    preTransforms: chain.slice(0, 3).map((c, i) => ({ ...c, refFrom: `validate.pre_transforms[${i}]` })),
    batchTransforms: [],
  });
});

test('classification MMAR: 2D, Keras pipeline with element sampling, typed {batch}, disabled entry dropped', (t) => {
  const m = writeClassificationMmar(tempDir(t));
  const spec = loadConfig({ config: m.config, mmar: m.root });
  const train = spec.train!;
  assert.deepEqual(
    { ...train.imagePipeline, args: undefined },
    { name: 'ClassificationKerasImagePipeline', task: 'classification', keras: true, withCache: false, jsonPath: 'train.image_pipeline', args: undefined },
  );
  assert.deepEqual(train.imagePipeline.args, {
    data_list_file_path: m.datalist,
    data_file_base_dir: m.dataRoot,
    data_list_key: 'training',
    output_crop_size: [32, 32],
    output_data_dims: 2,
    output_data_format: 'channels_first',
    output_image_dtype: 'float32',
    output_batch_size: 8,
    batched_by_transforms: false,
    num_workers: 4,
    prefetch_size: 8,
    shuffle: true,
    repeat: true,
    duplicate_count: 1,
    extra_inputs: null,
    items_per_category: null,
    category_weights: null,
    output_label_format: [3],
    multiprocessing: false,
    sampling: 'element',
  });
  assert.deepEqual(
    train.preTransforms.map((p) => p.name),
    ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'RandomRotate2D'],
    'the disabled AddGaussianNoise is removed',
  );
  const v = spec.validate!;
  assert.equal(v.imagePipeline.name, 'ClassificationImagePipeline');
  assert.equal(v.imagePipeline.args.output_data_format, 'channels_last');
  assert.equal(v.imagePipeline.args.output_label_format, null);
  assert.equal(v.imagePipeline.args.output_data_dims, 2);
  assert.deepEqual(spec.warnings, ['ignoring Clara keys voxelpipe does not use: train.loss, train.model, validate.metrics']);
});

/** Writes a config + env in a temp MMAR (with a datalist so paths exist) and loads it. */
function setup(t: { after: (fn: () => void) => void }, edit: (c: any) => void = () => {}, env?: Record<string, unknown>) {
  const dir = tempDir(t);
  const config = spleenConfig() as any;
  edit(config);
  const m = writeSpleenMmar(dir, 1, 1, config);
  if (env) writeJson(m.env, env);
  return { m, load: (extra: { set?: string[] } = {}) => loadConfig({ config: m.config, mmar: m.root, ...extra }) };
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(!(e as Error).message.includes('\n'), 'one line');
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

test('placeholders: a whole-string placeholder keeps the JSON type, inside a longer string it is text; variables may use variables', (t) => {
  const { m, load } = setup(
    t,
    (c) => {
      c.crop = 64;
      c.shuffle_it = false;
      c.train.image_pipeline.args.output_crop_size = ['{crop}', '{crop}', 32];
      c.train.image_pipeline.args.shuffle = '{shuffle_it}';
      c.train.image_pipeline.args.data_file_base_dir = '{DATA_ROOT}/.';
      c.train.pre_transforms[2].args.a_min = '{A_MIN}';
      c.train.pre_transforms[0].args.tag = 'crop{crop}-{shuffle_it}';
    },
    { DATA_ROOT: 'data-root', DATASET_JSON: '{CONFIG_DIR}/dataset_0.json', CONFIG_DIR: 'config', A_MIN: -57.5 },
  );
  const spec = load();
  const a = spec.train!.imagePipeline.args;
  assert.deepEqual(a.output_crop_size, [64, 64, 32]);
  assert.equal(a.shuffle, false);
  assert.equal(a.data_file_base_dir, join(m.root, 'data-root'), 'a relative path resolves against --mmar');
  assert.equal(a.data_list_file_path, join(m.root, 'config', 'dataset_0.json'), '{DATASET_JSON} used {CONFIG_DIR}');
  assert.equal(spec.train!.preTransforms[2].args.a_min, -57.5);
  assert.equal(spec.train!.preTransforms[0].args.tag, 'crop64-false');
});

test('relative paths resolve against the config folder when no --mmar is given', (t) => {
  const { m } = setup(t, () => {}, { DATA_ROOT: '../data', DATASET_JSON: 'dataset_0.json' });
  const spec = loadConfig({ config: m.config, env: m.env });
  assert.equal(spec.root, join(m.root, 'config'));
  assert.equal(spec.train!.datalist.file, join(m.root, 'config', 'dataset_0.json'));
  assert.equal(spec.train!.datalist.baseDir, join(m.root, 'data'));
});

test('priority: config top-level variable < environment.json < --set', (t) => {
  const { load } = setup(
    t,
    (c) => {
      c.WORKERS = 1;
      c.SIZE = 8;
      c.ONLY_CONFIG = 3;
      c.train.image_pipeline.args.num_workers = '{WORKERS}';
      c.train.image_pipeline.args.output_batch_size = '{SIZE}';
      c.train.image_pipeline.args.prefetch_size = '{ONLY_CONFIG}';
    },
    { DATA_ROOT: '.', DATASET_JSON: 'config/dataset_0.json', WORKERS: 5, SIZE: 6 },
  );
  const a = (set?: string[]) => load({ set }).train!.imagePipeline.args;
  assert.deepEqual([a().num_workers, a().output_batch_size, a().prefetch_size], [5, 6, 3], 'environment.json overrides the config');
  assert.deepEqual([a(['WORKERS=7']).num_workers, a(['WORKERS=7']).output_batch_size], [7, 6], '--set overrides environment.json');
  assert.equal(a(['WORKERS=7', 'WORKERS=9']).num_workers, 9, 'the last --set wins');
  assert.equal(load({ set: ['WORKERS=7'] }).variables.WORKERS, 7);
});

test('--set values are JSON literals where they parse, else strings', (t) => {
  const { load } = setup(t, (c) => {
    c.train.pre_transforms[0].args.v = '{V}';
  });
  const v = (s: string) => load({ set: [`V=${s}`] }).train!.preTransforms[0].args.v;
  assert.equal(v('2'), 2);
  assert.equal(v('true'), true);
  assert.deepEqual(v('[1,2]'), [1, 2]);
  assert.equal(v('"2"'), '2');
  assert.equal(v('abc'), 'abc');
  assert.equal(v('/data/x=y'), '/data/x=y');
});

test('--set dotted keys reach into the config (list indices as [i] or .i)', (t) => {
  const { load } = setup(t);
  const spec = load({
    set: [
      'train.image_pipeline.args.num_workers=2',
      'train.pre_transforms[2].args.a_min=-100',
      'train.pre_transforms.2.args.a_max=200',
      'validate.image_pipeline.args.shuffle=false',
      'train.image_pipeline.args.data_list_key=validation',
    ],
  });
  assert.equal(spec.train!.imagePipeline.args.num_workers, 2);
  assert.equal(spec.train!.preTransforms[2].args.a_min, -100);
  assert.equal(spec.train!.preTransforms[2].args.a_max, 200);
  assert.equal(spec.validate!.imagePipeline.args.shuffle, false);
  assert.equal(spec.train!.datalist.key, 'validation');
  assert.equal(
    errorOf(() => load({ set: ['train.pre_transforms[9].args.a_min=1'] })),
    '--set train.pre_transforms[9].args.a_min: train.pre_transforms is a list of 6 items, expected an index below 6, got 9',
  );
  assert.equal(errorOf(() => load({ set: ['novalue'] })).startsWith('--set novalue: expected KEY=VALUE'), true);
});

test('#alias names an entry; ref finds train transforms by alias or name', (t) => {
  const { load } = setup(t, (c) => {
    c.train.pre_transforms.splice(
      2,
      0,
      { name: 'ScaleByResolution#ScaleImg', args: { fields: ['image'], target_resolution: [1, 1, 1] } },
      { name: 'ScaleByResolution#ScaleLb', args: { fields: ['label'], is_label: true, target_resolution: [1, 1, 1] } },
    );
    c.validate.pre_transforms = [{ ref: 'LoadNifti' }, { ref: 'ScaleLb' }, { ref: 'ScaleImg' }];
  });
  const spec = load();
  assert.deepEqual(spec.train!.preTransforms[2], {
    name: 'ScaleByResolution',
    alias: 'ScaleImg',
    args: { fields: ['image'], target_resolution: [1, 1, 1] },
    jsonPath: 'train.pre_transforms[2]',
    known: 'clara',
  });
  assert.deepEqual(
    spec.validate!.preTransforms.map((p) => [p.name, p.alias, p.args.fields, p.jsonPath, p.refFrom]),
    [
      ['LoadNifti', undefined, ['image', 'label'], 'train.pre_transforms[0]', 'validate.pre_transforms[0]'],
      ['ScaleByResolution', 'ScaleLb', ['label'], 'train.pre_transforms[3]', 'validate.pre_transforms[1]'],
      ['ScaleByResolution', 'ScaleImg', ['image'], 'train.pre_transforms[2]', 'validate.pre_transforms[2]'],
    ],
  );
});

test('ref errors: unknown (with suggestion), ambiguous name, ref with args', (t) => {
  const { m, load } = setup(t, (c) => {
    c.train.pre_transforms.push({ name: 'ScaleByResolution#ScaleImg', args: {} }, { name: 'ScaleByResolution#ScaleLb', args: {} });
    c.validate.pre_transforms = [{ ref: 'ScaleImage' }, { ref: 'ScaleByResolution' }, { ref: 'LoadNifti', args: { fields: 'image' } }];
  });
  assert.equal(
    errorOf(load),
    `${m.config}: validate.pre_transforms[2].args: an entry with "ref" reuses the referenced transform as it is; remove "args" (or write a full entry instead of "ref"); ` +
      `validate.pre_transforms[0].ref: no train transform is named or aliased "ScaleImage" (did you mean ScaleImg?); ` +
      `validate.pre_transforms[1].ref: "ScaleByResolution" is ambiguous: 2 train transforms are named ScaleByResolution (train.pre_transforms[6], train.pre_transforms[7]); give them aliases ("ScaleByResolution#alias") and ref the alias`,
  );
});

test('disabled: true removes an entry (train and validate); a ref may reuse a disabled train entry', (t) => {
  const { load } = setup(t, (c) => {
    c.train.pre_transforms[4].disabled = true; // RandomAxisFlip
    c.train.pre_transforms.push({ name: 'SaveAsNifti', args: { fields: ['image'], out_dir: 'debug' }, disabled: true });
    c.validate.pre_transforms.push({ ref: 'SaveAsNifti' }, { ref: 'ScaleIntensityRange', disabled: true });
    c.train.batch_transforms[0].disabled = false;
  });
  const spec = load();
  assert.deepEqual(
    spec.train!.preTransforms.map((p) => p.name),
    ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'FastCropByPosNegRatio', 'ScaleIntensityOscillation'],
  );
  assert.deepEqual(spec.train!.batchTransforms.map((p) => p.name), ['MergeBatchDims']);
  assert.deepEqual(spec.validate!.preTransforms.map((p) => p.name), ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'SaveAsNifti']);
});

test('custom transforms by path resolve against the MMAR root and keep the export name', (t) => {
  const { m, load } = setup(t, (c) => {
    c.train.pre_transforms.push(
      { path: './custom/my-transforms.js#MyTransform', args: { k: 1 } },
      { path: 'voxelpipe-extra#Denoise' },
      { name: 'Shift#shift1', path: '/opt/t/shift.mjs' },
      { path: 'lib/noise.js#Noise' },
    );
  });
  const extra = load().train!.preTransforms.slice(6);
  assert.deepEqual(extra, [
    { name: 'MyTransform', path: join(m.root, 'custom', 'my-transforms.js'), exportName: 'MyTransform', args: { k: 1 }, jsonPath: 'train.pre_transforms[6]', known: 'custom' },
    { name: 'Denoise', path: 'voxelpipe-extra', exportName: 'Denoise', args: {}, jsonPath: 'train.pre_transforms[7]', known: 'custom' },
    { name: 'Shift', alias: 'shift1', path: '/opt/t/shift.mjs', exportName: 'default', args: {}, jsonPath: 'train.pre_transforms[8]', known: 'custom' },
    { name: 'Noise', path: join(m.root, 'lib', 'noise.js'), exportName: 'Noise', args: {}, jsonPath: 'train.pre_transforms[9]', known: 'custom' },
  ]);
  const py = setup(t, (c) => c.train.pre_transforms.push({ path: 'myTransformation.MyAddRandomConstant' }));
  assert.equal(
    errorOf(py.load),
    `${py.m.config}: train.pre_transforms[6].path: "myTransformation.MyAddRandomConstant" looks like a Python import path (Clara BYOC); voxelpipe loads JavaScript modules: "./file.js#ExportName"`,
  );
});

/** A registry with one definition, as the transform catalogue will provide. */
function registryWithScaleIntensityRange(): TransformRegistry {
  const args = z.strictObject({
    fields: fieldsArg,
    a_min: z.number(),
    a_max: z.number(),
    b_min: z.number(),
    b_max: z.number(),
    clip: z.boolean().default(false),
  });
  return new TransformRegistry()
    .register(defineTransform({ name: 'ScaleIntensityRange', family: 'intensity', summary: '', args, isRandom: false, create: () => ({ fields: [], apply: (s) => s }) }))
    .register(defineTransform({ name: 'MyNewTransform', family: 'intensity', summary: '', args: z.strictObject({}), isRandom: false, create: () => ({ fields: [], apply: (s) => s }) }));
}

test('a registry definition checks args; names it lacks fall back to the Clara list; registry-only names are accepted', (t) => {
  const { m, load } = setup(t, (c) => {
    c.train.pre_transforms[2].args.a_min = 'abc';
    c.train.pre_transforms[2].args.clipp = true;
  });
  const registry = registryWithScaleIntensityRange();
  assert.equal(
    errorOf(() => loadConfig({ config: m.config, mmar: m.root, registry })),
    `${m.config}: train.pre_transforms[2].args.a_min: expected number, got "abc"; train.pre_transforms[2].args.clipp: unknown key (did you mean clip?)`,
  );
  const ok = setup(t, (c) => c.train.pre_transforms.push({ name: 'MyNewTransform' }));
  const spec = loadConfig({ config: ok.m.config, mmar: ok.m.root, registry });
  assert.deepEqual(
    spec.train!.preTransforms.map((p) => [p.name, p.known]),
    [
      ['LoadNifti', 'clara'],
      ['ConvertToChannelsFirst', 'clara'],
      ['ScaleIntensityRange', 'registry'],
      ['FastCropByPosNegRatio', 'clara'],
      ['RandomAxisFlip', 'clara'],
      ['ScaleIntensityOscillation', 'clara'],
      ['MyNewTransform', 'registry'],
    ],
  );
});

test('bad configs: one line naming the JSON path', async (t) => {
  const cases: [string, (c: any) => void, string][] = [
    [
      'missing datalist file',
      (c) => (c.train.image_pipeline.args.data_list_file_path = 'config/dataset_9.json'),
      'train.image_pipeline.args.data_list_file_path: no such file <root>/config/dataset_9.json',
    ],
    [
      'missing required key',
      (c) => delete c.train.image_pipeline.args.data_list_key,
      'train.image_pipeline.args.data_list_key: expected string, got nothing',
    ],
    [
      'unknown transform, with suggestion',
      (c) => (c.train.pre_transforms[2].name = 'ScaleIntensityRang'),
      'train.pre_transforms[2].name: unknown transform "ScaleIntensityRang" (did you mean ScaleIntensityRange or ScaleIntensityOscillation?)',
    ],
    [
      'a Python class of MONAI that the catalogue lacks (Clara 4 deepgrow configs) is refused in one line',
      (c) => (c.train.pre_transforms[4] = { name: 'SpatialCropForegroundd', path: 'monai.apps.deepgrow.transforms.SpatialCropForegroundd', args: {} }),
      'train.pre_transforms[4].path: "monai.apps.deepgrow.transforms.SpatialCropForegroundd" is a Python class voxelpipe does not have (it runs no Python; its catalogue holds MONAI\'s transforms by name); custom transforms are JavaScript modules: "./file.js#ExportName"',
    ],
    [
      'wrong arg type',
      (c) => (c.train.image_pipeline.args.num_workers = 'two'),
      'train.image_pipeline.args.num_workers: expected number, got "two"',
    ],
    [
      'placeholder with no value',
      (c) => (c.train.image_pipeline.args.data_file_base_dir = '{DATA_ROT}'),
      'train.image_pipeline.args.data_file_base_dir: placeholder {DATA_ROT} has no value (did you mean DATA_ROOT?) (define DATA_ROT in environment.json, at the top of the config, or with --set DATA_ROT=...)',
    ],
    [
      'placeholder with no value in the datalist path (not also "no such file")',
      (c) => (c.validate.image_pipeline.args.data_list_file_path = '{DATASET}'),
      'validate.image_pipeline.args.data_list_file_path: placeholder {DATASET} has no value (did you mean DATASET_JSON or DATA_ROOT?) (define DATASET in environment.json, at the top of the config, or with --set DATASET=...)',
    ],
    [
      'unknown pipeline',
      (c) => (c.validate.image_pipeline.name = 'SegmentationPipeline'),
      'validate.image_pipeline.name: unknown image pipeline "SegmentationPipeline" (did you mean SegmentationImagePipeline, SegmentationKerasImagePipeline or SegmentationImagePipelineWithCache?)',
    ],
    [
      'a cache arg on a pipeline without cache',
      (c) => (c.validate.image_pipeline.args.num_cache_objects = 4),
      'validate.image_pipeline.args.num_cache_objects: only the *WithCache pipelines take num_cache_objects (use SegmentationImagePipelineWithCache for Smart Cache)',
    ],
    [
      'a typo in a section key',
      (c) => {
        c.validate.pre_transform = c.validate.pre_transforms;
        delete c.validate.pre_transforms;
      },
      'validate.pre_transform: unknown key (did you mean pre_transforms or batch_transforms?)',
    ],
    [
      'crop size and dims disagree',
      (c) => (c.train.image_pipeline.args.output_data_dims = 2),
      'train.image_pipeline.args.output_crop_size: expected 2 sizes (output_data_dims is 2), got [96,96,96]',
    ],
  ];
  for (const [what, edit, expected] of cases) {
    await t.test(what, (tt) => {
      const { m, load } = setup(tt, edit);
      assert.equal(errorOf(load), `${m.config}: ${expected.replace('<root>', m.root)}`);
    });
  }
});

test('JSON syntax errors give file, line and column', (t) => {
  const { m } = setup(t);
  const cases: [string, string][] = [
    ['{\n  "train": {\n    "a": 1,\n  }\n}', '4:3: invalid JSON: trailing comma before \'}\''],
    ['{\n  "epochs": 10\n  "train": {}\n}', '3:3: invalid JSON: expected \',\' or \'}\' after property value, got \'"\''],
    ['{"a": tru}', '1:10: invalid JSON: unexpected \'}\' in \'true\''],
    ['{"a": [1, 2', '1:12: invalid JSON: expected \',\' or \']\' after array element, got end of file'],
    ['', '1:1: invalid JSON: unexpected end of file, expected a value'],
  ];
  for (const [text, where] of cases) {
    writeFileSync(m.config, text);
    assert.equal(errorOf(() => loadConfig({ config: m.config })), `${m.config}:${where}`);
  }
  writeFileSync(m.env, '{"DATA_ROOT": "x",}');
  writeJson(m.config, spleenConfig());
  assert.equal(errorOf(() => loadConfig({ config: m.config })), `${m.env}:1:19: invalid JSON: trailing comma before '}'`);
});

test('sections: ignored Clara keys are one warning (their placeholders unchecked), evaluation keys beside train/validate are refused, --env must exist', (t) => {
  const { m, load } = setup(t, (c) => {
    c.train.lr_policy = { name: 'DecayOnStep' };
    c.train.handlers = [{ name: 'CheckpointSaver', args: { ckpt_dir: '{NOT_DEFINED_ANYWHERE}' } }];
    c.model_loader = { name: 'CheckpointLoader' };
  });
  const spec: ConfigSpec = load();
  assert.deepEqual(spec.ignored, ['model_loader', 'train.loss', 'train.optimizer', 'train.model', 'train.lr_policy', 'train.handlers', 'validate.metrics', 'validate.inferer']);
  assert.equal(spec.warnings.length, 1);
  // Without train / validate sections the same keys make an evaluation config (test/config/evaluation.test.ts).
  const ev = setup(t, (c) => {
    c.pre_transforms = c.validate.pre_transforms;
  });
  assert.equal(
    errorOf(ev.load),
    `${ev.m.config}: pre_transforms: voxelpipe reads pipelines from the "train" and "validate" sections; a top-level pre_transforms (an evaluation config such as config_validation.json?) is not used`,
  );
  assert.equal(errorOf(() => loadConfig({ config: m.config, env: join(m.root, 'nope.json') })), `${join(m.root, 'nope.json')}: no such file or directory`);
});
