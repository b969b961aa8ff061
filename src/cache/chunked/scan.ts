import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ITEM_SUFFIX, VERSION_DIR_PREFIX, versionDir } from './format.js';
import type { ItemHost } from './item.js';
import { openItem } from './parse.js';

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

/** A temporary file older than this belongs to a writer that died: eviction removes it. */
export const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * The order eviction removes files in: items of other versions, then
 * temporary files older than TEMP_MAX_AGE_MS (younger ones may be writes in
 * progress), then items by last use (mtime: `open` and `put` set it),
 * oldest first. `keep` paths are never candidates.
 */
export function evictionOrder(files: readonly ScannedFile[], keep: readonly string[], now: number): ScannedFile[] {
  const rank = (f: ScannedFile): number => (f.kind === 'stale' ? 0 : f.kind === 'temp' ? 1 : 2);
  return files
    .filter((f) => !keep.includes(f.path) && (f.kind !== 'temp' || now - f.stat.mtimeMs > TEMP_MAX_AGE_MS))
    .sort((a, b) => rank(a) - rank(b) || a.stat.mtimeMs - b.stat.mtimeMs || (a.path < b.path ? -1 : 1));
}

export interface Census {
  items: number;
  bytes: number;
  rawBytes: number;
  stale: number;
  staleBytes: number;
  tempFiles: number;
  tempBytes: number;
}

/**
 * What the folder holds: items of this version that open (their bytes, and
 * their voxels' and indices' bytes uncompressed, from each trailer), items
 * that are stale (another version, or not opening) and temporary files.
 * Reads each item's header and trailer; counts and reports nothing.
 */
export function census(root: string, host: ItemHost): Census {
  const quiet: ItemHost = { ...host, corrupt: () => {}, lost: () => {}, count: () => {}, countBytes: () => {} };
  const c: Census = { items: 0, bytes: 0, rawBytes: 0, stale: 0, staleBytes: 0, tempFiles: 0, tempBytes: 0 };
  for (const f of scanStore(root)) {
    if (f.kind === 'temp') {
      c.tempFiles++;
      c.tempBytes += f.stat.size;
      continue;
    }
    const r = f.kind === 'item' && f.key ? openItem(quiet, f.path, f.key) : undefined;
    if (r && 'item' in r) {
      c.items++;
      c.bytes += f.stat.size;
      for (const info of Object.values(r.item.images)) c.rawBytes += info.rawBytes;
      for (const e of Object.values(r.item.descriptor.indices)) c.rawBytes += 4 * e.length;
      r.item.closeFile();
    } else {
      c.stale++;
      c.staleBytes += f.stat.size;
    }
  }
  return c;
}
