import type { TransformDefinition } from '../types.js';
import { ToTensord } from './to-tensord.js';
import { EnsureTyped } from './ensure-typed.js';
import { ToNumpyd } from './to-numpyd.js';
import { CastToTyped } from './cast-to-typed.js';
import { CopyItemsd } from './copy-itemsd.js';
import { DeleteItemsd } from './delete-itemsd.js';

/** MONAI's utility dictionary transforms (type conversion, copying, deleting keys). */
export const utilityTransforms: TransformDefinition[] = [ToTensord, EnsureTyped, ToNumpyd, CastToTyped, CopyItemsd, DeleteItemsd] as TransformDefinition[];
