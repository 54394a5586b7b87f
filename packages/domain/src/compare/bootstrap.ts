import { seededRandom } from './random';
import { expandedAlpha, quantileSorted } from './stats';

// Cluster bootstrap over precomputed per-cluster sums. Every statistic the comparison reports
// is a smooth function of sums over clusters (Σ ROI and Σ episodes per model, X'X and X'y of a
// regression, …), so each cluster's contribution is summed once, up front, and a bootstrap
// replicate costs O(clusters + their non-zero cells) — never O(points) or O(episodes).

/** Collects named cells and each cluster's contribution to them. */
export class ClusterSums {
  private readonly index = new Map<string, number>();
  private readonly perCluster = new Map<number, Map<number, number>>();
  readonly names: string[] = [];

  cell(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
    }
    return i;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  add(cluster: number, cell: number, value: number): void {
    let m = this.perCluster.get(cluster);
    if (!m) {
      m = new Map();
      this.perCluster.set(cluster, m);
    }
    m.set(cell, (m.get(cell) ?? 0) + value);
  }

  /** Compressed rows: cluster k's cells are cells[ptr[k] .. ptr[k+1]). */
  compile(nClusters: number): CompiledSums {
    let total = 0;
    for (const m of this.perCluster.values()) total += m.size;
    const ptr = new Int32Array(nClusters + 1);
    const cells = new Int32Array(total);
    const values = new Float64Array(total);
    let k = 0;
    for (let c = 0; c < nClusters; c++) {
      ptr[c] = k;
      const m = this.perCluster.get(c);
      if (m)
        for (const [cell, v] of m) {
          cells[k] = cell;
          values[k++] = v;
        }
    }
    ptr[nClusters] = k;
    return { nClusters, nCells: this.names.length, ptr, cells, values };
  }
}

export interface CompiledSums {
  nClusters: number;
  nCells: number;
  ptr: Int32Array;
  cells: Int32Array;
  values: Float64Array;
}

/** A statistic computed from the cell sums; NaN when undefined in that replicate. */
export type Statistic = (sums: Float64Array) => number;

export interface Interval {
  low: number;
  high: number;
  /** Replicates in which the statistic was defined (it can be undefined, e.g. no push-in drawn). */
  replicates: number;
}

export interface BootstrapResult {
  point: number[];
  intervals: (Interval | null)[];
}

function accumulate(c: CompiledSums, weights: Int32Array | null, out: Float64Array): void {
  out.fill(0);
  const { ptr, cells, values } = c;
  for (let k = 0; k < c.nClusters; k++) {
    const w = weights ? weights[k]! : 1;
    if (w === 0) continue;
    for (let i = ptr[k]!; i < ptr[k + 1]!; i++) {
      const cell = cells[i]!;
      out[cell] = out[cell]! + w * values[i]!;
    }
  }
}

/**
 * Nonparametric cluster bootstrap: each replicate draws `nClusters` clusters with replacement
 * (all of a cluster's data goes with it) and recomputes every statistic; percentile intervals
 * at `level`. A statistic undefined in more than 1% of replicates gets no interval.
 */
export function clusterBootstrap(
  sums: CompiledSums,
  statistics: readonly Statistic[],
  options: {
    replicates: number;
    seed: number;
    stream: number;
    level: number;
    /**
     * Per statistic, the clusters its smallest part rests on (e.g. students under push-in for
     * a push-in mean): the percentile interval is expanded for that many (see expandedAlpha).
     * Omitted: plain percentile intervals.
     */
    clusters?: readonly number[];
  },
): BootstrapResult {
  const s = new Float64Array(sums.nCells);
  accumulate(sums, null, s);
  const point = statistics.map((f) => f(s));
  const B = options.replicates;
  const nStats = statistics.length;
  const reps = new Float32Array(B * nStats);
  const weights = new Int32Array(sums.nClusters);
  const random = seededRandom(options.seed, options.stream);
  const n = sums.nClusters;
  for (let b = 0; b < B; b++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      weights[k] = weights[k]! + 1;
    }
    accumulate(sums, weights, s);
    for (let j = 0; j < nStats; j++) reps[j * B + b] = statistics[j]!(s);
  }
  const finite = new Float64Array(B);
  const intervals = point.map((p, j) => {
    const half = (1 - options.level) / 2;
    const alpha = options.clusters ? expandedAlpha(half, options.clusters[j]!) : half;
    if (!Number.isFinite(p)) return null;
    const col = reps.subarray(j * B, (j + 1) * B);
    let m = 0;
    for (let b = 0; b < B; b++) if (Number.isFinite(col[b]!)) finite[m++] = col[b]!;
    if (m < 0.99 * B || m < 2) return null;
    const sorted = finite.subarray(0, m).sort();
    return {
      low: quantileSorted(sorted, m, alpha),
      high: quantileSorted(sorted, m, 1 - alpha),
      replicates: m,
    };
  });
  return { point, intervals };
}
