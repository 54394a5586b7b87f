import type { Direction } from '../model';

// Small numeric kernels for the comparison, written over typed arrays so that a district of
// 25,000 students is summarised in seconds.

/** k-th smallest (0-based) of values[0..n) — Hoare quickselect; reorders `values` in place. */
function select(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Median of values[0..n), n ≥ 1; reorders `values`. Same value as progress.ts `median`. */
export function medianInPlace(values: Float64Array, n: number): number {
  const mid = n >> 1;
  const upper = select(values, n, mid);
  if (n % 2 === 1) return upper + 0;
  // After selecting `mid`, everything left of it is ≤ it: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2 + 0;
}

let scratch = new Float64Array(1024);

/**
 * Theil–Sen slope (per day) over the pairs of points that share a group (a setting), so a
 * constant offset between groups (the carryover gap between therapy room and classroom) does
 * not leak into the slope. With one group this is exactly progress.ts `theilSen(...).slope`.
 * Null when no pair within a group has two different days.
 */
export function groupedTheilSenSlope(
  days: ArrayLike<number>,
  ys: ArrayLike<number>,
  groups: ArrayLike<number> | null,
  from = 0,
  to = days.length,
): number | null {
  const n = to - from;
  const maxPairs = (n * (n - 1)) / 2;
  if (scratch.length < maxPairs) scratch = new Float64Array(Math.max(maxPairs, scratch.length * 2));
  let m = 0;
  for (let i = from; i < to; i++) {
    const di = days[i]!;
    const yi = ys[i]!;
    const gi = groups ? groups[i]! : 0;
    for (let j = i + 1; j < to; j++) {
      if (groups && groups[j] !== gi) continue;
      const dj = days[j]!;
      if (dj === di) continue;
      // Right minus left, as progress.ts does, so results match bit for bit.
      scratch[m++] = dj > di ? (ys[j]! - yi) / (dj - di) : (yi - ys[j]!) / (di - dj);
    }
  }
  return m === 0 ? null : medianInPlace(scratch, m);
}

/**
 * Non-overlap of all pairs (Parker & Vannest 2009): the share of (A, B) pairs in which the B
 * phase point is better than the A phase point, ties counting one half. `direction` says
 * whether bigger is better ('up', e.g. normalised scores) or smaller ('down'). 0.5 = complete
 * overlap, 1 = every B point beats every A point. Null when a phase is empty.
 */
export function nap(
  a: readonly number[],
  b: readonly number[],
  direction: Direction = 'up',
): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const sign = direction === 'up' ? 1 : -1;
  let wins = 0;
  for (const x of a)
    for (const y of b) {
      const d = sign * (y - x);
      if (d > 0) wins += 1;
      else if (d === 0) wins += 0.5;
    }
  return wins / (a.length * b.length);
}

/** Quantile with linear interpolation between order statistics (R type 7) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, n: number, p: number): number {
  if (n === 1) return sorted[0]!;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Solves the symmetric system A·x = b (A row-major p×p) by Gaussian elimination with partial
 * pivoting, into `out`. Returns false when A is (numerically) singular.
 */
export function solveLinear(
  a: Float64Array,
  b: Float64Array,
  p: number,
  out: Float64Array,
): boolean {
  const m = new Float64Array(a);
  const v = new Float64Array(b);
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(m[i]!));
  const eps = 1e-12 * (scale || 1);
  for (let col = 0; col < p; col++) {
    let piv = col;
    for (let r = col + 1; r < p; r++)
      if (Math.abs(m[r * p + col]!) > Math.abs(m[piv * p + col]!)) piv = r;
    if (Math.abs(m[piv * p + col]!) <= eps) return false;
    if (piv !== col) {
      for (let c = 0; c < p; c++) {
        const t = m[col * p + c]!;
        m[col * p + c] = m[piv * p + c]!;
        m[piv * p + c] = t;
      }
      const t = v[col]!;
      v[col] = v[piv]!;
      v[piv] = t;
    }
    for (let r = col + 1; r < p; r++) {
      const f = m[r * p + col]! / m[col * p + col]!;
      if (f === 0) continue;
      for (let c = col; c < p; c++) m[r * p + c] = m[r * p + c]! - f * m[col * p + c]!;
      v[r] = v[r]! - f * v[col]!;
    }
  }
  for (let r = p - 1; r >= 0; r--) {
    let s = v[r]!;
    for (let c = r + 1; c < p; c++) s -= m[r * p + c]! * out[c]!;
    out[r] = s / m[r * p + r]!;
  }
  return true;
}

const olsN = new Float64Array(8);
const olsT = new Float64Array(8);
const olsY = new Float64Array(8);

/**
 * Least-squares slope (per day) with a separate intercept per group (setting): the pooled
 * within-setting slope Σ(t − t̄_g)(y − ȳ_g) / Σ(t − t̄_g)². A constant carryover gap between
 * settings does not leak into it. Groups are small integers (0–7). Null without spread in t.
 */
export function groupedOlsSlope(
  days: ArrayLike<number>,
  ys: ArrayLike<number>,
  groups: ArrayLike<number> | null,
  from = 0,
  to = days.length,
): number | null {
  const n = olsN.fill(0);
  const st = olsT.fill(0);
  const sy = olsY.fill(0);
  for (let i = from; i < to; i++) {
    const g = groups ? groups[i]! : 0;
    n[g]! += 1;
    st[g]! += days[i]!;
    sy[g]! += ys[i]!;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = from; i < to; i++) {
    const g = groups ? groups[i]! : 0;
    const dt = days[i]! - st[g]! / n[g]!;
    sxy += dt * (ys[i]! - sy[g]! / n[g]!);
    sxx += dt * dt;
  }
  return sxx > 0 ? sxy / sxx : null;
}

/** Standard normal CDF (W. J. Cody-style erfc via Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Student-t quantile by the Cornish–Fisher expansion (A&S 26.7.5); error < 1e-3 for ν ≥ 5. */
export function tQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * nu) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * nu ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu ** 3)
  );
}

/**
 * Tail probability for an "expanded percentile" bootstrap interval (Hesterberg 2015): the
 * plain percentile interval is too narrow with few clusters (it behaves like z·s/√n with the
 * biased variance); using the quantiles at Φ(−√(n/(n−1))·t_{α/2, n−1}) widens it by what a
 * t-interval would, while keeping the bootstrap's asymmetry. `n` is the number of clusters.
 */
export function expandedAlpha(alphaHalf: number, n: number): number {
  if (!(n > 2)) return alphaHalf;
  return normalCdf(-Math.sqrt(n / (n - 1)) * Math.abs(tQuantile(alphaHalf, n - 1)));
}
