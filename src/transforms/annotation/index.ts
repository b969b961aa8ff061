import type { TransformDefinition } from '../types.js';
import { AddExtremePointsChannel } from './add-extreme-points-channel.js';

export { extremePoints, pointsHeatmap, extremePointsChannel, type ExtremePointsParams } from './add-extreme-points-channel.js';

/** The annotation family of the catalogue (one transform per file in this folder). */
export const annotationTransforms: TransformDefinition[] = [AddExtremePointsChannel] as TransformDefinition[];
