/**
 * Memory sizes as users write them in configs and on command lines: a
 * number of bytes (`8000000000`) or a string with a unit (`"8GB"`,
 * `"512MiB"`, `"1.5 GiB"`). Decimal units (kB, MB, GB, TB) are powers of
 * 1000 and binary ones (KiB, MiB, GiB, TiB) powers of 1024, as the SI / IEC
 * prefixes say; units are case-insensitive. A bare `G` or `M` is refused:
 * half the tools that accept it mean 1000, the other half 1024.
 */

const UNITS: Readonly<Record<string, number>> = Object.freeze({
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
});

const SIZE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)\s*$/;

/** What a size must look like, for messages. */
export const BYTE_SIZE_EXPECTED = 'a number of bytes or a size such as "8GB" or "512MiB"';

/**
 * The size in whole bytes (fractions rounded down), or a one-line reason it
 * is not one (without the location: callers prefix their JSON path or flag).
 */
export function parseByteSize(value: unknown): { bytes: number } | { problem: string } {
  const bad = { problem: `expected ${BYTE_SIZE_EXPECTED}, got ${JSON.stringify(value) ?? String(value)}` };
  let bytes: number;
  if (typeof value === 'number') bytes = value;
  else if (typeof value === 'string') {
    const m = SIZE.exec(value);
    if (!m) return bad;
    const unit = m[2].toLowerCase();
    const scale = unit === '' ? 1 : UNITS[unit];
    if (scale === undefined) return { problem: `unknown unit "${m[2]}" in ${JSON.stringify(value)}; use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)` };
    bytes = Number(m[1]) * scale;
  } else return bad;
  if (!Number.isFinite(bytes) || bytes < 1) return { problem: `expected a size of at least 1 byte, got ${JSON.stringify(value)}` };
  bytes = Math.floor(bytes);
  if (!Number.isSafeInteger(bytes)) return { problem: `${JSON.stringify(value)} is more bytes than can be counted exactly (at most ${Number.MAX_SAFE_INTEGER})` };
  return { bytes };
}
