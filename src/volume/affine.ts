/**
 * 4x4 affines (voxel index -> world millimetres, RAS+ as nibabel reports it)
 * and the small linear algebra they need. Row-major `number[][]`, float64.
 */

export type Mat4 = number[][];

export function identity4(): Mat4 {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

export function matmul4(a: Mat4, b: Mat4): Mat4 {
  const out: Mat4 = [[], [], [], []];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i][k] * b[k][j];
      out[i][j] = s;
    }
  return out;
}

/** Applies `a` to voxel coordinate `ijk` (length 3), giving world coordinates. */
export function applyAffine(a: Mat4, ijk: readonly number[]): [number, number, number] {
  const [i, j, k] = ijk;
  return [
    a[0][0] * i + a[0][1] * j + a[0][2] * k + a[0][3],
    a[1][0] * i + a[1][1] * j + a[1][2] * k + a[1][3],
    a[2][0] * i + a[2][1] * j + a[2][2] * k + a[2][3],
  ];
}

export function det3(m: readonly (readonly number[])[]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Voxel sizes implied by an affine: the length of each of its first three columns. */
export function affineZooms(a: Mat4): [number, number, number] {
  const z: number[] = [];
  for (let c = 0; c < 3; c++) z.push(Math.hypot(a[0][c], a[1][c], a[2][c]));
  return z as [number, number, number];
}

/**
 * Orientation code of an affine, e.g. "RAS" or "LPS": for each voxel axis,
 * the world direction it points to most (nibabel's `aff2axcodes`, without
 * its tie-breaking subtleties for oblique axes at exactly 45 degrees).
 */
export function orientationCode(a: Mat4): string {
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  const used = new Set<number>();
  let code = '';
  for (let c = 0; c < 3; c++) {
    let best = -1;
    let bestAbs = -1;
    for (let r = 0; r < 3; r++) {
      if (used.has(r)) continue;
      const v = Math.abs(a[r][c]);
      if (v > bestAbs) {
        bestAbs = v;
        best = r;
      }
    }
    if (bestAbs <= 0) {
      code += '?';
      continue;
    }
    used.add(best);
    code += a[best][c] >= 0 ? pos[best] : neg[best];
  }
  return code;
}

/** Quaternion (b, c, d) + qfac -> rotation matrix, as the NIfTI-1 standard defines it. */
export function quaternionToRotation(b: number, c: number, d: number): number[][] {
  let a2 = 1 - (b * b + c * c + d * d);
  // Rounding in float32 headers can make a2 slightly negative; the standard
  // then treats a as 0 (a 180-degree rotation).
  if (a2 < 0) a2 = 0;
  const a = Math.sqrt(a2);
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
}

/**
 * The closest NIfTI qform to an affine: quaternion (b, c, d), qfac and zooms.
 * The 3x3 part is split into zooms (column lengths) and a rotation; when the
 * rotation is not exactly orthonormal (shears), its nearest orthonormal matrix
 * (polar decomposition) is used, as nibabel's `set_qform` does.
 */
export function affineToQuaternion(a: Mat4): { b: number; c: number; d: number; qfac: 1 | -1; zooms: [number, number, number] } {
  const zooms = affineZooms(a).map((z) => (z === 0 ? 1 : z)) as [number, number, number];
  const m = [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r][c] / zooms[c]));
  let qfac: 1 | -1 = 1;
  if (det3(m) < 0) {
    qfac = -1;
    for (let r = 0; r < 3; r++) m[r][2] = -m[r][2];
  }
  const r = nearestRotation(m);
  // Shepperd's method: numerically stable quaternion from a rotation matrix.
  const tr = r[0][0] + r[1][1] + r[2][2];
  let qa: number, qb: number, qc: number, qd: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    qa = 0.25 * s;
    qb = (r[2][1] - r[1][2]) / s;
    qc = (r[0][2] - r[2][0]) / s;
    qd = (r[1][0] - r[0][1]) / s;
  } else if (r[0][0] > r[1][1] && r[0][0] > r[2][2]) {
    const s = Math.sqrt(1 + r[0][0] - r[1][1] - r[2][2]) * 2;
    qa = (r[2][1] - r[1][2]) / s;
    qb = 0.25 * s;
    qc = (r[0][1] + r[1][0]) / s;
    qd = (r[0][2] + r[2][0]) / s;
  } else if (r[1][1] > r[2][2]) {
    const s = Math.sqrt(1 + r[1][1] - r[0][0] - r[2][2]) * 2;
    qa = (r[0][2] - r[2][0]) / s;
    qb = (r[0][1] + r[1][0]) / s;
    qc = 0.25 * s;
    qd = (r[1][2] + r[2][1]) / s;
  } else {
    const s = Math.sqrt(1 + r[2][2] - r[0][0] - r[1][1]) * 2;
    qa = (r[1][0] - r[0][1]) / s;
    qb = (r[0][2] + r[2][0]) / s;
    qc = (r[1][2] + r[2][1]) / s;
    qd = 0.25 * s;
  }
  // NIfTI stores only b, c, d and assumes a >= 0.
  if (qa < 0) {
    qb = -qb;
    qc = -qc;
    qd = -qd;
  }
  return { b: qb, c: qc, d: qd, qfac, zooms };
}

/** Polar decomposition by Newton iteration R <- (R + R^-T) / 2; converges fast for near-rotations. */
function nearestRotation(m: number[][]): number[][] {
  let r = m.map((row) => row.slice());
  for (let it = 0; it < 30; it++) {
    const inv = invert3(r);
    if (!inv) return identity3();
    let delta = 0;
    const next = r.map((row, i) =>
      row.map((v, j) => {
        const n = 0.5 * (v + inv[j][i]);
        delta = Math.max(delta, Math.abs(n - v));
        return n;
      }),
    );
    r = next;
    if (delta < 1e-15) break;
  }
  return r;
}

function identity3(): number[][] {
  return [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
}

function invert3(m: number[][]): number[][] | undefined {
  const d = det3(m);
  if (d === 0 || !Number.isFinite(d)) return undefined;
  const [[a, b, c], [e, f, g], [h, i, j]] = m;
  return [
    [(f * j - g * i) / d, (c * i - b * j) / d, (b * g - c * f) / d],
    [(g * h - e * j) / d, (a * j - c * h) / d, (c * e - a * g) / d],
    [(e * i - f * h) / d, (b * h - a * i) / d, (a * f - b * e) / d],
  ];
}
