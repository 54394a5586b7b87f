import { type ComparisonOptions, type ComparisonReport, compareModels } from '@carryover/domain';
import type { PlantedEffects } from '../src/demo';
import { simulateComparisonInput } from '../src/demo';

// Validation scenarios for the push-in / pull-out comparison, run through the real demo
// generator (rows kept in memory; test/compare-db.test.ts shows the database path gives the
// same input). Each scenario plants known ROIs and keeps scores away from the [0, 1] clamp:
// every goal starts at a level in [0.2, 0.35], the year is simulated to early December
// (~16 weeks), and the classroom sits 0.05 below the therapy room under every model, so a
// switch moves no level. With the generator's multipliers (lognormal, mean 1, independent of
// the model) the true mean episode ROI of a model is its planted ROI, and the true push-in
// minus pull-out difference is the planted difference, in every setting.

export const SIM_TODAY = '2026-12-04';

type Table = PlantedEffects['roi']['functional'];

export function table(pushIn: number, pullOut: number, consult = 0.01): Table {
  return {
    push_in: { therapy_room: pushIn, classroom: pushIn },
    pull_out: { therapy_room: pullOut, classroom: pullOut },
    consult: { therapy_room: consult, classroom: consult },
  };
}

export function scenario(roi: PlantedEffects['roi']): Partial<PlantedEffects> {
  return {
    roi,
    classroomOffset: { push_in: 0.05, pull_out: 0.05, consult: 0.05, split: 0.05 },
    initialLevelMin: 0.2,
    initialLevelMax: 0.35,
  };
}

export async function simulate(
  effects: Partial<PlantedEffects>,
  students: number,
  seed: number,
  options: ComparisonOptions,
): Promise<ComparisonReport> {
  const input = await simulateComparisonInput({ students, seed, today: SIM_TODAY, effects });
  return compareModels(input, { seed, ...options });
}

export const covers = (x: { low: number | null; high: number | null }, truth: number) =>
  x.low !== null && x.high !== null && x.low <= truth && truth <= x.high;

/** Wilson 95% interval of a rate, printed beside the measured rates. */
export function wilson(k: number, n: number): string {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `${(100 * p).toFixed(1)}% (${k}/${n}; 95% CI ${(100 * (c - h)).toFixed(1)}–${(100 * (c + h)).toFixed(1)}%)`;
}

export const SIMULATIONS = Number(process.env.COMPARE_SIMULATIONS ?? 300);
