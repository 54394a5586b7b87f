import {
  type Direction,
  type GoalPhase,
  type GoalSpec,
  type GoalSummary,
  MasteryRule,
  type MeasurementType,
  type ProgressPoint,
  type PromptLevel,
  type SessionModel,
  type Setting,
  summarizeGoal,
  toProgressPoint,
} from '@carryover/domain';
import { type Kysely, sql } from 'kysely';
import type { Database, Goal, Observation } from '../schema';
import { refreshComparisonDigests, writeEmptyComparisonDigests } from './comparison-digests';
import { isPostgres } from './dialect';
import { fillGoalsMissingFrom, forEachGoalBatch } from './goal-batches';
import { inLinkedRoutine, OBSERVATION_POINT_COLUMNS } from './observation-columns';

// Per-goal summaries (docs/architecture.md, "Per-goal summaries"): each goal's progress reduced
// from all its observations, kept in `goal_summary` by every write that changes the goal or its
// observations, inside that write's transaction. Pages read one row per goal instead of every
// observation; `progressOn` (@carryover/domain) finishes the date-dependent status at read time.

export type ObservationPoint = Pick<Observation, (typeof OBSERVATION_POINT_COLUMNS)[number]> & {
  /** From `inLinkedRoutine`: 1/true when taken during one of the goal's linked routines. */
  in_linked_routine?: number | boolean | null;
};

/** Goals are summarised this many at a time when a whole district is (re)built. */
const REBUILD_BATCH = 500;

export function goalSpecOf(goal: Goal): GoalSpec {
  let masteryRule: MasteryRule;
  try {
    masteryRule = MasteryRule.parse(JSON.parse(goal.mastery_rule));
  } catch {
    masteryRule = MasteryRule.parse({});
  }
  return {
    measurementType: goal.measurement_type as MeasurementType,
    baseline: goal.baseline,
    target: goal.target,
    direction: goal.direction as Direction,
    rubricMax: goal.rubric_max,
    startDate: goal.start_date,
    targetDate: goal.target_date,
    phase: goal.phase as GoalPhase,
    masteryRule,
  };
}

/**
 * A stored observation as a progress point; a late entry (`late_entry` = 1) is marked as one, and
 * so is one taken in a linked routine (`in_linked_routine`, SQLite 1, Postgres true).
 */
export function pointOf(
  spec: GoalSpec,
  o: ObservationPoint & { late_entry?: number | null },
): ProgressPoint | null {
  const point = toProgressPoint(spec, {
    date: o.observed_on,
    setting: o.setting as Setting,
    model: o.model as SessionModel,
    trialsCorrect: o.trials_correct,
    trialsPrompted: o.trials_prompted,
    trialsIncorrect: o.trials_incorrect,
    promptLevel: o.prompt_level as PromptLevel | null,
    count: o.count,
    seconds: o.seconds,
    rubricScore: o.rubric_score,
  });
  if (point && Number(o.late_entry ?? 0) === 1) point.late = true;
  if (point && Number(o.in_linked_routine ?? 0) === 1) point.inLinkedRoutine = true;
  return point;
}

/** A goal's summary from its observations, as ordered by `observationsOfGoals`. */
export function summarizeGoalRow(goal: Goal, observations: readonly ObservationPoint[]) {
  const spec = goalSpecOf(goal);
  return summarizeGoal(
    spec,
    observations.flatMap((o) => pointOf(spec, o) ?? []),
  );
}

/**
 * The observations of some goals in one fixed order (goal, date, then entry): same-day points
 * keep this order in the progress math, so every reader and the summaries agree on ties.
 */
export async function observationsOfGoals(
  db: Kysely<Database>,
  districtId: string,
  goalIds: readonly string[],
): Promise<ObservationPoint[]> {
  if (goalIds.length === 0) return [];
  return db
    .selectFrom('observation')
    .select(OBSERVATION_POINT_COLUMNS)
    .select(inLinkedRoutine)
    .where('district_id', '=', districtId)
    .where('goal_id', 'in', [...goalIds])
    .where('voided_at', 'is', null)
    .orderBy('goal_id')
    .orderBy('observed_on')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

function groupByGoal<T extends { goal_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.goal_id);
    if (list) list.push(row);
    else map.set(row.goal_id, [row]);
  }
  return map;
}

async function writeSummaries(
  db: Kysely<Database>,
  goals: readonly Goal[],
  observations: readonly ObservationPoint[],
): Promise<void> {
  if (goals.length === 0) return;
  const byGoal = groupByGoal(observations);
  const rows = goals.map((goal) => {
    const summary = summarizeGoalRow(goal, byGoal.get(goal.id) ?? []);
    return {
      district_id: goal.district_id,
      goal_id: goal.id,
      student_id: goal.student_id,
      point_count: summary.pointCount,
      last_observed_on: summary.lastPoint?.date ?? null,
      summary: JSON.stringify(summary),
    };
  });
  await db
    .insertInto('goal_summary')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['district_id', 'goal_id']).doUpdateSet((eb) => ({
        student_id: eb.ref('excluded.student_id'),
        point_count: eb.ref('excluded.point_count'),
        last_observed_on: eb.ref('excluded.last_observed_on'),
        summary: eb.ref('excluded.summary'),
      })),
    )
    .execute();
}

