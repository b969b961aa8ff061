import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeStep } from '../../src/view/client/api.js';
import type { BatchJson, SampleJson, ViewInfo } from '../../src/view/index.js';
import { CLIENT_MODULES } from '../../src/view/assets.js';
import { batchRowImage, decodePng, percentileWindow } from '../../src/preview/index.js';
import { isChainImage, type ChainImage } from '../../src/transforms/image.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { demoMmar, json, raw, stepsOf, trainingPipeline, viewer, withFailingTransform } from './helpers.js';
import { startViewServer } from '../../src/view/index.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';

test('view: a sample is exactly pipeline.sample(e, i): every step, its args, draws, time and voxels; the crop boxes on the volume before the crop', async (t) => {
  const m = demoMmar(t);
  const s = await viewer(t, m);
  const p = trainingPipeline(m);
  t.after(() => p.close());

  const info = (await json<ViewInfo>(`${s.url}api/info`)).body;
  assert.equal(info.task, 'segmentation');
  assert.equal(info.section, 'train');
  assert.equal(info.describe, p.describe().replace(/0 workers/, '0 workers'));
  assert.deepEqual(info.labels, { '0': 'background', '1': 'spleen' });
  assert.equal(info.items.length, 5);
  assert.match(info.items[1].source, /spleen_1\.nii\.gz$/);
  const epoch = (await json(`${s.url}api/epoch?epoch=1`)).body;
  assert.deepEqual(epoch, { epoch: 1, size: p.order(1).length, order: p.order(1) });

  const index = 1;
  const r = await json<SampleJson>(`${s.url}api/sample?epoch=0&index=${index}`);
  assert.equal(r.status, 200);
  const sample = r.body;
  const ref = await stepsOf(p, 0, index);
  assert.equal(sample.item, p.order(0)[index]);
  assert.equal(sample.error, undefined);
  assert.deepEqual(
    sample.steps.map((x) => x.name),
    ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'PrecomputeFgBgIndices', 'FastCropByPosNegRatio', 'RandomAxisFlip', 'ScaleIntensityOscillation'],
  );
  assert.deepEqual(sample.steps.map((x) => x.random), ref.steps.map((x) => x.random));
  assert.deepEqual(JSON.parse(JSON.stringify(sample.steps.map((x) => x.draws ?? null))), JSON.parse(JSON.stringify(ref.steps.map((x) => x.draws ?? null))));
  assert.deepEqual(sample.steps[2].args, ref.steps[2].args);
  assert.ok(sample.steps.every((x) => x.ms >= 0));
  const crop = sample.steps[4];
  const draws = crop.draws as { starts: number[][]; centres: number[][]; foreground: boolean[] };
  assert.equal(draws.starts.length, 2, 'two crops per volume in the small demo');
  assert.deepEqual(crop.fields.image, { ...crop.fields.image, kind: 'image', shape: [16, 16, 16, 1, 2], spatial: [16, 16, 16], channels: 1, crops: 2 });
  // The boxes are drawn on every step whose voxels the crop reads unchanged (0..3), not on the crops.
  for (const k of [0, 1, 2, 3]) {
    assert.equal(sample.steps[k].crop?.step, 4, `step ${k}`);
    assert.deepEqual(
      sample.steps[k].crop!.boxes,
      draws.starts.map((start, j) => ({ start, size: [16, 16, 16], centre: draws.centres[j], foreground: draws.foreground[j] })),
    );
  }
  for (const k of [4, 5, 6]) assert.equal(sample.steps[k].crop, undefined);
  const planes = (sample.steps[0].fields.image as { planes: { view: string }[] }).planes.map((x) => x.view);
  assert.deepEqual(planes, ['axial', 'coronal', 'sagittal']);

  // One request per step carries every image field, bit for bit as the chain holds it.
  for (let k = 0; k < ref.steps.length; k++) {
    const res = await fetch(`${s.url}api/step?epoch=0&index=${index}&step=${k}`);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const got = decodeStep(await res.arrayBuffer());
    const want = Object.entries(ref.steps[k].output).filter(([, v]) => isChainImage(v)) as [string, ChainImage][];
    assert.deepEqual([...got.keys()], want.map(([n]) => n), `step ${k} fields`);
    for (const [name, img] of want) {
      const f = got.get(name)!;
      assert.deepEqual(f.shape, img.shape);
      assert.equal(f.data.constructor, img.data.constructor, `step ${k} ${name} dtype`);
      assert.ok(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).equals(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength)), `step ${k} ${name} voxels`);
      if (name === 'image') {
        const n = img.data.length / f.windows.length;
        f.windows.forEach((w, c) => assert.deepEqual(w, percentileWindow(img.data.subarray(c * n, (c + 1) * n), [1, 99])));
      } else assert.ok(f.windows.every((w) => w === null), 'no intensity window for the label');
    }
  }

  // (epoch, index) is a batch row: batch 0 holds positions 0 and 1 (2 crops each); rows 2, 3 are this sample's crops.
  const it = p.epoch(0)[Symbol.asyncIterator]();
  const b0 = (await it.next()).value as Batch;
  const last = ref.out.image as ChainImage;
  const per = 16 ** 3;
  for (const crop of [0, 1]) {
    const row = b0.rows.findIndex((x) => x.position === index && x.crop === crop);
    const fromBatch = batchRowImage(b0.fields.image, row, 'channels_first');
    assert.deepEqual(Array.from(fromBatch.data), Array.from(last.data.subarray(crop * per, (crop + 1) * per)), `crop ${crop} = batch row ${row}`);
  }
  const bv = (await json<BatchJson>(`${s.url}api/batch?epoch=0&batch=0`)).body;
  assert.deepEqual(bv.rows.map(({ position, item, crop, source }) => ({ position, item, crop, source })), b0.rows);
  assert.deepEqual(bv.fields.image, { shape: b0.fields.image.shape, dtype: 'float32' });
  await it.return?.();
  const thumb = await fetch(`${s.url}api/batch/thumb?epoch=0&batch=0&row=3`);
  assert.equal(thumb.headers.get('content-type'), 'image/png');
  const png = decodePng(Buffer.from(await thumb.arrayBuffer()));
  assert.deepEqual([png.width, png.height], [bv.rows[3].width, bv.rows[3].height]);
  // Batch 1 of epoch 0 is the last one (4 samples, 2 per batch).
  assert.equal((await json(`${s.url}api/batch?epoch=0&batch=1`)).status, 200);
  const beyond = await json(`${s.url}api/batch?epoch=0&batch=2`);
  assert.equal(beyond.status, 404);
  assert.equal(beyond.body.error, 'batch 2 of epoch 0 does not exist (the epoch has 2 batches: 0..1)');
});

