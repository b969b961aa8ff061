import { z } from 'zod';
import { dtypeArg } from '../transforms/args.js';
import { formatZodIssues, jsonPath } from '../util/schema-errors.js';
import { didYouMean } from '../util/suggest.js';
import { CLARA2_PIPELINE_ARGS, clara2Text } from './clara-names.js';
import { parseByteSize } from './byte-size.js';

/**
 * The `image_pipeline` entry: Clara's 14 pipeline classes (CLARA-3.1.md
 * §1.1) and the union of their args (§1.3), as zod schemas with Clara's
 * defaults. All classes map to one engine; the name only fixes the task,
 * whether Smart Cache is on, and whether the Keras-only args are allowed.
 */

export const PIPELINE_NAMES = [
  'DataPipeline',
  'BaseImagePipeline',
  'ImagePipeline',
  'ImagePipelineWithCache',
  'ClassificationImagePipeline',
  'ClassificationImagePipelineWithCache',
  'SegmentationImagePipeline',
  'SegmentationImagePipelineWithCache',
  'KerasImagePipeline',
  'KerasImagePipelineWithCache',
  'ClassificationKerasImagePipeline',
  'ClassificationKerasImagePipelineWithCache',
  'SegmentationKerasImagePipeline',
  'SegmentationKerasImagePipelineWithCache',
] as const;

export type PipelineName = (typeof PIPELINE_NAMES)[number];
export type Task = 'segmentation' | 'classification';

export interface PipelineClass {
  name: PipelineName;
  /** Fixed by the class name; `undefined` for the generic classes, whose task comes from `args.task` or PROCESSING_TASK. */
  task: Task | undefined;
  keras: boolean;
  withCache: boolean;
}

export function isPipelineName(name: string): name is PipelineName {
  return (PIPELINE_NAMES as readonly string[]).includes(name);
}

/** What a pipeline class name says (the generic base classes have no fixed task). */
export function pipelineClass(name: PipelineName): PipelineClass {
  const m = /^(Classification|Segmentation)?(Keras)?ImagePipeline(WithCache)?$/.exec(name);
  const task = m?.[1] === 'Classification' ? 'classification' : m?.[1] === 'Segmentation' ? 'segmentation' : undefined;
  return { name, task, keras: Boolean(m?.[2]), withCache: Boolean(m?.[3]) };
}

const count = (min: number) => z.number().int().min(min);

/** `output_crop_size`: positive sizes, -1 for "any size" (whole-image validation). */
const cropSize = z
  .array(z.number().int().refine((v) => v === -1 || v > 0, { message: 'expected a positive integer or -1' }))
  .min(2)
  .max(3);

/** Class counts per label head (§3.3): `2` or `[2]` (multi-class) or `[1, 1, 1]` (multi-label). */
const labelFormat = z
  .union([count(1), z.array(count(1)).min(1)])
  .transform((v) => (typeof v === 'number' ? [v] : v));

/** `max_memory`: bytes, or "8GB" / "512MiB" (byte-size.ts), as whole bytes. */
const byteSize = z.unknown().transform((v, ctx) => {
  const r = parseByteSize(v);
  if ('bytes' in r) return r.bytes;
  // The problem already shows the value: no input, so the formatter adds no second "got".
  ctx.addIssue({ code: 'custom', message: r.problem, input: undefined });
  return z.NEVER;
});

const baseArgs = {
  data_list_file_path: z.string().min(1),
  /** Default (not Clara's: Clara required it): the datalist file's folder, as MONAI's load_decathlon_datalist. */
  data_file_base_dir: z.string().min(1).optional(),
  data_list_key: z.string().min(1),
  output_crop_size: cropSize,
  output_data_format: z.enum(['channels_first', 'channels_last']).default('channels_first'),
  /** Default: the length of output_crop_size (real configs give [384, 384] without output_data_dims: 2). */
  output_data_dims: z.union([z.literal(2), z.literal(3)]).optional(),
  /**
   * Clara's signature defaults it to 1, but real configs leave it out while
   * producing more channels (multi-modal images): checked only when given.
   */
  output_image_channels: count(1).optional(),
  output_image_dtype: dtypeArg.default('float32'),
  output_batch_size: count(0).default(10),
  batched_by_transforms: z.boolean().default(false),
  num_workers: count(0).default(4),
  prefetch_size: count(0).default(20),
  shuffle: z.boolean().default(true),
  repeat: z.boolean().default(true),
  duplicate_count: count(1).default(1),
  extra_inputs: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()]).default(null),
  items_per_category: z.union([count(0), z.array(count(0)), z.null()]).default(null),
  category_weights: z.union([z.array(z.number().nonnegative()), z.null()]).default(null),
  /** voxelpipe: persistent cache folder of prefix outputs (relative to the MMAR root); `--cache-dir` overrides it. */
  cache_dir: z.string().min(1).optional(),
  /** voxelpipe: refuse a Smart Cache larger than this many bytes; `--cache-max-bytes` overrides it. */
  cache_max_bytes: count(1).optional(),
  /**
   * voxelpipe: the memory budget of the pipeline (prefix outputs, crops and
   * batches in flight and ready), in bytes or as "8GB" / "512MiB"; the
   * engine keeps what it holds under it. `--max-memory` overrides it.
   */
  max_memory: byteSize.optional(),
  /** voxelpipe: bound on the persistent cache's bytes on disk (least recently used items evicted); `--cache-max-bytes-disk` overrides it. */
  cache_max_disk: byteSize.optional(),
  /** Normally injected from the section's pre_transforms / batch_transforms; accepted here too. */
  transforms: z.array(z.unknown()).optional(),
  batch_transforms: z.array(z.unknown()).optional(),
};
const segmentationArgs = {
  /** As output_image_channels: a BraTS chain makes 3 label channels without saying so; checked only when given. */
  output_label_channels: count(1).optional(),
  output_label_dtype: dtypeArg.default('float32'),
};
const classificationArgs = {
  output_label_format: z.union([labelFormat, z.null()]).default(null),
};
const cacheArgs = {
  num_cache_objects: count(1),
  replace_percent: z.number().min(0).max(1),
  /** Seen in real configs; Smart Cache always caches, so only `true` has a meaning. */
  caches_data: z.boolean().default(true),
};
const kerasArgs = {
  multiprocessing: z.boolean().default(false),
  /** §3.4: "element" draws items ∝ their `weight`, "automatic" balances classes. */
  sampling: z.union([z.enum(['element', 'automatic']), z.null()]).default(null),
};
const genericArgs = { task: z.enum(['segmentation', 'classification']).optional() };

