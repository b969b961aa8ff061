/**
 * Trains a small 3D U-Net with TensorFlow.js on voxelpipe batches: the demo's
 * synthetic spleen MMAR, Clara's spleen chain (Smart Cache, worker threads),
 * fed to `model.fitDataset` through `asTfDataset`.
 *
 *     npm run example:train                        # makes the demo MMAR in a temp folder
 *     npm run example:train -- --mmar DIR          # an MMAR made by `npx voxelpipe demo --out DIR`
 *     npm run example:train -- --steps 60 --crop 32 --filters 8
 *
 * TensorFlow.js's pure-JavaScript CPU backend is slow for 3D convolutions,
 * so the net is small (8-16-32 filters) and the crops are 32^3 by default;
 * with @tensorflow/tfjs-node (native) you can use real sizes.
 *
 * Needs @tensorflow/tfjs, or its parts @tensorflow/tfjs-core +
 * tfjs-backend-cpu + tfjs-data + tfjs-layers (scripts/install-optional.sh).
 *
 * In your own project, import from 'voxelpipe', 'voxelpipe/tfjs'; this file
 * imports the sources so it runs from a clone without a build.
 */
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { createDefaultRegistry } from '../src/transforms/catalogue.js';
import { createPipeline, pipelineOptionsFromSpec } from '../src/pipeline/index.js';
import { asTfDataset, loadTfjs, toTensors } from '../src/adapters/tfjs.js';
import type { Batch } from '../src/pipeline/batch.js';
import { DEMO_SIZES, writeDemoMmar } from '../src/synthetic/mmar.js';

// The slice of the TensorFlow.js API this example uses (typed here so the
// project type-checks without tfjs installed).
interface Tensor {
  dispose(): void;
  dataSync(): ArrayLike<number>;
}
type Op1 = (a: Tensor) => Tensor;
type Op2 = (a: Tensor, b: Tensor) => Tensor;
interface TfOps {
  sum: (a: Tensor, axis?: number[]) => Tensor;
  mean: Op1;
  mul: Op2;
  add: Op2;
  sub: Op2;
  div: Op2;
  scalar: (v: number) => Tensor;
  greater: Op2;
  cast: (a: Tensor, dtype: string) => Tensor;
  reshape: (a: Tensor, shape: number[]) => Tensor;
  tile: (a: Tensor, reps: number[]) => Tensor;
  train: { adam: (lr: number) => { dispose(): void } };
  setBackend?: (name: string) => Promise<boolean>;
}
interface Layer {
  apply(x: unknown): unknown;
}
/** The base class of tfjs layers (`tf.layers.Layer`), as far as a subclass needs it. */
type LayerBase = new (args?: object) => object;
interface TfLayers {
  input(c: { shape: number[] }): unknown;
  model(c: { inputs: unknown; outputs: unknown }): TfModel;
  layers: {
    conv3d(c: object): Layer;
    maxPooling3d(c: object): Layer;
    concatenate(c?: object): Layer;
    Layer: LayerBase;
  };
  initializers: { heNormal(c: { seed: number }): unknown; glorotUniform(c: { seed: number }): unknown };
}
interface TfModel {
  compile(c: { optimizer: unknown; loss: Op2; metrics: Op2[] }): void;
  fitDataset(ds: unknown, c: { epochs: number; batchesPerEpoch: number; verbose: number; callbacks: { onBatchEnd: (batch: number, logs?: Record<string, number>) => void } }): Promise<unknown>;
  evaluate(x: unknown, y: unknown): Tensor | Tensor[];
  countParams(): number;
  dispose(): void;
}

export interface TrainOptions {
  /** MMAR made by `voxelpipe demo` (default: make one in a temp folder). */
  mmar?: string;
  steps?: number;
  /** Crop side (the chain's FastCropByPosNegRatio size and output_crop_size). */
  crop?: number;
  /** Filters of the first level (doubled at each of the two levels below). */
  filters?: number;
  /** Crops per batch (the crop's batch_size; one volume per batch). */
  batch?: number;
  learningRate?: number;
  workers?: number;
  log?: (line: string) => void;
}

export interface TrainResult {
  losses: number[];
  dice: number[];
  /** Loss and Dice on one fixed batch (epoch 0's first) before and after training: free of batch-to-batch noise. */
  before: { loss: number; dice: number };
  after: { loss: number; dice: number };
  params: number;
  ms: number;
}

const requireHere = createRequire(import.meta.url);

/** TensorFlow.js: the full package, or core (from the adapter) + tfjs-layers. */
function loadTf(): { ops: TfOps; layers: TfLayers } {
  const tf = loadTfjs();
  if (tf.source === '@tensorflow/tfjs') return { ops: tf.core as unknown as TfOps, layers: tf.core as unknown as TfLayers };
  return { ops: tf.core as unknown as TfOps, layers: requireHere('@tensorflow/tfjs-layers') as TfLayers };
}

