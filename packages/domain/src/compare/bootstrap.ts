import { LANES_WASM } from './lanes-wasm';
import { SeededStream } from './random';
import { expandedAlpha, quantileSorted } from './stats';

// Cluster bootstrap over precomputed per-cluster sums. Every statistic the comparison reports
// is a smooth function of sums over clusters (Σ ROI and Σ episodes per model, X'X and X'y of a
// regression, …), so each cluster's contribution is summed once, up front, and a bootstrap
// replicate costs O(clusters + their non-zero cells) — never O(points) or O(episodes).

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** Collects named cells and each cluster's contribution to them. */
export class ClusterSums {
  private readonly index = new Map<string, number>();
  readonly names: string[] = [];
  // Contributions as they come, (cluster, cell, value), in fixed-size typed-array chunks: a
  // district adds millions, and a map per cluster cost more than the bootstrap after it. Chunks,
  // not one array doubled as it fills: doubling copied every contribution again at each step and
  // held up to twice the memory they need (67 MB for 2.2 million at 25,000 students).
  private clusterChunks: Int32Array[] = [];
  private cellChunks: Int32Array[] = [];
  private valueChunks: Float64Array[] = [];
  /** Contributions in the last chunk; CHUNK when it is full (or there is none). */
  private filled = CHUNK;
  private size = 0;
  private released = false;

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
    if (this.released) throw new Error('ClusterSums: contributions added after release()');
    if (this.filled === CHUNK) {
      this.clusterChunks.push(new Int32Array(CHUNK));
      this.cellChunks.push(new Int32Array(CHUNK));
      this.valueChunks.push(new Float64Array(CHUNK));
      this.filled = 0;
    }
    const last = this.clusterChunks.length - 1;
    this.clusterChunks[last]![this.filled] = cluster;
    this.cellChunks[last]![this.filled] = cell;
    this.valueChunks[last]![this.filled++] = value;
    this.size++;
  }

  /**
   * Compressed rows: cluster k's cells are cells[ptr[k] .. ptr[k+1]), each cell once, in the
   * order it was first added for that cluster, its contributions summed in the order added.
   */
  compile(nClusters: number): CompiledSums {
    if (this.released) throw new Error('ClusterSums: compiled after release()');
    const n = this.size;
    const chunkSize = (chunk: number) => Math.min(CHUNK, n - chunk * CHUNK);
    // Stable counting sort of the contributions by cluster.
    const start = new Int32Array(nClusters + 1);
    this.clusterChunks.forEach((clusters, chunk) => {
      for (let o = 0, size = chunkSize(chunk); o < size; o++) {
        const c = clusters[o]!;
        if (c >= 0 && c < nClusters) start[c + 1]!++;
      }
    });
    for (let c = 0; c < nClusters; c++) start[c + 1] = start[c + 1]! + start[c]!;
    const order = new Int32Array(start[nClusters]!);
    const next = start.slice(0, nClusters);
    this.clusterChunks.forEach((clusters, chunk) => {
      for (let o = 0, size = chunkSize(chunk); o < size; o++) {
        const c = clusters[o]!;
        if (c >= 0 && c < nClusters) order[next[c]!++] = chunk * CHUNK + o;
      }
    });
    const nCells = this.names.length;
    const acc = new Float64Array(nCells);
    const seen = new Int32Array(nCells).fill(-1);
    const ptr = new Int32Array(nClusters + 1);
    const cells = new Int32Array(order.length);
    const values = new Float64Array(order.length);
    let k = 0;
    for (let c = 0; c < nClusters; c++) {
      ptr[c] = k;
      const first = k;
      for (let o = start[c]!; o < start[c + 1]!; o++) {
        const i = order[o]!;
        const cell = this.cellChunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
        if (seen[cell] !== c) {
          seen[cell] = c;
          acc[cell] = 0;
          cells[k++] = cell;
        }
        acc[cell] = acc[cell]! + this.valueChunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
      }
      for (let j = first; j < k; j++) values[j] = acc[cells[j]!]!;
    }
    ptr[nClusters] = k;
    return { nClusters, nCells, ptr, cells: cells.slice(0, k), values: values.slice(0, k) };
  }

  /**
   * Lets the contributions go once compiled (the cells' names stay): at 25,000 students they are
   * 2.2 million (35 MB), which would otherwise stay alive through the bootstrap. Adding or
   * compiling after it throws.
   */
  release(): void {
    this.released = true;
    this.clusterChunks = [];
    this.cellChunks = [];
    this.valueChunks = [];
    this.size = 0;
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

/** Cell `s` over cell `n`, as `ratioOf` builds it. */
interface RatioCells {
  s: number;
  n: number;
}
/**
 * The statistics made by `ratioOf` and `ratioDifference`, by what they read: the bootstrap
 * evaluates them on its lane sums directly, without a call per replicate (thousands of
 * statistics × 2,000 replicates at district scale).
 */
const ratioForms = new WeakMap<Statistic, { a: RatioCells; b?: RatioCells }>();

/** Σ cell s / Σ cell n; NaN when Σ n is not positive. */
export function ratioOf(s: number, n: number): Statistic {
  const f: Statistic = (S) => (S[n]! > 0 ? S[s]! / S[n]! : Number.NaN);
  ratioForms.set(f, { a: { s, n } });
  return f;
}

/** One ratio (from `ratioOf`) minus another. */
export function ratioDifference(a: Statistic, b: Statistic): Statistic {
  const f: Statistic = (S) => a(S) - b(S);
  const fa = ratioForms.get(a);
  const fb = ratioForms.get(b);
  if (fa && !fa.b && fb && !fb.b) ratioForms.set(f, { a: fa.a, b: fb.a });
  return f;
}

export interface Interval {
  low: number;
  high: number;
  /** Replicates in which the statistic was defined (it can be undefined, e.g. no push-in drawn). */
  replicates: number;
  /** Standard deviation of the defined replicates (the bootstrap standard error). */
  sd: number;
  /**
   * Two-sided bootstrap p-value for "the statistic is 0": the smallest (1 − level) at which the
   * interval (expanded alike) would exclude 0. Used for multiplicity control (Holm).
   */
  p: number;
}

/**
 * A grouping of the atoms (compiled clusters) into resampled units: atom k belongs to level
 * `of[k]` of `levels`. With several factors each replicate draws every factor's levels
 * independently and an atom's weight is the product of its levels' weights — the "pigeonhole"
 * two-way bootstrap (Owen 2007) for data crossed by students and therapists.
 */
export interface ResampleFactor {
  of: Int32Array;
  levels: number;
}

export interface BootstrapResult {
  point: number[];
  intervals: (Interval | null)[];
}

function accumulate(c: CompiledSums, weights: Float64Array | null, out: Float64Array): void {
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
 * The same sums with only `keep`'s cells (the rest read as 0): for a bootstrap of statistics that
 * read only those cells. Each kept cell keeps its contributions in their order, so its sums are
 * the same to the bit, and a replicate touches a fraction of the cells.
 */
export function keepCells(sums: CompiledSums, keep: Iterable<number>): CompiledSums {
  const kept = new Uint8Array(sums.nCells);
  for (const c of keep) kept[c] = 1;
  const ptr = new Int32Array(sums.nClusters + 1);
  let n = 0;
  for (let i = 0; i < sums.cells.length; i++) if (kept[sums.cells[i]!]) n++;
  const cells = new Int32Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (let c = 0; c < sums.nClusters; c++) {
    ptr[c] = k;
    for (let i = sums.ptr[c]!; i < sums.ptr[c + 1]!; i++) {
      if (!kept[sums.cells[i]!]) continue;
      cells[k] = sums.cells[i]!;
      values[k++] = sums.values[i]!;
    }
  }
  ptr[sums.nClusters] = k;
  return { nClusters: sums.nClusters, nCells: sums.nCells, ptr, cells, values };
}

/** Replicates accumulated together (a 64-byte cache line holds one cell's eight sums). */
const LANES = 8;

/**
 * `accumulate` for LANES replicates at once: `weights[k * LANES + r]` is row k's weight in
 * replicate r, `out[cell * LANES + r]` that replicate's sum. No row is skipped: every value is
 * finite (the caller checks), so a zero weight adds ±0 and leaves the sum as it was.
 */
function accumulateLanes(c: CompiledSums, weights: Float64Array, out: Float64Array): void {
  out.fill(0);
  const { ptr, cells, values } = c;
  for (let k = 0; k < c.nClusters; k++) {
    const wk = k * LANES;
    const w0 = weights[wk]!;
    const w1 = weights[wk + 1]!;
    const w2 = weights[wk + 2]!;
    const w3 = weights[wk + 3]!;
    const w4 = weights[wk + 4]!;
    const w5 = weights[wk + 5]!;
    const w6 = weights[wk + 6]!;
    const w7 = weights[wk + 7]!;
    if (w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 === 0) continue;
    for (let i = ptr[k]!; i < ptr[k + 1]!; i++) {
      const o = cells[i]! * LANES;
      const v = values[i]!;
      out[o] = out[o]! + w0 * v;
      out[o + 1] = out[o + 1]! + w1 * v;
      out[o + 2] = out[o + 2]! + w2 * v;
      out[o + 3] = out[o + 3]! + w3 * v;
      out[o + 4] = out[o + 4]! + w4 * v;
      out[o + 5] = out[o + 5]! + w5 * v;
      out[o + 6] = out[o + 6]! + w6 * v;
      out[o + 7] = out[o + 7]! + w7 * v;
    }
  }
}

/**
 * What a replicate resamples: row k's weight is the product over factors of how often its level
 * `of[k]` (of `levels`) was drawn. Without factors each row is its own level.
 */
export interface RowFactor {
  of: Int32Array;
  levels: number;
}

/** Each row its own level: the plain cluster bootstrap. */
export function ownLevels(rows: number): RowFactor[] {
  const of = new Int32Array(rows);
  for (let k = 0; k < rows; k++) of[k] = k;
  return [{ of, levels: rows }];
}

/**
 * Sums LANES replicates at a time over fixed rows: `draw` the next replicates' weights into
 * `weights` (`[k * LANES + r]`), or write them there, call `run`, read the sums from `out`
 * (`[cell * LANES + r]`).
 */
export interface LaneKernel {
  kind: 'wasm' | 'js';
  weights: Float64Array;
  out: Float64Array;
  run(): void;
  /**
   * Draws the next `lanes` replicates' row weights from `random` into `weights`, lane by lane and
   * factor by factor (the order one replicate at a time reads the stream); later lanes get 0.
   */
  draw(random: SeededStream, lanes: number): void;
}

/**
 * Draws replicates' row weights into `into[k * stride + lane]`: per lane, each factor's level
 * counts, then each row's product of its levels' counts.
 */
function jsDrawer(
  rows: number,
  factors: readonly RowFactor[],
  stride: number,
): (into: Float64Array, random: SeededStream, lanes: number) => void {
  const levelWeights = factors.map((f) => new Int32Array(f.levels * stride));
  const levelOf = factors.map((f) => f.of);
  return (into, random, lanes) => {
    if (factors.length === 0) {
      into.fill(1);
      return;
    }
    for (let lane = 0; lane < stride; lane++)
      for (let i = 0; i < factors.length; i++) {
        const size = factors[i]!.levels;
        if (lane < lanes) random.counts(levelWeights[i]!, size, stride, lane);
        else for (let k = 0; k < size; k++) levelWeights[i]![k * stride + lane] = 0;
      }
    levelProducts(into, stride, rows, levelOf, levelWeights);
  };
}

function jsLaneKernel(rows: CompiledSums, factors: readonly RowFactor[]): LaneKernel {
  const weights = new Float64Array(rows.nClusters * LANES);
  const out = new Float64Array(rows.nCells * LANES);
  const drawer = jsDrawer(rows.nClusters, factors, LANES);
  return {
    kind: 'js',
    weights,
    out,
    run: () => accumulateLanes(rows, weights, out),
    draw: (random, lanes) => drawer(weights, random, lanes),
  };
}

/** The parts of WebAssembly used here (the domain's types include no DOM or Node globals). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Compiled once; null where WebAssembly or its SIMD is missing. */
let lanesModule: object | null | undefined;

/**
 * `accumulateLanes` in WebAssembly (lanes.wat): two lanes per SIMD operation, and none of the
 * bounds checks of typed arrays — about three times as fast at district scale, with the same
 * operations in the same order, so the same bits. Its draws too (`counts` and `products`): the
 * same stream steps and products, about twice as fast as in JavaScript. The rows, the levels'
 * counts and the stream's state are copied into the module's memory once per bootstrap (13 MB
 * at 25,000 students), freed with the kernel.
 */
function wasmLaneKernel(rows: CompiledSums, factors: readonly RowFactor[]): LaneKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (lanesModule === undefined) {
    try {
      lanesModule = wasm ? new wasm.Module(LANES_WASM) : null;
    } catch {
      lanesModule = null;
    }
  }
  if (!wasm || !lanesModule) return null;
  const line = (bytes: number) => Math.ceil(bytes / 64) * 64;
  const ptrAt = 0;
  const cellsAt = line(ptrAt + 4 * (rows.nClusters + 1));
  const valuesAt = line(cellsAt + 4 * rows.cells.length);
  const weightsAt = line(valuesAt + 8 * rows.values.length);
  const outAt = line(weightsAt + 8 * LANES * rows.nClusters);
  const stateAt = line(outAt + 8 * LANES * rows.nCells);
  let end = stateAt + 16;
  const factorAt = factors.map((f) => {
    const ofAt = line(end);
    const countsAt = line(ofAt + 4 * rows.nClusters);
    end = countsAt + 4 * LANES * f.levels;
    return { ofAt, countsAt };
  });
  const size = end;
  // Offsets are 32-bit in the module; far beyond any district, fall back rather than wrap.
  if (size >= 2 ** 31) return null;
  let memory: WasmMemory;
  let exports: Record<'accumulate' | 'counts' | 'products', (...args: number[]) => void>;
  try {
    const instance = new wasm.Instance(lanesModule, {});
    memory = instance.exports.memory as WasmMemory;
    exports = instance.exports as typeof exports;
    const page = 65_536;
    const more = Math.ceil(size / page) - memory.buffer.byteLength / page;
    if (more > 0) memory.grow(more);
  } catch {
    return null;
  }
  const { accumulate, counts, products } = exports;
  const buffer = memory.buffer;
  new Int32Array(buffer, ptrAt, rows.nClusters + 1).set(rows.ptr);
  new Int32Array(buffer, cellsAt, rows.cells.length).set(rows.cells);
  new Float64Array(buffer, valuesAt, rows.values.length).set(rows.values);
  const state = new Int32Array(buffer, stateAt, 4);
  const levelCounts = factors.map((f, i) => {
    new Int32Array(buffer, factorAt[i]!.ofAt, rows.nClusters).set(f.of);
    return new Int32Array(buffer, factorAt[i]!.countsAt, LANES * f.levels);
  });
  const weights = new Float64Array(buffer, weightsAt, LANES * rows.nClusters);
  return {
    kind: 'wasm',
    weights,
    out: new Float64Array(buffer, outAt, LANES * rows.nCells),
    run: () => accumulate(rows.nClusters, ptrAt, cellsAt, valuesAt, weightsAt, outAt, rows.nCells),
    draw: (random, lanes) => {
      if (factors.length === 0) {
        weights.fill(1);
        return;
      }
      random.saveState(state);
      for (let lane = 0; lane < LANES; lane++)
        for (let i = 0; i < factors.length; i++) {
          const size = factors[i]!.levels;
          if (lane < lanes) counts(stateAt, factorAt[i]!.countsAt, size, lane);
          else for (let k = 0; k < size; k++) levelCounts[i]![k * LANES + lane] = 0;
        }
      random.loadState(state);
      for (let i = 0; i < factors.length; i++)
        products(
          weightsAt,
          rows.nClusters,
          factorAt[i]!.ofAt,
          factorAt[i]!.countsAt,
          i === 0 ? 1 : 0,
        );
    },
  };
}

/** The fastest kernel here for these rows and factors (`prefer: 'js'` for tests and comparisons). */
export function laneKernel(
  rows: CompiledSums,
  factors: readonly RowFactor[] = ownLevels(rows.nClusters),
  prefer: 'wasm' | 'js' = 'wasm',
): LaneKernel {
  return (prefer === 'wasm' ? wasmLaneKernel(rows, factors) : null) ?? jsLaneKernel(rows, factors);
}

/**
 * Each group's weight in each lane: the product of its levels' weights, `levelWeights[i][level *
 * stride + lane]` for factor i. One factor per pass over the groups, a group's lanes together
 * (they share a cache line, as a level's do). The products are of small integers: exact, as one
 * replicate at a time would get them.
 */
function levelProducts(
  into: Float64Array,
  stride: number,
  groups: number,
  levelOf: readonly Int32Array[],
  levelWeights: readonly Int32Array[],
): void {
  for (let i = 0; i < levelOf.length; i++) {
    const w = levelWeights[i]!;
    const of = levelOf[i]!;
    if (stride === LANES) {
      // The bootstrap's case, unrolled: a loop over the lanes here cost more than the sums.
      for (let g = 0; g < groups; g++) {
        const at = g * LANES;
        const from = of[g]! * LANES;
        if (i === 0) {
          into[at] = w[from]!;
          into[at + 1] = w[from + 1]!;
          into[at + 2] = w[from + 2]!;
          into[at + 3] = w[from + 3]!;
          into[at + 4] = w[from + 4]!;
          into[at + 5] = w[from + 5]!;
          into[at + 6] = w[from + 6]!;
          into[at + 7] = w[from + 7]!;
        } else {
          into[at] = into[at]! * w[from]!;
          into[at + 1] = into[at + 1]! * w[from + 1]!;
          into[at + 2] = into[at + 2]! * w[from + 2]!;
          into[at + 3] = into[at + 3]! * w[from + 3]!;
          into[at + 4] = into[at + 4]! * w[from + 4]!;
          into[at + 5] = into[at + 5]! * w[from + 5]!;
          into[at + 6] = into[at + 6]! * w[from + 6]!;
          into[at + 7] = into[at + 7]! * w[from + 7]!;
        }
      }
      continue;
    }
    for (let g = 0; g < groups; g++) {
      const at = g * stride;
      const from = of[g]! * stride;
      for (let lane = 0; lane < stride; lane++)
        into[at + lane] = i === 0 ? w[from + lane]! : into[at + lane]! * w[from + lane]!;
    }
  }
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/**
 * The atoms merged by their levels of every factor: each group's cells are the sums of its
 * atoms' (in atom order), and `levelOf[i][g]` is group g's level of factor i.
 */
function groupAtoms(
  sums: CompiledSums,
  factors: readonly ResampleFactor[],
): { sums: CompiledSums; levelOf: Int32Array[] } {
  const nf = factors.length;
  const groupOf = new Int32Array(sums.nClusters);
  // An atom's levels as one number (mixed radix) where that is exact, else as a string.
  const numeric = factors.reduce((n, f) => n * Math.max(1, f.levels), 1) <= Number.MAX_SAFE_INTEGER;
  const keys = new Map<number | string, number>();
  const levels: number[] = [];
  for (let k = 0; k < sums.nClusters; k++) {
    let key: number | string = numeric ? 0 : '';
    for (let i = 0; i < nf; i++) {
      const level = factors[i]!.of[k]!;
      key = numeric ? (key as number) * factors[i]!.levels + level : `${key}${level},`;
    }
    let g = keys.get(key);
    if (g === undefined) {
      g = keys.size;
      keys.set(key, g);
      for (let i = 0; i < nf; i++) levels.push(factors[i]!.of[k]!);
    }
    groupOf[k] = g;
  }
  const nGroups = keys.size;
  // Each group's atoms, in atom order.
  const count = new Int32Array(nGroups + 1);
  for (let k = 0; k < sums.nClusters; k++) count[groupOf[k]! + 1]!++;
  for (let g = 0; g < nGroups; g++) count[g + 1] = count[g + 1]! + count[g]!;
  const members = new Int32Array(sums.nClusters);
  const fill = count.slice(0, nGroups);
  for (let k = 0; k < sums.nClusters; k++) members[fill[groupOf[k]!]!++] = k;
  // Merge each group's cells with a dense scratch row (cells touched listed once).
  const acc = new Float64Array(sums.nCells);
  const seen = new Int32Array(sums.nCells).fill(-1);
  const touched: number[] = [];
  const ptr = new Int32Array(nGroups + 1);
  // A group's cells are at most its atoms': the atoms' total bounds the groups'.
  const cells = new Int32Array(sums.cells.length);
  const values = new Float64Array(sums.cells.length);
  let size = 0;
  for (let g = 0; g < nGroups; g++) {
    touched.length = 0;
    for (let m = count[g]!; m < count[g + 1]!; m++) {
      const k = members[m]!;
      for (let i = sums.ptr[k]!; i < sums.ptr[k + 1]!; i++) {
        const c = sums.cells[i]!;
        if (seen[c] !== g) {
          seen[c] = g;
          acc[c] = 0;
          touched.push(c);
        }
        acc[c] = acc[c]! + sums.values[i]!;
      }
    }
    ptr[g] = size;
    for (const c of touched) {
      cells[size] = c;
      values[size++] = acc[c]!;
    }
  }
  ptr[nGroups] = size;
  return {
    sums: {
      nClusters: nGroups,
      nCells: sums.nCells,
      ptr,
      cells: cells.slice(0, size),
      values: values.slice(0, size),
    },
    levelOf: factors.map((_, i) => Int32Array.from(levels.filter((_, j) => j % nf === i))),
  };
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
    /** Resample these factors (product weights) instead of the atoms themselves. */
    factors?: readonly ResampleFactor[];
  },
): BootstrapResult {
  const s = new Float64Array(sums.nCells);
  accumulate(sums, null, s);
  const point = statistics.map((f) => f(s));
  const B = options.replicates;
  const nStats = statistics.length;
  const reps = new Float32Array(B * nStats);
  const random = new SeededStream(options.seed, options.stream);
  const factors = options.factors ?? null;
  // With factors, atoms in the same level of every factor always get the same weight: their
  // cells are summed once into one group, so a replicate costs O(groups + their cells), not
  // O(atoms + theirs) (a therapist-only bootstrap has a few hundred groups, not 50,000 goals).
  const groups = factors ? groupAtoms(sums, factors) : null;
  const rows = groups ? groups.sums : sums;
  /** Row k's levels: its groups' of each factor, or its own without factors. */
  const rowFactors: RowFactor[] =
    factors && groups
      ? groups.levelOf.map((of, i) => ({ of, levels: factors[i]!.levels }))
      : ownLevels(rows.nClusters);
  const record = (b: number, sums: Float64Array) => {
    for (let j = 0; j < nStats; j++) reps[j * B + b] = statistics[j]!(sums);
  };
  if (!allFinite(rows.values)) {
    // Adding 0 × a non-finite value is NaN, so the lanes below could not skip zero weights by
    // arithmetic: one replicate at a time, skipping them by test.
    const rowWeights = new Float64Array(rows.nClusters);
    const draw = jsDrawer(rows.nClusters, rowFactors, 1);
    for (let b = 0; b < B; b++) {
      draw(rowWeights, random, 1);
      accumulate(rows, rowWeights, s);
      record(b, s);
    }
  } else {
    // LANES replicates at a time: the rows' cells (megabytes at district scale) are read once
    // per LANES replicates instead of once per replicate, and a cell's LANES sums share a cache
    // line. Each replicate's sums take the same additions in the same order as one at a time
    // (a zero weight adds ±0, which leaves a finite sum as it was), so the figures are the same.
    const kernel = laneKernel(rows, rowFactors);
    const laneSums = kernel.out;
    // Ratios and their differences read the lane sums in place; the rest get each replicate's
    // sums as an array. Either way a statistic is the same expression of the same sums.
    const formed: { j: number; a: RatioCells; b?: RatioCells }[] = [];
    const called: number[] = [];
    statistics.forEach((f, j) => {
      const form = ratioForms.get(f);
      if (form) formed.push({ j, ...form });
      else called.push(j);
    });
    const ratioIn = (c: RatioCells, r: number) => {
      const n = laneSums[c.n * LANES + r]!;
      return n > 0 ? laneSums[c.s * LANES + r]! / n : Number.NaN;
    };
    for (let first = 0; first < B; first += LANES) {
      const lanes = Math.min(LANES, B - first);
      kernel.draw(random, lanes);
      kernel.run();
      for (const { j, a, b } of formed)
        for (let r = 0; r < lanes; r++)
          reps[j * B + first + r] = b ? ratioIn(a, r) - ratioIn(b, r) : ratioIn(a, r);
      if (called.length === 0) continue;
      for (let r = 0; r < lanes; r++) {
        for (let c = 0; c < rows.nCells; c++) s[c] = laneSums[c * LANES + r]!;
        for (const j of called) reps[j * B + first + r] = statistics[j]!(s);
      }
    }
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
    let below = 0;
    for (let b = 0; b < m; b++) below += sorted[b]! < 0 ? 1 : sorted[b] === 0 ? 0.5 : 0;
    const tail = Math.min(below, m - below) / m;
    let sum = 0;
    for (let b = 0; b < m; b++) sum += sorted[b]!;
    const mean = sum / m;
    let ss = 0;
    for (let b = 0; b < m; b++) ss += (sorted[b]! - mean) ** 2;
    const n = options.clusters ? options.clusters[j]! : Number.POSITIVE_INFINITY;
    return {
      low: quantileSorted(sorted, m, alpha),
      high: quantileSorted(sorted, m, 1 - alpha),
      replicates: m,
      sd: Math.sqrt(ss / (m - 1)),
      p: pValue(tail, n),
    };
  });
  return { point, intervals };
}

/**
 * Two-sided p-value matching the (expanded) percentile interval: the smallest 2α whose
 * interval excludes 0, i.e. the α with expandedAlpha(α, n) = tail (bisection; α ≤ 0.5).
 */
function pValue(tail: number, n: number): number {
  if (!Number.isFinite(n)) return Math.min(1, 2 * tail);
  if (tail >= expandedAlpha(0.5, n)) return 1;
  let lo = 0;
  let hi = 0.5;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (expandedAlpha(mid, n) < tail) lo = mid;
    else hi = mid;
  }
  return Math.min(1, 2 * hi);
}
