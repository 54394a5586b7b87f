import { describe, expect, it } from 'vitest';
import {
  buildEpisodes,
  ClusterSums,
  type ComparisonGoal,
  clusterBootstrap,
  compareModels,
  gradeBand,
  groupedTheilSenSlope,
  holm,
  keepCells,
  nap,
  ratioDifference,
  ratioOf,
  seededRandom,
  tTwoSidedP,
} from '../src/compare/index';
import { expandedAlpha, groupedOlsSlope, tQuantile } from '../src/compare/stats';
import { addDays } from '../src/dates';
import type { ServiceModel, Setting } from '../src/model';
import { theilSen } from '../src/progress';

const START = '2024-01-01'; // a Monday

type Obs = { day: number; score: number; setting?: Setting };

/** A duration goal from 0 to 100 seconds, so score = seconds / 100 exactly. */
function goal(
  id: string,
  student: string,
  obs: Obs[],
  extra: Partial<ComparisonGoal> = {},
): ComparisonGoal {
  return {
    id,
    studentId: student,
    schoolId: 'sch1',
    grade: '3',
    discipline: 'OT',
    domain: 'fine_motor',
    providerId: 'th1',
    spec: {
      measurementType: 'duration',
      baseline: 0,
      target: 100,
      direction: 'up',
      startDate: START,
    },
    initialModel: 'pull_out',
    modelChanges: [],
    phaseChanges: [],
    observations: obs.map((o) => ({
      date: addDays(START, o.day),
      setting: o.setting ?? 'therapy_room',
      model: 'pull_out',
      seconds: o.score * 100,
    })),
    deliveredMinutes: [],
    ...extra,
  };
}

/** Points on a line: `n` points every `every` days from `from`, score = a + roi·weeks. */
const line = (
  from: number,
  n: number,
  every: number,
  a: number,
  roi: number,
  setting?: Setting,
): Obs[] =>
  Array.from({ length: n }, (_, i) => ({
    day: from + i * every,
    score: a + (roi * (i * every)) / 7,
    ...(setting ? { setting } : {}),
  }));

