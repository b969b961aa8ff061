import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The Python the tests use: $VOXELPIPE_PYTHON, else Debian's /usr/bin/python3
 * (where apt's python3-numpy and python3-torch land), else `python3` on PATH;
 * the first of them that imports numpy. `reason` says why there is none.
 */
export function findPython(): { python?: string; torch: boolean; reason?: string } {
  const candidates = [process.env.VOXELPIPE_PYTHON, existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined, 'python3'].filter((x): x is string => !!x);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    if (r.status === 0) return { python, torch: spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0 };
  }
  return { torch: false, reason: `no Python 3 with numpy (tried ${candidates.join(', ')}; Debian: apt-get install python3-numpy, or set VOXELPIPE_PYTHON)` };
}
