import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankFromEnv, resolveRank } from '../../src/sampling/index.js';
import { assertVoxelpipeError } from '../helpers.js';

test('each launcher convention', () => {
  assert.deepEqual(rankFromEnv({}), { rank: 0, worldSize: 1, source: 'default' });
  assert.deepEqual(rankFromEnv({ OMPI_COMM_WORLD_RANK: '3', OMPI_COMM_WORLD_SIZE: '4' }), {
    rank: 3,
    worldSize: 4,
    source: 'OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE',
  });
  assert.deepEqual(rankFromEnv({ PMI_RANK: '1', PMI_SIZE: '2' }), { rank: 1, worldSize: 2, source: 'PMI_RANK/PMI_SIZE' });
  assert.deepEqual(rankFromEnv({ RANK: '0', WORLD_SIZE: '8', LOCAL_RANK: '0' }), { rank: 0, worldSize: 8, source: 'RANK/WORLD_SIZE' });
});

test('torchrun inside an MPI or Slurm allocation: RANK/WORLD_SIZE (the innermost launcher) win', () => {
  const env = { PMI_RANK: '1', PMI_SIZE: '2', OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', RANK: '5', WORLD_SIZE: '8' };
  assert.deepEqual(rankFromEnv(env), { rank: 5, worldSize: 8, source: 'RANK/WORLD_SIZE' });
  assert.equal(rankFromEnv({ PMI_RANK: '1', PMI_SIZE: '2', OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '3' }).source, 'OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE');
});

test('empty variables count as unset', () => {
  assert.deepEqual(rankFromEnv({ RANK: '', WORLD_SIZE: '', PMI_RANK: '0', PMI_SIZE: '1' }).source, 'PMI_RANK/PMI_SIZE');
});

test('bad values: one-line errors naming the variable', () => {
  const bad = (env: NodeJS.ProcessEnv, text: string) => assert.equal(assertVoxelpipeError(() => rankFromEnv(env), 'ERR_CONFIG').message, text);
  bad({ OMPI_COMM_WORLD_RANK: 'x', OMPI_COMM_WORLD_SIZE: '2' }, 'environment variable OMPI_COMM_WORLD_RANK="x": expected a whole number >= 0');
  bad({ PMI_RANK: '-1', PMI_SIZE: '2' }, 'environment variable PMI_RANK="-1": expected a whole number >= 0');
  bad({ RANK: '1.5', WORLD_SIZE: '2' }, 'environment variable RANK="1.5": expected a whole number >= 0');
  bad({ RANK: '0', WORLD_SIZE: '0' }, 'environment variable WORLD_SIZE="0": expected a whole number >= 1');
  bad({ RANK: '2', WORLD_SIZE: '2' }, 'environment variable RANK=2 is not below WORLD_SIZE=2');
  bad({ OMPI_COMM_WORLD_RANK: '1' }, 'environment variable OMPI_COMM_WORLD_RANK is set but OMPI_COMM_WORLD_SIZE is not; a launcher sets both');
  bad({ WORLD_SIZE: '4' }, 'environment variable WORLD_SIZE is set but RANK is not; a launcher sets both');
});

test('explicit options win over the environment; half of them is an error', () => {
  const env = { RANK: '1', WORLD_SIZE: '2' };
  assert.deepEqual(resolveRank({ rank: 0, worldSize: 4 }, env), { rank: 0, worldSize: 4, source: 'options' });
  assert.deepEqual(resolveRank({}, env), { rank: 1, worldSize: 2, source: 'RANK/WORLD_SIZE' });
  assertVoxelpipeError(() => resolveRank({ rank: 1 }, env), 'ERR_CONFIG', ['rank is given without world_size; set both or neither']);
});