/**
 * Nearest-neighbour x2 upsampling of [B, X, Y, Z, C] (tfjs has no
 * UpSampling3D, and conv3dTranspose has no gradient on the CPU backend):
 * one axis at a time, as [N, n, 1, rest] tiled to [N, n, 2, rest] (tile's
 * gradient exists up to rank 4).
 */
function upSampling3d(tf: TfLayers, ops: TfOps): Layer {
  class UpSampling3D extends tf.layers.Layer {
    static className = 'UpSampling3D';
    computeOutputShape(s: number[]): number[] {
      return [s[0], s[1] * 2, s[2] * 2, s[3] * 2, s[4]];
    }
    call(inputs: Tensor | Tensor[]): Tensor {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor & { shape: number[] };
      const [, X, Y, Z, C] = x.shape;
      const twice = (t: Tensor, n: number, rest: number) => ops.tile(ops.reshape(t, [-1, n, 1, rest]), [1, 1, 2, 1]);
      const a = twice(x, X, Y * Z * C);
      const b = twice(a, Y, Z * C);
      const c = twice(b, Z, C);
      return ops.reshape(c, [-1, 2 * X, 2 * Y, 2 * Z, C]);
    }
  }
  return new UpSampling3D() as unknown as Layer;
}

/**
 * A 3D U-Net of two levels: (conv, conv, pool) x 2, a bottleneck, and
 * (upsampling + conv, skip concatenation, conv) x 2, sigmoid output.
 * Channels last: [B, X, Y, Z, 1] (TensorFlow.js 3D convolutions are channels-last).
 */
export function unet3d(tf: TfLayers, ops: TfOps, crop: number, f: number, seed = 1): TfModel {
  let s = seed;
  const conv = (filters: number, kernel = 3, activation = 'relu') =>
    tf.layers.conv3d({ filters, kernelSize: kernel, padding: 'same', activation, kernelInitializer: tf.initializers.heNormal({ seed: s++ }) });
  const up = (filters: number): Layer => ({ apply: (x) => conv(filters, 2).apply(upSampling3d(tf, ops).apply(x)) });
  const pool = () => tf.layers.maxPooling3d({ poolSize: 2 });
  const input = tf.input({ shape: [crop, crop, crop, 1] });
  const e1 = conv(f).apply(conv(f).apply(input));
  const e2 = conv(2 * f).apply(conv(2 * f).apply(pool().apply(e1)));
  const b = conv(4 * f).apply(pool().apply(e2));
  const d2 = conv(2 * f).apply(tf.layers.concatenate().apply([up(2 * f).apply(b), e2]));
  const d1 = conv(f).apply(tf.layers.concatenate().apply([up(f).apply(d2), e1]));
  const out = tf.layers
    .conv3d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }) })
    .apply(d1);
  return tf.model({ inputs: input, outputs: out });
}

/**
 * Soft Dice loss, 1 - (2|y.p| + 1) / (|y| + |p| + 1) over the batch: it
 * does not reward predicting background everywhere, as voxel-wise
 * cross-entropy does on crops that are mostly background.
 */
function diceLoss(tf: TfOps): Op2 {
  return (yTrue, yPred) => {
    const inter = tf.sum(tf.mul(yTrue, yPred));
    const denom = tf.add(tf.sum(yTrue), tf.sum(yPred));
    const dice = tf.div(tf.add(tf.mul(tf.scalar(2), inter), tf.scalar(1)), tf.add(denom, tf.scalar(1)));
    return tf.sub(tf.scalar(1), dice);
  };
}

/** Dice of the thresholded prediction (0.5) over the batch: the number segmentation papers report. */
function hardDice(tf: TfOps): Op2 {
  const fn: Op2 = (yTrue, yPred) => {
    const p = tf.cast(tf.greater(yPred, tf.scalar(0.5)), 'float32');
    const inter = tf.sum(tf.mul(yTrue, p));
    return tf.div(tf.add(tf.mul(tf.scalar(2), inter), tf.scalar(1e-6)), tf.add(tf.add(tf.sum(yTrue), tf.sum(p)), tf.scalar(1e-6)));
  };
  Object.defineProperty(fn, 'name', { value: 'dice' });
  return fn;
}

