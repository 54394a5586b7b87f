import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleWat } from '../scripts/wat.mjs';
import {
  ClusterSums,
  type CompiledSums,
  laneKernel,
  ownLevels,
  type RowFactor,
} from '../src/compare/bootstrap';
import { LANES_WASM } from '../src/compare/lanes-wasm';
import { SeededStream, seededRandom } from '../src/compare/random';

const LANES = 8;

/** Rows of fractional values spanning twelve orders of magnitude, so any change in the order or
 * kind of operations (a fused multiply-add, a reassociated sum) changes some bits. */
function randomRows(seed: number, rows: number, cells: number, perRow: number): CompiledSums {
  const random = seededRandom(seed);
  const sums = new ClusterSums();
  const ids = Array.from({ length: cells }, (_, c) => sums.cell(`c${c}`));
  for (let k = 0; k < rows; k++)
    for (let j = 0; j < perRow; j++)
      sums.add(
        k,
        ids[Math.floor(random() * cells)]!,
        (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6),
      );
  return sums.compile(rows);
}

describe('the bootstrap lanes kernel in WebAssembly', () => {
  it('is the module lanes.wat assembles to (run `pnpm --filter @carryover/domain wasm`)', async () => {
    const wat = readFileSync(new URL('../src/compare/lanes.wat', import.meta.url), 'utf8');
    expect(Buffer.from(await assembleWat(wat)).equals(Buffer.from(LANES_WASM))).toBe(true);
  });

  it('gives every sum the same bits as the JavaScript kernel, block after block', () => {
    const rows = randomRows(7, 3_000, 400, 9);
    const wasm = laneKernel(rows);
    const js = laneKernel(rows, ownLevels(rows.nClusters), 'js');
    // Node has WebAssembly SIMD: if the module stopped loading, this test would compare JS to JS.
    expect(wasm.kind).toBe('wasm');
    expect(js.kind).toBe('js');
    const random = seededRandom(11);
    for (let block = 0; block < 5; block++) {
      for (let i = 0; i < rows.nClusters * LANES; i++) {
        // Bootstrap-like weights: mostly small counts, many zeros, some rows all zero.
        const w = Math.floor(-Math.log(1 - random()) * 1.2);
        wasm.weights[i] = w;
        js.weights[i] = w;
      }
      for (let k = 0; k < rows.nClusters; k += 17) {
        wasm.weights.fill(0, k * LANES, (k + 1) * LANES);
        js.weights.fill(0, k * LANES, (k + 1) * LANES);
      }
      wasm.run();
      js.run();
      expect(wasm.out.some((v) => v !== 0)).toBe(true);
      const a = Buffer.from(wasm.out.buffer, wasm.out.byteOffset, wasm.out.byteLength);
      const b = Buffer.from(js.out.buffer, js.out.byteOffset, js.out.byteLength);
      expect(a.equals(b)).toBe(true);
    }
  });

  it('draws the replicates JavaScript draws: the same weights, and the stream left where it would be', () => {
    const rows = randomRows(3, 2_500, 50, 2);
    // Two crossed factors (students and therapists, say), and each row its own level.
    const random = seededRandom(5);
    const students: RowFactor = { of: new Int32Array(rows.nClusters), levels: 700 };
    const therapists: RowFactor = { of: new Int32Array(rows.nClusters), levels: 41 };
    for (let k = 0; k < rows.nClusters; k++) {
      students.of[k] = Math.floor(random() * students.levels);
      therapists.of[k] = Math.floor(random() * therapists.levels);
    }
    for (const factors of [[students, therapists], ownLevels(rows.nClusters), []]) {
      const wasm = laneKernel(rows, factors);
      const js = laneKernel(rows, factors, 'js');
      expect(wasm.kind).toBe('wasm');
      const a = new SeededStream(9, 2);
      const b = new SeededStream(9, 2);
      // Full blocks, then a short one whose last lanes must be 0.
      for (const lanes of [8, 8, 3]) {
        wasm.draw(a, lanes);
        js.draw(b, lanes);
        expect(wasm.weights.some((w) => w > 1)).toBe(factors.length > 0);
        expect(
          Buffer.from(wasm.weights.slice().buffer).equals(Buffer.from(js.weights.slice().buffer)),
        ).toBe(true);
        expect(a.next()).toBe(b.next());
      }
    }
  });
});
