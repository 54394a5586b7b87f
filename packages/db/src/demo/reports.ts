import { type GasValue, type GoalPhase, statusNeedsReason } from '@carryover/domain';
import type { Kysely } from 'kysely';
import type { ObservationPoint } from '../queries/goal-summaries';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from '../queries/observation-columns';
import { type DraftedReportLine, draftReportLines } from '../queries/report-drafts';
import { listReportingPeriods } from '../queries/reports';
import type { Database, Goal } from '../schema';
import { type DemoClock, dayOf, iso, weekday } from './calendar';
import { hashFloat, hashString } from './rng';
import type { MemorySink, RowSink } from './writer';

// The demo's finalised progress reports: for every reporting period that has ended, each
// student's report drafted from the data exactly as `reports.generate` drafts it (the shared
// `draftReportLines`), each discipline's lines marked ready by its therapist and the report
// finalised a few school days after the period, in the district's afternoon. The seed runs it
// once the generated rows are written, reading them back a batch of students at a time;
// `generateDemoRows` runs it over the rows in memory.
//
// No version snapshot is written: a final report without one is shown from the data as of its
// period's end (see `viewOf` in the API), which for the demo is what was finalised.

/** Students read and drafted at a time, so memory stays bounded for the large benches. */
const STUDENT_BATCH = 250;
/** About one line in forty carries a therapist's changed score, with the reason. */
const OVERRIDE_SHARE = 0.025;

const RAISED_REASONS = [
  'The teacher reported steady use in class over the last two weeks of the period, after the last probe.',
  'A classroom observation after the last probe showed the skill used without prompts; the last three points understate it.',
] as const;
const LOWERED_REASONS = [
  'Most of the period’s data came from one strong week; across the period performance was lower.',
  'Several of the period’s points were taken with more support than the goal allows.',
] as const;

interface SeedReportsOptions {
  districtId: string;
  clock: DemoClock;
  seed: number;
}

/** The next weekday on or after `day`. */
function weekdayFrom(day: number): number {
  let d = day;
  while (weekday(d) > 5) d++;
  return d;
}

/** The goal as it stood on `date`: its phase then, from its phase history. */
function goalOn(
  goal: Goal,
  phases: readonly { phase: string; changed_on: string }[],
  date: string,
) {
  let phase = goal.phase;
  for (const p of phases) if (p.changed_on <= date) phase = p.phase;
  return phase === goal.phase ? goal : { ...goal, phase: phase as GoalPhase };
}

type Period = { id: string; name: string; starts_on: string; ends_on: string };
type ReportObservation = ObservationPoint & { late_entry?: number | null; student_id: string };

/** What drafting a batch of students' reports reads, as `loadStudentDetail` orders it. */
interface ReportRows {
  students: readonly { id: string; first_name: string }[];
  /** In creation order. */
  goals: readonly Goal[];
  /** By goal, date, then entry: same-day points keep their entry order. */
  observations: readonly ReportObservation[];
  /** By date. */
  phaseChanges: readonly { goal_id: string; phase: string; changed_on: string }[];
}

/** Each service's provider, and each student's first provider per discipline. */
function providersOf(
  services: readonly {
    id: string;
    student_id: string;
    discipline: string;
    provider_id: string | null;
  }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) {
    if (!s.provider_id) continue;
    out.set(s.id, s.provider_id);
    const key = `${s.student_id}|${s.discipline}`;
    if (!out.has(key)) out.set(key, s.provider_id);
  }
  return out;
}

/**
 * The DB path: reads the written district back a batch of students at a time, one statement
 * after another (on Postgres they share the seed's one client), and writes through `sink`.
 */
