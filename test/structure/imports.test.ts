import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// DESIGN.md's layers, in the only direction imports may run (a folder
// imports only from folders before it), with the folders DESIGN.md does not
// list put where they belong: preview (renders chain images and batches),
// synthetic (datasets and MMARs for demo, bench and tests), evaluate
// (inference and metrics over a model), bench, view (the browser viewer's
// server). README's Development section lists the same order.
const LAYERS = ['util', 'volume', 'io', 'transforms', 'config', 'datalist', 'sampling', 'cache', 'pipeline', 'preview', 'synthetic', 'adapters', 'evaluate', 'bench', 'view', 'cli'];

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file (static `from '...'` and dynamic `import('...')`), as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) out.push(relative(SRC, normalize(join(dirname(file), m[1]))));
  return out;
}

test('imports run one way down DESIGN.md\'s layers', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const me = relative(SRC, f).split('/');
    if (me.length < 2) continue; // src/index.ts re-exports the public API
    for (const target of importsOf(f)) {
      const other = target.split('/')[0];
      if (other === me[0]) continue;
      const a = LAYERS.indexOf(me[0]);
      const b = LAYERS.indexOf(other);
      assert.ok(a >= 0, `src/${me[0]} is not a known layer: add it to DESIGN.md and to this list`);
      assert.ok(b >= 0, `src/${relative(SRC, f)} imports ${target}, outside the layers`);
      if (b > a) bad.push(`src/${relative(SRC, f)} -> src/${target}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no CLI command imports another command: shared parts live in src/cli/common.ts', () => {
  const dir = join(SRC, 'cli/commands');
  const bad = files(dir).flatMap((f) => importsOf(f).filter((t) => t.startsWith('cli/commands/')).map((t) => `${relative(SRC, f)} -> ${t}`));
  assert.deepEqual(bad, []);
});
