import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskCache } from '../../src/cache/index.js';
import { tempDir } from '../helpers.js';

const CHILD = fileURLToPath(new URL('./workers/cache-child.ts', import.meta.url));
const KEY = 'feedfacefeedfacefeedfacefeedface';

function run(args: string[]): Promise<{ role: string; gets: number; hits: number; bad: number; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${args[0]} exited with ${code}: ${err}`))));
  });
}

test('two writers and two readers of one key in separate processes: every get is whole and correct, no temp files left', async (t) => {
  const dir = tempDir(t);
  const writers = 2;
  const results = await Promise.all([
    ...Array.from({ length: writers }, (_, w) => run(['writer', dir, KEY, '40', String(writers), String(w)])),
    run(['reader', dir, KEY, '60', String(writers)]),
    run(['reader', dir, KEY, '60', String(writers)]),
  ]);
  for (const r of results) assert.deepEqual(r.warnings, [], `${r.role} saw no bad entry`);
  for (const r of results.filter((x) => x.role === 'reader')) {
    assert.equal(r.gets, 60);
    // Once the key exists, a rename over it never makes it vanish: every get hits.
    assert.equal(r.hits, 60);
    assert.equal(r.bad, 0);
  }
  const names = readdirSync(join(dir, KEY.slice(0, 2)));
  assert.deepEqual(names, [`${KEY}.vxc`]);
  const cache = new DiskCache({ dir });
  const s = cache.stats();
  assert.deepEqual([s.entries, s.tempFiles, s.stale], [1, 0, 0]);
  assert.ok([0, 1].includes(cache.get(KEY)!.writer as number));
});
