import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { DEMO_SIZES, writeDemoMmar } from '../../src/synthetic/mmar.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../../src/pipeline/index.js';
import { batchRowImage, decodePng, renderPreview } from '../../src/preview/index.js';
import { isChainImage } from '../../src/transforms/image.js';
import { tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('preview --epoch E --index I draws exactly the rows epoch E batched at position I (Smart Cache window of epoch 1)', async (t) => {
  const dir = tempDir(t);
  const mmar = writeDemoMmar(join(dir, 'mmar'), 'segmentation', DEMO_SIZES.small);
  const out = join(dir, 'previews');
  const r = await cli('preview', '--config', mmar.config, '--mmar', mmar.root, '--out', out, '--epoch', '1', '--index', '2', '--crops', '2', '--seed', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const { files } = JSON.parse(r.out) as { files: { file: string; crop: number; item: number; index: number }[] };
  assert.deepEqual(files.map((f) => basename(f.file)), ['epoch1-sample2-crop0.png', 'epoch1-sample2-crop1.png']);

  // The same config as a training run would see it, with workers: the batch rows of position 2 in epoch 1.
  const config = loadConfig({ config: mmar.config, mmar: mmar.root, registry: createDefaultRegistry() });
  const p = createPipeline(pipelineOptionsFromSpec(config, config.train!, { seed: 5, workers: 1 }));
  try {
    let checked = 0;
    let spleen = 0;
    for await (const _ of p.epoch(0)); // epoch 1's window follows epoch 0's
    const ref = await p.sample(1, 2); // for the affine and spacing only: a batch row has none
    assert.ok(isChainImage(ref.image));
    const refImage = ref.image;
    for await (const batch of p.epoch(1)) {
      batch.rows.forEach((row, r) => {
        if (row.position !== 2) return;
        const f = files[row.crop];
        assert.equal(f.item, row.item);
        const geom = { affine: refImage.affine, spacing: refImage.spacing, meta: refImage.meta };
        const image = { ...batchRowImage(batch.fields.image, r), ...geom };
        const label = { ...batchRowImage(batch.fields.label, r), ...geom };
        const want = renderPreview(image, label, { labels: { '0': 'background', '1': 'spleen' }, title: 'same layout' });
        const got = decodePng(readFileSync(f.file));
        assert.deepEqual([got.width, got.height], [want.width, want.height]);
        // Every panel pixel (image and label overlay) is the batch row's; only the caption differs (it names the crop).
        for (const pn of want.panels)
          for (let y = pn.y; y < pn.y + pn.height; y++) {
            const a = (y * want.width + pn.x) * 4;
            const b = a + pn.width * 4;
            assert.ok(Buffer.from(got.rgba.subarray(a, b)).equals(Buffer.from(want.rgba.subarray(a, b))), `crop ${row.crop}, ${pn.view} panel, row ${y}`);
          }
        if (want.labelValues.includes(1)) spleen++;
        checked++;
      });
    }
    assert.equal(checked, 2);
    assert.ok(spleen >= 1, 'pos:neg 1:1 - a crop shows the spleen');
  } finally {
    await p.close();
  }
});

test('preview: --count N draws the first N samples; 2D classification images are drawn whole', async (t) => {
  const dir = tempDir(t);
  const mmar = writeDemoMmar(join(dir, 'mmar'), 'classification', DEMO_SIZES.small);
  const out = join(dir, 'png');
  const r = await cli('preview', '--config', mmar.config, '--mmar', mmar.root, '--out', out, '--count', '2', '--window', '0,1');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\/.*\/epoch0-sample0\.png {2}\(\d+x\d+, item \d+: .*\/data\/train\/class\d_\d+\.png\)$/);
  const png = decodePng(readFileSync(join(out, 'epoch0-sample1.png')));
  assert.ok(png.width > 64 && png.height > 64);
});

test('preview: an index past the epoch and a bad window are one-line errors', async (t) => {
  const dir = tempDir(t);
  const mmar = writeDemoMmar(join(dir, 'mmar'), 'segmentation', DEMO_SIZES.small);
  const r = await cli('preview', '--config', mmar.config, '--mmar', mmar.root, '--out', join(dir, 'p'), '--index', '7');
  assert.equal(r.code, 1);
  assert.equal(r.err.split('\n').at(-2), 'voxelpipe: pipeline: sample 7 of epoch 0 does not exist (the epoch has 4: 0..3)');
  const w = await cli('preview', '--config', mmar.config, '--out', join(dir, 'p'), '--window', '1,0');
  assert.notEqual(w.code, 0);
  assert.match(w.err, /option '--window <lo,hi>' argument '1,0' is invalid\. expected LO,HI with LO < HI/);
});
