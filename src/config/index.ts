export {
  loadConfig,
  SECTIONS,
  type LoadConfigOptions,
  type ConfigSpec,
  type PipelineSpec,
  type ImagePipelineSpec,
  type DatalistSource,
  type Section,
} from './load-config.js';
export { type TransformSpec, type TransformChecker, knownTransformNames } from './components.js';
export { PIPELINE_NAMES, pipelineClass, isPipelineName, type PipelineName, type PipelineArgs, type PipelineClass, type Task } from './pipeline.js';
export { CLARA_TRANSFORM_NAMES, CLARA2_TRANSFORM_NAMES, CLARA2_PIPELINE_ARGS, IGNORED_SECTION_KEYS } from './clara-names.js';
export { readJsonFile, parseJsonText, lineColumn } from './json.js';
export { parseByteSize, BYTE_SIZE_EXPECTED } from './byte-size.js';
export { parseOverrides, parseSetValue, substitute, type Json, type Override } from './variables.js';
export { isEvaluationConfig, loadEvaluationConfig, EVALUATION_KEYS, IGNORED_EVALUATION_KEYS, type EvaluationSpec, type InfererSpec, type MetricSpec, type WriterSpec } from './evaluation.js';
export { INFERERS, METRICS, WRITERS, type InfererName, type MetricName, type MetricArgs, type ScanWindowArgs, type WriteNiftiArgs } from './evaluation-components.js';
export { takeSearchSpace, type SearchSpace, type SearchVariable, type SearchPlace, type SearchEntry } from './search-space.js';
export { applySearchPoint, searchVariableFor, type SearchVariableReport } from './search-point.js';
