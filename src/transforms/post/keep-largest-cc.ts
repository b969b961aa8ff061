import { z } from 'zod';
import { VoxelpipeError } from '../../util/errors.js';
import { fieldsArg } from '../args.js';
import { batchCount, channelCount, getImage, spatialShape, voxelsPerChannel, type ChainImage, type Sample } from '../image.js';
import { defineTransform } from '../types.js';

/**
 * Clara's KeepLargestCC (the post transform of its segmentation MMARs;
 * MONAI's KeepLargestConnectedComponent): in a label map, only the largest
 * connected region of each label stays; smaller islands become background
 * (0). Per channel and per crop, so one-hot masks work too.
 *
 * Args besides `fields` are MONAI's: `applied_labels` (default: every
 * non-zero value present), `independent` (each label apart, the default;
 * false: the applied labels together form the foreground whose largest
 * region is kept, labels unchanged), `connectivity` (1: faces, 2: + edges,
 * 3: + corners, MONAI's default full connectivity).
 */

/** Offsets of the neighbours of a voxel for `connectivity` 1..3 on `rank` axes. */
function neighbourhood(rank: number, connectivity: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[]) => {
    if (prefix.length === rank) {
      const moved = prefix.filter((d) => d !== 0).length;
      if (moved > 0 && moved <= connectivity) out.push(prefix);
      return;
    }
    for (const d of [-1, 0, 1]) rec([...prefix, d]);
  };
  rec([]);
  return out;
}

/**
 * Keeps, in `data[off, off + n)` of spatial `shape`, the largest region of
 * voxels for which `member` holds; other member voxels are set to 0. Ties
 * keep the region found first (lowest index). In place.
 */
export function keepLargestRegion(data: { [i: number]: number }, off: number, shape: readonly number[], member: (v: number) => boolean, connectivity: number): void {
  const [X, Y, Z] = [shape[0], shape[1] ?? 1, shape[2] ?? 1];
  const n = X * Y * Z;
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const steps = neighbourhood(shape.length, connectivity);
  let best = 0;
  let bestSize = 0;
  let region = 0;
  for (let start = 0; start < n; start++) {
    if (labels[start] !== 0 || !member(data[off + start])) continue;
    region++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = region;
    while (head < tail) {
      const p = queue[head++];
      const x = p % X;
      const y = Math.floor(p / X) % Y;
      const z = Math.floor(p / (X * Y));
      for (const [dx, dy = 0, dz = 0] of steps) {
        const nx = x + dx;
        const ny = y + dy;
        const nz = z + dz;
        if (nx < 0 || nx >= X || ny < 0 || ny >= Y || nz < 0 || nz >= Z) continue;
        const q = nx + X * (ny + Y * nz);
        if (labels[q] !== 0 || !member(data[off + q])) continue;
        labels[q] = region;
        queue[tail++] = q;
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      best = region;
    }
  }
  for (let i = 0; i < n; i++) if (labels[i] !== 0 && labels[i] !== best) data[off + i] = 0;
}

export function keepLargestComponents(img: ChainImage, appliedLabels: readonly number[] | undefined, independent: boolean, connectivity: number): ChainImage {
  const shape = spatialShape(img);
  if (shape.length > 3) throw new VoxelpipeError('ERR_INVALID_VOLUME', `KeepLargestCC: at most 3 spatial axes, the image has [${shape}]`);
  const out = img.data.slice();
  const n = voxelsPerChannel(img);
  for (let block = 0; block < channelCount(img) * batchCount(img); block++) {
    const off = block * n;
    const present = new Set<number>();
    for (let i = 0; i < n; i++) if (out[off + i] !== 0) present.add(out[off + i]);
    const labels = (appliedLabels ?? [...present]).filter((l) => present.has(l));
    if (independent) for (const l of labels) keepLargestRegion(out, off, shape, (v) => v === l, connectivity);
    else if (labels.length) keepLargestRegion(out, off, shape, (v) => labels.includes(v), connectivity);
  }
  return { ...img, data: out };
}

export const keepLargestCC = defineTransform({
  name: 'KeepLargestCC',
  family: 'post',
  summary: 'Keeps the largest connected region of each label (islands -> 0); per channel; MONAI args applied_labels, independent, connectivity',
  monai: 'KeepLargestConnectedComponentd',
  args: z.strictObject({
    fields: fieldsArg,
    applied_labels: z.union([z.number(), z.array(z.number()).min(1)]).transform((v) => (typeof v === 'number' ? [v] : v)).optional(),
    independent: z.boolean().default(true),
    connectivity: z.number().int().min(1).max(3).default(3),
  }),
  isRandom: false,
  example: { fields: 'model' },
  create: (a) => ({
    fields: a.fields,
    apply(sample: Sample): Sample {
      const out: Sample = { ...sample };
      for (const f of a.fields) out[f] = keepLargestComponents(getImage(sample, f, 'KeepLargestCC'), a.applied_labels, a.independent, a.connectivity);
      return out;
    },
  }),
});
