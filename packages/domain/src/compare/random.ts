// Seeded randomness for the comparison statistics. Domain code stays dependency-free, so this is
// a small, well-known generator: sfc32 (Chris Doty-Humphrey's "small fast counting" generator,
// 128-bit state, passes PractRand/BigCrush) seeded through splitmix32 so that nearby seeds give
// unrelated streams. Not cryptographic; it only has to be reproducible and well mixed.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** An sfc32 stream: uniform [0, 1) numbers (32-bit resolution), one at a time or as counts. */
export class SeededStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` picks an independent stream of `seed`. */
  constructor(seed: number, stream = 0) {
    const init = { s: (seed | 0) ^ Math.imul(stream | 0, 0x632be5ab) };
    this.a = splitmix32(init);
    this.b = splitmix32(init);
    this.c = splitmix32(init);
    this.d = splitmix32(init);
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /**
   * `size` draws with replacement from `size` items: `into[k * stride + lane]` becomes how often
   * item k was drawn (item `Math.floor(next() * size)` per draw, so the stream reads exactly as
   * `size` calls of `next`). The bootstrap's hot loop — 25,000 students × 2,000 replicates at
   * district scale — so the state stays in locals rather than going through `next`.
   */
  counts(into: Int32Array, size: number, stride = 1, lane = 0): void {
    for (let k = 0; k < size; k++) into[k * stride + lane] = 0;
    let { a, b, c, d } = this;
    for (let i = 0; i < size; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const k = Math.floor(((t >>> 0) / 4294967296) * size) * stride + lane;
      into[k] = into[k]! + 1;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** Writes the state (four 32-bit words) to `into[0..4)`, for a kernel that draws as `counts`. */
  saveState(into: Int32Array): void {
    into[0] = this.a;
    into[1] = this.b;
    into[2] = this.c;
    into[3] = this.d;
  }

  /** Takes the state back from `from[0..4)` (as saveState wrote it, and a kernel advanced it). */
  loadState(from: Int32Array): void {
    this.a = from[0]!;
    this.b = from[1]!;
    this.c = from[2]!;
    this.d = from[3]!;
  }
}

/** A uniform [0, 1) generator (32-bit resolution) for `seed`; `stream` picks an independent stream. */
export function seededRandom(seed: number, stream = 0): () => number {
  const s = new SeededStream(seed, stream);
  return () => s.next();
}
