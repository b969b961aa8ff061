import type { Volume, VolumeMeta } from '../../volume/volume.js';

/**
 * A 2D picture as a Volume: shape [W, H] (x = column, y = row, first axis
 * fastest, so rows are copied as they are) or [W, H, C] with planar
 * channels; identity affine, spacing 1. `src` holds `stride` interleaved
 * samples per pixel, of which `pick` are kept.
 */
export function image2d(
  src: Uint8Array | Uint16Array,
  stride: number,
  pick: number[],
  width: number,
  height: number,
  dtype: 'uint8' | 'uint16',
  meta: VolumeMeta,
): Volume {
  const n = width * height;
  const c = pick.length;
  const out = dtype === 'uint16' ? new Uint16Array(n * c) : new Uint8Array(n * c);
  for (let k = 0; k < c; k++) {
    const base = k * n;
    for (let i = 0, s = pick[k]; i < n; i++, s += stride) out[base + i] = src[s];
  }
  const shape = c === 1 ? [width, height] : [width, height, c];
  return {
    data: out,
    shape,
    dtype,
    spacing: shape.map(() => 1),
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
    meta: { ...meta, ...(c > 1 ? { channels: c } : {}) },
  };
}
