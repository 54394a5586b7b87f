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

/** A uniform [0, 1) generator (32-bit resolution) for `seed`; `stream` picks an independent stream. */
export function seededRandom(seed: number, stream = 0): () => number {
  const init = { s: (seed | 0) ^ Math.imul(stream | 0, 0x632be5ab) };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
