import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';

/**
 * The cache's use over its lifetime, across processes: each store instance
 * adds what it counted since its last flush as one small file
 * `usage/<time>-<pid>-<random>.json` (written atomically, never rewritten),
 * and readers sum the files. When there are many, a reader merges them:
 * it claims each file by renaming it (a rename succeeds for one process
 * only), writes their sum as a new file and removes the claimed ones, so
 * two merging readers never count a file twice.
 *
 * Counts of a process killed before it flushed are lost: the hit rate is
 * that of the flushed lookups.
 */
export interface Usage {
  hits: number;
  misses: number;
  corrupt: number;
  evicted: number;
  refused: number;
}

export const USAGE_DIR = 'usage';
const USAGE_KEYS: readonly (keyof Usage)[] = ['hits', 'misses', 'corrupt', 'evicted', 'refused'];
const FILE_PATTERN = /^\d+-\d+-[0-9a-f]+\.json$/;
/** Files beyond which a reader merges them. */
const MERGE_ABOVE = 32;

export function emptyUsage(): Usage {
  return { hits: 0, misses: 0, corrupt: 0, evicted: 0, refused: 0 };
}

function fileName(): string {
  return `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
}

/** Adds `delta` to the folder's usage (nothing when it is all zero). Never throws: usage is a statistic. */
export function recordUsage(root: string, delta: Usage): void {
  if (USAGE_KEYS.every((k) => delta[k] === 0)) return;
  try {
    const dir = join(root, USAGE_DIR);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, fileName()), [Buffer.from(JSON.stringify(delta))]);
  } catch {
    // Read-only or removed cache folder: the counts are lost, the cache still works.
  }
}

/** The folder's usage so far (merging the files when there are many and the folder is writable). */
export function readUsage(root: string): Usage {
  const dir = join(root, USAGE_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_PATTERN.test(n)).sort();
  } catch {
    return emptyUsage();
  }
  if (names.length > MERGE_ABOVE) return merge(dir, names);
  const total = emptyUsage();
  for (const n of names) add(total, readOne(join(dir, n)));
  return total;
}

function merge(dir: string, names: string[]): Usage {
  const total = emptyUsage();
  const claimed: { claim: string; name: string }[] = [];
  for (const name of names) {
    const claim = join(dir, `.claim-${process.pid}-${randomBytes(4).toString('hex')}-${name}`);
    try {
      renameSync(join(dir, name), claim);
    } catch {
      continue; // another reader claimed it: its sum will hold it
    }
    claimed.push({ claim, name });
    add(total, readOne(claim));
  }
  try {
    writeFileAtomic(join(dir, fileName()), [Buffer.from(JSON.stringify(total))]);
    for (const c of claimed) rmSync(c.claim, { force: true });
  } catch {
    // Could not write the sum: give the claimed files back.
    for (const c of claimed) {
      try {
        renameSync(c.claim, join(dir, c.name));
      } catch {
        // Left as a claim file: no longer counted (a statistic lost, nothing else).
      }
    }
  }
  // The sum and whatever other processes flushed or merged meanwhile.
  const now = emptyUsage();
  for (const n of readdirSync(dir).filter((f) => FILE_PATTERN.test(f))) add(now, readOne(join(dir, n)));
  return now;
}

function readOne(path: string): Partial<Usage> {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const out: Partial<Usage> = {};
    for (const k of USAGE_KEYS) if (typeof v[k] === 'number' && Number.isSafeInteger(v[k]) && (v[k] as number) >= 0) out[k] = v[k] as number;
    return out;
  } catch {
    return {};
  }
}

function add(total: Usage, u: Partial<Usage>): void {
  for (const k of USAGE_KEYS) total[k] += u[k] ?? 0;
}
