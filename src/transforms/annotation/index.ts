import type { TransformDefinition } from '../types.js';
import { AddExtremePointsChannel } from './add-extreme-points-channel.js';
import { AddExtremePointsChanneld } from './add-extreme-points-channeld.js';

export { extremePoints, pointsHeatmap, extremePointsChannel, type ExtremePointsParams } from './add-extreme-points-channel.js';

/** The annotation family of the catalogue (one transform per file in this folder). */
export const annotationTransforms: TransformDefinition[] = [
  AddExtremePointsChannel,
  // MONAI dictionary transforms
  AddExtremePointsChanneld,
] as TransformDefinition[];
