import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../helpers.js';
import { createSampler } from '../../src/sampling/index.js';

interface RankOutput {
  rank: number;
  worldSize: number;
  source: string;
  runs: { length: number; epoch: number; ids: string[] }[];
}

function findMpirun(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v mpirun'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const mpirun = findMpirun();
const skip = mpirun ? false : 'mpirun not found (install Debian\'s openmpi-bin, as .ci/run does)';
if (skip) console.log(`# skipping the mpirun test: ${skip}`);

test('mpirun -np 2: the two ranks get equal, disjoint shards that cover the datalist', { skip, timeout: 120_000 }, async () => {
  // The ranks must see Open MPI's variables only, not a RANK left in this shell (RANK/WORLD_SIZE would win).
  const env = { ...process.env };
  for (const v of ['RANK', 'WORLD_SIZE', 'PMI_RANK', 'PMI_SIZE']) delete env[v];
  const args = ['--allow-run-as-root', '--oversubscribe', '-np', '2', process.execPath, '--import', 'tsx', 'test/sampling/mpi-shard.ts'];
  const { stdout } = await promisify(execFile)(mpirun!, [...args, '--lengths', '10,11', '--epochs', '0,1', '--seed', '7'], { cwd: ROOT, env });
  const outputs: RankOutput[] = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RankOutput)
    .sort((a, b) => a.rank - b.rank);
  assert.deepEqual(outputs.map((o) => [o.rank, o.worldSize, o.source]), [
    [0, 2, 'OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE'],
    [1, 2, 'OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE'],
  ]);
  const [a, b] = outputs;
  assert.equal(a.runs.length, 4);
  for (let k = 0; k < a.runs.length; k++) {
    const { length, epoch } = a.runs[k];
    const ids0 = a.runs[k].ids, ids1 = b.runs[k].ids;
    const what = `${length} items, epoch ${epoch}`;
    assert.equal(ids0.length, Math.ceil(length / 2), what);
    assert.equal(ids1.length, ids0.length, what);
    const all = Array.from({ length }, (_, i) => `case_${String(i).padStart(3, '0')}`);
    assert.deepEqual([...new Set([...ids0, ...ids1])].sort(), all, `${what}: the shards cover the list`);
    const shared = ids0.filter((id) => ids1.includes(id));
    if (length % 2 === 0) assert.deepEqual(shared, [], `${what}: the shards are disjoint`);
    else {
      // Odd length: the one padding entry wraps around to the first item of the global order.
      const first = createSampler(all.map(() => ({})), { seed: 7, shuffle: true, duplicateCount: 1 }).globalOrder(epoch)[0];
      assert.deepEqual(shared, [all[first]], `${what}: only the wrap-around entry repeats`);
    }
  }
  assert.notDeepEqual(a.runs[0].ids, a.runs[1].ids, 'the shard changes with the epoch');
});
