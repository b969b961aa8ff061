/**
 * voxelpipe/tfjs: batches as TensorFlow.js tensors, and a pipeline as a
 * `tf.data.Dataset` for `model.fitDataset`.
 *
 * TensorFlow.js is an optional peer dependency. The adapter uses
 * `@tensorflow/tfjs` when it is installed, and otherwise its parts
 * `@tensorflow/tfjs-core` + `@tensorflow/tfjs-backend-cpu` +
 * `@tensorflow/tfjs-data` (about a third of the install size). Types here are
 * structural (no compile-time dependency on tfjs): the objects returned are
 * real `tf.Tensor`s and `tf.data.Dataset`s; cast them to tfjs's types if you
 * use those.
 */
import { VoxelpipeError } from '../util/errors.js';
import type { Batch, BatchField } from '../pipeline/batch.js';
import type { EpochOptions } from '../pipeline/engine.js';
import { defaultLoader, tryLoad, type ModuleLoader } from './load.js';

/** The part of `tf.Tensor` the adapter relies on. */
export interface TfTensor {
  readonly shape: number[];
  readonly dtype: string;
  readonly isDisposed: boolean;
  dispose(): void;
}

export type TfDType = 'float32' | 'int32';

/** The part of `@tensorflow/tfjs-core` the adapter relies on. */
export interface TfCore {
  tensor(values: Float32Array | Int32Array, shape: number[], dtype: TfDType): TfTensor;
  memory(): { numTensors: number; numBytes: number };
  getBackend(): string;
}

/** The part of `tf.data.Dataset` the adapter relies on. */
export interface TfDataset<T> {
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/** The part of `@tensorflow/tfjs-data` (`tf.data`) the adapter relies on. */
export interface TfData {
  generator<T>(make: () => Iterator<T> | Promise<Iterator<T>> | AsyncIterator<T>): TfDataset<T>;
}

/** A loaded TensorFlow.js: the core API, tf.data, and which package provided them. */
export interface Tfjs {
  core: TfCore;
  data: TfData;
  /** '@tensorflow/tfjs', or 'parts' (tfjs-core + tfjs-backend-cpu + tfjs-data). */
  source: '@tensorflow/tfjs' | 'parts';
}

const ADAPTER = 'voxelpipe/tfjs';
const INSTALL_HINT =
  'install it with "npm install @tensorflow/tfjs" (or the lighter "npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-data")';

/**
 * Loads TensorFlow.js: `@tensorflow/tfjs` if present, else its parts. A
 * missing package is a VoxelpipeError (ERR_MISSING_DEPENDENCY) saying what to install.
 */
export function loadTfjs(load: ModuleLoader = defaultLoader): Tfjs {
  const full = tryLoad(load, '@tensorflow/tfjs', ADAPTER) as (TfCore & { data: TfData }) | undefined;
  if (full) return { core: full, data: full.data, source: '@tensorflow/tfjs' };
  const core = tryLoad(load, '@tensorflow/tfjs-core', ADAPTER) as TfCore | undefined;
  // Importing the CPU backend registers it with tfjs-core (a side effect by design of tfjs).
  const cpu = core ? tryLoad(load, '@tensorflow/tfjs-backend-cpu', ADAPTER) : undefined;
  const data = cpu ? (tryLoad(load, '@tensorflow/tfjs-data', ADAPTER) as TfData | undefined) : undefined;
  if (!core || !cpu || !data) {
    const missing = !core ? '@tensorflow/tfjs-core' : !cpu ? '@tensorflow/tfjs-backend-cpu' : '@tensorflow/tfjs-data';
    throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `${ADAPTER} needs TensorFlow.js, which is not installed (no @tensorflow/tfjs, no ${missing}): ${INSTALL_HINT}`, {
      context: { missing },
    });
  }
  return { core, data, source: 'parts' };
}

export interface ToTensorsOptions {
  /** Fields to convert (default: every field of the batch). */
  fields?: string[];
}

/**
 * The tfjs dtype a batch field becomes: float32 stays float32, float64
 * becomes float32 (tfjs has no float64), integer types become int32 (tfjs's
 * only integer type).
 */
export function tfDTypeOf(field: BatchField): TfDType {
  return field.dtype === 'float32' || field.dtype === 'float64' ? 'float32' : 'int32';
}

/**
 * The values of `field` as an array tf.tensor takes without converting
 * again: always a copy of its own. tfjs keeps the array it is given, and a
 * batch's arrays are views of shared slots that take new rows once the batch
 * is released: the one copy a batch costs on its way to TF.js is this one.
 */
function tfValues(name: string, field: BatchField): Float32Array | Int32Array {
  const d = field.data;
  if (d instanceof Float32Array) return new Float32Array(d);
  if (d instanceof Int32Array) return new Int32Array(d);
  if (d instanceof Float64Array) return new Float32Array(d);
  if (d instanceof Uint32Array) {
    let max = 0;
    for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
    if (max > 0x7fffffff)
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${ADAPTER}: field "${name}" is uint32 with value ${max}, beyond int32 (tfjs's only integer type); convert it to float32 in the chain`);
  }
  return new Int32Array(d);
}

function checkField(name: string, field: BatchField | undefined, batch: Batch): BatchField {
  if (!field) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${ADAPTER}: batch ${batch.index} of epoch ${batch.epoch} has no field "${name}" (fields: ${Object.keys(batch.fields).join(', ') || 'none'})`);
  let n = 1;
  for (const s of field.shape) n *= s;
  if (n !== field.data.length)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${ADAPTER}: field "${name}" has ${field.data.length} values, its shape [${field.shape}] needs ${n}`);
  return field;
}

