import type { ComparisonGoal, ComparisonInput } from '../src/compare/index';
import { seededRandom } from '../src/compare/index';
import { addDays } from '../src/dates';
import type { Discipline, GoalDomain, ServiceModel, Setting } from '../src/model';

// A second simulation generator for the push-in / pull-out comparison, written to break it:
// districts collected the way schools collect data, not the way the demo generator plants it.
// It builds the comparison's input (`ComparisonGoal`s) directly, so thousands of districts run
// in seconds. Everything the naive comparison gets wrong is a knob:
//
// - therapists with random effects on growth, each preferring one model, the effect optionally
//   correlated with the preference (better therapists push in);
// - severity linked to the baseline level, to growth and optionally to the model;
// - a domain mix that differs by model, with domain-specific growth;
// - setting-specific growth (skills grow faster in the therapy room);
// - sparse classroom probes under pull-out;
// - model switches triggered by a stall (a flat first half), often after a recommendation;
// - goals that plateau at the target (scores capped at it);
// - missing minutes;
// - coarse scores (10-trial data: tenths).
//
// Every goal is a duration goal from 0 to 100 s, so a point's score is seconds / 100.

export interface RealisticOptions {
  students: number;
  seed: number;
  /** Therapists per discipline (OT, SLP). Default 6. */
  therapistsPerDiscipline?: number;
  /** Planted push-in − pull-out difference in weekly growth, the same in every setting. */
  effect?: number;
  /** SD of therapist effects on weekly growth. Default 0.008. */
  therapistSd?: number;
  /** Probability a therapist uses their preferred model for a goal. Default 0.85. */
  preference?: number;
  /** Therapist effect correlated with preferring push-in (confounded): its size. Default 0. */
  therapistPushInBonus?: number;
  /** Severe students are given pull-out (logit slope on severity). Default 0 (model independent). */
  severityToPullOut?: number;
  /** Functional domains mostly push-in, articulation mostly pull-out. Default false. */
  domainByModel?: boolean;
  /** Extra weekly growth in articulation and language domains. Default 0.006. */
  domainGrowth?: number;
  /** Extra weekly growth in the therapy room over the classroom. Default 0.008. */
  roomExtraGrowth?: number;
  /** Weeks between classroom probes under pull-out. Default 4. */
  pullOutProbeWeeks?: number;
  /** Probability a stalled goal switches model at mid-year. Default 0.6. */
  stallSwitch?: number;
  /** SD of a student's own growth effect (shared by their goals). Default 0.008. */
  studentSd?: number;
}

