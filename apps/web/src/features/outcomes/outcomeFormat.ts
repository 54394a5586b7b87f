import {
  DEFAULT_OUTCOME_FLOOR,
  type OutcomesFilterInput as FilterInput,
  type GoalDomain,
  labels,
  type Outcome,
  type StratumDimension,
} from '@carryover/domain';

// The Outcomes page's labels and number formats, its URL filters and its downloads.

const FILTER_KEYS = ['schoolId', 'discipline', 'domain', 'gradeBand', 'from', 'to'] as const;
export const OUTCOME_LABEL: Record<Outcome, string> = {
  all: 'All settings',
  therapy_room: 'Therapy room',
  classroom: 'Classroom (carryover)',
};
/** The settings the comparison is made in: like with like, never pooled. */
export const STRATA_OUTCOMES = ['classroom', 'therapy_room'] as const;
export const DIMENSION_LABEL: Record<StratumDimension, string> = {
  discipline_domain: 'Discipline × domain',
  grade_band: 'Grade band',
  school: 'School',
};

/** ROI: share of the baseline→target gap closed per week, shown in percentage points. */
export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
export const gasFmt = (v: number) => (v > 0 ? '+' : '') + v.toFixed(2);
export const interval = (low: number | null, high: number | null, f: (v: number) => string) =>
  low === null || high === null ? '' : `${f(low)} to ${f(high)}`;

export function filtersFrom(params: URLSearchParams): FilterInput {
  const f: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  const floor = Number(params.get('floor'));
  f.minStudents = Number.isFinite(floor) && floor > 0 ? floor : DEFAULT_OUTCOME_FLOOR;
  return f as FilterInput;
}

export function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A stratum's name as people say it: the school's name, "OT · Self-care", a grade band. */
export function stratumLabel(
  dimension: string,
  key: string,
  schoolName: (id: string) => string,
): string {
  if (dimension === 'school') return schoolName(key);
  if (dimension === 'discipline_domain') {
    const [discipline, domain] = key.split(' · ');
    return `${discipline} · ${labels.domain[domain as GoalDomain] ?? domain}`;
  }
  return key;
}

/** What the strata export needs of an `outcomes.report` answer. */
interface ShownFigures {
  computedAt: string;
  schoolStrata: number;
}

/**
 * The report and its strata by school from one computation, for the strata CSV: the school rows
 * come from `outcomes.schoolStrata`, which may already answer from fresher figures than the
 * report on screen (a refresh landed meanwhile). Then the report is asked for again, and both
 * until they agree, so a file never mixes two computations' rows.
 */
export async function strataOfOneComputation<
  Report extends ShownFigures,
  Strata extends { computedAt: string; strata: readonly unknown[] },
>(
  shown: Report,
  fetchReport: () => Promise<Report>,
  fetchSchoolStrata: (fresh: boolean) => Promise<Strata>,
  attempts = 3,
): Promise<{ report: Report; bySchool: Strata['strata'] }> {
  let report = shown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) report = await fetchReport();
    if (report.schoolStrata === 0) return { report, bySchool: [] };
    const bySchool = await fetchSchoolStrata(attempt > 0);
    if (bySchool.computedAt === report.computedAt) return { report, bySchool: bySchool.strata };
  }
  throw new Error('The figures changed while the CSV was prepared.');
}
