import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { datalistOptionsFor, loadDatalist, loaderFields, parseDatalist } from '../../src/datalist/index.js';
import { assertVoxelpipeError, tempDir } from '../helpers.js';
import { writeClassificationMmar, writeJson, writeSpleenMmar } from '../config/mmars.js';

test('spleen datalist: relative paths join DATA_ROOT, items keep their index', (t) => {
  const m = writeSpleenMmar(tempDir(t), 3, 2);
  const spec = loadConfig({ config: m.config, mmar: m.root });
  assert.deepEqual(loaderFields(spec.train!), ['image', 'label']);
  const items = loadDatalist(datalistOptionsFor(spec.train!));
  assert.deepEqual(items[2], {
    index: 2,
    fields: { image: join(m.dataRoot, 'imagesTr/spleen_3.nii.gz'), label: join(m.dataRoot, 'labelsTr/spleen_3.nii.gz') },
    fileFields: ['image', 'label'],
  });
  const val = loadDatalist(datalistOptionsFor(spec.validate!));
  assert.deepEqual(val.map((i) => i.fields.image), [join(m.dataRoot, 'imagesTr/spleen_100.nii.gz'), join(m.dataRoot, 'imagesTr/spleen_101.nii.gz')]);
});

test('classification datalist: class index and 0/1 vector labels stay values, weight is a field', (t) => {
  const m = writeClassificationMmar(tempDir(t));
  const spec = loadConfig({ config: m.config, mmar: m.root });
  const train = loadDatalist(datalistOptionsFor(spec.train!));
  assert.deepEqual(train[2], { index: 2, fields: { image: join(m.dataRoot, 'train/img_2.nii.gz'), label: 2, weight: 4 }, fileFields: ['image'] });
  assert.deepEqual(train.map((i) => i.fields.label), [0, 1, 2, 0, 1, 2]);
  const val = loadDatalist(datalistOptionsFor(spec.validate!));
  assert.deepEqual(val.map((i) => i.fields.label), [[0, 1, 0], [1, 0, 0]]);
});

test('multi-modal image lists, absolute paths, extra fields, MSD test lists of plain paths', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'dataset.json');
  writeJson(file, {
    training: [{ image: ['t1.nii.gz', '/abs/t2.nii.gz'], label: 'seg.nii.gz', weight: 0.5, site: 'A', mask: 'm.nii.gz' }],
    test: ['imagesTs/a.nii.gz'],
  });
  const [item] = loadDatalist({ file, key: 'training', baseDir: '/data', required: ['image', 'label', 'mask'] });
  assert.deepEqual(item.fields, { image: ['/data/t1.nii.gz', '/abs/t2.nii.gz'], label: '/data/seg.nii.gz', weight: 0.5, site: 'A', mask: '/data/m.nii.gz' });
  assert.deepEqual(item.fileFields, ['image', 'label', 'mask']);
  assert.deepEqual(loadDatalist({ file, key: 'test' })[0].fields, { image: join(dir, 'imagesTs/a.nii.gz') }, 'base dir defaults to the datalist folder');
});

test('datalist problems name the file and JSON path; all are reported', (t) => {
  const file = join(tempDir(t), 'dataset_0.json');
  const json = {
    training: [
      { image: 'a.nii.gz', label: 'a_seg.nii.gz' },
      { image: 'b.nii.gz' },
      { image: 'c.nii.gz', label: 3 },
      { image: 42, label: 'd_seg.nii.gz' },
      { image: 'e.nii.gz', label: 'e_seg.nii.gz', weight: -1 },
      'f.nii.gz',
      7,
    ],
    validation: [],
  };
  const { items, problems } = parseDatalist(json, { file, key: 'training', required: ['image', 'label'], task: 'segmentation' });
  assert.deepEqual(items.map((i) => i.index), [0]);
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      `${file}: training[1]: no "label" key (the pipeline loads it)`,
      `${file}: training[2].label: expected a file path or list of paths, got 3`,
      `${file}: training[3].image: expected a file path or list of paths, got 42`,
      `${file}: training[4].weight: expected a number >= 0, got -1`,
      `${file}: training[5]: no "label" key (the pipeline loads it)`,
      `${file}: training[6]: expected an object like {"image": "...", "label": "..."} or a file path, got 7`,
    ],
  );
  const cls = parseDatalist({ training: [{ image: 'x', label: 'x_seg.nii.gz' }, { image: 'y', label: 1.5 }, { image: 'z', label: [0, 2] }] }, { file, key: 'training', task: 'classification' });
  assert.deepEqual(
    cls.problems.map((p) => p.message),
    [
      `${file}: training[0].label: a classification label is a class index or a 0/1 vector, got a file path`,
      `${file}: training[1].label: expected a class index (integer >= 0) or a vector of 0/1 values, got 1.5`,
      `${file}: training[2].label: expected a class index (integer >= 0) or a vector of 0/1 values, got [0,2]`,
    ],
  );
  writeJson(file, json);
  assertVoxelpipeError(() => loadDatalist({ file, key: 'validation' }), 'ERR_CONFIG', [`${file}: validation is empty`]);
  const e = assertVoxelpipeError(() => loadDatalist({ file, key: 'training', required: ['image', 'label'] }), 'ERR_CONFIG');
  assert.match(e.message, /; \(and 1 more problems\)$/);
});

test('a data_list_key missing from the datalist names the config path and the lists it has', (t) => {
  const m = writeSpleenMmar(tempDir(t), 1, 1);
  const spec = loadConfig({ config: m.config, mmar: m.root, set: ['train.image_pipeline.args.data_list_key=trainig'] });
  assertVoxelpipeError(() => loadDatalist(datalistOptionsFor(spec.train!)), 'ERR_CONFIG', [
    `train.image_pipeline.args.data_list_key: ${m.datalist} has no list "trainig" (did you mean training?)`,
  ]);
  const e = assertVoxelpipeError(() => loadDatalist({ file: m.datalist, key: 'fold0' }), 'ERR_CONFIG');
  assert.equal(e.message, `${m.datalist} has no list "fold0" (it has training, validation)`);
});
