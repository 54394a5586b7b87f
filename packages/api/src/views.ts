import {
  type CaseloadData,
  type Goal,
  goalSpecOf,
  pointOf,
  type StudentDetailData,
} from '@carryover/db';
import {
  type CaseloadGoal,
  type CaseloadRow,
  type Discipline,
  type GoalDetail,
  type GoalDomain,
  type GoalPhase,
  type GoalSpec,
  type GoalStatus,
  type GoalSummary,
  type IsoDate,
  type MeasurementType,
  masteryRuleWords,
  type ProgressPoint,
  progressOn,
  type ServiceModel,
  type SessionModel,
  type StudentDetail,
  standingOn,
  summarizeGoal,
} from '@carryover/domain';

// Rows from @carryover/db turned into the view shapes of @carryover/domain/views.

/** A month's mandate spread over weeks: 12 months = 52 weeks, so weekly = monthly × 12 / 52. */
export const WEEKS_PER_MONTH = 52 / 12;

export function weeklyMinutes(service: { minutes: number; per: 'week' | 'month' }): number {
  return service.per === 'week' ? service.minutes : service.minutes / WEEKS_PER_MONTH;
}

// The goal and observation row conversions live with the per-goal summaries, which use them.
export { goalSpecOf, pointOf };

export function unitOf(goal: Goal): string {
  switch (goal.measurement_type) {
    case 'percent':
      return '% of trials';
    case 'prompt_level':
      return 'prompt level';
    case 'frequency':
      return 'times per session';
    case 'duration':
      return 'seconds';
    case 'rubric':
      return goal.rubric_max != null ? `rubric points (0–${goal.rubric_max})` : 'rubric points';
    default:
      return '';
  }
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** A goal's fields on both pages, and its kept summary (`progress` is each page's own). */
function goalBasics(
  goal: Goal,
  summary: GoalSummary | undefined,
): { spec: GoalSpec; summary: GoalSummary; basics: Omit<CaseloadGoal, 'progress'> } {
  const spec = goalSpecOf(goal);
  // Every goal read has its summary (goalSummariesOf fills a missing one): this is a guard.
  const s = summary ?? summarizeGoal(spec, []);
  return {
    spec,
    summary: s,
    basics: {
      id: goal.id,
      domain: goal.domain as GoalDomain,
      text: goal.text,
      discipline: goal.discipline as Discipline,
      currentModel: goal.current_model as ServiceModel,
      phase: goal.phase as GoalPhase,
      alerts: s.alerts,
    },
  };
}

function caseloadGoal(goal: Goal, summary: GoalSummary | undefined, today: IsoDate): CaseloadGoal {
  const { spec, summary: s, basics } = goalBasics(goal, summary);
  return { ...basics, progress: standingOn(spec, s, today) };
}

export function nextIep(
  student: { iep_annual_review: string; iep_reevaluation: string },
  today: IsoDate,
): Pick<CaseloadRow, 'nextIepDate' | 'nextIepEvent'> {
  const ahead = [
    { date: student.iep_annual_review, event: 'annual_review' as const },
    { date: student.iep_reevaluation, event: 're_evaluation' as const },
  ]
    .filter((e) => e.date >= today)
    .sort((a, b) => a.date.localeCompare(b.date));
  const first = ahead[0];
  return { nextIepDate: first?.date ?? null, nextIepEvent: first?.event ?? null };
}

export interface CaseloadViewOptions {
  today: IsoDate;
  discipline?: Discipline;
  status?: GoalStatus;
}

/**
 * One row per student. With a discipline filter, goals and minutes are that discipline's only;
 * with a status filter, a student stays when any of their (shown) goals has that status.
 */
export function caseloadRows(data: CaseloadData, options: CaseloadViewOptions): CaseloadRow[] {
  const { today, discipline, status } = options;
  const goalsByStudent = groupBy(
    data.goals.filter((g) => !discipline || g.discipline === discipline),
    (g) => g.student_id,
  );
  const mandated = new Map<string, number>();
  for (const s of data.services) {
    if (discipline && s.discipline !== discipline) continue;
    mandated.set(s.student_id, (mandated.get(s.student_id) ?? 0) + weeklyMinutes(s));
  }

  const rows: CaseloadRow[] = [];
  for (const s of data.students) {
    const goals = (goalsByStudent.get(s.id) ?? []).map((g) =>
      caseloadGoal(g, data.summaries.get(g.id), today),
    );
    if (status && !goals.some((g) => g.progress.status === status)) continue;
    rows.push({
      studentId: s.id,
      name: `${s.first_name} ${s.last_name}`,
      grade: s.grade,
      schoolName: s.school_name,
      homeroom: s.homeroom_name ?? null,
      goals,
      // Delivered and behind come from the fidelity figures (the caseload router fills them in).
      minutesDeliveredThisWeek: 0,
      minutesMandatedThisWeek: Math.round(mandated.get(s.id) ?? 0),
      minutesBehind: 0,
      ...nextIep(s, today),
    });
  }
  return rows;
}

