import { TransformRegistry } from './registry.js';
import { loadTransforms } from './load/index.js';
import { layoutTransforms } from './layout/index.js';
import { spatialTransforms } from './spatial/index.js';
import { intensityTransforms } from './intensity/index.js';
import { cropTransforms } from './crop/index.js';
import { annotationTransforms } from './annotation/index.js';
import { batchTransforms } from './batch/index.js';
import { postTransforms } from './post/index.js';
import { utilityTransforms } from './utility/index.js';

/** Every built-in transform definition, family by family. */
export const CATALOGUE = [
  ...loadTransforms,
  ...layoutTransforms,
  ...spatialTransforms,
  ...intensityTransforms,
  ...cropTransforms,
  ...annotationTransforms,
  ...batchTransforms,
  ...postTransforms,
  ...utilityTransforms,
] as const;

/** A new registry holding the whole Clara catalogue. */
export function createDefaultRegistry(): TransformRegistry {
  const r = new TransformRegistry();
  for (const def of CATALOGUE) r.register(def);
  return r;
}
