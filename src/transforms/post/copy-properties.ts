import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldArg, fieldsArg } from '../args.js';
import { getImage, spatialRank, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/**
 * Clara property names -> where a ChainImage keeps them. Any other name is
 * a key of `meta` (e.g. "filename", "originalAffine"), copied when the source has it.
 */
const PROPERTY_KEYS: Readonly<Record<string, 'affine' | 'spacing'>> = { affine: 'affine', pixdim: 'spacing', spacing: 'spacing' };

export function copyProperties(to: ChainImage, from: ChainImage, properties: readonly string[], fromField: string): ChainImage {
  const out: ChainImage = { ...to, meta: { ...to.meta } };
  for (const p of properties) {
    const key = PROPERTY_KEYS[p];
    if (key === 'affine') out.affine = from.affine.map((r) => r.slice());
    else if (key === 'spacing') {
      // Spatial spacing from the source; channel/batch axes keep the target's.
      const s = to.spacing.slice();
      for (let i = 0; i < Math.min(spatialRank(to), spatialRank(from)); i++) s[i] = from.spacing[i];
      out.spacing = s;
    } else if (p in from.meta) out.meta[p] = from.meta[p];
    else
      throw new VoxelpipeError(
        'ERR_INVALID_ARGUMENT',
        `CopyProperties: field "${fromField}" has no property "${p}" (it has affine, pixdim${Object.keys(from.meta).map((k) => `, ${k}`).join('')})`,
      );
  }
  return out;
}

/** Clara's CopyProperties: image properties (affine, pixdim, meta keys) copied from from_field to fields, e.g. before writing predictions. */
export const copyPropertiesTransform = defineTransform({
  name: 'CopyProperties',
  family: 'post',
  summary: 'Copies properties (affine, pixdim, or meta keys such as filename) from from_field to fields',
  monai: 'CopyItemsd / meta_dict handling',
  args: z.strictObject({ fields: fieldsArg, from_field: fieldArg, properties: z.array(z.string().min(1)).min(1) }),
  isRandom: false,
  example: { fields: 'label', from_field: 'image', properties: ['affine'] },
  create: (a) => ({
    fields: [...a.fields, a.from_field],
    apply(sample: Sample): Sample {
      const from = getImage(sample, a.from_field, 'CopyProperties');
      const out: Sample = { ...sample };
      for (const f of a.fields) out[f] = copyProperties(getImage(sample, f, 'CopyProperties'), from, a.properties, a.from_field);
      return out;
    },
  }),
});
