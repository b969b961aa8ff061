import { readFileSync } from 'node:fs';
import { loadOrt, type OrtTensor } from '../adapters/onnx.js';
import { defaultLoader, type ModuleLoader } from '../adapters/load.js';
import { VoxelpipeError, fromFsError } from '../util/errors.js';
import type { ModelAnswer, ModelRun } from './sliding-window.js';

/**
 * A segmentation (or classification) network in an .onnx file, run with
 * onnxruntime-node (the optional peer the ONNX adapter uses): one image
 * input `[n, C, ...spatial]`, one output. What the file declares about its
 * input and output shapes is checked against each run before it happens,
 * so a model that cannot take the windows fails with the shapes named.
 */

/** The parts of onnxruntime-node's InferenceSession used here (structural: no compile-time dependency). */
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtRuntime {
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
}

export interface OnnxModelOptions {
  /** Input to feed (default: the model's only input). */
  input?: string;
  /** Output to read (default: the model's first output). */
  output?: string;
  /** How to load onnxruntime-node (tests substitute it). */
  load?: ModuleLoader;
  /** ONNX Runtime intra-op threads (default: its own choice). */
  threads?: number;
}

export interface OnnxModel {
  /** The file (or "model bytes"), for messages. */
  readonly source: string;
  readonly inputName: string;
  readonly outputName: string;
  /** Declared shapes: numbers for fixed axes, strings (or -1) for free ones; empty when not declared. */
  readonly inputShape: readonly (number | string)[];
  readonly outputShape: readonly (number | string)[];
  /**
   * Throws a one-line ERR_SHAPE_MISMATCH when the declared input or output
   * cannot take `dims` (`[n, C, ...window]`): a segmentation answers a map
   * of the window's shape, a classification `[n, K]` scores.
   */
  check(dims: readonly number[], answer?: 'map' | 'scores'): void;
  run(input: ModelRun): Promise<ModelAnswer>;
  describe(): string;
  close(): Promise<void>;
}

const fixed = (d: number | string): d is number => typeof d === 'number' && d > 0;
const show = (shape: readonly (number | string)[]) => `[${shape.map((d) => (fixed(d) ? d : typeof d === 'string' && d ? d : '?')).join(', ')}]`;

/** Opens an .onnx file (or its bytes) with onnxruntime-node; a missing runtime says how to install it. */
export async function openOnnxModel(model: string | Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  const ort = loadOrt(options.load ?? defaultLoader) as unknown as OrtRuntime;
  const source = typeof model === 'string' ? model : 'the model bytes';
  let bytes: Uint8Array;
  try {
    bytes = typeof model === 'string' ? readFileSync(model) : model;
  } catch (e) {
    throw fromFsError(e, source, 'read');
  }
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(bytes, options.threads ? { intraOpNumThreads: options.threads } : {});
  } catch (e) {
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${source}: ONNX Runtime cannot load this model: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { cause: e });
  }
  const pick = (names: readonly string[], want: string | undefined, what: 'input' | 'output') => {
    if (want !== undefined) {
      if (!names.includes(want)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${source}: the model has no ${what} "${want}" (${what}s: ${names.join(', ') || 'none'})`);
      return want;
    }
    if (what === 'input' && names.length !== 1)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${source}: the model has ${names.length} inputs (${names.join(', ')}); name the image input (--model-input)`);
    return names[0];
  };
  const inputName = pick(session.inputNames, options.input, 'input');
  const outputName = pick(session.outputNames, options.output, 'output');
  const meta = (list: readonly OrtValueMetadata[] | undefined, name: string) => list?.find((m) => m.name === name);
  const inMeta = meta(session.inputMetadata, inputName);
  const outMeta = meta(session.outputMetadata, outputName);
  if (inMeta?.isTensor && inMeta.type && inMeta.type !== 'float32')
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${source}: input "${inputName}" takes ${inMeta.type} tensors; voxelpipe feeds float32 images`);
  const inputShape = inMeta?.shape ? [...inMeta.shape] : [];
  const outputShape = outMeta?.shape ? [...outMeta.shape] : [];

  function check(dims: readonly number[], answer: 'map' | 'scores' = 'map'): void {
    const what = `[${dims.join(', ')}] (batch, ${dims[1]} image channel${dims[1] === 1 ? '' : 's'}, window ${dims.slice(2).join('x')})`;
    if (inputShape.length > 0) {
      if (inputShape.length !== dims.length)
        throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `model input "${inputName}" is ${show(inputShape)} (rank ${inputShape.length}), the windows are ${what}`);
      const axis = inputShape.findIndex((d, i) => fixed(d) && d !== dims[i]);
      if (axis >= 0)
        throw new VoxelpipeError(
          'ERR_SHAPE_MISMATCH',
          `model input "${inputName}" is ${show(inputShape)}, the windows are ${what}: ${axis === 0 ? 'its batch axis is fixed (set the inferer\'s batch_size to match)' : axis === 1 ? 'it takes another channel count' : 'roi_size does not fit its spatial axes'}`,
        );
    }
    if (outputShape.length > 0 && answer === 'scores') {
      if (outputShape.length !== 2) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `model output "${outputName}" is ${show(outputShape)}; a classifier answers [batch, classes]`);
    } else if (outputShape.length > 0) {
      if (outputShape.length !== dims.length)
        throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `model output "${outputName}" is ${show(outputShape)} (rank ${outputShape.length}); a segmentation of ${what} needs rank ${dims.length}`);
      const axis = outputShape.findIndex((d, i) => i !== 1 && fixed(d) && d !== dims[i]);
      if (axis >= 0)
        throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `model output "${outputName}" is ${show(outputShape)}, the windows are ${what}: its ${axis === 0 ? 'batch' : 'spatial'} axes differ from the window's`);
    }
  }

  async function run(input: ModelRun): Promise<ModelAnswer> {
    const feeds = { [inputName]: new ort.Tensor('float32', input.data, input.dims) };
    let out: Record<string, OrtTensor>;
    try {
      out = await session.run(feeds);
    } catch (e) {
      throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `model run on [${input.dims.join(', ')}] failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { cause: e });
    }
    const t = out[outputName];
    return { data: t.data as ModelAnswer['data'], dims: t.dims };
  }

  return {
    source,
    inputName,
    outputName,
    inputShape,
    outputShape,
    check,
    run,
    describe: () => `${source}: input ${inputName} ${inputShape.length ? show(inputShape) : '(shape not declared)'}, output ${outputName} ${outputShape.length ? show(outputShape) : '(shape not declared)'}`,
    close: () => session.release(),
  };
}