/** One tensor for `field`, with the batch's shape. */
function fieldTensor(tf: Tfjs, name: string, batch: Batch): TfTensor {
  const field = checkField(name, batch.fields[name], batch);
  return tf.core.tensor(tfValues(name, field), field.shape, tfDTypeOf(field));
}

/** Builds the adapter's functions on a given TensorFlow.js (tests and apps with their own tfjs instance). */
export function createTfjsAdapter(tf: Tfjs) {
  /**
   * One `tf.Tensor` per field, with the batch's shape (its configured layout,
   * e.g. [B, C, X, Y, Z]), each holding a copy of the field's values (so the
   * batch may be released at once). The caller owns the tensors: dispose them
   * (or create them inside `tf.tidy`).
   */
  function toTensors(batch: Batch, options: ToTensorsOptions = {}): Record<string, TfTensor> {
    const out: Record<string, TfTensor> = {};
    try {
      for (const name of options.fields ?? Object.keys(batch.fields)) out[name] = fieldTensor(tf, name, batch);
    } catch (e) {
      for (const t of Object.values(out)) t.dispose();
      throw e;
    }
    return out;
  }

  /**
   * The pipeline as a `tf.data.Dataset` of `{ xs, ys }` elements for
   * `model.fitDataset`. Only the xs and ys fields become tensors; fitDataset
   * disposes them after each step (iterating by hand, dispose them yourself).
   * Each pass over the dataset (each fitDataset epoch, when `batchesPerEpoch`
   * is not given) continues with the pipeline's next epoch(s), so every
   * epoch sees its own shuffle and augmentation, reproducibly.
   */
  function asTfDataset(source: BatchSource, options: TfDatasetOptions = {}): TfDataset<TfElement> {
    const xs = options.xs ?? 'image';
    const ys = options.ys === undefined ? 'label' : options.ys;
    const epochs = options.epochs ?? 1;
    const start = options.start ?? 0;
    if (!(epochs >= 1) || (Number.isFinite(epochs) && !Number.isInteger(epochs)))
      throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${ADAPTER}: asTfDataset epochs must be a positive integer or Infinity, got ${epochs}`);
    const pick = (batch: Batch, f: string | string[]): TfTensor | TfTensor[] => {
      if (typeof f === 'string') return fieldTensor(tf, f, batch);
      const list = toTensors(batch, { fields: f });
      return f.map((n) => list[n]);
    };
    let pass = 0;
    return tf.data.generator<TfElement>(() => {
      const first = Number.isFinite(epochs) ? start + pass++ * epochs : start;
      const it = source.batches({ start: first, epochs, signal: options.signal })[Symbol.asyncIterator]();
      return {
        next: async (): Promise<IteratorResult<TfElement>> => {
          const r = await it.next();
          if (r.done) return { done: true, value: undefined };
          // The tensors hold copies: the batch's slot is free for the next one at once.
          try {
            const x = pick(r.value, xs);
            if (ys === null) return { done: false, value: { xs: x } };
            try {
              return { done: false, value: { xs: x, ys: pick(r.value, ys) } };
            } catch (e) {
              for (const t of [x].flat()) t.dispose();
              throw e;
            }
          } finally {
            r.value.release?.();
          }
        },
      };
    });
  }

  return { tf, toTensors, asTfDataset };
}

/** What asTfDataset reads: a `Pipeline` (or anything with its `batches`). */
export interface BatchSource {
  batches(options?: EpochOptions & { start?: number; epochs?: number }): AsyncIterable<Batch>;
}

export interface TfDatasetOptions {
  /** Field(s) fed as the model's input(s) (default "image"; an array gives a list of tensors). */
  xs?: string | string[];
  /** Field(s) fed as the target(s) (default "label"); null for inputs only (predict). */
  ys?: string | string[] | null;
  /** Pipeline epochs per pass over the dataset (default 1); Infinity for an endless dataset (then give fitDataset `batchesPerEpoch`). */
  epochs?: number;
  /** First pipeline epoch (default 0). */
  start?: number;
  signal?: AbortSignal;
}

/** An element of the dataset. */
export interface TfElement {
  xs: TfTensor | TfTensor[];
  ys?: TfTensor | TfTensor[];
}

/**
 * `toTensors` on the installed TensorFlow.js (see `createTfjsAdapter`).
 * `T` lets a caller with tfjs's types name the result: `toTensors<tf.Tensor>(batch)`.
 */
export function toTensors<T = TfTensor>(batch: Batch, options?: ToTensorsOptions): Record<string, T> {
  return createTfjsAdapter(loadTfjs()).toTensors(batch, options) as unknown as Record<string, T>;
}

/**
 * `asTfDataset` on the installed TensorFlow.js (see `createTfjsAdapter`).
 * `D` lets a caller with tfjs's types name the result: `asTfDataset<tf.data.Dataset<tf.TensorContainer>>(pipeline)`.
 */
export function asTfDataset<D = TfDataset<TfElement>>(source: BatchSource, options?: TfDatasetOptions): D {
  return createTfjsAdapter(loadTfjs()).asTfDataset(source, options) as unknown as D;
}
