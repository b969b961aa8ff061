/**
 * Worker side of the reproducibility test: builds the same chain from the
 * same entries and applies it to the same samples and keys, then sends back
 * each image field's bytes and the provenance.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createChainAsync, type ChainEntry, type ChainKey } from '../../../src/transforms/chain.js';
import { isChainImage, type Sample } from '../../../src/transforms/image.js';
import { PROVENANCE } from '../../../src/transforms/provenance.js';
import { testRegistry } from './helpers.js';

export interface WorkerJob {
  entries: ChainEntry[];
  root: string;
  runs: { sample: Sample; key: ChainKey }[];
}

export type Digest = { fields: Record<string, { shape: number[]; bytes: Uint8Array }>; provenance: unknown };

/** The comparable content of a transformed sample. */
export function digest(s: Sample): Digest {
  const fields: Digest['fields'] = {};
  for (const [k, v] of Object.entries(s))
    if (isChainImage(v)) fields[k] = { shape: v.shape, bytes: new Uint8Array(v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.byteLength)) };
  return { fields, provenance: JSON.parse(JSON.stringify(s[PROVENANCE])) };
}

if (parentPort) {
  const job = workerData as WorkerJob;
  const chain = await createChainAsync(job.entries, { registry: testRegistry(), root: job.root });
  parentPort.postMessage(job.runs.map((r) => digest(chain.apply(r.sample, r.key))));
}
