import type { ConfigSpec } from '../config/load-config.js';
import { VoxelpipeError } from '../util/errors.js';
import { pipelineOptionsFromSpec, type RunOverrides } from '../pipeline/from-config.js';
import type { PipelineOptions } from '../pipeline/options.js';

/**
 * The engine's options for an evaluation config's data pipeline: the
 * section options `pipelineOptionsFromSpec` makes, with what an evaluation
 * differs in. Batches carry the image and the fields the metrics read as
 * labels (just the image for an inference-only config), and no channel
 * count is imposed: Clara's evaluator fed whatever the chain produced
 * (multi-modal images, multi-channel label_transforms outputs) to the model.
 */
export function evaluationPipelineOptions(config: ConfigSpec, overrides: RunOverrides = {}): PipelineOptions {
  const ev = config.evaluation;
  if (!ev) throw new VoxelpipeError('ERR_CONFIG', `${config.configFile}: not an evaluation config (it has train / validate sections)`);
  const base = pipelineOptionsFromSpec(config, ev.pipeline, overrides);
  const labels = ev.doValidation ? ev.labelFields.filter((f) => f !== 'label' || ev.hasLabel) : [];
  const fields = ['image', ...(ev.hasLabel && !labels.includes('label') ? ['label'] : []), ...labels];
  return { ...base, fields, imageChannels: undefined, labelChannels: undefined };
}
