export * from './errors.js';
export { writeFileAtomic } from './atomic-write.js';
export { Rng, rngFor, philox4x32, type RngKey } from './rng.js';
export { editDistance, closestNames, didYouMean } from './suggest.js';
export { jsonPath, showValue, formatZodIssues } from './schema-errors.js';
