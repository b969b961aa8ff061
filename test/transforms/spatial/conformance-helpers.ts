import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVolume } from '../../../src/io/index.js';
import { toChainImage, type ChainImage } from '../../../src/transforms/image.js';
import { FIXTURES, close } from '../../helpers.js';

/** One case of test/fixtures/conformance/transforms/cases.json (see the README there). */
export interface Case {
  id: string;
  transform?: { name: string; args: Record<string, unknown> };
  kernel?: { name: string; args: Record<string, unknown> };
  inputs: Record<string, string>;
  expected: Record<string, string>;
  tolerance: { abs?: number; rel?: number; label_agreement?: number };
  note: string;
}

export const DIR = join(FIXTURES, 'conformance', 'transforms');
export const CASES = (JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;

export function caseById(id: string): Case {
  const c = CASES.find((x) => x.id === id);
  assert.ok(c, `no conformance case ${id}`);
  return c;
}

/** An input as the chain sees it after loading and ConvertToChannelsFirst: `[...spatial, 1]`. */
export function loadInput(file: string): ChainImage {
  return toChainImage(readVolume(join(DIR, file)));
}

/** Compares channel 0 of `data` (spatial `shape`) with the expected file, under the case's tolerance. */
export function assertMatches(c: Case, field: string, shape: readonly number[], data: ArrayLike<number>): void {
  const exp = readVolume(join(DIR, c.expected[field]));
  assert.deepEqual([...shape], exp.shape, `${c.id}: shape of ${field}`);
  const n = exp.data.length;
  if (c.tolerance.label_agreement !== undefined) {
    let same = 0;
    for (let i = 0; i < n; i++) if (data[i] === exp.data[i]) same++;
    assert.ok(same / n >= c.tolerance.label_agreement, `${c.id}: ${field} agrees on ${((100 * same) / n).toFixed(3)}% of voxels`);
    return;
  }
  const { abs = 0, rel = 0 } = c.tolerance;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < n; i++)
    if (!close(data[i], exp.data[i], rel, abs)) {
      if (first < 0) first = i;
      bad++;
    }
  assert.equal(bad, 0, `${c.id}: ${field}: ${bad} voxels differ, first at ${first}: got ${data[first]}, expected ${exp.data[first]}`);
}

/** The expected file's spacing and affine, to compare with an output's geometry. */
export function expectedGeometry(c: Case, field: string): { spacing: number[]; affine: number[][] } {
  const exp = readVolume(join(DIR, c.expected[field]));
  return { spacing: exp.spacing, affine: exp.affine };
}
