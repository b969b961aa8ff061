/** Options shared by every reader. */
export interface ReadOptions {
  /**
   * `'apply'` (default): voxel values with the header's scl_slope/scl_inter
   * applied, as nibabel's `get_fdata()` (float32, or float64 for 32/64-bit
   * integer and float64 files). `'defer'`: the stored values, with
   * `meta.sclSlope`/`meta.sclInter` and `meta.scalingDeferred` set, so a later
   * transform can fold the scaling into its own arithmetic.
   */
  scaling?: 'apply' | 'defer';
  /**
   * Most bytes of voxel data a file may declare before it is refused, checked
   * before anything is allocated. Default: `VOXELPIPE_MAX_BYTES` or 4 GiB.
   */
  maxBytes?: number;
  /**
   * Memory to inflate compressed voxel data into: `into(n)` returns an array
   * of n bytes (recycled scratch memory of a worker, or shared memory a cache
   * keeps) and the volume's data is a view of it. A fresh buffer per file
   * costs its page faults every time (for a CT volume about a quarter of the
   * inflate itself). Absent: a new buffer.
   */
  into?: (bytes: number) => Uint8Array;
  /**
   * Memory to read a compressed file into before it is inflated (recycled
   * scratch: the compressed bytes die with the read). Absent: a new buffer.
   */
  readInto?: (bytes: number) => Uint8Array;
}

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

export function defaultMaxBytes(): number {
  const env = process.env.VOXELPIPE_MAX_BYTES;
  if (env !== undefined) {
    const n = Number(env);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return DEFAULT_MAX_BYTES;
}
