/**
 * voxelpipe/onnx: batches as ONNX Runtime (`onnxruntime-node`) tensors,
 * ready as the feeds of `session.run`.
 *
 * onnxruntime-node is an optional peer dependency. Its install step fetches a
 * CUDA provider from the network unless `ONNXRUNTIME_NODE_INSTALL_CUDA=skip`
 * is set; the CPU runtime ships inside the package. Types here are
 * structural (no compile-time dependency): the objects are real `ort.Tensor`s.
 */
import { VoxelpipeError } from '../util/errors.js';
import type { Batch } from '../pipeline/batch.js';
import { ARRAY_CTORS, type ArrayDType, type VoxelArray } from '../volume/dtype.js';
import { defaultLoader, tryLoad, type ModuleLoader } from './load.js';

/** The part of `ort.Tensor` the adapter relies on. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** The part of the `onnxruntime-node` module the adapter relies on. */
export interface Ort {
  Tensor: new (type: string, data: VoxelArray, dims: readonly number[]) => OrtTensor;
}

const ADAPTER = 'voxelpipe/onnx';

/** Loads onnxruntime-node, or throws ERR_MISSING_DEPENDENCY saying how to install it. */
export function loadOrt(load: ModuleLoader = defaultLoader): Ort {
  const ort = tryLoad(load, 'onnxruntime-node', ADAPTER) as Ort | undefined;
  if (!ort)
    throw new VoxelpipeError(
      'ERR_MISSING_DEPENDENCY',
      `${ADAPTER} needs onnxruntime-node, which is not installed: install it with "ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node" (the variable skips the CUDA download; the CPU runtime is in the package)`,
      { context: { missing: 'onnxruntime-node' } },
    );
  return ort;
}

/** ONNX element type names for voxelpipe's array types: all map one to one, so no data is copied. */
export const ORT_TYPES: Readonly<Record<ArrayDType, string>> = Object.freeze({
  uint8: 'uint8',
  int8: 'int8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  float32: 'float32',
  float64: 'float64',
});

export interface ToOrtTensorsOptions {
  /** Fields to convert (default: every field of the batch). */
  fields?: string[];
  /** Model input name per field, e.g. `{ image: 'input_1' }` (default: the field's name). */
  names?: Record<string, string>;
}

/** Builds the adapter's functions on a given onnxruntime module. */
export function createOnnxAdapter(ort: Ort) {
  /**
   * One `ort.Tensor` per field, keyed by model input name, with the batch's
   * shape and dtype: pass the result to `session.run` as its feeds. A field
   * in ordinary memory is shared, not copied. A pipeline's batches live in
   * shared memory (SharedArrayBuffer slots), which onnxruntime-node's binding
   * refuses (N-API's napi_get_arraybuffer_info does not take a
   * SharedArrayBuffer): those fields are copied once, and the batch can be
   * released as soon as the feeds exist.
   */
  function toOrtTensors(batch: Batch, options: ToOrtTensorsOptions = {}): Record<string, OrtTensor> {
    const out: Record<string, OrtTensor> = {};
    for (const name of options.fields ?? Object.keys(batch.fields)) {
      const field = batch.fields[name];
      if (!field)
        throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${ADAPTER}: batch ${batch.index} of epoch ${batch.epoch} has no field "${name}" (fields: ${Object.keys(batch.fields).join(', ') || 'none'})`);
      let n = 1;
      for (const s of field.shape) n *= s;
      if (n !== field.data.length)
        throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `${ADAPTER}: field "${name}" has ${field.data.length} values, its shape [${field.shape}] needs ${n}`);
      const data = field.data.buffer instanceof SharedArrayBuffer ? new ARRAY_CTORS[field.dtype](field.data as never) : field.data;
      out[options.names?.[name] ?? name] = new ort.Tensor(ORT_TYPES[field.dtype], data, field.shape);
    }
    return out;
  }
  return { ort, toOrtTensors };
}

/** `toOrtTensors` on the installed onnxruntime-node (see `createOnnxAdapter`); `T` names the result type: `toOrtTensors<ort.Tensor>(batch)`. */
export function toOrtTensors<T = OrtTensor>(batch: Batch, options?: ToOrtTensorsOptions): Record<string, T> {
  return createOnnxAdapter(loadOrt()).toOrtTensors(batch, options) as unknown as Record<string, T>;
}
