export { ctLikeCase, type CtLikeOptions } from './ct-like.js';
export { makeSegmentationDataset, makeClassificationDataset, type SyntheticDataset, type SegmentationDatasetOptions, type ClassificationDatasetOptions } from './datasets.js';
export { writeDemoMmar, DEMO_SIZES, type DemoMmar, type DemoTask, type DemoSize } from './mmar.js';
export { thresholdSegmenterModel, type SegmenterOptions } from './onnx-models.js';
export { demoSegmentationValidationConfig, demoClassificationValidationConfig } from './mmar.js';
