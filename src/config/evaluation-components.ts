import { z } from 'zod';
import { dtypeArg } from '../transforms/args.js';

/**
 * Args of the components of a Clara 3.x evaluation config
 * (`config_validation.json`): the `inferer`, the `val_metrics` and the
 * `writers`, as zod schemas with Clara's defaults (Clara 3.1 API reference:
 * ai4med.components.inferers / metrics / eval_writers). The evaluate layer
 * runs them; the config layer only checks them, so that `voxelpipe validate`
 * and `loadConfig` report a bad arg before anything runs.
 */

const count = (min: number) => z.number().int().min(min);

/** `roi_size`: a window side per spatial axis; -1 takes the image's size on that axis (MONAI's rule). */
const roiSize = z
  .array(z.number().int().refine((v) => v === -1 || v > 0, { message: 'expected a positive integer or -1' }))
  .min(2)
  .max(3);

/**
 * The scan-window (sliding-window) inferer. Clara's args are `roi_size` and
 * `batch_size` (windows per model run); the others are voxelpipe's, named as
 * MONAI's `sliding_window_inference` names them, with MONAI's defaults.
 */
const scanWindowArgs = z.strictObject({
  roi_size: roiSize,
  batch_size: count(1).default(1),
  /** Fraction of a window shared with its neighbour along each axis (MONAI's default 0.25). */
  overlap: z.number().min(0).lt(1).default(0.25),
  /** How overlapping windows are combined: their mean ("constant") or a Gaussian-weighted mean. */
  blend_mode: z.enum(['constant', 'gaussian']).default('constant'),
  /** Gaussian blending: sigma = sigma_scale x the window side (MONAI's 0.125). */
  sigma_scale: z.number().positive().default(0.125),
  /** Value of the padding added where the image is smaller than a window (MONAI's cval). */
  padding_value: z.number().default(0),
});

/** The whole image in one model run. */
const simpleArgs = z.strictObject({});

export const INFERERS = {
  ScanWindowInferer: { kind: 'scan-window', args: scanWindowArgs },
  TFScanWindowInferer: { kind: 'scan-window', args: scanWindowArgs },
  SimpleInferer: { kind: 'simple', args: simpleArgs },
  TFSimpleInferer: { kind: 'simple', args: simpleArgs },
} as const;

export type InfererName = keyof typeof INFERERS;
export type ScanWindowArgs = z.output<typeof scanWindowArgs>;

/** Args every Clara metric takes (ai4med.components.metrics.Metric). */
const metricCommon = {
  name: z.string().min(1),
  field: z.string().min(1),
  /** Folder of the metric's `<name>_raw_results.txt` / `<name>_summary_results.txt` (relative to the MMAR root). */
  report_path: z.string().min(1).nullable().default(null),
  do_summary: z.boolean().default(true),
  do_print: z.boolean().default(true),
  is_key_metric: z.boolean().default(false),
};

const aucAverage = z.enum(['macro', 'micro', 'weighted']).default('macro');

export const METRICS = {
  ComputeAverageDice: z.strictObject({
    ...metricCommon,
    label_field: z.string().min(1).default('label'),
    /** Accepted; the number of spatial axes comes from the images. */
    is_2d: z.boolean().default(false),
    /** With several channels, leave out channel 0 (the background). */
    remove_bg: z.boolean().default(true),
    /** A prediction value above this is foreground. */
    logit_thresh: z.number().default(0.5),
    /** The label has one channel per class (else it is a class-index map). */
    is_one_hot_targets: z.boolean().default(false),
  }),
  ComputeAverage: z.strictObject({
    ...metricCommon,
    /** A per-case value equal to this is left out of the mean (null: only NaN is). */
    invalid_value: z.number().nullable().default(null),
    negate_value: z.boolean().default(false),
  }),
  ComputeAUC: z.strictObject({
    ...metricCommon,
    label_field: z.string().min(1),
    auc_average: aucAverage,
    /** The AUC of this class alone. */
    class_index: count(0).nullable().default(null),
    /** Average over these classes only. */
    include_list: z.array(count(0)).min(1).nullable().default(null),
  }),
  ComputeMulticlassAverage: z.strictObject({
    ...metricCommon,
    label_field: z.string().min(1),
    auc_average: aucAverage,
    /** The one-vs-rest AUC of this class alone. */
    label_index: count(0).nullable().default(null),
  }),
} as const;

export type MetricName = keyof typeof METRICS;
export type MetricArgs<N extends MetricName = MetricName> = z.output<(typeof METRICS)[N]>;

export const WRITERS = {
  WriteNifti: z.strictObject({
    field: z.string().min(1),
    /** On-disk voxel type (Clara's NiftiWriter default float32). */
    dtype: dtypeArg.default('float32'),
    /** Output folder (relative to the MMAR root); one sub-folder per case. */
    write_path: z.string().min(1),
    /** Write an identity affine instead of the field's. */
    use_identity: z.boolean().default(false),
    /** .nii.gz (true) or .nii. */
    compressed: z.boolean().default(true),
    /** Undo LoadNifti's as_closest_canonical before writing. */
    revert_canonical: z.boolean().default(false),
  }),
} as const;

export type WriterName = keyof typeof WRITERS;
export type WriteNiftiArgs = z.output<(typeof WRITERS)['WriteNifti']>;

/** Clara writers voxelpipe knows but does not implement: skipped with a warning. */
export const UNSUPPORTED_WRITERS: readonly string[] = Object.freeze(['WriteClassificationResult']);
