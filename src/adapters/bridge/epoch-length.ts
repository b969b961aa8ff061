import { PIPELINE_DEFAULTS } from '../../pipeline/engine.js';
import type { PipelineOptions } from '../../pipeline/options.js';

/**
 * How many batches an epoch of `samples` samples yields, as the engine
 * assembles them: `batchSize` samples per batch (the last one may be short),
 * one batch per sample with batched_by_transforms, and a crop that makes g
 * batches at once (`batches_to_gen_at_once`) counting as g samples. Null
 * when skipping bad samples makes the count unknowable ahead.
 */
export function epochBatchCount(o: Pick<PipelineOptions, 'batchSize' | 'batchedByTransforms' | 'transforms' | 'skipBadSamples'>, samples: number): number | null {
  if (o.skipBadSamples) return null;
  const gen = o.transforms.find((t) => !t.disabled && Number(t.args?.batches_to_gen_at_once) > 1);
  const parts = samples * (gen ? Number(gen.args?.batches_to_gen_at_once) : 1);
  if (o.batchedByTransforms) return parts;
  return Math.ceil(parts / (o.batchSize ?? PIPELINE_DEFAULTS.batchSize));
}
