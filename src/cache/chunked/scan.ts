import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ITEM_SUFFIX, VERSION_DIR_PREFIX, versionDir } from './format.js';

/** Files of a chunked cache folder, by kind. Only names the store writes are recognised; nothing else is ever touched. */
export interface ScannedFile {
  path: string;
  /** The fan-out folder it is in. */
  dir: string;
  kind: 'item' | 'stale' | 'temp';
  /** Key (items and stale items). */
  key?: string;
  stat: Stats;
}

const FANOUT_PATTERN = /^[0-9a-z_-]{2}$/;
const TEMP_PATTERN = /^\..+\.vxk\.\d+\.[0-9a-f]+\.tmp$/;
const VERSION_PATTERN = new RegExp(`^${VERSION_DIR_PREFIX}\\d+$`);

/** Every item, stale-version item and temporary file under `root` (sorted, so scans are deterministic). */
export function scanStore(root: string): ScannedFile[] {
  const out: ScannedFile[] = [];
  const current = versionDir();
  for (const v of list(root)) {
    if (!VERSION_PATTERN.test(v)) continue;
    for (const sub of list(join(root, v))) {
      if (!FANOUT_PATTERN.test(sub)) continue;
      const dir = join(root, v, sub);
      for (const name of list(dir)) {
        const temp = TEMP_PATTERN.test(name);
        if (!temp && !name.endsWith(ITEM_SUFFIX)) continue;
        const path = join(dir, name);
        let stat: Stats;
        try {
          stat = statSync(path);
        } catch {
          continue; // removed meanwhile (another process evicting or clearing)
        }
        if (!stat.isFile()) continue;
        const kind = temp ? 'temp' : v === current ? 'item' : 'stale';
        out.push({ path, dir, kind, key: temp ? undefined : name.slice(0, -ITEM_SUFFIX.length), stat });
      }
    }
  }
  return out;
}

/** Fan-out folders of every version (for removing empty ones). */
export function fanoutDirs(root: string): string[] {
  const out: string[] = [];
  for (const v of list(root)) {
    if (!VERSION_PATTERN.test(v)) continue;
    for (const sub of list(join(root, v))) if (FANOUT_PATTERN.test(sub)) out.push(join(root, v, sub));
    out.push(join(root, v));
  }
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
