export { ctLikeCase, type CtLikeOptions } from './ct-like.js';
export { makeSegmentationDataset, makeClassificationDataset, type SyntheticDataset, type SegmentationDatasetOptions, type ClassificationDatasetOptions } from './datasets.js';
