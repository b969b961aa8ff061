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
import { Spacingd } from './spacingd.js';
import { Orientationd } from './orientationd.js';
import { CropForegroundd } from './crop-foregroundd.js';
import { SpatialPadd } from './spatial-padd.js';
import { DivisiblePadd } from './divisible-padd.js';
import { CenterSpatialCropd } from './center-spatial-cropd.js';
import { SpatialCropd } from './spatial-cropd.js';
import { Resized } from './resized.js';
import { Flipd } from './flipd.js';
import { RandFlipd } from './rand-flipd.js';
import { RandAxisFlipd } from './rand-axis-flipd.js';
import { Rotate90d } from './rotate90d.js';
import { RandRotate90d } from './rand-rotate90d.js';
import { Rotated } from './rotated.js';
import { RandRotated } from './rand-rotated.js';
import { Zoomd } from './zoomd.js';
import { RandZoomd } from './rand-zoomd.js';
import { Affined } from './affined.js';
import { RandAffined } from './rand-affined.js';
import { Rand3DElasticd } from './rand-3d-elasticd.js';

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
  // MONAI dictionary transforms
  Spacingd,
  Orientationd,
  CropForegroundd,
  SpatialPadd,
  DivisiblePadd,
  CenterSpatialCropd,
  SpatialCropd,
  Resized,
  Flipd,
  RandFlipd,
  RandAxisFlipd,
  Rotate90d,
  RandRotate90d,
  Rotated,
  RandRotated,
  Zoomd,
  RandZoomd,
  Affined,
  RandAffined,
  Rand3DElasticd,
] as TransformDefinition[];