test('view: safety: fixed paths, declared parameters, nothing from the disk, one-line 4xx answers', async (t) => {
  const m = demoMmar(t);
  const s = await viewer(t, m);
  const cases: [string, number, RegExp][] = [
    ['/api/sample', 400, /^missing parameter "epoch" for \/api\/sample$/],
    ['/api/sample?epoch=0', 400, /^missing parameter "index"/],
    ['/api/sample?epoch=0&index=1&index=2', 400, /^parameter "index" is given more than once$/],
    ['/api/sample?epoch=-1&index=0', 400, /^parameter "epoch" must be a whole number 0\.\.1000000000, got "-1"$/],
    ['/api/sample?epoch=0&index=1e3', 400, /must be a whole number/],
    ['/api/sample?epoch=0&index=99999999999', 400, /must be a whole number/],
    ['/api/sample?epoch=0&index=0&file=/etc/passwd', 400, /^unknown parameter "file" for \/api\/sample \(expected epoch, index\)$/],
    ['/api/sample?epoch=0&index=4', 404, /^sample 4 of epoch 0 does not exist \(the epoch has 4: 0\.\.3\)$/],
    ['/api/step?epoch=0&index=0&step=7', 404, /^step 7 of sample 0 of epoch 0 does not exist \(the chain has 7 steps: 0\.\.6\)$/],
    ['/api/batch/thumb?epoch=0&batch=0&row=4', 404, /^row 4 of batch 0 does not exist \(the batch has 4: 0\.\.3\)$/],
    ['/api/info?x=1', 400, /^unknown parameter "x" for \/api\/info \(expected none\)$/],
    ['/../../../etc/passwd', 404, /^no such page: \/etc\/passwd/],
    ['/%2e%2e/%2e%2e/etc/passwd', 404, /^no such page:/],
    ['/client/../../package.json', 404, /^no such page: \/package\.json/],
    ['/client/', 404, /^no such page: \/client\/ /],
    ['/client/main.ts', 404, /^no such page/],
    ['/client/api-types.js', 404, /^no such page/],
    ['/src/view/server.ts', 404, /^no such page/],
    ['/api/', 404, /^no such page/],
    [`/api/info?${'a'.repeat(200)}=1`, 400, /^unknown parameter "a{40}\.\.\."/],
  ];
  for (const [path, status, message] of cases) {
    const r = await raw(s.url, path);
    assert.equal(r.status, status, path);
    assert.match(String(r.headers['content-type']), /^application\/json/, path);
    const body = JSON.parse(r.body.toString()) as { error: string };
    assert.match(body.error, message, path);
    assert.ok(!body.error.includes('\n'), path);
  }
  const post = await raw(s.url, '/api/info', { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  // DNS rebinding: a page on another site that resolves its name to 127.0.0.1 is refused.
  const port = new URL(s.url).port;
  const rebound = await raw(s.url, '/api/info', { host: `evil.example:${port}` });
  assert.equal(rebound.status, 403);
  assert.match(JSON.parse(rebound.body.toString()).error, /^Host "evil\.example:\d+" is not this viewer \(open it as http:\/\/127\.0\.0\.1:\d+\/\)$/);
  assert.equal((await raw(s.url, '/api/info', { host: 'localhost:1' })).status, 403, 'another port');
  assert.equal((await raw(s.url, '/api/info', { host: `localhost:${port}` })).status, 200);

  // The page and exactly its modules.
  const page = await raw(s.url, '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.match(page.body.toString(), /<script type="module" src="\/client\/main\.js"><\/script>/);
  const head = await raw(s.url, '/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  const dir = fileURLToPath(new URL('../../src/view/client/', import.meta.url));
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'api-types.ts')
    .map((f) => f.slice(0, -3))
    .sort();
  assert.deepEqual([...CLIENT_MODULES].sort(), sources, 'every page module is served, and only those');
  for (const name of CLIENT_MODULES) {
    const r = await raw(s.url, `/client/${name}.js`);
    assert.equal(r.status, 200, name);
    assert.match(String(r.headers['content-type']), /^text\/javascript/);
    const text = r.body.toString();
    assert.ok(!/^\s*import type/m.test(text) && !/:\s*(string|number)\)/.test(text), `${name}.js is JavaScript, not TypeScript`);
    for (const [, dep] of text.matchAll(/from '\.\/([a-z-]+)\.js'/g)) assert.ok((CLIENT_MODULES as readonly string[]).includes(dep), `${name} imports ${dep}`);
  }
});

test('view: a transform that throws on one sample: its one-line error and the steps before it; the other samples and the server go on', async (t) => {
  const m = demoMmar(t);
  withFailingTransform(m);
  const s = await viewer(t, m);
  const p = trainingPipeline(m);
  t.after(() => p.close());
  const order = p.order(0);
  const bad = order.indexOf(1);
  assert.ok(bad >= 0, 'spleen_1 is drawn in epoch 0');
  const good = bad === 0 ? 1 : 0;

  const r = await json<SampleJson>(`${s.url}api/sample?epoch=0&index=${bad}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.steps.map((x) => x.name), ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange']);
  assert.match(r.body.error!, /^.*spleen_1\.nii\.gz: train\.pre_transforms\[3\] Boom \(chain index 3\) failed on sample \d+ of epoch 0: Boom: this case is corrupt/);
  assert.ok(!r.body.error!.includes('\n') && !r.body.error!.includes('second line'), r.body.error);
  assert.equal((await fetch(`${s.url}api/step?epoch=0&index=${bad}&step=2`)).status, 200);
  const after = await json(`${s.url}api/step?epoch=0&index=${bad}&step=3`);
  assert.equal(after.status, 404);
  assert.match(after.body.error, /^step 3 of sample \d+ of epoch 0 does not exist \(the chain stopped after 3 steps: .*Boom: this case is corrupt \[inputs: .*\]\)$/);

  const ok = await json<SampleJson>(`${s.url}api/sample?epoch=0&index=${good}`);
  assert.equal(ok.body.error, undefined);
  assert.equal(ok.body.steps.length, 8);
  const batch = await json(`${s.url}api/batch?epoch=0&batch=${Math.floor(bad / 2)}`);
  assert.equal(batch.status, 422);
  assert.match(batch.body.error, /^batch \d of epoch 0 cannot be made: .*Boom: this case is corrupt/);
  assert.equal((await json(`${s.url}api/info`)).status, 200);
});

test('view: 2D classification samples: the image plane and the class names, in samples and batches', async (t) => {
  const m = demoMmar(t, 'classification');
  const s = await viewer(t, m);
  const p = trainingPipeline(m);
  t.after(() => p.close());
  const info = (await json<ViewInfo>(`${s.url}api/info`)).body;
  assert.equal(info.task, 'classification');
  const sample = (await json<SampleJson>(`${s.url}api/sample?epoch=0&index=2`)).body;
  const ref = await stepsOf(p, 0, 2);
  const label = ref.out.label as number;
  const last = sample.steps.at(-1)!;
  assert.equal(last.classes, `${label} class ${label}`);
  assert.deepEqual(last.fields.label, { kind: 'value', text: String(label) });
  const image = last.fields.image as { planes: { view: string }[]; spatial: number[] };
  assert.deepEqual(image.planes.map((x) => x.view), ['image']);
  assert.deepEqual(image.spatial, [48, 48]);
  assert.deepEqual(sample.steps.map((x) => x.name), ['LoadPng', 'ScaleIntensityRange', 'RandomRotate2D', 'ScaleIntensityOscillation']);
  assert.ok(typeof (sample.steps[2].draws as { degrees: number }).degrees === 'number');

  const it = p.epoch(0)[Symbol.asyncIterator]();
  const b0 = (await it.next()).value as Batch;
  await it.return?.();
  const bv = (await json<BatchJson>(`${s.url}api/batch?epoch=0&batch=0`)).body;
  assert.equal(bv.rows.length, 8);
  bv.rows.forEach((row, k) => {
    const onehot = Array.from(b0.fields.label.data.subarray(k * 3, k * 3 + 3));
    const cls = onehot.indexOf(1);
    assert.equal(row.caption, `${cls} class ${cls}`, `row ${k}`);
  });
});

test('view --section validate: the validation pipeline (whole volumes, no crop), its own items', async (t) => {
  const m = demoMmar(t);
  const s = await viewer(t, m, 'validate');
  const info = (await json<ViewInfo>(`${s.url}api/info`)).body;
  assert.equal(info.section, 'validate');
  assert.equal(info.items.length, 1);
  const sample = (await json<SampleJson>(`${s.url}api/sample?epoch=0&index=0`)).body;
  assert.deepEqual(sample.steps.map((x) => x.name), ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange']);
  assert.ok(sample.steps.every((x) => x.crop === undefined && !x.random));
  assert.match(sample.source, /spleen_5\.nii\.gz$/);
});

test('view --host: on a non-loopback address the Host guard is off (other machines name it as they reach it); the server says it is not loopback', async (t) => {
  const m = demoMmar(t);
  const config = loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  const s = await startViewServer({ config, spec: config.train!, host: '0.0.0.0', port: 0 });
  t.after(() => s.close());
  assert.equal(s.loopback, false);
  assert.equal(s.url, `http://0.0.0.0:${s.port}/`);
  const r = await raw(`http://127.0.0.1:${s.port}/`, '/api/info', { host: `viewer.lan:${s.port}` });
  assert.equal(r.status, 200);
  assert.equal((await viewer(t, m)).loopback, true);
});

test('view of an evaluation config (config_validation.json): its one data pipeline, as the evaluator reads it', async (t) => {
  const m = demoMmar(t);
  const config = loadConfig({ config: m.validationConfig, mmar: m.root, registry: createDefaultRegistry() });
  assert.ok(config.evaluation && config.validate);
  const s = await startViewServer({ config, spec: config.validate, port: 0 });
  t.after(() => s.close());
  const info = (await json<ViewInfo>(`${s.url}api/info`)).body;
  assert.equal(info.section, 'validate');
  const sample = await json<SampleJson>(`${s.url}api/sample?epoch=0&index=0`);
  assert.equal(sample.status, 200);
  assert.equal(sample.body.error, undefined);
  assert.equal(sample.body.steps[0].name, 'LoadNifti');
  assert.equal((sample.body.steps.at(-1)!.fields.image as { kind: string }).kind, 'image');
});