/** One strict schema with every arg any pipeline class takes, for the output type. */
const fullSchema = z.strictObject({ ...baseArgs, ...segmentationArgs, ...classificationArgs, ...kerasArgs, ...genericArgs, ...cacheArgs });

type FullArgs = z.output<typeof fullSchema>;

/** Parsed `image_pipeline.args`, Clara defaults filled in, paths resolved. */
export type PipelineArgs = Omit<
  FullArgs,
  'data_file_base_dir' | 'output_data_dims' | 'num_cache_objects' | 'replace_percent' | 'caches_data' | 'task' | 'transforms' | 'batch_transforms'
> & {
  data_file_base_dir: string;
  output_data_dims: 2 | 3;
  /** Smart Cache args: set for the *WithCache classes only. */
  num_cache_objects?: number;
  replace_percent?: number;
  caches_data?: boolean;
};

function schemaFor(cls: PipelineClass) {
  return z.strictObject({
    ...baseArgs,
    ...(cls.task !== 'classification' ? segmentationArgs : {}),
    ...(cls.task !== 'segmentation' ? classificationArgs : {}),
    ...(cls.task === undefined ? genericArgs : {}),
    ...(cls.withCache ? cacheArgs : {}),
    ...(cls.keras ? kerasArgs : {}),
  });
}

/** Why an arg another pipeline class takes is not allowed on this one. */
function notForThisClass(key: string, cls: PipelineClass): string | undefined {
  if (Object.hasOwn(CLARA2_PIPELINE_ARGS, key)) return clara2Text(key, CLARA2_PIPELINE_ARGS[key]);
  if (key in cacheArgs && !cls.withCache) return `only the *WithCache pipelines take ${key} (use ${cls.name}WithCache for Smart Cache)`;
  if (key in kerasArgs && !cls.keras) return `only the Keras pipelines take ${key} (e.g. ${cls.task === 'classification' ? 'ClassificationKerasImagePipeline' : 'SegmentationKerasImagePipeline'})`;
  if (key in segmentationArgs && cls.task === 'classification') return `${key} is a segmentation arg; ${cls.name} takes output_label_format`;
  if (key in classificationArgs && cls.task === 'segmentation') return `${key} is a classification arg; ${cls.name} takes output_label_channels`;
  if (key in genericArgs) return `only the generic ImagePipeline classes take ${key}; ${cls.name} is always ${cls.task}`;
  return undefined;
}

export interface ParsedPipelineArgs {
  args: Omit<PipelineArgs, 'data_file_base_dir'> & { data_file_base_dir?: string };
  task?: Task;
  /** Entries given inside args (`transforms`, `batch_transforms`), unparsed. */
  transforms?: unknown[];
  batchTransforms?: unknown[];
}

/**
 * Parses `args` of a pipeline entry at `path` (e.g. `train.image_pipeline`).
 * Returns the problems (one line each) instead of throwing, so callers can
 * report all of them.
 */
export function parsePipelineArgs(cls: PipelineClass, args: unknown, path: string): { value?: ParsedPipelineArgs; problems: string[] } {
  const argsPath = jsonPath(path, 'args');
  const schema = schemaFor(cls);
  const parsed = schema.safeParse(args ?? {}, { reportInput: true });
  if (!parsed.success) {
    const known = Object.keys(schema.shape);
    const problems: string[] = [];
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys)
          problems.push(`${jsonPath(argsPath, ...issue.path, k)}: ${notForThisClass(k, cls) ?? `unknown arg of ${cls.name}${didYouMean(k, known)}`}`);
      } else problems.push(...formatZodIssues([issue], argsPath, known));
    }
    return { problems };
  }
  const raw = parsed.data as FullArgs;
  const dims = raw.output_data_dims ?? (raw.output_crop_size.length as 2 | 3);
  if (raw.output_crop_size.length !== dims)
    return {
      problems: [
        `${jsonPath(argsPath, 'output_crop_size')}: expected ${dims} sizes (output_data_dims is ${dims}), got ${JSON.stringify(raw.output_crop_size)}`,
      ],
    };
  const { task, transforms, batch_transforms, ...rest } = raw;
  return {
    value: {
      args: { ...rest, output_data_dims: dims },
      ...(task ? { task } : {}),
      ...(transforms ? { transforms } : {}),
      ...(batch_transforms ? { batchTransforms: batch_transforms } : {}),
    },
    problems: [],
  };
}