export async function seedFinalReports(
  db: Kysely<Database>,
  sink: RowSink,
  { districtId, clock, seed }: SeedReportsOptions,
): Promise<void> {
  const today = iso(clock.today);
  const ended = (await listReportingPeriods(db, districtId)).filter((p) => p.ends_on < today);
  if (ended.length === 0) return;
  const lastEnd = ended.at(-1)!.ends_on;
  const students = await db
    .selectFrom('student')
    .select(['id', 'first_name'])
    .where('district_id', '=', districtId)
    .orderBy('id')
    .execute();
  const providerOf = providersOf(
    await db
      .selectFrom('service')
      .select(['id', 'student_id', 'discipline', 'provider_id'])
      .where('district_id', '=', districtId)
      .orderBy('start_date')
      .orderBy('id')
      .execute(),
  );
  for (let i = 0; i < students.length; i += STUDENT_BATCH) {
    const batch = students.slice(i, i + STUDENT_BATCH);
    const ids = batch.map((s) => s.id);
    const goals = await db
      .selectFrom('goal')
      .selectAll()
      .where('district_id', '=', districtId)
      .where('student_id', 'in', ids)
      .where('start_date', '<=', lastEnd)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const observations = await db
      .selectFrom('observation')
      .select([...OBSERVATION_POINT_COLUMNS, 'late_entry', 'student_id'])
      .select(inLinkedRoutine)
      .where('district_id', '=', districtId)
      .where('student_id', 'in', ids)
      .where('observed_on', '<=', lastEnd)
      .orderBy('goal_id')
      .orderBy('observed_on')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const phaseChanges = await db
      .selectFrom('goal_phase_change')
      .innerJoin('goal', (j) =>
        j
          .onRef('goal.district_id', '=', 'goal_phase_change.district_id')
          .onRef('goal.id', '=', 'goal_phase_change.goal_id'),
      )
      .select([
        'goal_phase_change.goal_id',
        'goal_phase_change.phase',
        'goal_phase_change.changed_on',
      ])
      .where('goal_phase_change.district_id', '=', districtId)
      .where('goal.student_id', 'in', ids)
      .orderBy('goal_phase_change.changed_on')
      .orderBy('goal_phase_change.id')
      .execute();
    draftFinalReports(
      { students: batch, goals, observations, phaseChanges },
      ended,
      providerOf,
      sink,
      { districtId, clock, seed },
    );
    await sink.flush();
  }
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The memory path (`generateDemoRows`): the same reports from the rows already in the sink, so
 * a simulated district has the GAS a seeded one has.
 */
export function draftFinalReportsInMemory(sink: MemorySink, options: SeedReportsOptions): void {
  const today = iso(options.clock.today);
  const ended = sink
    .rows('reporting_period')
    .filter((p) => p.ends_on < today)
    .sort((a, b) => byText(a.starts_on, b.starts_on) || byText(a.id, b.id));
  if (ended.length === 0) return;
  const lastEnd = ended.at(-1)!.ends_on;
  const routineOf = new Map(sink.rows('therapy_session').map((s) => [s.id, s.routine_id]));
  const linked = new Set(sink.rows('goal_routine').map((r) => `${r.goal_id}|${r.routine_id}`));
  const observations = sink
    .rows('observation')
    .filter((o) => o.observed_on <= lastEnd)
    .map((o) => ({
      ...o,
      in_linked_routine:
        o.session_id && linked.has(`${o.goal_id}|${routineOf.get(o.session_id)}`) ? 1 : 0,
    }))
    .sort(
      (a, b) =>
        byText(a.goal_id, b.goal_id) ||
        byText(a.observed_on, b.observed_on) ||
        byText(a.created_at, b.created_at) ||
        byText(a.id, b.id),
    );
  const goals = (sink.rows('goal') as Goal[])
    .filter((g) => g.start_date <= lastEnd)
    .sort((a, b) => byText(a.created_at, b.created_at) || byText(a.id, b.id));
  const phaseChanges = [...sink.rows('goal_phase_change')].sort(
    (a, b) => byText(a.changed_on, b.changed_on) || byText(a.id, b.id),
  );
  const services = [...sink.rows('service')].sort(
    (a, b) => byText(a.start_date, b.start_date) || byText(a.id, b.id),
  );
  draftFinalReports(
    { students: sink.rows('student'), goals, observations, phaseChanges },
    ended,
    providersOf(services),
    sink,
    options,
  );
}

/**
 * Each student's final report for each ended period, drafted as `reports.generate` drafts it.
 * Every choice (the day, the finaliser, a changed score) hashes the student and period, so the
 * rows do not depend on the order students are read in.
 */
function draftFinalReports(
  rows: ReportRows,
  ended: readonly Period[],
  providerOf: ReadonlyMap<string, string>,
  sink: RowSink,
  { districtId, clock, seed }: SeedReportsOptions,
): void {
  const goalsOf = groupBy(rows.goals, (g) => g.student_id);
  const observationsOf = groupBy(rows.observations, (o) => o.student_id);
  const phasesOf = groupBy(rows.phaseChanges, (p) => p.goal_id);
  for (const student of rows.students) {
    const studentGoals = goalsOf.get(student.id) ?? [];
    if (studentGoals.length === 0) continue;
    ended.forEach((period, p) => {
      const reportId = `${student.id}_rep${p + 1}`;
      const k = hashString(reportId);
      const endDay = dayOf(period.ends_on);
      // Finalised on a weekday two to ten days after the period, mid-afternoon; never after now.
      const finalDay = Math.min(
        weekdayFrom(endDay + 2 + Math.floor(hashFloat(seed, k, 1) * 7)),
        clock.today,
      );
      const at = clock.stamp(finalDay, 14 * 60 + 30 + Math.floor(hashFloat(seed, k, 2) * 150));
      // The goals as they stood when the report was drafted: their phase then.
      const asDrafted = studentGoals.map((g) => goalOn(g, phasesOf.get(g.id) ?? [], iso(finalDay)));
      const lines = draftReportLines(
        student.first_name,
        asDrafted,
        observationsOf.get(student.id) ?? [],
        period,
        iso(finalDay),
      );
      if (lines.length === 0) return;
      const disciplines = [...new Set(lines.map((l) => l.goal.discipline))].sort();
      const therapistOf = (discipline: string) => {
        const goal = lines.find((l) => l.goal.discipline === discipline)!.goal;
        return (
          (goal.service_id ? providerOf.get(goal.service_id) : undefined) ??
          providerOf.get(`${student.id}|${discipline}`) ??
          null
        );
      };
      const finalising = disciplines[Math.floor(hashFloat(seed, k, 3) * disciplines.length)]!;
      const finaliser = therapistOf(finalising);
      if (!finaliser) return;
      // The draft was generated the school day after the period ended, in the morning.
      const createdAt = minStamp(clock.stamp(weekdayFrom(endDay + 1), 8 * 60 + 15), at);
      sink.push('progress_report', {
        district_id: districtId,
        id: reportId,
        student_id: student.id,
        period_id: period.id,
        status: 'final',
        created_by: finaliser,
        created_at: createdAt,
        finalized_at: at,
        finalized_by: finaliser,
        amend_reason: null,
      });
      for (const line of lines) pushLine(sink, districtId, reportId, line, seed, k);
      // Each other discipline marked its lines ready the day before; finalising marked the
      // finaliser's own.
      for (const discipline of disciplines) {
        const by = discipline === finalising ? finaliser : therapistOf(discipline);
        if (!by) continue;
        const before = clock.stamp(Math.max(finalDay - 1, endDay + 1), 15 * 60 + 45);
        const markedAt = discipline === finalising ? at : minStamp(before, at);
        sink.push('progress_report_ready', {
          district_id: districtId,
          report_id: reportId,
          discipline,
          marked_by: by,
          marked_at: markedAt < createdAt ? createdAt : markedAt,
        });
      }
    });
  }
}

/** One goal's line as drafted; rarely with the therapist's changed score and the reason. */
function pushLine(
  sink: RowSink,
  districtId: string,
  reportId: string,
  line: DraftedReportLine,
  seed: number,
  reportNo: number,
): void {
  const computed = line.gas.score;
  let score: GasValue = computed;
  let reason: string | null = null;
  const h = hashFloat(seed, reportNo, hashString(line.goal.id));
  // Only a judged goal is rescored: "not yet introduced" and a team-marked mastery are not.
  if (h < OVERRIDE_SHARE && line.statusCode !== 'not_yet_introduced' && computed !== 2) {
    const raise = computed === -2 || h < OVERRIDE_SHARE / 2;
    const next = (computed + (raise ? 1 : -1)) as GasValue;
    if (!statusNeedsReason(line.statusCode, next)) {
      score = next;
      const reasons = raise ? RAISED_REASONS : LOWERED_REASONS;
      reason = reasons[(reportNo >>> 0) % reasons.length]!;
    }
  }
  sink.push('progress_report_goal', {
    district_id: districtId,
    report_id: reportId,
    goal_id: line.goal.id,
    status_code: line.statusCode,
    gas_score: score,
    gas_computed: computed,
    gas_override_reason: reason,
    status_reason: null,
    narrative: line.narrative,
  });
}

function minStamp(a: string, b: string): string {
  return a < b ? a : b;
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
