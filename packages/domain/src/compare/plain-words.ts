import { type CsvValue, csvDocument } from '../csv';
import { type GoalDomain, labels, serviceModels } from '../model';
import type { ComparisonReport, ModelComparison, StratumDimension } from './compare';

// The comparison in words a coordinator reads first, and its strata as a spreadsheet a person
// can read: labels instead of keys, rates rounded to a tenth of a point.

type Setting = 'classroom' | 'therapy_room';
const SETTINGS: readonly Setting[] = ['classroom', 'therapy_room'];
const SETTING_WORDS: Record<Setting, string> = {
  classroom: 'Classroom',
  therapy_room: 'Therapy room',
};
const DIMENSION_WORDS: Record<StratumDimension, string> = {
  discipline_domain: 'Discipline and domain',
  grade_band: 'Grade band',
  school: 'School',
};

/** A rate (share of the gap per week) as percentage points, to a tenth. */
const points = (v: number) => Math.round(v * 1000) / 10;
const perWeek = (v: number) => `${points(v).toFixed(1)}%`;

function settingSentences(setting: Setting, c: ModelComparison): string {
  const where = setting === 'classroom' ? 'In the classroom' : 'In the therapy room';
  const pushIn = c.byModel.push_in;
  const pullOut = c.byModel.pull_out;
  if (pushIn.estimate === null || pullOut.estimate === null) {
    return `${where}, there are not yet enough data to compare push-in with pull-out.`;
  }
  const rates = `${where}, goals served by push-in closed about ${perWeek(pushIn.estimate)} of the gap to their target each week, and goals served by pull-out about ${perWeek(pullOut.estimate)}.`;
  const d = c.pushInMinusPullOut;
  if (d.insufficient || d.estimate === null)
    return `${rates} Too few therapists deliver each model to say whether that difference is real.`;
  if (!d.claimed)
    return `${rates} The difference is small enough that chance alone could explain it: no clear difference.`;
  const faster = d.estimate > 0 ? 'Push-in' : 'Pull-out';
  return `${rates} ${faster} was faster by about ${Math.abs(points(d.estimate)).toFixed(1)} points a week, more than chance alone would explain.`;
}

/** The page's opening summary: what the comparison found, in a few plain sentences. */
export function comparisonSummary(report: ComparisonReport): string[] {
  const byModel = { classroom: report.classroom, therapy_room: report.therapyRoom };
  const { students, goals, therapists } = report.counts;
  const caution =
    report.confounders.length > 0
      ? ` The groups differ in ${report.confounders.length === 1 ? 'one way' : `${report.confounders.length} ways`} listed below, which can make one model look better without causing it.`
      : '';
  return [
    ...SETTINGS.map((s) => settingSentences(s, byModel[s])),
    `Based on ${students} students, ${goals} goals and ${therapists} therapists. Models were not assigned at random, so these figures describe what happened; they do not prove that one model causes faster progress.${caution}`,
  ];
}

/** A stratum as people say it: the school's name, "OT · Self-care", a grade band. */
export function stratumWords(
  dimension: StratumDimension,
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

/** The strata as CSV: one line per stratum and setting, each model's rate and interval. */
export function strataCsv(report: ComparisonReport, schoolName: (id: string) => string): string {
  const header = [
    'Grouped by',
    'Group',
    'Setting of the data',
    'Students',
    'Goals',
    'Episodes',
    'Episodes left out',
    'Enough data',
    ...serviceModels.flatMap((m) => {
      const model = labels.model[m];
      return [
        `${model}: % of gap closed per week`,
        `${model}: interval low`,
        `${model}: interval high`,
        `${model}: students`,
      ];
    }),
    'Push-in minus pull-out (points per week)',
    'Difference: interval low',
    'Difference: interval high',
    'Clear difference (after Holm correction)',
  ];
  const rate = (v: number | null | undefined) => (v == null ? '' : points(v));
  const records: CsvValue[][] = [];
  for (const s of report.strata)
    for (const setting of SETTINGS) {
      const c = s.outcomes[setting];
      if (!c) continue;
      const d = c.pushInMinusPullOut;
      records.push([
        DIMENSION_WORDS[s.dimension],
        stratumWords(s.dimension, s.key, schoolName),
        SETTING_WORDS[setting],
        s.students,
        s.goals,
        s.episodes,
        s.excludedEpisodes,
        s.insufficient ? 'No' : 'Yes',
        ...serviceModels.flatMap((m) => {
          const e = c.byModel[m];
          return [rate(e.estimate), rate(e.low), rate(e.high), e.students];
        }),
        rate(d.estimate),
        rate(d.low),
        rate(d.high),
        d.estimate === null ? '' : d.claimed ? 'Yes' : 'No',
      ]);
    }
  return csvDocument(header, records);
}
