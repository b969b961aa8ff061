import { rngFor } from '../util/rng.js';
import type { Volume } from '../volume/volume.js';

/**
 * Deterministic CT-like volumes with organ-like labels, for the demo, the
 * benchmark and tests: a body ellipse of soft tissue in air, a spine, a
 * liver-like and a spleen-like ellipsoid, and scanner noise, in Hounsfield
 * units (int16). The label marks the spleen (1) and, optionally, the liver (2).
 * Same options + seed -> same bytes.
 */
export interface CtLikeOptions {
  shape: [number, number, number];
  /** Voxel size in mm (default 0.8 x 0.8 x 2.5, as abdominal CT). */
  spacing?: [number, number, number];
  seed?: number;
  /** Case number: moves and resizes the organs a little. */
  index?: number;
  /** Also label the liver as 2 (default: spleen only, as the MSD spleen task). */
  liver?: boolean;
  /** Spleen size relative to the default (~1% of voxels at 512x512xZ). */
  organScale?: number;
}

/** Stream ids of the generator, apart from the sampler's and the transforms'. */
const SYNTH_STREAM = 0xfffffff8;

export function ctLikeCase(o: CtLikeOptions): { image: Volume; label: Volume } {
  const [X, Y, Z] = o.shape;
  const spacing = o.spacing ?? [0.8, 0.8, 2.5];
  const rng = rngFor(o.seed ?? 0, 0, o.index ?? 0, SYNTH_STREAM);
  const jitter = (s: number) => 1 + s * (rng.random() * 2 - 1);
  const scale = o.organScale ?? 1;
  // Organ centres and radii as fractions of the field of view (RAS: x left->right).
  const spleen = { c: [0.7 * jitter(0.05), 0.62 * jitter(0.05), 0.5 * jitter(0.1)], r: [0.094 * scale * jitter(0.15), 0.11 * scale * jitter(0.15), 0.24 * scale * jitter(0.15)] };
  const liver = { c: [0.32 * jitter(0.04), 0.45 * jitter(0.04), 0.55], r: [0.17 * jitter(0.1), 0.14 * jitter(0.1), 0.3 * jitter(0.1)] };
  const image = new Int16Array(X * Y * Z);
  const label = new Uint8Array(X * Y * Z);
  // Cheap deterministic noise: a per-volume LCG, far faster than normal draws per voxel.
  let state = rng.uint32() | 1;
  for (let k = 0; k < Z; k++) {
    const z = (k + 0.5) / Z;
    for (let j = 0; j < Y; j++) {
      const y = (j + 0.5) / Y;
      const dy = (y - 0.5) / 0.36;
      for (let i = 0; i < X; i++) {
        const x = (i + 0.5) / X;
        const o2 = i + X * (j + Y * k);
        const dx = (x - 0.5) / 0.45;
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const noise = ((state >>> 22) - 512) / 40; // about +-13 HU
        let hu = -1000 + noise;
        let lab = 0;
        if (dx * dx + dy * dy < 1) {
          hu = 40 + noise;
          const sx = (x - 0.5) / 0.05;
          const sy = (y - 0.78) / 0.06;
          if (sx * sx + sy * sy < 1) hu = 700 + noise * 4; // spine
          if (inside(x, y, z, liver.c, liver.r)) {
            hu = 60 + noise;
            if (o.liver) lab = 2;
          }
          if (inside(x, y, z, spleen.c, spleen.r)) {
            hu = 110 + noise;
            lab = 1;
          }
        }
        image[o2] = Math.round(hu);
        label[o2] = lab;
      }
    }
  }
  const affine = [
    [spacing[0], 0, 0, -(X - 1) * spacing[0] / 2],
    [0, spacing[1], 0, -(Y - 1) * spacing[1] / 2],
    [0, 0, spacing[2], -(Z - 1) * spacing[2] / 2],
    [0, 0, 0, 1],
  ];
  const meta = { description: 'voxelpipe synthetic CT-like volume' };
  return {
    image: { data: image, shape: [X, Y, Z], dtype: 'int16', spacing: [...spacing], affine, meta },
    label: { data: label, shape: [X, Y, Z], dtype: 'uint8', spacing: [...spacing], affine: affine.map((r) => r.slice()), meta: { ...meta } },
  };
}

function inside(x: number, y: number, z: number, c: number[], r: number[]): boolean {
  const a = (x - c[0]) / r[0];
  const b = (y - c[1]) / r[1];
  const d = (z - c[2]) / r[2];
  return a * a + b * b + d * d < 1;
}
