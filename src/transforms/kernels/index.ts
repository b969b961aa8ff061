/**
 * Pure spatial kernels: typed array in, new typed array out, no randomness,
 * no metadata. Transforms (src/transforms/spatial) draw parameters and keep
 * affines; these only move voxels.
 */
export * from './grid.js';
export { stridedCopy } from './strided-copy.js';
export { flip } from './flip.js';
export { rot90 } from './rot90.js';
export { window, crop, pad, PAD_MODES, type PadMode } from './window.js';
export { resample, zoom, type AxisMap, type Edge } from './resample.js';
export { rotate, planeRotation, matmul3, type Mat3 } from './rotate.js';
export { foregroundBox, type Box } from './bounding-box.js';
export { gaussianSmooth, gaussianKernel1d, erf } from './gaussian.js';
export { gridSampleAffine, gridSampleAt, type GridMode, type GridPadding } from './grid-sample.js';
export { interpolate, type InterpolateMode } from './interpolate.js';
