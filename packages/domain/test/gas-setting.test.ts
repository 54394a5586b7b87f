import { describe, expect, it } from 'vitest';
import {
  buildEpisodes,
  type ComparisonGoal,
  compareModels,
  comparisonColumns,
  gasBand,
  seededRandom,
} from '../src/compare/index';
import { addDays } from '../src/dates';
import type { ServiceModel, Setting } from '../src/model';
import { computeGas } from '../src/reports';

// GAS per setting (issue 13, item 7). A planted district: every goal grows exactly along its
// aim line in the therapy room, and the classroom sits 0.2 below the room under either model
// (the carryover gap), so neither model does better. Push-in goals are measured only in the
// classroom; pull-out goals in the therapy room, with a classroom probe a fortnight. The GAS
// teams report (`computeGas`: the last three points in any setting) then scores push-in a band
// lower for where it is measured; GAS per setting compares like with like and finds nothing.

const START = '2025-09-01';
const TARGET = addDays(START, 182);
const PERIODS = [
  { periodId: 'Q1', periodEnd: addDays(START, 45) },
  { periodId: 'Q2', periodEnd: addDays(START, 91) },
];
const GAP = 0.2;

function plantedDistrict(seed: number, perModel = 40, therapistsPerModel = 8) {
  const rand = seededRandom(seed);
  const noise = () => 0.04 * (rand() + rand() + rand() - 1.5);
  const goals: ComparisonGoal[] = [];
  const gas: { goalId: string; periodId: string; periodEnd: string; score: number }[] = [];
  let k = 0;
  for (const model of ['push_in', 'pull_out'] as ServiceModel[])
    for (let i = 0; i < perModel; i++, k++) {
      const id = `g${k}`;
      const points: { day: number; setting: Setting; score: number }[] = [];
      for (let day = 2; day <= 91; day += 3) {
        const onAim = day / 182;
        if (model === 'push_in') points.push({ day, setting: 'classroom', score: onAim - GAP });
        else {
          points.push({ day, setting: 'therapy_room', score: onAim });
          if (day % 14 === 2) points.push({ day, setting: 'classroom', score: onAim - GAP });
        }
      }
      // Every goal starts 0.3 of the way to its target, so no score is clamped.
      const observed = points.map((p) => ({ ...p, score: 0.3 + p.score + noise() }));
      const goal: ComparisonGoal = {
        id,
        studentId: `s${k}`,
        schoolId: 'sch1',
        grade: '3',
        discipline: 'SLP',
        domain: 'expressive_language',
        providerId: `${model}-th${i % therapistsPerModel}`,
        spec: {
          measurementType: 'duration',
          baseline: 0,
          target: 100,
          direction: 'up',
          startDate: START,
        },
        initialModel: model,
        modelChanges: [],
        phaseChanges: [],
        observations: observed.map((p) => ({
          date: addDays(START, p.day),
          setting: p.setting,
          model: model === 'push_in' ? 'push_in' : 'pull_out',
          seconds: 100 * p.score,
        })),
        deliveredMinutes: [],
        aimLine: { startDate: START, targetDate: TARGET },
      };
      goals.push(goal);
      // The reported GAS, as the progress report computes it (an aim line that starts at 0.3).
      const spec = {
        measurementType: 'duration' as const,
        baseline: 0,
        target: 100,
        direction: 'up' as const,
        rubricMax: null,
        startDate: START,
        targetDate: TARGET,
        phase: 'intervention' as const,
        masteryRule: { consecutiveSessions: 3, minSettings: 2, requireClassroom: true },
      };
      const progressPoints = observed.map((p) => ({
        date: addDays(START, p.day),
        setting: p.setting,
        model: model === 'push_in' ? ('push_in' as const) : ('pull_out' as const),
        raw: 100 * p.score,
        score: Math.min(1, Math.max(0, p.score)),
      }));
      for (const period of PERIODS)
        gas.push({
          goalId: id,
          ...period,
          score: computeGas(spec, progressPoints, period.periodEnd).score,
        });
    }
  return { goals, gas };
}

