export {
  createEvaluator,
  type Evaluator,
  type EvaluatorSpec,
  type CaseResult,
  type CaseProgress,
  type EvaluationSummary,
  type MetricResult,
} from './evaluator.js';
export { evaluationPipelineOptions } from './pipeline-options.js';
export { slidingWindowInference, planWindows, scanStarts, axisWeights, type SlidingWindowOptions, type WindowPlan, type ModelRun, type ModelAnswer, type Predict } from './sliding-window.js';
export { openOnnxModel, type OnnxModel, type OnnxModelOptions } from './onnx-model.js';
export { inferSegmentation, inferClassification, windowOptions } from './infer.js';
export { loadPrediction, predictionFile } from './predictions.js';
export { caseName, writerFile, writeCase } from './writers/write-nifti.js';
export { revertCanonical } from './writers/revert-canonical.js';
export * from './metrics/index.js';
