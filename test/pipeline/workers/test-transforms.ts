// Transforms used only by the pipeline tests (loaded through `extraTransforms`).
import { existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { readVolume } from '../../../src/io/index.js';
import { defineTransform, type TransformDefinition } from '../../../src/transforms/types.js';
import { fieldsArg } from '../../../src/transforms/args.js';
import { getImage, spatialShape, toChainImage, type ChainImage } from '../../../src/transforms/image.js';

const TestLoad = defineTransform({
  name: 'TestLoad', family: 'test', summary: 'read image files', isRandom: false,
  args: z.strictObject({ fields: fieldsArg, delay_ms: z.number().min(0).default(0) }),
  create: ({ fields, delay_ms }) => ({
    fields,
    apply: (s) => {
      // Busy-wait: stands for a slow read, to test scheduling.
      const until = performance.now() + delay_ms;
      while (performance.now() < until);
      const out = { ...s };
      for (const f of fields) out[f] = toChainImage(readVolume(String(s[f])));
      return out;
    },
  }),
});

/** Random crop of `size` (3D), `batch_size` crops, same place in every field. */
const TestRandomCrop = defineTransform({
  name: 'TestRandomCrop', family: 'test', summary: 'random crops', isRandom: true,
  args: z.strictObject({ fields: fieldsArg, size: z.array(z.number().int()).length(3), batch_size: z.number().int().min(1).default(1) }),
  create: ({ fields, size, batch_size }) => ({
    fields,
    apply: (s, ctx) => {
      const out = { ...s };
      const ref = getImage(s, fields[0], 'TestRandomCrop');
      const sp = spatialShape(ref);
      const starts = Array.from({ length: batch_size }, () => sp.map((d, a) => ctx.rng.int(0, d - size[a] + 1)));
      for (const f of fields) {
        const img = getImage(s, f, 'TestRandomCrop');
        const C = img.shape[3];
        const n = size[0] * size[1] * size[2];
        const data = new Float32Array(n * C * batch_size);
        let o = 0;
        for (let b = 0; b < batch_size; b++)
          for (let c = 0; c < C; c++)
            for (let k = 0; k < size[2]; k++)
              for (let j = 0; j < size[1]; j++)
                for (let i = 0; i < size[0]; i++) {
                  const [x, y, z] = [i + starts[b][0], j + starts[b][1], k + starts[b][2]];
                  data[o++] = img.data[x + sp[0] * (y + sp[1] * (z + sp[2] * c))];
                }
        const crop: ChainImage = { ...img, data, shape: batch_size > 1 ? [...size, C, batch_size] : [...size, C], batched: batch_size > 1 };
        out[f] = crop;
      }
      return out;
    },
  }),
});

/** Throws for items whose image path contains "bad". */
const TestFailOnBad = defineTransform({
  name: 'TestFailOnBad', family: 'test', summary: 'fails on purpose', isRandom: false,
  args: z.strictObject({}),
  create: () => ({
    fields: [],
    apply: (s) => {
      if (String(s.source ?? s.image).includes('bad')) throw new Error('planted transform failure');
      return s;
    },
  }),
});

/** Kills its worker thread the first time it sees an item with `crash_marker` (a file path it then creates). */
const TestCrashOnce = defineTransform({
  name: 'TestCrashOnce', family: 'test', summary: 'crashes a worker once', isRandom: false,
  args: z.strictObject({}),
  create: () => ({
    fields: [],
    apply: (s) => {
      const marker = s.crash_marker;
      if (typeof marker === 'string' && !existsSync(marker)) {
        writeFileSync(marker, 'crashed');
        process.exit(7);
      }
      return s;
    },
  }),
});

export const definitions: TransformDefinition[] = [TestLoad, TestRandomCrop, TestFailOnBad, TestCrashOnce];