/**
 * The summaries of goals this transaction just inserted, from the rows in hand: no observation
 * can point at them yet, so there is nothing to lock or read back (an import of tens of
 * thousands of goals would otherwise read each back, and Postgres, whose statistics do not yet
 * know the new rows, scans for them).
 */
export async function writeNewGoalSummaries(
  trx: Kysely<Database>,
  goals: readonly Goal[],
): Promise<void> {
  for (let i = 0; i < goals.length; i += REBUILD_BATCH)
    await writeSummaries(trx, goals.slice(i, i + REBUILD_BATCH), []);
  // Nor anything to compare: a goal without points has the empty comparison digest.
  await writeEmptyComparisonDigests(trx, goals);
}

/**
 * Recomputes the summaries of these goals from scratch. Call it inside the transaction that
 * changed a goal or its observations, after the change, so the summary commits with the data.
 * A goal that no longer exists has no summary (its row went with it).
 */
export async function refreshGoalSummaries(
  trx: Kysely<Database>,
  districtId: string,
  goalIds: Iterable<string>,
): Promise<void> {
  const ids = [...new Set(goalIds)].sort();
  for (let i = 0; i < ids.length; i += REBUILD_BATCH) {
    const batch = ids.slice(i, i + REBUILD_BATCH);
    if (isPostgres(trx)) {
      // Read committed: two writers of one goal would each summarise without the other's
      // uncommitted points, and the later commit would keep a stale summary. The row lock makes
      // the second wait, then read (a new statement, a new snapshot) what the first committed.
      // NO KEY UPDATE, in id order: it does not conflict with the key-share locks that inserting
      // an observation takes on its goal, and a fixed order cannot deadlock.
      await trx
        .selectFrom('goal')
        .select('id')
        .where('district_id', '=', districtId)
        .where('id', 'in', batch)
        .orderBy('id')
        .forNoKeyUpdate()
        .execute();
    }
    const goals = await trx
      .selectFrom('goal')
      .selectAll()
      .where('district_id', '=', districtId)
      .where('id', 'in', batch)
      .execute();
    await writeSummaries(trx, goals, await observationsOfGoals(trx, districtId, batch));
  }
  // The Outcomes digests read the same points (and the goal's spec and dates).
  await refreshComparisonDigests(trx, districtId, ids);
}

/**
 * Recomputes every goal summary of a district: after a bulk load that bypassed the write paths
 * (the demo seed, test fixtures). Goals are read a batch at a time, so memory stays bounded.
 */
export function rebuildGoalSummaries(db: Kysely<Database>, districtId: string): Promise<void> {
  return forEachGoalBatch(db, districtId, REBUILD_BATCH, (ids) =>
    refreshGoalSummaries(db, districtId, ids),
  );
}

/**
 * Summarises the goals that have no summary yet, in every district: after the migration that
 * made the table, and after a bulk load of raw rows. Walks the goals in key order once.
 */
export function fillMissingGoalSummaries(db: Kysely<Database>): Promise<number> {
  return fillGoalsMissingFrom(db, 'goal_summary', REBUILD_BATCH, (districtId, ids) =>
    refreshGoalSummaries(db, districtId, ids),
  );
}

/**
 * The summaries of these goals (rows already read, in the caller's scope), by goal id. A goal
 * without a stored summary (written by a path that bypassed the upkeep) is summarised from its
 * observations here, without writing, so a page is never wrong, only slower.
 */
export async function goalSummariesOf(
  db: Kysely<Database>,
  districtId: string,
  goals: readonly Goal[],
  /** Their stored summaries, when the caller read them with the goals. */
  storedRows?: readonly { goal_id: string; summary: string }[],
): Promise<Map<string, GoalSummary>> {
  const out = new Map<string, GoalSummary>();
  if (goals.length === 0) return out;
  const stored =
    storedRows ??
    (await db
      .selectFrom('goal_summary')
      .select(['goal_id', 'summary'])
      .where('district_id', '=', districtId)
      .where(
        'goal_id',
        'in',
        goals.map((g) => g.id),
      )
      .execute());
  for (const row of stored) out.set(row.goal_id, JSON.parse(row.summary) as GoalSummary);
  const missing = goals.filter((g) => !out.has(g.id));
  if (missing.length > 0) {
    const byGoal = groupByGoal(
      await observationsOfGoals(
        db,
        districtId,
        missing.map((g) => g.id),
      ),
    );
    for (const goal of missing) out.set(goal.id, summarizeGoalRow(goal, byGoal.get(goal.id) ?? []));
  }
  return out;
}

/**
 * The goals of these students (in the caller's scope), by student then in the order they were
 * written, with their summaries: what the caseload and the student page show of each goal.
 */
export async function studentGoalsWithSummaries(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
): Promise<{ goals: Goal[]; summaries: Map<string, GoalSummary> }> {
  const goals = await db
    .selectFrom('goal')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('student_id', 'in', [...studentIds])
    .orderBy('student_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return { goals, summaries: await goalSummariesOf(db, districtId, goals) };
}
