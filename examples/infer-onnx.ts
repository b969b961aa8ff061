/**
 * Runs an ONNX model over validation batches with ONNX Runtime for Node:
 * the validate section of a Clara config (whole volumes, the deterministic
 * chain), batches turned into `ort.Tensor`s by `toOrtTensors`, and the
 * Dice of the model's mask against the label, per volume.
 *
 *     npm run example:onnx                               # demo MMAR in a temp folder, built-in threshold model
 *     npm run example:onnx -- --mmar DIR                 # an MMAR made by `npx voxelpipe demo --out DIR`
 *     npm run example:onnx -- --mmar DIR --model net.onnx --input input_1 --output output_1
 *
 * Without --model it builds a tiny ONNX graph in memory (threshold-onnx.ts:
 * mask = lo < image < hi), which finds the synthetic spleen; your model's
 * input and output names go in --input / --output.
 *
 * Needs onnxruntime-node (`ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node`).
 * In your own project, import from 'voxelpipe' and 'voxelpipe/onnx'.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { createDefaultRegistry } from '../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../src/pipeline/index.js';
import { loadOrt, toOrtTensors } from '../src/adapters/onnx.js';
import { DEMO_SIZES, writeDemoMmar } from '../src/synthetic/mmar.js';
import { thresholdModel } from './threshold-onnx.js';

/** The part of onnxruntime-node this example uses. */
interface OrtSession {
  run(feeds: object): Promise<Record<string, { data: ArrayLike<number>; dims: readonly number[] }>>;
  release(): Promise<void>;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array | string): Promise<OrtSession> };
}

export interface InferOptions {
  mmar?: string;
  /** An .onnx file (default: the built-in threshold model). */
  model?: string;
  /** The model's input and output names (default: image, mask). */
  input?: string;
  output?: string;
  size?: 'full' | 'small';
  /** Worker threads of the pipeline (default 1: reading the next volume while the model runs). */
  workers?: number;
  log?: (line: string) => void;
}

export interface VolumeResult {
  source: string;
  shape: number[];
  dice: number;
  ms: number;
}

/** Dice of a 0/1 prediction (threshold 0.5) against a 0/1 label. */
export function dice(pred: ArrayLike<number>, label: ArrayLike<number>): number {
  let inter = 0;
  let p = 0;
  let l = 0;
  for (let i = 0; i < label.length; i++) {
    const a = pred[i] > 0.5 ? 1 : 0;
    const b = label[i] > 0.5 ? 1 : 0;
    inter += a & b;
    p += a;
    l += b;
  }
  return p + l === 0 ? 1 : (2 * inter) / (p + l);
}

export async function inferOnnx(o: InferOptions = {}): Promise<VolumeResult[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  loadOrt(); // a clear message if onnxruntime-node is missing
  const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
  const root = o.mmar ?? writeDemoMmar(mkdtempSync(join(tmpdir(), 'voxelpipe-onnx-')), 'segmentation', DEMO_SIZES[o.size ?? 'full']).root;
  const config = loadConfig({ config: join(root, 'config', 'config_train.json'), mmar: root, registry: createDefaultRegistry() });
  if (!config.validate) throw new Error(`${config.configFile} has no validate section`);
  // Whole volumes, one per batch, in datalist order.
  const pipeline = createPipeline(pipelineOptionsFromSpec(config, config.validate, { workers: o.workers ?? 1 }));
  // The demo's window: ScaleIntensityRange maps -57..164 HU to 0..1; the spleen (110 HU) is at 0.76.
  const model = o.model ? readFileSync(o.model) : thresholdModel(0.65, 0.9);
  const session = await ort.InferenceSession.create(model);
  const input = o.input ?? 'image';
  const output = o.output ?? 'mask';
  log(`data: ${root}`);
  log(`pipeline: ${pipeline.describe()}`);
  log(`model: ${o.model ?? 'built-in threshold model (0.65 < image < 0.9)'}, inputs ${session.inputNames.join(', ')}, outputs ${session.outputNames.join(', ')}`);
  const results: VolumeResult[] = [];
  try {
    for await (const batch of pipeline.epoch(0)) {
      const t = performance.now();
      // Only the image goes in, under the model's input name; the tensor shares the batch's memory.
      const feeds = toOrtTensors(batch, { fields: ['image'], names: { image: input } });
      const out = await session.run(feeds);
      const mask = out[output];
      if (!mask) throw new Error(`the model has no output "${output}" (outputs: ${session.outputNames.join(', ')}); pass --output`);
      const r = { source: batch.rows[0]?.source ?? `batch ${batch.index}`, shape: batch.fields.image.shape, dice: dice(mask.data, batch.fields.label.data), ms: performance.now() - t };
      results.push(r);
      log(`${basename(r.source).padEnd(22)} [${r.shape.join(', ')}]  dice ${r.dice.toFixed(3)}  (${r.ms.toFixed(0)} ms)`);
    }
  } finally {
    await session.release();
    await pipeline.close();
  }
  const mean = results.reduce((a, r) => a + r.dice, 0) / Math.max(1, results.length);
  log(`mean dice ${mean.toFixed(3)} over ${results.length} validation volume${results.length === 1 ? '' : 's'}`);
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { mmar: { type: 'string' }, model: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' } } });
  inferOnnx(values).catch((e: unknown) => {
    console.error(`infer-onnx: ${(e as Error)?.message ?? String(e)}`);
    process.exitCode = 1;
  });
}