describe('episodes', () => {
  it('cuts a goal at a model change mid-goal; the change date belongs to the new model', () => {
    const obs = [...line(0, 8, 4, 0.1, 0.02), ...line(32, 8, 4, 0.3, 0.05)];
    const g = goal('g1', 's1', obs, {
      modelChanges: [{ date: addDays(START, 32), toModel: 'push_in' }],
    });
    const { episodes, excluded, switches } = buildEpisodes([g]);
    expect(excluded).toEqual([]);
    expect(episodes.map((e) => [e.model, e.index, e.from, e.to, e.points])).toEqual([
      ['pull_out', 0, START, addDays(START, 32), 8],
      ['push_in', 1, addDays(START, 32), addDays(START, 61), 8],
    ]);
    expect(episodes[0]!.roi).toBeCloseTo(0.02, 12);
    expect(episodes[1]!.roi).toBeCloseTo(0.05, 12);
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ fromModel: 'pull_out', toModel: 'push_in', nap: 1 });
  });

  it('counts an episode with too few points as excluded, and a change to the same model as none', () => {
    const obs = [...line(0, 9, 4, 0.1, 0.02), ...line(40, 4, 10, 0.4, 0.02)];
    const g = goal('g1', 's1', obs, {
      modelChanges: [
        { date: addDays(START, 10), toModel: 'pull_out' }, // no change
        { date: addDays(START, 40), toModel: 'push_in' },
      ],
    });
    const { episodes, excluded, switches } = buildEpisodes([g]);
    expect(episodes.map((e) => e.model)).toEqual(['pull_out']);
    expect(excluded).toEqual([
      expect.objectContaining({ model: 'push_in', points: 4, reason: 'too_few_points' }),
    ]);
    expect(switches).toEqual([]);
    expect(buildEpisodes([g], { minObservations: 4 }).episodes).toHaveLength(2);
  });

  it('excludes an episode spanning under minWeeks', () => {
    const g = goal('g1', 's1', line(0, 10, 2, 0.1, 0.02)); // 18 days
    expect(buildEpisodes([g]).excluded[0]!.reason).toBe('too_short');
    expect(buildEpisodes([g], { minWeeks: 2 }).episodes).toHaveLength(1);
  });

  it('keeps a gap inside one episode and measures the rate per calendar week across it', () => {
    // Five points, a seven-week gap (e.g. a break), five more: one line, ROI 0.03.
    const obs = [...line(0, 5, 3, 0.1, 0.03), ...line(61, 5, 3, 0.1 + (0.03 * 61) / 7, 0.03)];
    const { episodes } = buildEpisodes([goal('g1', 's1', obs)]);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.roi).toBeCloseTo(0.03, 12);
  });

  it('fits within setting, so the carryover gap does not leak into the rate', () => {
    const obs = [
      ...line(0, 8, 4, 0.4, 0.02, 'therapy_room'),
      ...line(2, 8, 4, 0.2, 0.02, 'classroom'),
    ];
    const [e] = buildEpisodes([goal('g1', 's1', obs)]).episodes;
    expect(e!.roi).toBeCloseTo(0.02, 12);
    expect(e!.roomRoi).toBeCloseTo(0.02, 12);
    expect(e!.classroomRoi).toBeCloseTo(0.02, 12);
    expect(e!.roomPoints).toBe(8);
    // Mean of the classroom points in the first 21 days (days 2, 6, 10, 14, 18).
    expect(e!.baselineLevel).toBeCloseTo(0.2 + (0.02 * 8) / 7, 12);
    // After the window: 3 classroom + 2 room points, below the 5-point minimum.
    expect(e!.roiAfterBaseline).toBeNull();
    // Pooling the settings naively would be biased by the gap; OLS on all points shows it.
    const pooledDays = obs.map((o) => o.day);
    const pooledY = obs.map((o) => o.score);
    expect(Math.abs((groupedOlsSlope(pooledDays, pooledY, null) ?? 0) * 7 - 0.02)).toBeGreaterThan(
      0.001,
    );
  });

  it('a setting ROI needs its own minimum', () => {
    const obs = [
      ...line(0, 8, 4, 0.4, 0.02, 'therapy_room'),
      ...line(2, 3, 14, 0.2, 0.02, 'classroom'),
    ];
    const [e] = buildEpisodes([goal('g1', 's1', obs)]).episodes;
    expect(e!.classroomRoi).toBeNull();
    expect(
      buildEpisodes([goal('g1', 's1', obs)], { minSettingObservations: 3 }).episodes[0]!
        .classroomRoi,
    ).toBeCloseTo(0.02, 12);
  });

  it('uses intervention data only', () => {
    const obs = [...line(0, 6, 3, 0.1, 0), ...line(21, 8, 4, 0.1, 0.04)];
    const g = goal('g1', 's1', obs, {
      phaseChanges: [
        { date: START, phase: 'baseline' },
        { date: addDays(START, 21), phase: 'intervention' },
      ],
    });
    const { episodes } = buildEpisodes([g]);
    expect(episodes[0]!.points).toBe(8);
    expect(episodes[0]!.from).toBe(addDays(START, 21));
    expect(episodes[0]!.roi).toBeCloseTo(0.04, 12);
    const still = goal('g2', 's1', obs, { phaseChanges: [{ date: START, phase: 'baseline' }] });
    expect(buildEpisodes([still]).goalsWithoutData).toBe(1);
  });

  it('minutes delivered per week over the episode', () => {
    const g = goal('g1', 's1', line(0, 10, 4, 0.1, 0.02), {
      asOf: addDays(START, 41), // 6 weeks
      deliveredMinutes: [0, 7, 14, 21, 28, 35, 42].map((d) => ({
        date: addDays(START, d),
        minutes: 30,
      })),
    });
    expect(buildEpisodes([g]).episodes[0]!.minutesPerWeek).toBe(30);
  });

  it("theil_sen ROI equals progress.ts's Theil–Sen slope on one setting", () => {
    const obs: Obs[] = [0, 3, 7, 10, 14, 17, 21, 28].map((d, i) => ({
      day: d,
      score: [0.1, 0.2, 0.15, 0.3, 0.25, 0.4, 0.3, 0.5][i]!,
    }));
    const [e] = buildEpisodes([goal('g1', 's1', obs)], { roiMethod: 'theil_sen' }).episodes;
    // progress.ts's Theil–Sen line (its trend is least squares now, so not rateOfImprovement).
    const expected = theilSen(obs.map((o) => ({ day: o.day, y: o.score })))!.slope * 7;
    expect(e!.roi).toBe(expected);
  });
});

