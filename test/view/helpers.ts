import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { createPipeline, type Pipeline } from '../../src/pipeline/engine.js';
import { pipelineOptionsFromSpec } from '../../src/pipeline/from-config.js';
import { DEMO_SIZES, writeDemoMmar, type DemoMmar, type DemoTask } from '../../src/synthetic/mmar.js';
import { datalistLabels } from '../../src/cli/common.js';
import { startViewServer, type ViewServer } from '../../src/view/index.js';
import type { ChainStep } from '../../src/transforms/chain.js';
import type { Sample } from '../../src/transforms/image.js';
import { tempDir } from '../helpers.js';

type T = { after: (fn: () => void | Promise<void>) => void };

/** The small demo MMAR (the README's `voxelpipe demo` data) in a temp folder. */
export function demoMmar(t: T, task: DemoTask = 'segmentation'): DemoMmar {
  return writeDemoMmar(join(tempDir(t), 'mmar'), task, DEMO_SIZES.small, 0);
}

/**
 * A custom transform that throws on the volume named `spleen_1` (the error a
 * user's own code might raise on one bad case), put right after
 * ScaleIntensityRange in the demo's training chain.
 */
export function withFailingTransform(m: DemoMmar): { failing: string } {
  writeFileSync(
    join(m.root, 'boom.js'),
    `export class Boom {
  constructor() { this.fields = ['image']; }
  is_deterministic() { return true; }
  apply(sample) {
    if (String(sample.image.meta.filename).includes('spleen_1.')) throw new Error('Boom: this case is corrupt\\nsecond line');
    return sample;
  }
}
`,
  );
  const cfg = JSON.parse(readFileSync(m.config, 'utf8'));
  const chain = cfg.train.pre_transforms as unknown[];
  chain.splice(3, 0, { path: './boom.js#Boom' });
  writeFileSync(m.config, JSON.stringify(cfg, null, 2));
  return { failing: 'spleen_1.' };
}

/** The section's pipeline as training makes it (workers 0), for comparisons. */
export function trainingPipeline(m: DemoMmar, section: 'train' | 'validate' = 'train'): Pipeline {
  const config = loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  return createPipeline(pipelineOptionsFromSpec(config, config[section]!, { seed: 0, workers: 0 }));
}

/** Every step's output of one sample, straight from the engine. */
export async function stepsOf(p: Pipeline, e: number, i: number): Promise<{ steps: ChainStep[]; out: Sample }> {
  const steps: ChainStep[] = [];
  const out = await p.sample(e, i, { onStep: (s) => steps.push(s) });
  return { steps, out };
}

/** A viewer on the MMAR, on a free port, closed when the test ends. */
export async function viewer(t: T, m: DemoMmar, section: 'train' | 'validate' = 'train', memoryBudget?: number): Promise<ViewServer> {
  const config = loadConfig({ config: m.config, mmar: m.root, registry: createDefaultRegistry() });
  const spec = config[section]!;
  const s = await startViewServer({ config, spec, labels: datalistLabels(spec.datalist.file), seed: 0, port: 0, memoryBudget });
  t.after(() => s.close());
  return s;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path exactly as given (fetch would normalise `..`), and any Host header. */
export function raw(url: string, path: string, options: { method?: string; host?: string } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function json<T = any>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as T };
}
