/**
 * Prints the README's transform catalogue table from the registry itself,
 * so the table cannot drift from the code: name, family, args (with the
 * defaults the zod schemas hold), deterministic or random, MONAI
 * equivalent, summary. Clara 3.1 names that no definition registers yet are
 * listed at the end as "not yet".
 *
 *     npm run docs:catalogue            (markdown on stdout)
 */
import type { z } from 'zod';
import { createDefaultRegistry } from '../src/transforms/catalogue.js';
import type { TransformDefinition } from '../src/transforms/types.js';

/** Clara 3.1 catalogue names (CLARA-3.1.md §4 and §8), in its order. */
const CLARA_NAMES = [
  'LoadNifti', 'LoadPng', 'LoadJpg', 'LoadNumpy',
  'ConvertToChannelsFirst', 'ConvertToChannelsLast', 'RepeatChannel', 'SplitAcrossChannels', 'ConvertToMultiChannelBasedOnBratsClasses',
  'ScaleByResolution', 'ScaleByFactor', 'ScaleToShape', 'NPResize', 'SymmetricPadderDiv', 'PadCropWithFixedSize', 'CropForeground', 'CropSubVolumeCenter', 'RestoreOriginalShape',
  'ScaleIntensityRange', 'NormalizeNonzeroIntensities', 'CenterData', 'ThresholdValues',
  'CropByPosNegRatio', 'FastCropByPosNegRatio', 'CropByPosNegRatioLabelOnly', 'FastPosNegRatioCropROI', 'CropFixedSizeRandomCenter', 'CropRandomSizeWithDisplacement',
  'RandomSpatialFlip', 'RandomAxisFlip', 'RandomZoom', 'RandomRotate2D', 'RandomRotate3D', 'ScaleIntensityOscillation', 'ScaleShiftIntensity', 'AddGaussianNoise', 'AdjustContrast',
  'AddExtremePointsChannel', 'MergeBatchDims',
  'ArgmaxAcrossChannels', 'SplitBasedOnLabel', 'CopyProperties', 'SaveAsNifti',
];

interface ZodLike {
  _zod: { def: { type: string; defaultValue?: unknown; innerType?: ZodLike; in?: ZodLike } };
}

/** `name`, `name?` (optional) or `name=default` for each key of a strict object schema. */
function describeArgs(schema: z.ZodType): string {
  const shape = (schema as unknown as { shape?: Record<string, ZodLike> }).shape;
  if (!shape) return '(any)';
  const parts = Object.entries(shape).map(([key, s]) => {
    const def = s._zod.def;
    if (def.type === 'default') return `${key}=${JSON.stringify(def.defaultValue)}`;
    if (def.type === 'optional') return `${key}?`;
    return key;
  });
  return parts.length ? parts.map((p) => `\`${p}\``).join(', ') : '—';
}

function cell(s: string | undefined): string {
  return (s ?? '').replace(/\|/g, '\\|');
}

function row(d: TransformDefinition): string {
  return `| \`${d.name}\` | yes | ${d.family} | ${describeArgs(d.args)} | ${d.isRandom ? 'random' : 'deterministic'} | ${cell(d.monai) || '—'} | ${cell(d.summary)} |`;
}

const registry = createDefaultRegistry();
const defs = registry.definitions();
const known = new Set(defs.map((d) => d.name));
const header = [
  '| name | status | family | args (`?` optional, `=` default) | kind | MONAI equivalent | summary |',
  '|---|---|---|---|---|---|---|',
];
const clara = defs.filter((d) => (d.vocabulary ?? 'clara') === 'clara');
const monai = defs.filter((d) => d.vocabulary === 'monai');
const lines = [
  '### Clara 3.x names',
  '',
  ...header,
  ...clara.map(row),
  ...CLARA_NAMES.filter((n) => !known.has(n)).map((n) => `| \`${n}\` | not yet | — | — | — | — | — |`),
  '',
  '### MONAI names (Clara 4, MONAI bundles)',
  '',
  'Each also answers to its `D` and `Dict` spellings (`ToTensorD`, `ToTensorDict`).',
  '',
  '| name | family | args (`?` optional, `=` default) | kind | summary |',
  '|---|---|---|---|---|',
  ...monai.map((d) => `| \`${d.name}\` | ${d.family} | ${describeArgs(d.args)} | ${d.isRandom ? 'random' : 'deterministic'} | ${cell(d.summary)} |`),
];
console.log(lines.join('\n'));
