/**
 * Run by mpirun from mpirun.test.ts: each rank reads its rank from the
 * environment, computes its shard of a few datalists and epochs, and prints
 * one JSON line with the sample ids it would process.
 *
 *   mpirun -np 2 node --import tsx test/sampling/mpi-shard.ts --lengths 10,11 --epochs 0,1 --seed 7
 */
import { parseArgs } from 'node:util';
import { createSampler, rankFromEnv } from '../../src/sampling/index.js';

const { values } = parseArgs({
  options: { lengths: { type: 'string', default: '10' }, epochs: { type: 'string', default: '0' }, seed: { type: 'string', default: '0' } },
});
const list = (s: string) => s.split(',').map(Number);
const { rank, worldSize, source } = rankFromEnv();
const runs = [];
for (const length of list(values.lengths)) {
  const items = Array.from({ length }, (_, i) => ({ name: `case_${String(i).padStart(3, '0')}` }));
  const sampler = createSampler(items, { seed: Number(values.seed), shuffle: true, duplicateCount: 1, rank, worldSize });
  for (const epoch of list(values.epochs)) runs.push({ length, epoch, ids: sampler.order(epoch).map((i) => items[i].name) });
}
process.stdout.write(`${JSON.stringify({ rank, worldSize, source, runs })}\n`);
