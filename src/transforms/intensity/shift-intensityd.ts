import { z } from 'zod';
import { defineTransform } from '../types.js';
import { allowMissingArg, keysArg, mapKeys, monaiSpellings } from '../monai-dict.js';
import { linearMap } from './linear-map.js';

/** MONAI's ShiftIntensityd: `v + offset` (float32), the deterministic twin of RandShiftIntensityd. */
export const ShiftIntensityd = defineTransform({
  name: 'ShiftIntensityd',
  family: 'intensity',
  summary: 'MONAI ShiftIntensityd: v + offset',
  monai: 'ShiftIntensityd',
  ...monaiSpellings('ShiftIntensityd'),
  args: z.strictObject({ keys: keysArg, offset: z.number(), safe: z.boolean().default(false), allow_missing_keys: allowMissingArg }),
  isRandom: false,
  example: { keys: 'image', offset: 0.1 },
  create(a) {
    return { fields: a.keys, apply: (s) => mapKeys(s, a.keys, a.allow_missing_keys, 'ShiftIntensityd', (img) => linearMap(img, 1, a.offset)) };
  },
});
