import { getImage, type ChainImage, type Sample } from '../image.js';
import { rotate, type Mat3 } from '../kernels/index.js';
import { gridOf, mapFields, withData } from './spatial-image.js';

/**
 * What RandomRotate2D and RandomRotate3D share once their angles are drawn:
 * the same matrix for every field, about each field's centre, nearest
 * neighbour for the fields named in `label_fields`, linear for the others,
 * zeros outside. Data only: the affine is kept (augmentation).
 */
export function rotateFields(sample: Sample, fields: readonly string[], labelFields: readonly string[], m: Mat3, transform: string): Sample {
  const labels = new Set(labelFields);
  return mapFields(sample, fields, transform, (img: ChainImage, f) => withData(img, rotate(gridOf(img), m, labels.has(f) ? 'nearest' : 'linear')));
}

/** The first field's image (to read its rank), or the usual one-line error. */
export function firstImage(sample: Sample, fields: readonly string[], transform: string): ChainImage {
  return getImage(sample, fields[0], transform);
}

export const DEG = Math.PI / 180;
