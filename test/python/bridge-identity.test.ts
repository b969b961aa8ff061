import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDemoMmar, DEMO_SIZES } from '../../src/synthetic/mmar.js';
import { openPipeline } from '../../src/cli/common.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { ROOT, tempDir } from '../helpers.js';
import { findPython } from './helpers.js';

// Issue 17.3: for a seed, the batches Python receives are the bytes of
// `pipeline.epoch(e)` in Node, over several epochs, with 0 and 2 workers,
// Smart Cache on and off.
const { python, reason } = findPython();
if (!python) console.log(`# bridge identity test skipped: ${reason}`);

const EPOCHS = 3;

/** One line per batch: epoch, index, each field's dtype, shape and sha256, the rows. */
function nodeDigest(b: Batch): string {
  const fields = Object.keys(b.fields).sort().map((name) => {
    const f = b.fields[name];
    const bytes = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    return `${name}:${f.dtype}:${f.shape.join('x')}:${createHash('sha256').update(bytes).digest('hex')}`;
  });
  return `${b.epoch}/${b.index} ${fields.join(' ')} ${b.rows.map((r) => `${r.position}.${r.item}.${r.crop}`).join(',')}`;
}

const PY = `
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from voxelpipe import Pipeline
out = {}
for case in json.loads(sys.argv[2]):
    with Pipeline(case["config"], mmar=case["mmar"], seed=case["seed"], workers=case["workers"]) as p:
        lines = []
        for e in range(case["epochs"]):
            for b in p.epoch(e):
                fields = " ".join(f"{k}:{v.dtype}:{'x'.join(map(str, v.shape))}:{hashlib.sha256(v.tobytes()).hexdigest()}" for k, v in sorted(b.items()) if k != "rows")
                rows = ",".join(f"{r['position']}.{r['item']}.{r['crop']}" for r in b.rows)
                lines.append(f"{b.epoch}/{b.index} {fields} {rows}")
        out[case["name"]] = lines
print(json.dumps(out))
`;

test('Python receives the bytes of pipeline.epoch(e): 3 epochs, 0 and 2 workers, Smart Cache on and off', { skip: python ? false : reason }, async (t) => {
  const mmar = writeDemoMmar(join(tempDir(t), 'mmar'), 'segmentation', DEMO_SIZES.small);
  const cfg = JSON.parse(readFileSync(mmar.config, 'utf8'));
  const ip = cfg.train.image_pipeline;
  ip.name = 'SegmentationImagePipeline';
  delete ip.args.num_cache_objects;
  delete ip.args.replace_percent;
  const noCache = join(mmar.root, 'config', 'config_nocache.json');
  writeFileSync(noCache, JSON.stringify(cfg));
  const cases = [
    { name: 'smart-cache, 0 workers', config: mmar.config, workers: 0, seed: 0 },
    { name: 'smart-cache, 2 workers', config: mmar.config, workers: 2, seed: 0 },
    { name: 'no cache, 0 workers', config: noCache, workers: 0, seed: 3 },
    { name: 'no cache, 2 workers', config: noCache, workers: 2, seed: 3 },
  ].map((c) => ({ ...c, mmar: mmar.root, epochs: EPOCHS }));

  const io = { out: () => {}, err: () => {} };
  const expected: Record<string, string[]> = {};
  for (const c of cases) {
    const { pipeline } = openPipeline({ config: c.config, mmar: c.mmar, section: 'train', seed: c.seed }, io, { workers: c.workers }, true);
    try {
      const lines: string[] = [];
      for (let e = 0; e < EPOCHS; e++) for await (const b of pipeline.epoch(e)) lines.push(nodeDigest(b));
      expected[c.name] = lines;
    } finally {
      await pipeline.close();
    }
  }
  // The Smart Cache window changes from epoch to epoch, and the seeds differ: the cases are not trivially alike.
  assert.notDeepEqual(expected['smart-cache, 0 workers'], expected['no cache, 0 workers']);
  assert.deepEqual(expected['smart-cache, 0 workers'], expected['smart-cache, 2 workers'], 'Node itself: same bytes whatever the worker count');

  const r = spawnSync(python!, ['-c', PY, join(ROOT, 'python'), JSON.stringify(cases)], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string[]>;
  for (const c of cases) {
    assert.ok(expected[c.name].length >= EPOCHS * 2, `${c.name}: ${expected[c.name].length} batches`);
    assert.deepEqual(got[c.name], expected[c.name], c.name);
  }
});
