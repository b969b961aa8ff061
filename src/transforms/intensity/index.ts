import type { TransformDefinition } from '../types.js';
import { ScaleIntensityRange } from './scale-intensity-range.js';
import { NormalizeNonzeroIntensities } from './normalize-nonzero-intensities.js';
import { CenterData } from './center-data.js';
import { ThresholdValues } from './threshold-values.js';
import { ScaleIntensityOscillation } from './scale-intensity-oscillation.js';
import { ScaleShiftIntensity } from './scale-shift-intensity.js';
import { AddGaussianNoise } from './add-gaussian-noise.js';
import { AdjustContrast } from './adjust-contrast.js';
import { ScaleIntensityRanged } from './scale-intensity-ranged.js';
import { ScaleIntensityd } from './scale-intensityd.js';
import { NormalizeIntensityd } from './normalize-intensityd.js';
import { ShiftIntensityd } from './shift-intensityd.js';
import { RandShiftIntensityd } from './rand-shift-intensityd.js';
import { RandScaleIntensityd } from './rand-scale-intensityd.js';
import { RandGaussianNoised } from './rand-gaussian-noised.js';
import { AdjustContrastd } from './adjust-contrastd.js';
import { RandAdjustContrastd } from './rand-adjust-contrastd.js';
import { GaussianSmoothd } from './gaussian-smoothd.js';
import { RandGaussianSmoothd } from './rand-gaussian-smoothd.js';

export { scaleIntensityRange, type ScaleIntensityRangeParams } from './scale-intensity-range.js';
export { normalizeNonzero } from './normalize-nonzero-intensities.js';
export { centerData } from './center-data.js';
export { thresholdValues, type ThresholdParams } from './threshold-values.js';
export { scaleIntensity } from './scale-intensity-oscillation.js';
export { scaleShiftIntensity } from './scale-shift-intensity.js';
export { addGaussianNoise } from './add-gaussian-noise.js';
export { adjustContrast } from './adjust-contrast.js';
export { linearMap, type LinearMapOptions } from './linear-map.js';

/** The intensity family of the catalogue (one transform per file in this folder). */
export const intensityTransforms: TransformDefinition[] = [
  ScaleIntensityRange,
  NormalizeNonzeroIntensities,
  CenterData,
  ThresholdValues,
  ScaleIntensityOscillation,
  ScaleShiftIntensity,
  AddGaussianNoise,
  AdjustContrast,
  // MONAI dictionary transforms
  ScaleIntensityRanged,
  ScaleIntensityd,
  NormalizeIntensityd,
  ShiftIntensityd,
  RandShiftIntensityd,
  RandScaleIntensityd,
  RandGaussianNoised,
  AdjustContrastd,
  RandAdjustContrastd,
  GaussianSmoothd,
  RandGaussianSmoothd,
] as TransformDefinition[];
