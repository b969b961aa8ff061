import type { TransformDefinition } from '../types.js';
import { MergeBatchDims } from './merge-batch-dims.js';

export { mergeBatchDims } from './merge-batch-dims.js';

/** The batch family of the catalogue (one transform per file in this folder). */
export const batchTransforms: TransformDefinition[] = [MergeBatchDims] as TransformDefinition[];
