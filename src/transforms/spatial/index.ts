import type { TransformDefinition } from '../types.js';
import { ScaleByResolution } from './scale-by-resolution.js';
import { ScaleByFactor } from './scale-by-factor.js';
import { ScaleToShape } from './scale-to-shape.js';
import { NPResize } from './np-resize.js';
import { SymmetricPadderDiv } from './symmetric-padder-div.js';
import { PadCropWithFixedSize } from './pad-crop-with-fixed-size.js';
import { CropForeground } from './crop-foreground.js';
import { CropSubVolumeCenter } from './crop-sub-volume-center.js';
import { RestoreOriginalShape } from './restore-original-shape.js';
import { RandomSpatialFlip } from './random-spatial-flip.js';
import { RandomAxisFlip } from './random-axis-flip.js';
import { RandomZoom } from './random-zoom.js';
import { RandomRotate2D } from './random-rotate-2d.js';
import { RandomRotate3D } from './random-rotate-3d.js';

export { SHAPE_HISTORY, type ShapeStep } from './spatial-image.js';

/** The spatial family of the catalogue (one transform per file in this folder). */
export const spatialTransforms: TransformDefinition[] = [
  ScaleByResolution,
  ScaleByFactor,
  ScaleToShape,
  NPResize,
  SymmetricPadderDiv,
  PadCropWithFixedSize,
  CropForeground,
  CropSubVolumeCenter,
  RestoreOriginalShape,
  RandomSpatialFlip,
  RandomAxisFlip,
  RandomZoom,
  RandomRotate2D,
  RandomRotate3D,
] as TransformDefinition[];
