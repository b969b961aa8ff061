/**
 * Rank and world size of this process, from the launcher's environment.
 *
 * Conventions, first match wins:
 * 1. torchrun / torch.distributed: RANK, WORLD_SIZE;
 * 2. Open MPI's mpirun: OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE;
 * 3. PMI (MPICH, Intel MPI, Slurm's srun): PMI_RANK, PMI_SIZE.
 * torchrun comes first because it is always the innermost launcher: under
 * `srun torchrun ...` or `mpirun torchrun ...` the PMI / Open MPI variables
 * count nodes, while RANK / WORLD_SIZE count the training processes.
 * With none of them set: rank 0 of 1.
 */
import { VoxelpipeError } from '../util/errors.js';

export interface RankInfo {
  rank: number;
  worldSize: number;
  /** Where the numbers came from: "RANK/WORLD_SIZE", "OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE", "PMI_RANK/PMI_SIZE", "options" or "default". */
  source: string;
}

const CONVENTIONS = [
  ['RANK', 'WORLD_SIZE'],
  ['OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE'],
  ['PMI_RANK', 'PMI_SIZE'],
] as const;

function present(env: NodeJS.ProcessEnv, name: string): boolean {
  // An empty variable (`export RANK=`) counts as unset, as shells make it easy to produce.
  return env[name] !== undefined && env[name] !== '';
}

function parseCount(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name]!;
  const v = Number(raw.trim());
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(v))
    throw new VoxelpipeError('ERR_CONFIG', `environment variable ${name}=${JSON.stringify(raw)}: expected a whole number >= 0`);
  return v;
}

/** Reads rank and world size from `env` (default `process.env`); throws a one-line error naming the bad variable. */
export function rankFromEnv(env: NodeJS.ProcessEnv = process.env): RankInfo {
  for (const [rankVar, sizeVar] of CONVENTIONS) {
    const hasRank = present(env, rankVar), hasSize = present(env, sizeVar);
    if (!hasRank && !hasSize) continue;
    if (!hasSize || !hasRank) {
      const [set, unset] = hasRank ? [rankVar, sizeVar] : [sizeVar, rankVar];
      throw new VoxelpipeError('ERR_CONFIG', `environment variable ${set} is set but ${unset} is not; a launcher sets both`);
    }
    const rank = parseCount(env, rankVar);
    const worldSize = parseCount(env, sizeVar);
    if (worldSize < 1) throw new VoxelpipeError('ERR_CONFIG', `environment variable ${sizeVar}=${JSON.stringify(env[sizeVar])}: expected a whole number >= 1`);
    if (rank >= worldSize)
      throw new VoxelpipeError('ERR_CONFIG', `environment variable ${rankVar}=${rank} is not below ${sizeVar}=${worldSize}`);
    return { rank, worldSize, source: `${rankVar}/${sizeVar}` };
  }
  return { rank: 0, worldSize: 1, source: 'default' };
}

/** Explicit `rank`/`worldSize` options when given (both), else the environment's. */
export function resolveRank(options: { rank?: number; worldSize?: number }, env: NodeJS.ProcessEnv = process.env): RankInfo {
  const hasRank = options.rank != null, hasWorld = options.worldSize != null;
  if (hasRank && hasWorld) return { rank: options.rank!, worldSize: options.worldSize!, source: 'options' };
  // Half an explicit setting would silently give every rank the same shard.
  if (hasRank || hasWorld)
    throw new VoxelpipeError('ERR_CONFIG', `${hasRank ? 'rank' : 'world_size'} is given without ${hasRank ? 'world_size' : 'rank'}; set both or neither`);
  return rankFromEnv(env);
}