export async function trainUnet(o: TrainOptions = {}): Promise<TrainResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const steps = o.steps ?? 40;
  const crop = o.crop ?? 24;
  const { ops, layers } = loadTf();
  await ops.setBackend?.('cpu');

  // Without an MMAR: the demo's data at 64 x 64 x 32-40 voxels, so that a 24^3
  // crop holds the organ and its surroundings (on the demo's 192^2 volumes a
  // crop that small is mostly spleen, and "everything is spleen" scores well).
  const root = o.mmar ?? writeDemoMmar(mkdtempSync(join(tmpdir(), 'voxelpipe-unet-')), 'segmentation', { ...DEMO_SIZES.small, train: 8, validation: 2, size: 64, slices: [32, 40] }).root;
  // The demo's Clara config, with crops sized for a CPU and the layout tfjs wants.
  const config = loadConfig({
    config: join(root, 'config', 'config_train.json'),
    mmar: root,
    registry: createDefaultRegistry(),
    set: [
      `train.pre_transforms.3.args.size=[${crop},${crop},${crop}]`,
      `train.image_pipeline.args.output_crop_size=[${crop},${crop},${crop}]`,
      'train.image_pipeline.args.output_data_format=channels_last',
      // One volume per batch, `batch` crops from it, mostly centred on the spleen (pos:neg 3:1) so few steps see enough of it.
      `train.pre_transforms.3.args.batch_size=${o.batch ?? 2}`,
      'train.pre_transforms.3.args.pos=3',
      'train.image_pipeline.args.output_batch_size=1',
    ],
  });
  const pipeline = createPipeline(pipelineOptionsFromSpec(config, config.train!, { workers: o.workers ?? 2 }));
  log(`data: ${root}`);
  log(`pipeline: ${pipeline.describe()}`);

  const model = unet3d(layers, ops, crop, o.filters ?? 4);
  // The model does not own an optimizer object passed in: dispose it (its moment tensors) at the end.
  const optimizer = ops.train.adam(o.learningRate ?? 1e-2);
  model.compile({ optimizer, loss: diceLoss(ops), metrics: [hardDice(ops)] });
  log(`model: 3D U-Net, ${model.countParams()} parameters, input [B, ${crop}, ${crop}, ${crop}, 1]`);

  const losses: number[] = [];
  const dice: number[] = [];
  let fixed: Batch | undefined;
  for await (const b of pipeline.epoch(0)) {
    fixed = b;
    break;
  }
  const evaluate = () => {
    const t = toTensors<Tensor>(fixed!, { fields: ['image', 'label'] });
    const r = model.evaluate(t.image, t.label) as Tensor[];
    const [loss, d] = r.map((x) => x.dataSync()[0]);
    for (const x of [...r, t.image, t.label]) x.dispose();
    return { loss, dice: d };
  };
  const before = evaluate();
  log(`fixed batch before training: loss ${before.loss.toFixed(4)}, dice ${before.dice.toFixed(3)}`);
  const t0 = performance.now();
  let after = before;
  let params = 0;
  try {
    // An endless dataset (each pass is the pipeline's next epoch); fitDataset takes `steps` batches.
    const ds = asTfDataset(pipeline, { epochs: Infinity });
    await model.fitDataset(ds, {
      epochs: 1,
      batchesPerEpoch: steps,
      verbose: 0,
      callbacks: {
        onBatchEnd: (batch, logs) => {
          losses.push(logs?.loss ?? NaN);
          dice.push(logs?.dice ?? NaN);
          log(`step ${String(batch + 1).padStart(3)}/${steps}  loss ${(logs?.loss ?? NaN).toFixed(4)}  dice ${(logs?.dice ?? NaN).toFixed(3)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        },
      },
    });
    after = evaluate();
    log(`fixed batch after training:  loss ${after.loss.toFixed(4)}, dice ${after.dice.toFixed(3)}`);
  } finally {
    params = model.countParams();
    model.dispose();
    optimizer.dispose();
    await pipeline.close();
  }
  const ms = performance.now() - t0;
  const k = Math.max(1, Math.floor(steps / 5));
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  log(`loss ${avg(losses.slice(0, k)).toFixed(4)} -> ${avg(losses.slice(-k)).toFixed(4)} (mean of the first and last ${k} steps), dice ${avg(dice.slice(-k)).toFixed(3)}, ${(ms / 1000).toFixed(1)} s`);
  return { losses, dice, before, after, params, ms };
}

// Run as a script (not when imported by the test).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      mmar: { type: 'string' },
      steps: { type: 'string' },
      crop: { type: 'string' },
      filters: { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  trainUnet({ mmar: values.mmar, steps: num(values.steps), crop: num(values.crop), filters: num(values.filters), batch: num(values.batch), workers: num(values.workers) }).catch((e: unknown) => {
    console.error(`train-unet-tfjs: ${(e as Error)?.message ?? String(e)}`);
    process.exitCode = 1;
  });
}
