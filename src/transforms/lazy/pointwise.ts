import { ARRAY_CTORS, INTEGER_RANGE, type ArrayDType, type VoxelArray } from '../../volume/dtype.js';

/**
 * Per-voxel value maps with fixed parameters, as data: what a deterministic
 * intensity transform (ScaleIntensityRange, ThresholdValues, NIfTI scaling)
 * or a random one with its draw made (ScaleIntensityOscillation's factor)
 * does to one value. A chain of them stays lazy: it travels with the
 * source-dtype volume and runs when voxels are materialised — for a crop,
 * on the crop's voxels only — instead of producing a volume-sized array
 * per transform.
 *
 * Each stage computes in float64 and rounds to its `dtype` exactly as the
 * eager kernels do (linear-map.ts, threshold-values.ts), so a lazy chain
 * gives the eager chain's bytes.
 */

export type PointwiseStage =
  /** `x * m + c`, clipped to [lo, hi] (infinite bounds: no clip); integer dtypes round half away from zero and saturate. */
  | { readonly op: 'affine'; readonly m: number; readonly c: number; readonly lo: number; readonly hi: number; readonly dtype: ArrayDType }
  /** `x > t ? above : below` (NaN counts as below). */
  | { readonly op: 'threshold'; readonly t: number; readonly above: number; readonly below: number; readonly dtype: ArrayDType };

/** The stored-value scaling of a source volume (NIfTI scl_slope/scl_inter left to apply). */
export interface StoredScaling {
  slope: number;
  inter: number;
}

/**
 * The first stage of a map over values stored with a deferred scaling,
 * folded the way the eager kernels fold it: an affine stage becomes
 * `stored * (slope m) + (inter m + c)` (one rounding, not two); any other
 * stage is preceded by the scaling itself as a float64 affine (no rounding).
 */
export function foldScaling(stage: PointwiseStage, s: StoredScaling): PointwiseStage[] {
  if (s.slope === 1 && s.inter === 0) return [stage];
  if (stage.op === 'affine') return [{ ...stage, m: s.slope * stage.m, c: s.inter * stage.m + stage.c }];
  return [{ op: 'affine', m: s.slope, c: s.inter, lo: -Infinity, hi: Infinity, dtype: 'float64' }, stage];
}

/** Round half away from zero, then clamp to the integer type's range (NaN -> 0), as linear-map.ts. */
function saturate(v: number, imin: number, imax: number): number {
  if (v !== v) return 0;
  const r = v < 0 ? -Math.round(-v) : Math.round(v);
  return r < imin ? imin : r > imax ? imax : r;
}

/** A value as the stage's output array would hold it. */
function castTo(dtype: ArrayDType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'float64') return v;
  const [imin, imax] = INTEGER_RANGE[dtype] as readonly [number, number];
  return saturate(v, imin, imax);
}

/** One stage on one value. */
export function applyStage(s: PointwiseStage, x: number): number {
  if (s.op === 'affine') {
    let v = x * s.m + s.c;
    if (v < s.lo) v = s.lo;
    else if (v > s.hi) v = s.hi;
    return castTo(s.dtype, v);
  }
  // Typed-array assignment of the constants, as the eager kernel writes them.
  return castTo(s.dtype, x > s.t ? s.above : s.below);
}

/** All stages on one value. */
export function applyStages(stages: readonly PointwiseStage[], x: number): number {
  let v = x;
  for (let i = 0; i < stages.length; i++) v = applyStage(stages[i], v);
  return v;
}

/** The dtype values have after `stages` (the input's when there are none). */
export function stagesDType(stages: readonly PointwiseStage[], input: ArrayDType): ArrayDType {
  return stages.length ? stages[stages.length - 1].dtype : input;
}

/** A stable text of a map (LUT caches key by it). */
export function stagesKey(stages: readonly PointwiseStage[]): string {
  return stages
    .map((s) => (s.op === 'affine' ? `a${s.m},${s.c},${s.lo},${s.hi},${s.dtype}` : `t${s.t},${s.above},${s.below},${s.dtype}`))
    .join('|');
}

/** Integer source types small enough for a table of every value: element count and the index of value 0. */
export const LUT_SOURCES: Readonly<Partial<Record<ArrayDType, { size: number; base: number }>>> = Object.freeze({
  int8: { size: 256, base: 128 },
  uint8: { size: 256, base: 0 },
  int16: { size: 65536, base: 32768 },
  uint16: { size: 65536, base: 0 },
});

/**
 * `table[k] = out(stages(k - base))` for every value a `source` array can
 * hold, stored in an `out` array (typed-array assignment of the last
 * stage's value: what writing the eager result into that array does).
 */
export function buildLut(source: ArrayDType, stages: readonly PointwiseStage[], out: ArrayDType): { table: VoxelArray; base: number } | undefined {
  const spec = LUT_SOURCES[source];
  if (!spec) return undefined;
  const table = new ARRAY_CTORS[out](spec.size);
  for (let k = 0; k < spec.size; k++) table[k] = applyStages(stages, k - spec.base);
  return { table, base: spec.base };
}
