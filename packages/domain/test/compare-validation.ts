import {
  type Clustering,
  type ComparisonReport,
  type ConfounderFlag,
  compareModels,
  type Difference,
} from '../src/compare/index';
import { type RealisticOptions, realisticDistrict } from './realistic-district';

// The validation runs of issue 13, shared by the CI subset (test/compare-validation.test.ts,
// a few dozen districts per scenario) and the full size (bench/compare-validation.bench.ts).
// Every district is seeded, so a run's rates are the same on every machine.

export const HEADLINE_ROWS = ['classroom', 'therapy room', 'adjusted'] as const;
export type HeadlineRow = (typeof HEADLINE_ROWS)[number];

export function headline(r: ComparisonReport): Record<HeadlineRow, Difference> {
  return {
    classroom: r.classroom.pushInMinusPullOut,
    'therapy room': r.therapyRoom.pushInMinusPullOut,
    adjusted: r.adjusted.pushInMinusPullOut,
  };
}

export const STUDENTS = 150;
const REPLICATES = 250;

export function run(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
  seed: number,
  options: { clustering?: Clustering; strata?: boolean } = {},
): ComparisonReport {
  return compareModels(realisticDistrict({ students: STUDENTS, seed, ...district }), {
    seed,
    replicates: REPLICATES,
    strataOutcomes: options.strata ? ['classroom', 'therapy_room'] : [],
    ...(options.clustering ? { clustering: options.clustering } : {}),
  });
}

const truths = new Map<string, Record<HeadlineRow, number>>();

/** The estimand's value in a scenario: the point estimates on one very large district (memoised). */
export function populationTruth(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
): Record<HeadlineRow, number> {
  const key = JSON.stringify(district);
  let t = truths.get(key);
  if (!t) {
    t = computeTruth(district);
    truths.set(key, t);
  }
  return t;
}

function computeTruth(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
): Record<HeadlineRow, number> {
  // As many therapists per student as the districts have: the estimand averages over them.
  const r = compareModels(
    realisticDistrict({ students: 3000, therapistsPerDiscipline: 120, seed: 424_242, ...district }),
    {
      replicates: 2,
      strataOutcomes: [],
    },
  );
  const h = headline(r);
  return {
    classroom: h.classroom.estimate!,
    'therapy room': h['therapy room'].estimate!,
    adjusted: h.adjusted.estimate!,
  };
}

export interface Rate {
  k: number;
  n: number;
}
export const rate = (x: Rate) => (x.n ? x.k / x.n : Number.NaN);
export function show(x: Rate): string {
  return `${(100 * rate(x)).toFixed(1)}% (${x.k}/${x.n})`;
}

const rows = () =>
  Object.fromEntries(HEADLINE_ROWS.map((h) => [h, { k: 0, n: 0 }])) as Record<HeadlineRow, Rate>;

/** Coverage of `truth` by each headline row's interval, and how often a difference is claimed. */
export function coverage(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
  truth: Record<HeadlineRow, number>,
  districts: number,
  firstSeed: number,
  clustering?: Clustering,
) {
  const covered = rows();
  const claimed = rows();
  for (let i = 0; i < districts; i++) {
    const h = headline(run(district, firstSeed + i, clustering ? { clustering } : {}));
    for (const row of HEADLINE_ROWS) {
      const d = h[row];
      if (d.low === null || d.high === null) continue;
      covered[row].n++;
      claimed[row].n++;
      if (d.low <= truth[row] && truth[row] <= d.high) covered[row].k++;
      if (d.claimed) claimed[row].k++;
    }
  }
  return { covered, claimed };
}

/** False claims per headline row, and how often each confounder flag is raised. */
export function nullRun(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
  districts: number,
  firstSeed: number,
) {
  const claimed = rows();
  const flags = new Map<ConfounderFlag['key'], number>();
  for (let i = 0; i < districts; i++) {
    const r = run(district, firstSeed + i);
    const h = headline(r);
    for (const row of HEADLINE_ROWS) {
      const d = h[row];
      if (d.low === null) continue;
      claimed[row].n++;
      if (d.claimed) claimed[row].k++;
    }
    for (const f of r.confounders) flags.set(f.key, (flags.get(f.key) ?? 0) + 1);
  }
  return { claimed, flags };
}

