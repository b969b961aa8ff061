import type { StepJson } from './api-types.js';

/** A map from Hounsfield units to a field's values, and the step it follows (none: identity). */
export interface HuMap {
  map: (hu: number) => number;
  via?: string;
}

/** CT windows (width, level) in Hounsfield units. */
export const CT_PRESETS: readonly { name: string; width: number; level: number }[] = [
  { name: 'soft tissue', width: 400, level: 40 },
  { name: 'lung', width: 1500, level: -600 },
  { name: 'bone', width: 1800, level: 400 },
  { name: 'brain', width: 80, level: 40 },
];

/** The rescalings a CT preset is mapped through: Clara's and MONAI's spelling (`fields` or `keys`). */
const RESCALES = new Set(['ScaleIntensityRange', 'ScaleIntensityRanged']);

/**
 * HU -> the values of `field` after step `upTo`: every ScaleIntensityRange
 * (or MONAI's ScaleIntensityRanged) on the field up to that step maps
 * a_min..a_max to b_min..b_max (0..1 when MONAI's b's are null); composed,
 * linearly, ignoring clips, so a CT preset still means the same tissue
 * after the chain rescaled the image. Identity when no such step ran.
 */
export function huMap(steps: readonly StepJson[], upTo: number, field: string): HuMap {
  let scale = 1;
  let offset = 0;
  const via: string[] = [];
  for (let k = 0; k <= Math.min(upTo, steps.length - 1); k++) {
    const s = steps[k];
    if (!RESCALES.has(s.name.split('#')[0])) continue;
    const a = s.args as { fields?: unknown; keys?: unknown; a_min?: number; a_max?: number; b_min?: number | null; b_max?: number | null };
    const on = a.fields ?? a.keys;
    if (!(Array.isArray(on) ? on : [on]).includes(field)) continue;
    const a0 = a.a_min;
    const a1 = a.a_max;
    const [b0, b1] = typeof a.b_min === 'number' && typeof a.b_max === 'number' ? [a.b_min, a.b_max] : [0, 1];
    if (typeof a0 !== 'number' || typeof a1 !== 'number' || a1 === a0) continue;
    // v -> (v - a0) / (a1 - a0) * (b1 - b0) + b0, after what came before.
    const m = (b1 - b0) / (a1 - a0);
    scale *= m;
    offset = (offset - a0) * m + b0;
    via.push(`${s.name} (step ${k})`);
  }
  return via.length ? { map: (hu) => hu * scale + offset, via: via.join(', ') } : { map: (hu) => hu };
}
