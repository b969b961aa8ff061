/**
 * Writes docs/preview-example.png: the preview of a synthetic CT-like volume
 * (air, an elliptic body, a spine, a liver and a spleen) with its label.
 * Run: node --import tsx scripts/make-preview-example.ts [out.png]
 */
import { writeFileSync } from 'node:fs';
import { rngFor } from '../src/util/rng.js';
import { renderPreview } from '../src/preview/index.js';
import type { ChainImage } from '../src/transforms/image.js';

const [X, Y, Z] = [128, 112, 72];
const spacing = [1.5, 1.5, 2.5];
// A typical CT affine: voxel axes run towards patient Left, Posterior, Superior (LPS),
// so the renderer has to flip i and j to draw the patient's right on the right.
const affine = [
  [-spacing[0], 0, 0, 96],
  [0, -spacing[1], 0, 84],
  [0, 0, spacing[2], -90],
  [0, 0, 0, 1],
];

/** World (RAS, mm) position of voxel (i, j, k). */
const world = (i: number, j: number, k: number) => [affine[0][0] * i + affine[0][3], affine[1][1] * j + affine[1][3], affine[2][2] * k + affine[2][3]];
const inEllipsoid = (p: number[], c: number[], r: number[]) => ((p[0] - c[0]) / r[0]) ** 2 + ((p[1] - c[1]) / r[1]) ** 2 + ((p[2] - c[2]) / r[2]) ** 2 <= 1;

const image = new Float32Array(X * Y * Z);
const label = new Uint8Array(X * Y * Z);
const noise = new Float32Array(X * Y * Z);
rngFor(2026, 0, 0, 0).fillNormal(noise, 0, 18);
for (let k = 0; k < Z; k++)
  for (let j = 0; j < Y; j++)
    for (let i = 0; i < X; i++) {
      const v = i + X * (j + Y * k);
      const p = world(i, j, k);
      let hu = -1000;
      if (((p[0] - 0) / 85) ** 2 + ((p[1] - 0) / 62) ** 2 <= 1) hu = 35; // body (soft tissue)
      if (((p[0] - 0) / 80) ** 2 + ((p[1] - 0) / 57) ** 2 <= 1 && ((p[0] - 0) / 72) ** 2 + ((p[1] - 0) / 50) ** 2 > 1) hu = -90; // fat ring
      if (((p[0] - 0) / 9) ** 2 + ((p[1] + 40) / 9) ** 2 <= 1) hu = 650; // vertebra
      if (inEllipsoid(p, [38, 2, 5], [30, 34, 60])) hu = 60; // liver: patient's right (RAS+: x > 0)
      if (inEllipsoid(p, [-45, -20, 15], [16, 22, 35])) hu = 48; // spleen: patient's left, posterior
      image[v] = hu + noise[v];
      if (inEllipsoid(p, [38, 2, 5], [30, 34, 60])) label[v] = 1;
      if (inEllipsoid(p, [-45, -20, 15], [16, 22, 35])) label[v] = 2;
    }

const vol = (data: Float32Array | Uint8Array, dtype: 'float32' | 'uint8'): ChainImage => ({
  data, shape: [X, Y, Z, 1], dtype, spacing: [...spacing, 1], affine, meta: {}, batched: false,
});
const preview = renderPreview(vol(image, 'float32'), vol(label, 'uint8'), {
  window: [-160, 240],
  labels: { '0': 'background', '1': 'liver', '2': 'spleen' },
  axialSlices: 6,
  panelSize: 200,
  title: 'synthetic CT 128x112x72, LPS affine',
});
const out = process.argv[2] ?? new URL('../docs/preview-example.png', import.meta.url).pathname;
writeFileSync(out, preview.png);
console.log(`${out}: ${preview.width}x${preview.height}, ${preview.png.length} bytes`);
