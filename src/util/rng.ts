/**
 * Counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
 *
 * Every random draw in voxelpipe comes from a stream keyed by
 * (seed, epoch, sample index, transform index): the stream for a given key
 * is the same whatever thread computes it and in whatever order, which is
 * what makes output bit-identical for any number of workers. There is no
 * global generator anywhere.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** One Philox4x32-10 block: 4 counter words + 2 key words -> 4 random words (written to `out`). */
export function philox4x32(c: Uint32Array, k0: number, k1: number, out: Uint32Array): void {
  let c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** High 32 bits of the 64-bit product of two uint32. */
function mulhi(a: number, b: number): number {
  const aH = a >>> 16, aL = a & 0xffff;
  const bH = b >>> 16, bL = b & 0xffff;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** The key a random stream is made from. All parts are non-negative integers < 2^32 (seed < 2^53). */
export interface RngKey {
  seed: number;
  epoch: number;
  /** Index of the sample within the epoch's order. */
  index: number;
  /** Position of the transform in its chain. */
  transform: number;
}

/** A deterministic random stream. Not thread-shared: each (sample, transform) gets its own. */
export class Rng {
  private readonly k0: number;
  private readonly k1: number;
  private readonly ctr = new Uint32Array(4);
  private readonly buf = new Uint32Array(4);
  private pos = 4;
  private spare: number | undefined;

  constructor(readonly key: Readonly<RngKey>) {
    this.k0 = key.seed >>> 0;
    this.k1 = Math.floor(key.seed / 4294967296) >>> 0;
    // ctr[0] counts blocks; the rest of the counter is the key's identity.
    this.ctr[1] = key.transform >>> 0;
    this.ctr[2] = key.index >>> 0;
    this.ctr[3] = key.epoch >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    if (this.pos === 4) {
      philox4x32(this.ctr, this.k0, this.k1, this.buf);
      this.ctr[0]++;
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Uniform integer in [lo, hi) without modulo bias. */
  int(lo: number, hi: number): number {
    const n = hi - lo;
    if (!(n >= 1)) throw new RangeError(`Rng.int: empty range [${lo}, ${hi})`);
    if (n > 4294967296) return lo + Math.floor(this.random() * n);
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return lo + (x % n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with normal(mean, std) values. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
  }
}

/** The stream for one (seed, epoch, sample, transform). */
export function rngFor(seed: number, epoch: number, index: number, transform: number): Rng {
  return new Rng({ seed, epoch, index, transform });
}