export function studentDetail(data: StudentDetailData, today: IsoDate): StudentDetail {
  const { student } = data;
  const splitsByService = groupBy(data.splits, (s) => s.service_id);
  const obsByGoal = groupBy(data.observations, (o) => o.goal_id);
  const routinesByGoal = groupBy(data.routines, (r) => r.goal_id);
  const phasesByGoal = groupBy(data.phaseChanges, (p) => p.goal_id);
  const recorderNames = new Map(data.recorders.map((r) => [r.id, r.name]));

  const goals: GoalDetail[] = data.goals.map((goal) => {
    const { spec, summary, basics } = goalBasics(goal, data.summaries.get(goal.id));
    const points = (obsByGoal.get(goal.id) ?? []).flatMap((o) => {
      const point = pointOf(spec, o);
      if (!point) return [];
      point.recordedBy = {
        name: recorderNames.get(o.recorded_by) ?? 'A former staff member',
        role: o.recorder_role as NonNullable<ProgressPoint['recordedBy']>['role'],
      };
      return [point];
    });
    // A goal follows its own model changes and those of the service it belongs to.
    const modelChanges = data.modelChanges
      .filter(
        (m) =>
          m.goal_id === goal.id ||
          (m.goal_id === null && goal.service_id !== null && m.service_id === goal.service_id),
      )
      .map((m) => ({
        date: m.changed_on,
        from: m.from_model as ServiceModel,
        to: m.to_model as ServiceModel,
        reason: m.reason,
      }));
    return {
      ...basics,
      progress: progressOn(spec, summary, today),
      measurementType: goal.measurement_type as MeasurementType,
      baseline: goal.baseline,
      target: goal.target,
      unit: unitOf(goal),
      rubricMax: goal.rubric_max,
      startDate: goal.start_date,
      targetDate: goal.target_date,
      masteryRuleText: masteryRuleWords(spec.masteryRule),
      // ISO dates order as plain strings; localeCompare's collation cost more than the rest of
      // the page's arithmetic for a goal with a year of points (a stable sort keeps entry order).
      points: [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
      modelChanges,
      phaseChanges: (phasesByGoal.get(goal.id) ?? []).map((p) => ({
        date: p.changed_on,
        phase: p.phase as GoalPhase,
      })),
      routines: (routinesByGoal.get(goal.id) ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        classroom: r.classroom_name,
      })),
    };
  });

  return {
    id: student.id,
    name: `${student.first_name} ${student.last_name}`,
    grade: student.grade,
    dateOfBirth: student.date_of_birth,
    schoolName: student.school_name,
    homeroom: student.homeroom_name ?? null,
    iepStart: student.iep_start,
    iepAnnualReview: student.iep_annual_review,
    iepReevaluation: student.iep_reevaluation,
    services: data.services.map((s) => {
      const split = (splitsByService.get(s.id) ?? []).map((m) => ({
        model: m.model as SessionModel,
        minutes: m.minutes,
      }));
      return {
        id: s.id,
        discipline: s.discipline as Discipline,
        providerName: s.provider_name ?? '',
        minutes: s.minutes,
        per: s.per,
        model: s.model as ServiceModel,
        // A single-model service is its own split, so the view never has to special-case it.
        split:
          split.length > 0 || s.model === 'split'
            ? split
            : [{ model: s.model as SessionModel, minutes: s.minutes }],
        startDate: s.start_date,
        endDate: s.end_date,
      };
    }),
    goals,
  };
}

/**
 * Each goal's graph as it stood on `asOf` (a report's period end): only the points, model and
 * phase changes up to then, and the trend and status judged from those points, so a report
 * printed later shows the graph its judgement stood on.
 */
export function goalGraphsAsOf(data: StudentDetailData, asOf: IsoDate): Map<string, GoalDetail> {
  const summaries = new Map(
    data.goals.map((goal) => {
      const spec = goalSpecOf(goal);
      const points = data.observations
        .filter((o) => o.goal_id === goal.id)
        .flatMap((o) => pointOf(spec, o) ?? [])
        .filter((p) => p.date <= asOf);
      return [goal.id, summarizeGoal(spec, points)] as const;
    }),
  );
  const detail = studentDetail({ ...data, summaries }, asOf);
  return new Map(
    detail.goals.map((g) => [
      g.id,
      {
        ...g,
        points: g.points.filter((p) => p.date <= asOf),
        modelChanges: g.modelChanges.filter((m) => m.date <= asOf),
        phaseChanges: g.phaseChanges.filter((p) => p.date <= asOf),
      },
    ]),
  );
}