const WEEKS = 24;
const START = '2025-09-01'; // a Monday
const OT_DOMAINS: GoalDomain[] = ['fine_motor', 'self_care', 'handwriting'];
const SLP_DOMAINS: GoalDomain[] = ['articulation', 'expressive_language', 'social_communication'];
const FAST_DOMAINS = new Set<GoalDomain>(['articulation', 'expressive_language']);
const FUNCTIONAL = new Set<GoalDomain>(['self_care', 'social_communication', 'handwriting']);
const GRADES = ['K', '1', '2', '3', '4', '5', '6', '7', '8'];

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function realisticDistrict(o: RealisticOptions): ComparisonInput {
  const random = seededRandom(o.seed, 77);
  const perDiscipline = o.therapistsPerDiscipline ?? 6;
  const effect = o.effect ?? 0;
  const therapistSd = o.therapistSd ?? 0.008;
  const preference = o.preference ?? 0.85;
  const bonus = o.therapistPushInBonus ?? 0;
  const severityToPullOut = o.severityToPullOut ?? 0;
  const domainGrowth = o.domainGrowth ?? 0.006;
  const roomExtra = o.roomExtraGrowth ?? 0.008;
  const probeWeeks = o.pullOutProbeWeeks ?? 4;
  const stallSwitch = o.stallSwitch ?? 0.6;
  const studentSd = o.studentSd ?? 0.008;

  const therapists: { id: string; discipline: Discipline; prefersPushIn: boolean; u: number }[] =
    [];
  for (const discipline of ['OT', 'SLP'] as const)
    for (let t = 0; t < perDiscipline; t++) {
      const prefersPushIn = random() < 0.5;
      therapists.push({
        id: `${discipline}-t${t}`,
        discipline,
        prefersPushIn,
        u: therapistSd * normal(random) + (prefersPushIn ? bonus : -bonus),
      });
    }

  const goals: ComparisonGoal[] = [];
  for (let s = 0; s < o.students; s++) {
    const studentId = `s${s}`;
    const severity = normal(random);
    const studentU = studentSd * normal(random);
    const grade = GRADES[Math.floor(random() * GRADES.length)]!;
    const schoolId = `school${s % 3}`;
    const nGoals = 1 + Math.floor(random() * 3);
    // One therapist per discipline for the student.
    const own = new Map<Discipline, (typeof therapists)[number]>();
    for (let k = 0; k < nGoals; k++) {
      const discipline: Discipline = random() < 0.5 ? 'OT' : 'SLP';
      let th = own.get(discipline);
      if (!th) {
        const pool = therapists.filter((t) => t.discipline === discipline);
        th = pool[Math.floor(random() * pool.length)]!;
        own.set(discipline, th);
      }
      const domains = discipline === 'OT' ? OT_DOMAINS : SLP_DOMAINS;
      const domain = domains[Math.floor(random() * domains.length)]!;
      // Model: the therapist's preference, tilted by domain and severity when asked to.
      let logit = Math.log(preference / (1 - preference)) * (th.prefersPushIn ? 1 : -1);
      if (o.domainByModel)
        logit += FUNCTIONAL.has(domain) ? 1.5 : domain === 'articulation' ? -1.5 : 0;
      logit -= severityToPullOut * severity;
      let model: ServiceModel = random() < 1 / (1 + Math.exp(-logit)) ? 'push_in' : 'pull_out';
      const baseLevel = Math.min(0.6, Math.max(0.02, 0.3 - 0.1 * severity + 0.05 * normal(random)));
      const growth =
        0.015 -
        0.004 * severity +
        (FAST_DOMAINS.has(domain) ? domainGrowth : 0) +
        th.u +
        studentU +
        0.004 * normal(random);
      const goalId = `${studentId}-g${k}`;
      const observations: ComparisonGoal['observations'] = [];
      const modelChanges: ComparisonGoal['modelChanges'] = [];
      const recommendationDates: string[] = [];
      const deliveredMinutes: ComparisonGoal['deliveredMinutes'] = [];
      const hasMinutes = random() < 0.7;
      const initialModel = model;
      let level = baseLevel;
      let switched = false;
      const firstHalf: { w: number; y: number }[] = [];
      for (let w = 0; w < WEEKS; w++) {
        const day = w * 7 + Math.floor(random() * 5);
        const date = addDays(START, day);
        const g = growth + (model === 'push_in' ? effect / 2 : -effect / 2);
        level += g;
        const points: Setting[] = [];
        if (model === 'push_in') {
          points.push('classroom');
          if (w % 3 === 1) points.push('therapy_room');
        } else {
          points.push('therapy_room');
          if (w % probeWeeks === 2) points.push('classroom');
        }
        for (const setting of points) {
          // Setting-specific growth: the same skill measured in the therapy room rises faster
          // (a quiet room, the therapist's own materials), whatever the model.
          const room = setting === 'therapy_room' ? 0.05 + roomExtra * w : 0;
          const raw = level + room + 0.08 * normal(random);
          // Coarse (tenths, as 10-trial data) and plateaued at the target.
          const score = Math.min(1, Math.max(0, Math.round(raw * 10) / 10));
          observations.push({
            date,
            setting,
            model: model === 'push_in' ? 'push_in' : 'pull_out',
            seconds: score * 100,
          });
          if (w < WEEKS / 2) firstHalf.push({ w, y: score });
        }
        if (hasMinutes) deliveredMinutes.push({ date, minutes: model === 'push_in' ? 30 : 45 });
        // Stall-triggered switch at mid-year: a flat first half (on the noisy scores).
        if (w === WEEKS / 2 - 1 && !switched) {
          const mw = firstHalf.reduce((a, p) => a + p.w, 0) / firstHalf.length;
          const my = firstHalf.reduce((a, p) => a + p.y, 0) / firstHalf.length;
          let sxy = 0;
          let sxx = 0;
          for (const p of firstHalf) {
            sxy += (p.w - mw) * (p.y - my);
            sxx += (p.w - mw) ** 2;
          }
          const slope = sxx > 0 ? sxy / sxx : 0;
          if (slope <= 0.01 && random() < stallSwitch) {
            switched = true;
            const on = addDays(START, (w + 1) * 7);
            model = model === 'push_in' ? 'pull_out' : 'push_in';
            modelChanges.push({ date: on, toModel: model });
            if (random() < 0.7) recommendationDates.push(addDays(START, w * 7));
          }
        }
      }
      goals.push({
        id: goalId,
        studentId,
        schoolId,
        grade,
        discipline,
        domain,
        providerId: th.id,
        spec: {
          measurementType: 'duration',
          baseline: 0,
          target: 100,
          direction: 'up',
          startDate: START,
        },
        initialModel,
        modelChanges,
        phaseChanges: [],
        observations,
        deliveredMinutes,
        recommendationDates,
        asOf: addDays(START, WEEKS * 7 - 1),
      });
    }
  }
  return { goals };
}