describe('slopes and NAP by hand', () => {
  it('Theil–Sen: median of pairwise slopes; within groups only', () => {
    // Pairs: (0,0)-(1,1): 1, (0,0)-(2,4): 2, (1,1)-(2,4): 3 → median 2.
    expect(groupedTheilSenSlope([0, 1, 2], [0, 1, 4], null)).toBe(2);
    // Groups {0,1} and {2,3}: slopes 1 and 3 → median 2; cross pairs ignored.
    expect(groupedTheilSenSlope([0, 1, 0, 1], [0, 1, 10, 13], [0, 0, 1, 1])).toBe(2);
  });

  it('OLS with a per-group intercept', () => {
    // Group 0: (0,0),(2,2); group 1: (0,5),(2,9): Σdt·dy = 2+4... slope = (1·1·2 + 1·2·2)/(4) = 1.5.
    expect(groupedOlsSlope([0, 2, 0, 2], [0, 2, 5, 9], [0, 0, 1, 1])).toBe(1.5);
  });

  it('NAP counts wins, ties as one half, in the goal direction', () => {
    // A = 1,2,3; B = 2,4,5: 9 pairs, B wins 7, one tie → 7.5 / 9.
    expect(nap([1, 2, 3], [2, 4, 5])).toBeCloseTo(7.5 / 9, 15);
    expect(nap([1, 2, 3], [2, 4, 5], 'down')).toBeCloseTo(1.5 / 9, 15);
    expect(nap([1, 1], [1])).toBe(0.5);
    expect(nap([], [1])).toBeNull();
  });

  it('t quantiles and the expanded percentile', () => {
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(expandedAlpha(0.025, 10_000)).toBeCloseTo(0.025, 3);
    expect(expandedAlpha(0.025, 20)).toBeLessThan(0.02);
  });

  it('grade bands', () => {
    expect(['K', '2', '3', '5', '6', '9', '12', 'PK'].map(gradeBand)).toEqual([
      'K–2',
      'K–2',
      '3–5',
      '3–5',
      '6–8',
      '9–12',
      '9–12',
      'PK',
    ]);
  });

  it('the seeded generator is reproducible and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });
});

/** A district of exact lines: every student one goal under `model` with the given ROI. */
function district(
  spec: { model: ServiceModel; roi: number; n: number }[],
  spread = 0.001,
): ComparisonGoal[] {
  const goals: ComparisonGoal[] = [];
  let k = 0;
  for (const s of spec)
    for (let i = 0; i < s.n; i++) {
      k++;
      goals.push(
        goal(
          `g${k}`,
          `s${k}`,
          [
            ...line(0, 14, 4, 0.2 + 0.01 * (k % 4), s.roi + i * spread, 'classroom'),
            ...line(1, 14, 4, 0.3, s.roi + i * spread),
          ],
          {
            initialModel: s.model,
            providerId: `th${k % 6}`,
            schoolId: `sch${k % 3}`,
            deliveredMinutes: [{ date: START, minutes: 60 + (k % 5) * 10 }],
          },
        ),
      );
    }
  return goals;
}

describe('compareModels', () => {
  const goals = district([
    { model: 'push_in', roi: 0.03, n: 12 },
    { model: 'pull_out', roi: 0.01, n: 12 },
  ]);

  it('means per model and the difference, episodes weighted equally, match the hand values', () => {
    const r = compareModels({ goals }, { replicates: 300, seed: 9 });
    // ROI of student i is base + 0.001·i, i = 0…11 → mean base + 0.0055.
    expect(r.roi.byModel.push_in.estimate).toBeCloseTo(0.0355, 12);
    expect(r.roi.byModel.pull_out.estimate).toBeCloseTo(0.0155, 12);
    expect(r.roi.pushInMinusPullOut.estimate).toBeCloseTo(0.02, 12);
    expect(r.roi.pushInMinusPullOut.claimed).toBe(true);
    expect(r.classroom.pushInMinusPullOut.estimate).toBeCloseTo(0.02, 12);
    expect(r.roi.byModel.consult.insufficient).toBe(true);
    const iv = r.roi.pushInMinusPullOut;
    expect(iv.low!).toBeLessThan(0.02);
    expect(iv.high!).toBeGreaterThan(0.02);
    expect(r.warning).toMatch(/not assigned at random/);
  });

  it('adjusted for baseline, setting share, domain, discipline, grade: exact lines give back the exact difference', () => {
    const exact = district(
      [
        { model: 'push_in', roi: 0.03, n: 12 },
        { model: 'pull_out', roi: 0.01, n: 12 },
      ],
      0,
    );
    const r = compareModels({ goals: exact }, { replicates: 100, seed: 9 });
    expect(r.adjusted.pushInMinusPullOut.estimate).toBeCloseTo(0.02, 10);
    expect(r.adjusted.unavailable).toBeUndefined();
    expect(r.adjusted.episodes).toBe(24);
    expect(r.adjusted.covariates.join(', ')).toMatch(
      /baseline level.*domain, discipline, grade band/,
    );
    // One therapist: no claim, and the page is told why.
    const one = compareModels(
      { goals: exact.map((g) => ({ ...g, providerId: 'th1' })) },
      { replicates: 100, seed: 9 },
    );
    expect(one.adjusted.pushInMinusPullOut.estimate).toBeNull();
    expect(one.adjusted.unavailable).toMatch(
      /too few therapists deliver push-in to compare \(1; at least 5\)/,
    );
    expect(one.classroom.pushInMinusPullOut).toMatchObject({ insufficient: true, claimed: false });
    expect(one.classroom.pushInMinusPullOut.note).toMatch(/too few therapists/);
    expect(one.classroom.byModel.push_in.estimate).toBeCloseTo(0.03, 12);
  });

  it('is reproducible from its seed and independent of input order', () => {
    const a = compareModels({ goals }, { replicates: 200, seed: 5 });
    const b = compareModels({ goals: [...goals].reverse() }, { replicates: 200, seed: 5 });
    const c = compareModels({ goals }, { replicates: 200, seed: 6 });
    expect(b.roi).toEqual(a.roi);
    expect(c.roi.pushInMinusPullOut.low).not.toBe(a.roi.pushInMinusPullOut.low);
  });

  it('labels strata below the floor and counts students, goals and episodes', () => {
    const r = compareModels(
      { goals },
      { replicates: 100, seed: 1, minStudents: 4, minTherapists: 1 },
    );
    const school = r.strata.filter((s) => s.dimension === 'school');
    expect(school.map((s) => s.students).reduce((x, y) => x + y, 0)).toBe(24);
    expect(school.every((s) => s.insufficient === false)).toBe(true); // 4 + 4 per school
    const strict = compareModels(
      { goals },
      { replicates: 100, seed: 1, minStudents: 5, minTherapists: 1 },
    );
    expect(strict.strata.filter((s) => s.dimension === 'school').every((s) => s.insufficient)).toBe(
      true,
    );
    const dd = r.strata.find((s) => s.dimension === 'discipline_domain')!;
    expect(dd).toMatchObject({ key: 'OT · fine_motor', students: 24, goals: 24, episodes: 24 });
  });

  it('within-student evidence: a goal compared with itself across a switch', () => {
    const sw = Array.from({ length: 10 }, (_, i) =>
      goal(`w${i}`, `w${i}`, [...line(0, 8, 4, 0.1, 0.01), ...line(35, 8, 4, 0.4, 0.03)], {
        modelChanges: [{ date: addDays(START, 35), toModel: 'push_in' }],
      }),
    );
    const r = compareModels({ goals: sw }, { replicates: 100, seed: 2 });
    expect(r.withinStudent.switchedGoals.goals).toBe(10);
    expect(r.withinStudent.switchedGoals.difference.estimate).toBeCloseTo(0.02, 12);
    expect(r.withinStudent.bothWays.difference.estimate).toBeCloseTo(0.02, 12);
    expect(r.withinStudent.byDirection).toEqual([
      expect.objectContaining({ from: 'pull_out', to: 'push_in', goals: 10, medianNap: 1 }),
    ]);
  });

  it('GAS per model and period, goal-periods weighted equally', () => {
    const gs = district([
      { model: 'push_in', roi: 0.03, n: 2 },
      { model: 'pull_out', roi: 0.01, n: 3 },
    ]);
    const scores = [2, 0, -1, 1, 0]; // push-in g1, g2; pull-out g3, g4, g5
    const gas = gs.map((g, i) => ({
      goalId: g.id,
      periodId: 'Q1',
      periodEnd: '2024-03-01',
      score: scores[i]!,
    }));
    gas.push({ goalId: 'g1', periodId: 'Q2', periodEnd: '2024-05-01', score: 1 });
    const r = compareModels(
      { goals: gs, gas },
      { replicates: 200, seed: 3, minStudents: 2, minTherapists: 1 },
    );
    const q1 = r.gas.periods.find((p) => p.periodId === 'Q1')!.comparison;
    expect(q1.byModel.push_in).toMatchObject({ estimate: 1, n: 2, students: 2 });
    expect(q1.byModel.pull_out).toMatchObject({ estimate: 0, n: 3 });
    expect(q1.pushInMinusPullOut.estimate).toBe(1);
    expect(r.gas.pooled.byModel.push_in).toMatchObject({ estimate: 1, n: 3 });
    expect(r.gas.periods.map((p) => p.periodId)).toEqual(['Q1', 'Q2']);
  });

  it('GAS: a period is credited to each model by its days under it', () => {
    const gs = district([{ model: 'pull_out', roi: 0.01, n: 2 }]);
    // g1 switches to push-in halfway through a 60-day period (2024-01-01 … 2024-02-29).
    gs[0] = { ...gs[0]!, modelChanges: [{ date: '2024-01-31', toModel: 'push_in' }] };
    const gas = [
      { goalId: 'g1', periodId: 'Q1', periodEnd: '2024-02-29', score: 2 },
      { goalId: 'g2', periodId: 'Q1', periodEnd: '2024-02-29', score: -1 },
    ];
    const r = compareModels(
      { goals: gs, gas },
      { replicates: 50, seed: 3, minStudents: 1, minTherapists: 1 },
    );
    const q1 = r.gas.periods[0]!.comparison;
    expect(q1.byModel.push_in.estimate).toBe(2);
    expect(q1.byModel.push_in.n).toBeCloseTo(0.5, 12);
    // Pull-out: g1 for 30 days (score 2, weight ½) and g2 for all 60 (score −1, weight 1).
    expect(q1.byModel.pull_out.estimate).toBeCloseTo((2 * 0.5 - 1) / 1.5, 12);
  });

  it('counts therapists per model and refuses a difference below the therapist floor', () => {
    const r = compareModels({ goals }, { replicates: 100, seed: 1, minTherapists: 7 });
    expect(r.classroom.byModel.push_in.therapists).toBe(6);
    expect(r.models.push_in).toMatchObject({ therapists: 6, episodes: 12 });
    expect(r.classroom.pushInMinusPullOut).toMatchObject({ insufficient: true, estimate: null });
    expect(r.classroom.pushInMinusPullOut.note).toBe(
      'too few therapists deliver push-in to compare (6; at least 7)',
    );
  });

  it('flags confounders from the data: baseline level, domain mix, therapists using one model', () => {
    const skewed = district([
      { model: 'push_in', roi: 0.02, n: 12 },
      { model: 'pull_out', roi: 0.02, n: 12 },
    ]).map((g, i) =>
      i < 12
        ? g
        : {
            ...g,
            domain: 'handwriting' as const,
            providerId: `other${i % 6}`,
            // Pull-out classroom scores start 0.2 lower.
            observations: g.observations.map((o) => ({
              ...o,
              seconds: o.setting === 'classroom' ? o.seconds! - 20 : o.seconds,
            })),
          },
    );
    const r = compareModels({ goals: skewed }, { replicates: 50, seed: 1 });
    const keys = r.confounders.map((f) => f.key);
    expect(keys).toEqual(expect.arrayContaining(['baseline', 'domain', 'therapist']));
    expect(r.confounders.find((f) => f.key === 'baseline')!.text).toMatch(
      /^Pull-out episodes started 20 points lower/,
    );
    expect(r.warning).toMatch(/Pull-out episodes started 20 points lower/);
    expect(r.models.pull_out.domainMix).toEqual({ handwriting: 1 });
    // The balanced district raises none of these.
    const balanced = compareModels({ goals }, { replicates: 50, seed: 1 });
    expect(balanced.confounders.map((f) => f.key)).not.toContain('baseline');
    expect(balanced.confounders.map((f) => f.key)).not.toContain('therapist');
  });

  it('within-student: goals counted as goals, stalls and recommendations flagged, both ways within a domain', () => {
    const g = goal(
      'w1',
      'w1',
      [...line(0, 8, 4, 0.1, 0), ...line(35, 8, 4, 0.1, 0.03), ...line(70, 8, 4, 0.5, 0.01)],
      {
        modelChanges: [
          { date: addDays(START, 35), toModel: 'push_in' },
          { date: addDays(START, 70), toModel: 'pull_out' },
        ],
        recommendationDates: [addDays(START, 30)],
      },
    );
    const other = goal('w2', 'w1', line(0, 8, 4, 0.1, 0.02), {
      domain: 'handwriting',
      initialModel: 'push_in',
    });
    const r = compareModels(
      { goals: [g, other] },
      { replicates: 20, seed: 2, minStudents: 1, minTherapists: 1 },
    );
    const sg = r.withinStudent.switchedGoals;
    expect(sg).toMatchObject({
      goals: 1,
      switches: 2,
      students: 1,
      afterStall: 1,
      afterRecommendation: 1,
    });
    expect(r.withinStudent.switches[0]).toMatchObject({
      afterStall: true,
      afterRecommendation: true,
    });
    expect(r.withinStudent.switches[1]).toMatchObject({
      afterStall: false,
      afterRecommendation: false,
    });
    // Both ways: fine motor only (w2's handwriting push-in is another domain).
    expect(r.withinStudent.bothWays.students).toBe(1);
    expect(r.withinStudent.bothWays.difference.estimate).toBeCloseTo(0.03 - (0 + 0.01) / 2, 12);
  });
});

describe('multiplicity and resampling', () => {
  it("Holm's step-down adjustment", () => {
    const adj = holm([0.01, 0.04, 0.03, 0.2]);
    expect(adj[0]).toBeCloseTo(0.04, 12);
    expect(adj[2]).toBeCloseTo(0.09, 12);
    expect(adj[1]).toBeCloseTo(0.09, 12); // monotone: not below the smaller p's adjusted value
    expect(adj[3]).toBeCloseTo(0.2, 12);
  });

  it('a t statistic at the 97.5% quantile has a two-sided p of 5%', () => {
    for (const df of [4, 10, 30]) expect(tTwoSidedP(tQuantile(0.975, df), df)).toBeCloseTo(0.05, 6);
    expect(tTwoSidedP(0, 10)).toBe(1);
    expect(tTwoSidedP(Number.POSITIVE_INFINITY, 10)).toBe(0);
  });

  it('stratum differences get the robust t interval; headline rows keep the bootstrap', () => {
    const goals = district([
      { model: 'push_in', roi: 0.03, n: 12 },
      { model: 'pull_out', roi: 0.01, n: 12 },
    ]);
    const r = compareModels({ goals }, { replicates: 300, seed: 2, strataOutcomes: ['all'] });
    expect(r.method.strataInterval).toMatch(/cluster-robust/);
    const bootstrap = compareModels(
      { goals },
      { replicates: 300, seed: 2, strataOutcomes: ['all'], strataInterval: 'bootstrap' },
    );
    expect(bootstrap.method.strataInterval).toBe('as the headline rows');
    // The headline rows are the pigeonhole bootstrap's either way.
    expect(r.classroom).toEqual(bootstrap.classroom);
    const diffs = r.strata.flatMap((s) =>
      s.outcomes.all && s.outcomes.all.pushInMinusPullOut.p !== null
        ? [s.outcomes.all.pushInMinusPullOut]
        : [],
    );
    expect(diffs.length).toBeGreaterThan(0);
    for (const d of diffs) {
      // Symmetric about the estimate, as a t interval is.
      expect(d.estimate! - d.low!).toBeCloseTo(d.high! - d.estimate!, 10);
    }
  });

  it('lets contributions go after compiling, and refuses more', () => {
    const sums = new ClusterSums();
    const c = sums.cell('c');
    sums.add(0, c, 1.5);
    sums.add(1, c, 2);
    const compiled = sums.compile(2);
    sums.release();
    // The compiled sums are untouched; the names stay; the raw contributions are gone.
    expect([...compiled.values]).toEqual([1.5, 2]);
    expect(sums.has('c')).toBe(true);
    expect(() => sums.add(0, c, 1)).toThrow(/after release/);
    expect(() => sums.compile(2)).toThrow(/after release/);
  });

  it('compiles contributions over many storage chunks as summed in the order added', () => {
    // 200,000 contributions: more than three of ClusterSums' chunks of 65,536, with a cluster's
    // contributions spread across them. Each cluster's cells must come out in the order first
    // added, each summed in the order added (the same floating-point sums as one loop).
    const random = seededRandom(7);
    const sums = new ClusterSums();
    const cells = Array.from({ length: 50 }, (_, i) => sums.cell(`c${i}`));
    const clusters = 1000;
    const expected = Array.from({ length: clusters }, () => new Map<number, number>());
    for (let i = 0; i < 200_000; i++) {
      const cluster = Math.floor(random() * clusters);
      const cell = cells[Math.floor(random() * cells.length)]!;
      const value = random() * 10 - 5;
      sums.add(cluster, cell, value);
      const row = expected[cluster]!;
      row.set(cell, (row.get(cell) ?? 0) + value);
    }
    // A cluster outside the compiled range is left out, as before.
    sums.add(clusters, cells[0]!, 1);
    const compiled = sums.compile(clusters);
    for (let c = 0; c < clusters; c++) {
      const from = compiled.ptr[c]!;
      const to = compiled.ptr[c + 1]!;
      expect([...compiled.cells.subarray(from, to)]).toEqual([...expected[c]!.keys()]);
      expect([...compiled.values.subarray(from, to)]).toEqual([...expected[c]!.values()]);
    }
    expect(compiled.ptr[clusters]).toBe(compiled.cells.length);
  });

  it('resamples factors, not atoms: atoms sharing every level move together', () => {
    const sums = new ClusterSums();
    const s = sums.cell('s');
    const n = sums.cell('n');
    for (let k = 0; k < 6; k++) {
      sums.add(k, s, k);
      sums.add(k, n, 1);
    }
    const mean = (S: Float64Array) => S[s]! / S[n]!;
    const compiled = sums.compile(6);
    const one = { of: new Int32Array(6), levels: 1 };
    const fixed = clusterBootstrap(compiled, [mean], {
      replicates: 50,
      seed: 1,
      stream: 1,
      level: 0.95,
      factors: [one, one],
    });
    expect(fixed.intervals[0]).toMatchObject({ low: 2.5, high: 2.5 });
    const free = clusterBootstrap(compiled, [mean], {
      replicates: 200,
      seed: 1,
      stream: 1,
      level: 0.95,
    });
    expect(free.intervals[0]!.high - free.intervals[0]!.low).toBeGreaterThan(1);
    expect(free.intervals[0]!.p).toBe(0);
  });

  // Integer contributions and weights make every sum exact whatever the order of additions, so
  // a replicate drawn by hand (the factors' levels in order, from the same stream) must give the
  // very sums the bootstrap saw, in every lane of its blocks and past the last full block.
  // Without factors each atom is its own row, so with fractional values the sums by hand, added
  // in atom order, must also match to the bit: the order of additions is part of the contract.
  it.each([
    ['with factors, all values finite (replicates in lanes)', true, false, false],
    ['without factors, all values finite (replicates in lanes)', false, false, false],
    ['without factors, fractional values added in atom order', false, false, true],
    ['with a non-finite value (one replicate at a time)', true, true, false],
  ])('each replicate sums the drawn weights: %s', (_name, withFactors, nonFinite, fractional) => {
    const atoms = 40;
    const students = new Int32Array(atoms);
    const therapists = new Int32Array(atoms);
    const sums = new ClusterSums();
    const cells = [0, 1, 2, 3].map((i) => sums.cell(`c${i}`));
    const inf = sums.cell('inf');
    const value = seededRandom(7, 0);
    const expected: number[][] = [];
    for (let k = 0; k < atoms; k++) {
      students[k] = k % 13;
      therapists[k] = k % 5;
      const row = cells.map(() =>
        fractional
          ? ((value() - 0.5) / 3) * 10 ** Math.floor(value() * 6)
          : Math.floor(value() * 11) - 5,
      );
      expected.push(row);
      row.forEach((v, c) => {
        sums.add(k, cells[c]!, v);
      });
    }
    if (nonFinite) sums.add(3, inf, Number.POSITIVE_INFINITY);
    const factors = [
      { of: students, levels: 13 },
      { of: therapists, levels: 5 },
    ];
    const seen: number[][] = [];
    const watch = (S: Float64Array) => {
      seen.push([...cells.map((c) => S[c]!), S[inf]!]);
      return S[cells[0]!]!;
    };
    const B = 21;
    clusterBootstrap(sums.compile(atoms), [watch], {
      replicates: B,
      seed: 3,
      stream: 1,
      level: 0.95,
      ...(withFactors ? { factors } : {}),
    });
    // The first call is the point estimate (every weight 1).
    expect(seen[0]).toEqual([
      ...cells.map((_, c) => expected.reduce((t, row) => t + row[c]!, 0)),
      nonFinite ? Number.POSITIVE_INFINITY : 0,
    ]);
    const random = seededRandom(3, 1);
    const draw = (size: number) => {
      const w = new Array<number>(size).fill(0);
      for (let i = 0; i < size; i++) w[Math.floor(random() * size)]!++;
      return w;
    };
    const byHand: number[][] = [];
    for (let b = 0; b < B; b++) {
      let weightOf: (k: number) => number;
      if (withFactors) {
        const ws = draw(13);
        const wt = draw(5);
        weightOf = (k) => ws[students[k]!]! * wt[therapists[k]!]!;
      } else {
        const w = draw(atoms);
        weightOf = (k) => w[k]!;
      }
      // An atom drawn zero times adds nothing, not 0 × ∞.
      const infinite = nonFinite && weightOf(3) > 0 ? Number.POSITIVE_INFINITY : 0;
      byHand.push([
        ...cells.map((_, c) => expected.reduce((t, row, k) => t + weightOf(k) * row[c]!, 0)),
        infinite,
      ]);
    }
    expect(seen.slice(1)).toEqual(byHand);
  });

  it('a bootstrap over only the cells its statistics read gives the same intervals', () => {
    const sums = new ClusterSums();
    const cells = [0, 1, 2, 3, 4, 5].map((i) => sums.cell(`c${i}`));
    const value = seededRandom(11, 0);
    const students = new Int32Array(60);
    for (let k = 0; k < 60; k++) {
      students[k] = k % 17;
      for (const c of cells) if (value() < 0.7) sums.add(k, c, value() * 10 - 3);
    }
    const compiled = sums.compile(60);
    const ratio = (S: Float64Array) => S[cells[1]!]! / (1 + Math.abs(S[cells[4]!]!));
    const options = {
      replicates: 99,
      seed: 5,
      stream: 2,
      level: 0.95,
      factors: [{ of: students, levels: 17 }],
    };
    const kept = keepCells(compiled, [cells[1]!, cells[4]!]);
    expect(kept.cells.length).toBeLessThan(compiled.cells.length / 2);
    expect(clusterBootstrap(kept, [ratio], options)).toEqual(
      clusterBootstrap(compiled, [ratio], options),
    );
  });

  it('ratios and their differences read from the lanes give what the same expressions give when called', () => {
    const sums = new ClusterSums();
    const cells = [0, 1, 2, 3].map((i) => sums.cell(`c${i}`));
    const value = seededRandom(17, 0);
    const students = new Int32Array(80);
    for (let k = 0; k < 80; k++) {
      students[k] = k % 23;
      // Some atoms hold no count at all, so some replicates draw a zero denominator (NaN).
      for (const c of cells) if (value() < (c % 2 ? 0.3 : 0.8)) sums.add(k, c, value() * 5);
    }
    const compiled = sums.compile(80);
    const [s1, n1, s2, n2] = cells as [number, number, number, number];
    const called = (s: number, n: number) => (S: Float64Array) =>
      S[n]! > 0 ? S[s]! / S[n]! : Number.NaN;
    const formed = [ratioOf(s1, n1), ratioOf(s2, n2)];
    const plain = [called(s1, n1), called(s2, n2)];
    const options = { replicates: 203, seed: 3, stream: 1, level: 0.9 };
    for (const factors of [undefined, [{ of: students, levels: 23 }]]) {
      const fast = clusterBootstrap(
        compiled,
        [...formed, ratioDifference(formed[0]!, formed[1]!)],
        { ...options, ...(factors ? { factors } : {}) },
      );
      const slow = clusterBootstrap(compiled, [...plain, (S) => plain[0]!(S) - plain[1]!(S)], {
        ...options,
        ...(factors ? { factors } : {}),
      });
      expect(fast.intervals.every((iv) => iv !== null)).toBe(true);
      expect(fast).toEqual(slow);
    }
  });
});