describe('GAS per setting', () => {
  it('bands a level against the aim line as the reported GAS does', () => {
    expect([0.5, 0.6, 0.75, 0.39, 0.25, 0.2].map((l) => gasBand(l, 0.5))).toEqual([
      0, 1, 2, -1, -2, -2,
    ]);
  });

  it('does not penalise classroom-measured (push-in) goals, where the pooled GAS does', () => {
    const districts = 6;
    const pooled: number[] = [];
    const classroom: number[] = [];
    let pooledClaims = 0;
    let classroomClaims = 0;
    let classroomCovers = 0;
    for (let seed = 1; seed <= districts; seed++) {
      const input = plantedDistrict(seed);
      const r = compareModels(input, { seed, replicates: 400, strataOutcomes: [] });
      const p = r.gas.pooled.pushInMinusPullOut;
      const c = r.gas.bySetting.classroom.pushInMinusPullOut;
      pooled.push(p.estimate!);
      classroom.push(c.estimate!);
      if (p.claimed) pooledClaims++;
      if (c.claimed) classroomClaims++;
      if (c.low! <= 0 && 0 <= c.high!) classroomCovers++;
      // Push-in goals have no therapy-room data: that row refuses rather than compare.
      expect(r.gas.bySetting.therapy_room.pushInMinusPullOut.insufficient).toBe(true);
      expect(r.gas.bySetting.classroom.byModel.push_in.n).toBe(80);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `planted: no model effect, classroom ${GAP} below the room; ${districts} districts of 80 goals. ` +
        `Reported (pooled) GAS push-in − pull-out: mean ${mean(pooled).toFixed(2)}, claimed in ${pooledClaims}/${districts}. ` +
        `Classroom GAS: mean ${mean(classroom).toFixed(2)}, claimed in ${classroomClaims}/${districts}, interval covers 0 in ${classroomCovers}/${districts}.`,
    );
    // The old pooled GAS penalises push-in by about a band, and claims it every time.
    expect(mean(pooled)).toBeLessThan(-0.5);
    expect(pooledClaims).toBe(districts);
    // Per setting: no difference, none claimed.
    expect(Math.abs(mean(classroom))).toBeLessThan(0.15);
    expect(classroomClaims).toBe(0);
    expect(classroomCovers).toBe(districts);
  }, 60_000);

  it('finds a real difference in the classroom: push-in goals ahead there score higher', () => {
    const input = plantedDistrict(11);
    // Push-in classroom scores 0.2 higher (the gap closed): a band and more ahead.
    const goals = input.goals.map((g) =>
      g.initialModel === 'push_in'
        ? {
            ...g,
            observations: g.observations.map((o) => ({ ...o, seconds: o.seconds! + 100 * GAP })),
          }
        : g,
    );
    const r = compareModels({ goals, gas: input.gas }, { seed: 11, replicates: 400 });
    const c = r.gas.bySetting.classroom.pushInMinusPullOut;
    expect(c.claimed).toBe(true);
    expect(c.estimate!).toBeGreaterThan(0.5);
  });

  it('the columns path (prebuilt episodes, as the worker runs it) gives the same report', () => {
    const input = plantedDistrict(5);
    const direct = compareModels(input, { seed: 5, replicates: 100 });
    const viaColumns = compareModels(
      { ...input, episodes: buildEpisodes(input.goals), columns: comparisonColumns(input.goals) },
      { seed: 5, replicates: 100 },
    );
    expect(viaColumns.gas.bySetting).toEqual(direct.gas.bySetting);
    expect(direct.gas.bySetting.classroom.byModel.pull_out.n).toBeGreaterThan(0);
  });

  it('scores nothing for a goal without an aim line, or a setting with no point in the period', () => {
    const input = plantedDistrict(7);
    const noAim = input.goals.map(({ aimLine: _drop, ...g }) => g);
    const r = compareModels({ goals: noAim, gas: input.gas }, { seed: 7, replicates: 50 });
    expect(r.gas.bySetting.classroom.byModel.push_in.n).toBe(0);
    // Pull-out classroom probes every fortnight: Q1 (45 days) and Q2 each hold some, so every
    // pull-out goal-period has a classroom GAS; push-in goals never a therapy-room one.
    const full = compareModels(input, { seed: 7, replicates: 50 });
    expect(full.gas.bySetting.classroom.byModel.pull_out.n).toBe(80);
    expect(full.gas.bySetting.therapy_room.byModel.push_in.n).toBe(0);
    expect(full.gas.bySetting.therapy_room.byModel.pull_out.n).toBe(80);
  });
});
