import { bench, describe } from 'vitest';
import {
  CONFOUNDED,
  coverage,
  HEADLINE_ROWS,
  nullRun,
  populationTruth,
  REALISTIC,
  STUDENTS,
  show,
  strataCoverage,
  strataRun,
} from '../test/compare-validation';

// Issue 13's validation at full size (the CI subset is test/compare-validation.test.ts): the
// same seeded scenarios over COMPARE_VALIDATION_DISTRICTS districts each (default 300), every
// rate printed, and the run's wall time. One run.
const N = Number(process.env.COMPARE_VALIDATION_DISTRICTS ?? 300);
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

describe(`outcomes validation, ${N} districts of ${STUDENTS} students per scenario`, () => {
  bench(
    'coverage, null, confounded nulls, strata, mutations',
    () => {
      const t0 = performance.now();
      const lines: string[] = [];
      const district = { ...REALISTIC, effect: 0.01 };
      const truth = populationTruth(district);
      for (const c of ['student_therapist', 'therapist', 'student', 'goal'] as const) {
        const { covered, claimed } = coverage(district, truth, N, 10_000, c);
        lines.push(
          `coverage (${c}): ${HEADLINE_ROWS.map((r) => `${r} ${show(covered[r])}, power ${show(claimed[r])}`).join('; ')}`,
        );
      }
      const nul = nullRun({ ...REALISTIC, effect: 0 }, N, 20_000);
      lines.push(`null: ${HEADLINE_ROWS.map((r) => `${r} ${show(nul.claimed[r])}`).join('; ')}`);
      for (const [i, s] of CONFOUNDED.entries()) {
        const { claimed, flags } = nullRun({ ...s.district, effect: 0 }, N, 30_000 + 1000 * i);
        lines.push(
          `confounded "${s.name}": ${HEADLINE_ROWS.map((r) => `${r} ${show(claimed[r])}`).join('; ')}; "${s.flag}" flag ${show({ k: flags.get(s.flag) ?? 0, n: N })}`,
        );
      }
      const st = strataRun({ ...REALISTIC, effect: 0 }, N, 40_000);
      lines.push(
        `strata family-wise: ${show(st.any)} (${st.meanCompared.toFixed(1)} differences per district)`,
      );
      const sc = strataCoverage({ ...REALISTIC, effect: 0.01 }, N, 50_000);
      lines.push(
        `strata coverage (discipline × domain, planted 0.01): ${show(sc.covered)}; claimed ${show(sc.claimed)}`,
      );
      lines.push(`wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      console.info(lines.join('\n'));
    },
    once,
  );
});
