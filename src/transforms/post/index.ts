import type { TransformDefinition } from '../types.js';
import { argmaxAcrossChannels } from './argmax-across-channels.js';
import { copyPropertiesTransform } from './copy-properties.js';
import { keepLargestCC } from './keep-largest-cc.js';
import { saveAsNifti } from './save-as-nifti.js';
import { splitBasedOnLabel } from './split-based-on-label.js';
import { AsDiscreted } from './as-discreted.js';

/** The post family of the catalogue (one transform per file in this folder). */
export const postTransforms: TransformDefinition[] = [argmaxAcrossChannels, splitBasedOnLabel, copyPropertiesTransform, saveAsNifti, keepLargestCC,
  // MONAI dictionary transforms
  AsDiscreted,
];
