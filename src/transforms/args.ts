import { z } from 'zod';

/**
 * Schema pieces shared by catalogue entries, so every transform spells
 * Clara's common args the same way.
 */

/** `fields`: a field name or a list of them (Clara accepts both); always an array after parsing. */
export const fieldsArg = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((f) => (typeof f === 'string' ? [f] : f));

/** A single field name (`field`, `image_field`, `label_field`, ...). */
export const fieldArg = z.string().min(1);

/** A probability in [0, 1]. */
export const probabilityArg = z.number().min(0).max(1);

/** A spatial size: 2 or 3 positive integers. */
export const sizeArg = z.array(z.number().int().positive()).min(1).max(3);

/** Output element type of transforms that allocate (Clara's `dtype`). */
export const dtypeArg = z.enum(['float32', 'float64', 'int16', 'int32', 'uint8', 'uint16', 'int8', 'uint32']);
