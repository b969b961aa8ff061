import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_FORMAT_VERSION, canonicalJson, prefixKey, sourceIdentity } from '../../src/cache/index.js';
import { tempDir } from '../helpers.js';

const PREFIX = [
  { name: 'LoadNifti', args: { fields: ['image', 'label'], as_closest_canonical: false } },
  { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -57, a_max: 164, b_min: 0, b_max: 1, clip: true } },
];

function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const image = join(dir, 'img.nii.gz');
  const label = join(dir, 'lab.nii.gz');
  writeFileSync(image, 'image bytes');
  writeFileSync(label, 'label bytes');
  // Fixed mtimes: a test must not depend on how fast it runs.
  utimesSync(image, 1_700_000_000, 1_700_000_000);
  utimesSync(label, 1_700_000_000, 1_700_000_000);
  return { dir, image, label, item: { image, label } };
}

test('canonicalJson: key order does not matter at any depth; distinct values stay distinct', () => {
  assert.equal(canonicalJson({ b: 1, a: { y: [1, { q: 2, p: 1 }], x: null } }), canonicalJson({ a: { x: null, y: [1, { p: 1, q: 2 }] }, b: 1 }));
  assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  const distinct = [null, 0, -0, NaN, Infinity, -Infinity, '0', [undefined], [null], true, 1n].map(canonicalJson);
  assert.equal(new Set(distinct).size, distinct.length);
  assert.notEqual(canonicalJson(new Float32Array([1, 2])), canonicalJson(new Float32Array([1, 3])));
  assert.notEqual(canonicalJson(JSON.parse('{"__proto__": {"a": 1}}')), canonicalJson({}));
  assert.throws(() => canonicalJson({ when: new Date(0) }), /cache key: \$\.when is a Date, expected plain JSON values/);
});

test('prefixKey: stable, hex, and independent of arg key order and #alias', (t) => {
  const { item } = setup(t);
  const k = prefixKey(item, PREFIX);
  assert.match(k, /^[0-9a-f]{32}$/);
  assert.equal(prefixKey(item, PREFIX), k);
  const reordered = PREFIX.map((p) => ({ name: p.name, args: Object.fromEntries(Object.entries(p.args).reverse()) }));
  assert.equal(prefixKey(item, reordered), k);
  assert.equal(prefixKey({ label: item.label, image: item.image }, PREFIX), k, 'item field order');
  assert.equal(prefixKey(item, [PREFIX[0], { ...PREFIX[1], name: 'ScaleIntensityRange#ct' }]), k);
});

test('prefixKey: any change of a prefix arg, name, order or length misses', (t) => {
  const { item } = setup(t);
  const k = prefixKey(item, PREFIX);
  const variants = [
    [PREFIX[0], { ...PREFIX[1], args: { ...PREFIX[1].args, a_max: 165 } }],
    [PREFIX[0], { ...PREFIX[1], args: { ...PREFIX[1].args, clip: false } }],
    [PREFIX[0], { ...PREFIX[1], args: { ...PREFIX[1].args, fields: ['image'] } }],
    [PREFIX[0], { ...PREFIX[1], args: { ...PREFIX[1].args, extra: 0 } }],
    [PREFIX[0], { ...PREFIX[1], name: 'ScaleIntensityRange2' }],
    [PREFIX[0]],
    [PREFIX[1], PREFIX[0]],
    [...PREFIX, { name: 'CenterCrop', args: {} }],
  ];
  const keys = variants.map((v) => prefixKey(item, v));
  assert.equal(new Set([k, ...keys]).size, keys.length + 1);
});

test('prefixKey: a different item value (class label) or path misses', (t) => {
  const { dir, item, image } = setup(t);
  const k = prefixKey(item, PREFIX);
  assert.notEqual(prefixKey({ ...item, weight: 2 }, PREFIX), k);
  const copy = join(dir, 'copy.nii.gz');
  copyFileSync(image, copy);
  utimesSync(copy, 1_700_000_000, 1_700_000_000);
  assert.notEqual(prefixKey({ ...item, image: copy }, PREFIX), k);
});

test('sourceIdentity (stat): changes with size and mtime, not with content of the same size and mtime', (t) => {
  const { image, item } = setup(t);
  const before = sourceIdentity(item);
  const key = prefixKey(item, PREFIX);
  assert.match(before, /"\$file":".*img\.nii\.gz","mtimeNs":"1700000000000000000","size":"11"/);
  writeFileSync(image, 'IMAGE BYTES'); // same size
  utimesSync(image, 1_700_000_000, 1_700_000_000);
  assert.equal(sourceIdentity(item), before, 'stat identity cannot see same-size, same-mtime edits (documented)');
  utimesSync(image, 1_700_000_001, 1_700_000_001);
  assert.notEqual(sourceIdentity(item), before);
  assert.notEqual(prefixKey(item, PREFIX), key, 'a touch misses');
  const touched = sourceIdentity(item);
  writeFileSync(image, 'image bytes, longer');
  utimesSync(image, 1_700_000_001, 1_700_000_001);
  assert.notEqual(sourceIdentity(item), touched);
});

test("sourceIdentity ('content'): changes with the bytes, not with mtime; memo is used", (t) => {
  const { image, item } = setup(t);
  const memo = new Map<string, string>();
  const before = sourceIdentity(item, { identity: 'content', memo });
  assert.equal(memo.size, 2);
  utimesSync(image, 1_800_000_000, 1_800_000_000);
  assert.equal(sourceIdentity(item, { identity: 'content' }), before);
  writeFileSync(image, 'IMAGE BYTES');
  assert.notEqual(sourceIdentity(item, { identity: 'content' }), before);
  assert.notEqual(prefixKey(item, PREFIX, { identity: 'content' }), prefixKey(item, PREFIX), 'the identity kind is part of the key');
});

test('sourceIdentity: arrays of files, relative paths against root, directories, non-file strings', (t) => {
  const { dir, image, label } = setup(t);
  const multi = sourceIdentity({ image: [image, label] });
  assert.equal((multi.match(/"\$file"/g) ?? []).length, 2);
  assert.equal(sourceIdentity({ image: 'img.nii.gz' }, { root: dir }), sourceIdentity({ image }));
  assert.equal(sourceIdentity({ note: 'not a file', n: 3 }), canonicalJson({ n: 3, note: 'not a file' }));
  const series = join(dir, 'series');
  mkdirSync(series);
  writeFileSync(join(series, '1.dcm'), 'a');
  const d1 = sourceIdentity({ image: series });
  writeFileSync(join(series, '2.dcm'), 'b');
  assert.notEqual(sourceIdentity({ image: series }), d1);
});

test('prefixKey: the format version and a custom module take part', (t) => {
  const { dir, item } = setup(t);
  assert.equal(typeof CACHE_FORMAT_VERSION, 'number');
  const mod = join(dir, 'my.js');
  writeFileSync(mod, 'export {}');
  utimesSync(mod, 1_700_000_000, 1_700_000_000);
  const custom = [{ name: 'MyTransform', path: `${mod}#MyTransform`, args: {} }];
  const k = prefixKey(item, custom);
  utimesSync(mod, 1_700_000_005, 1_700_000_005);
  assert.notEqual(prefixKey(item, custom), k, 'editing the module misses');
});
