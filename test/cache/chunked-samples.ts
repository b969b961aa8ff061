// A CT-like prefix output for the chunked-cache tests: int16 image, uint8
// label, its fg/bg index and a plain value, deterministic per seed.
import { ctLikeCase } from '../../src/synthetic/index.js';
import { toChainImage, type Sample } from '../../src/transforms/image.js';
import { computeFgBgIndices } from '../../src/transforms/crop/fg-bg-indices.js';

export function chunkedSample(seed: number, shape: [number, number, number] = [64, 56, 20]): Sample {
  const c = ctLikeCase({ shape, seed, organScale: 2 });
  const label = toChainImage(c.label);
  return { image: toChainImage(c.image), label, label_fg_bg_indices: computeFgBgIndices(label), source: `case_${seed}.nii.gz` };
}
