import type { InfererSpec } from '../config/evaluation.js';
import { VoxelpipeError } from '../util/errors.js';
import { channelCount, spatialRank, spatialShape, type ChainImage } from '../transforms/image.js';
import type { OnnxModel } from './onnx-model.js';
import { planWindows, slidingWindowInference, type SlidingWindowOptions } from './sliding-window.js';

/**
 * One case through the model: scan windows (ScanWindowInferer) or the whole
 * image at once (SimpleInferer, and the default without an inferer). A
 * segmentation's output becomes the field `model`: a chain image on the
 * image's grid (its affine, spacing and loader meta) with one channel per
 * model output channel; a classification's output (`[1, K]`) the list of
 * its K scores.
 */

/** Keys of the image's meta that describe its stored values, not its grid: the model output does not inherit them. */
const VALUE_META = ['sclSlope', 'sclInter', 'scalingDeferred', 'calMin', 'calMax', 'intentCode', 'intentName', 'intentParams', 'description'];

export function windowOptions(inferer: InfererSpec | undefined, shape: readonly number[]): SlidingWindowOptions {
  const sw = inferer?.scanWindow;
  if (!sw) return { roiSize: shape.map(() => -1), overlap: 0, batchSize: 1, blendMode: 'constant', sigmaScale: 0.125, paddingValue: 0 };
  if (sw.roi_size.length !== shape.length)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `inferer.args.roi_size [${sw.roi_size}] has ${sw.roi_size.length} axes, the image has ${shape.length} spatial axes [${shape}]`);
  return { roiSize: sw.roi_size, overlap: sw.overlap, batchSize: sw.batch_size, blendMode: sw.blend_mode, sigmaScale: sw.sigma_scale, paddingValue: sw.padding_value };
}

export interface InferProgress {
  (windowsDone: number, windowsTotal: number): void;
}

/** Segmentation: the model's output over the whole image, as a chain image. */
export async function inferSegmentation(model: OnnxModel, img: ChainImage, inferer: InfererSpec | undefined, onProgress?: InferProgress): Promise<{ output: ChainImage; windows: number }> {
  if (img.batched) throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the image is a batch of crops (shape [${img.shape}]); evaluation runs on whole volumes (no crop transforms in pre_transforms)`);
  const shape = spatialShape(img);
  const options = windowOptions(inferer, shape);
  const plan = planWindows(shape, options.roiSize, options.overlap);
  onProgress?.(0, plan.count);
  const result = await slidingWindowInference(
    { data: img.data, shape, channels: channelCount(img) },
    options,
    async (run) => {
      model.check(run.dims);
      return model.run(run);
    },
    onProgress,
  );
  const meta = { ...img.meta };
  for (const k of VALUE_META) delete meta[k];
  const rank = spatialRank(img);
  return {
    output: { data: result.data, shape: [...shape, result.channels], dtype: 'float32', spacing: [...img.spacing.slice(0, rank), 1], affine: img.affine.map((r) => r.slice()), meta, batched: false },
    windows: result.windows,
  };
}

/** Classification: the whole image in one run, `[1, K]` out; the K scores. */
export async function inferClassification(model: OnnxModel, img: ChainImage): Promise<number[]> {
  const shape = spatialShape(img);
  const C = channelCount(img);
  const n = img.data.length;
  // Chain layout [...S, C] (first axis fastest) to C-order [1, C, ...S].
  const input = new Float32Array(n);
  const per = n / C;
  const [X, Y, Z] = [shape[0], shape[1] ?? 1, shape[2] ?? 1];
  for (let c = 0; c < C; c++)
    for (let x = 0, d = c * per; x < X; x++)
      for (let y = 0; y < Y; y++) for (let z = 0; z < Z; z++, d++) input[d] = img.data[c * per + x + X * (y + Y * z)];
  const dims = [1, C, ...shape];
  model.check(dims, 'scores');
  const out = await model.run({ data: input, dims });
  if (out.dims.length !== 2 || out.dims[0] !== 1)
    throw new VoxelpipeError('ERR_SHAPE_MISMATCH', `the model answered [${out.dims.join(', ')}] for one image [${dims.join(', ')}]; a classifier answers [1, K]`);
  return Array.from(out.data as ArrayLike<number | bigint>, Number);
}
