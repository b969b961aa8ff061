import { VoxelpipeError } from '../../util/errors.js';

const UNITS: Readonly<Record<string, number>> = Object.freeze({
  '': 1, b: 1,
  k: 1e3, kb: 1e3, kib: 2 ** 10,
  m: 1e6, mb: 1e6, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gib: 2 ** 30,
  t: 1e12, tb: 1e12, tib: 2 ** 40,
});

/**
 * A size in bytes from a number or text such as "800M", "1.5GB", "2GiB",
 * "500000000" (SI units as `du --si`/`df -H` print them; the IEC ones as
 * KiB/MiB/GiB/TiB). `what` names the option or config key in the error.
 */
export function parseByteSize(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v) : null;
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${what}: expected a size in bytes such as 800M, 1.5G or 2GiB, got ${JSON.stringify(v)}`);
  const n = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n)) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `${what}: ${JSON.stringify(v)} is too large`);
  return n;
}