/** Districts in which any stratum difference is claimed (family-wise error). */
export function strataRun(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
  districts: number,
  firstSeed: number,
) {
  const any: Rate = { k: 0, n: 0 };
  let compared = 0;
  for (let i = 0; i < districts; i++) {
    const r = run(district, firstSeed + i, { strata: true });
    const ds = r.strata.flatMap((s) =>
      Object.values(s.outcomes).flatMap((c) => (c && c.pushInMinusPullOut.p !== null ? [c] : [])),
    );
    compared += ds.length;
    any.n++;
    if (ds.some((c) => c.pushInMinusPullOut.claimed)) any.k++;
  }
  return { any, meanCompared: compared / districts };
}

/**
 * Coverage of each discipline × domain stratum's push-in − pull-out interval (classroom and
 * therapy room): the estimand is that stratum's point estimate in one very large district.
 */
export function strataCoverage(
  district: Omit<RealisticOptions, 'seed' | 'students'>,
  districts: number,
  firstSeed: number,
) {
  const big = compareModels(
    realisticDistrict({ students: 3000, therapistsPerDiscipline: 120, seed: 424_242, ...district }),
    { replicates: 2, strataOutcomes: ['classroom', 'therapy_room'] },
  );
  const truth = new Map<string, number>();
  for (const s of big.strata)
    if (s.dimension === 'discipline_domain')
      for (const [o, c] of Object.entries(s.outcomes))
        if (c?.pushInMinusPullOut.estimate != null)
          truth.set(`${s.key}|${o}`, c.pushInMinusPullOut.estimate);
  const covered: Rate = { k: 0, n: 0 };
  const claimed: Rate = { k: 0, n: 0 };
  for (let i = 0; i < districts; i++) {
    const r = run(district, firstSeed + i, { strata: true });
    for (const s of r.strata) {
      if (s.dimension !== 'discipline_domain') continue;
      for (const [o, c] of Object.entries(s.outcomes)) {
        const d = c?.pushInMinusPullOut;
        const t = truth.get(`${s.key}|${o}`);
        if (!d || d.low === null || d.high === null || t === undefined) continue;
        covered.n++;
        claimed.n++;
        if (d.low <= t && t <= d.high) covered.k++;
        if (d.claimed) claimed.k++;
      }
    }
  }
  return { covered, claimed };
}

/**
 * Realistic districts with random assignment (each therapist prefers a model, therapist and
 * student effects independent of it): everything but confounding.
 */
export const REALISTIC: Omit<RealisticOptions, 'seed' | 'students'> = { stallSwitch: 0 };

/** Confounded nulls: no model effect, something else differs between the models. */
export const CONFOUNDED: {
  name: string;
  district: Omit<RealisticOptions, 'seed' | 'students'>;
  flag: ConfounderFlag['key'];
}[] = [
  {
    name: 'setting-specific growth (room +0.015/week)',
    district: { roomExtraGrowth: 0.015, stallSwitch: 0 },
    flag: 'setting',
  },
  {
    name: 'severe students pulled out',
    district: { severityToPullOut: 1.5, stallSwitch: 0 },
    flag: 'baseline',
  },
  {
    name: 'domain mix by model',
    district: { domainByModel: true, domainGrowth: 0.012, stallSwitch: 0 },
    flag: 'domain',
  },
  {
    name: 'better therapists push in',
    district: { therapistPushInBonus: 0.006, stallSwitch: 0 },
    flag: 'therapist',
  },
  {
    name: 'stall-triggered switches, sparse pull-out probes',
    district: { stallSwitch: 0.8 },
    flag: 'switches',
  },
];
