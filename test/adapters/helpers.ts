// Shared by the adapter tests: a small real pipeline, and optional packages.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../../src/io/index.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';

const TEST_TRANSFORMS = fileURLToPath(new URL('../pipeline/workers/test-transforms.ts', import.meta.url));
const requireHere = createRequire(import.meta.url);

/** The package if installed (scripts/install-optional.sh), else undefined. */
export function optional<T>(name: string): T | undefined {
  try {
    return requireHere(name) as T;
  } catch {
    return undefined;
  }
}

/** Reason to skip a test when `names` are not all installed, or false. */
export function skipUnless(...names: string[]): string | false {
  const missing = names.filter((n) => optional(n) === undefined);
  return missing.length ? `${missing.join(', ')} not installed (run scripts/install-optional.sh)` : false;
}

/** `n` image/label pairs of shape [6, 5, 4]: image = item*1000 + voxel index, label = voxel index % 3. */
export function makeItems(dir: string, n: number): { image: string; label: string }[] {
  const shape = [6, 5, 4];
  const len = 6 * 5 * 4;
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const items = [];
  for (let s = 0; s < n; s++) {
    const img = new Float32Array(len);
    const lab = new Uint8Array(len);
    for (let v = 0; v < len; v++) {
      img[v] = s * 1000 + v;
      lab[v] = v % 3;
    }
    const image = join(dir, `img${s}.nii`);
    const label = join(dir, `lab${s}.nii`);
    writeNifti(image, { data: img, shape, dtype: 'float32', spacing: [1, 1, 1], affine, meta: {} });
    writeNifti(label, { data: lab, shape, dtype: 'uint8', spacing: [1, 1, 1], affine, meta: {} });
    items.push({ image, label });
  }
  return items;
}

/** A pipeline of random [4, 3, 2] crops over `items`, on the calling thread. */
export function smallPipeline(items: Record<string, unknown>[], over: Partial<PipelineOptions> = {}) {
  return createPipeline({
    items,
    extraTransforms: TEST_TRANSFORMS,
    transforms: [
      { name: 'TestLoad', args: { fields: ['image', 'label'] } },
      { name: 'TestRandomCrop', args: { fields: ['image', 'label'], size: [4, 3, 2] } },
    ],
    cropSize: [4, 3, 2],
    batchSize: 2,
    workers: 0,
    prefetch: 1,
    seed: 7,
    ...over,
  });
}
