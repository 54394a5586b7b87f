import type {
  Discipline,
  GasScore,
  GoalDomain,
  GoalPhase,
  MeasurementType,
  ObservationValues,
  PromptLevel,
  ServiceModel,
  SessionModel,
  Setting,
} from '@carryover/domain';
import {
  type ComparisonColumns,
  type ComparisonGoal,
  DistrictSettings,
  dateIn,
  dayCache,
  rawValue,
  settingCode,
} from '@carryover/domain';
import { type Kysely, SqliteAdapter } from 'kysely';
import { sqliteHandleOf } from '../client';
import type { Database } from '../schema';
import { OBSERVATION_POINT_COLUMNS } from './observation-columns';

// What the push-in / pull-out comparison needs, in a fixed number of queries per district:
// goals with their student's grade and school, discipline, domain and provider; observations;
// model and phase changes; minutes delivered per service; finalised GAS scores. The same
// assembly serves rows read from the database and rows a simulation keeps in memory.

type Rows<T extends keyof Database, K extends keyof Database[T]> = Pick<Database[T], K>[];

export interface ComparisonRows {
  goal: Rows<
    'goal',
    | 'id'
    | 'student_id'
    | 'service_id'
    | 'discipline'
    | 'domain'
    | 'measurement_type'
    | 'baseline'
    | 'target'
    | 'direction'
    | 'start_date'
    | 'target_date'
    | 'current_model'
  >;
  student: Rows<'student', 'id' | 'grade' | 'school_id'>;
  service: Rows<'service', 'id' | 'provider_id'>;
  model_change: Rows<'model_change', 'goal_id' | 'from_model' | 'to_model' | 'changed_on'>;
  goal_phase_change: Rows<'goal_phase_change', 'goal_id' | 'phase' | 'changed_on'>;
  observation: Rows<
    'observation',
    | 'goal_id'
    | 'observed_on'
    | 'setting'
    | 'model'
    | 'trials_correct'
    | 'trials_prompted'
    | 'trials_incorrect'
    | 'prompt_level'
    | 'count'
    | 'seconds'
    | 'rubric_score'
  >;
  /** Delivered or makeup attendance joined to its session. */
  delivered: { service_id: string | null; session_date: string; minutes: number }[];
  gas?: { goal_id: string; period_id: string; ends_on: string; gas_score: number }[];
  /** Accepted recommendations (each writes a model change): a switch after one is flagged. */
  recommendation?: { goal_id: string; decided_at: string }[];
  /** The district's time zone: a recommendation accepted at 7 pm in Chicago dates that day. */
  timeZone?: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

type Point = ComparisonGoal['observations'][number];

function toPoint(o: ComparisonRows['observation'][number]): Point {
  return {
    date: o.observed_on,
    setting: o.setting as Setting,
    model: o.model as SessionModel,
    trialsCorrect: num(o.trials_correct),
    trialsPrompted: num(o.trials_prompted),
    trialsIncorrect: num(o.trials_incorrect),
    promptLevel: o.prompt_level as PromptLevel | null,
    count: num(o.count),
    seconds: num(o.seconds),
    rubricScore: num(o.rubric_score),
  };
}

/**
 * Turns the rows into the domain's comparison input (goals without a service are skipped).
 * `pointsByGoal`, when given, replaces `rows.observation`: the loader streams observations
 * straight into it rather than holding every row and a copy of it.
 */
export function assembleComparisonInput(
  rows: ComparisonRows,
  asOf?: string,
  pointsByGoal?: ReadonlyMap<string, Point[]>,
): { goals: ComparisonGoal[]; gas: GasScore[] } {
  const students = new Map(rows.student.map((s) => [s.id, s]));
  const providers = new Map(rows.service.map((s) => [s.id, s.provider_id]));
  const changes = groupBy(
    rows.model_change.filter((c) => c.goal_id !== null),
    (c) => c.goal_id!,
  );
  const phases = groupBy(rows.goal_phase_change, (c) => c.goal_id);
  const recommended = groupBy(rows.recommendation ?? [], (r) => r.goal_id);
  const points =
    pointsByGoal ??
    new Map([...groupBy(rows.observation, (o) => o.goal_id)].map(([k, v]) => [k, v.map(toPoint)]));
  const minutes = groupBy(
    rows.delivered.filter((d) => d.service_id !== null),
    (d) => d.service_id!,
  );
  const goals: ComparisonGoal[] = [];
  for (const g of rows.goal) {
    const student = students.get(g.student_id);
    const provider = g.service_id ? providers.get(g.service_id) : undefined;
    if (!student || !provider || !g.service_id) continue;
    const mc = [...(changes.get(g.id) ?? [])].sort((a, b) =>
      a.changed_on < b.changed_on ? -1 : a.changed_on > b.changed_on ? 1 : 0,
    );
    goals.push({
      id: g.id,
      studentId: g.student_id,
      schoolId: student.school_id,
      grade: student.grade,
      discipline: g.discipline as Discipline,
      domain: g.domain as GoalDomain,
      providerId: provider,
      spec: {
        measurementType: g.measurement_type as MeasurementType,
        baseline: Number(g.baseline),
        target: Number(g.target),
        direction: g.direction,
        startDate: g.start_date,
      },
      initialModel: (mc[0]?.from_model ?? g.current_model) as ServiceModel,
      modelChanges: mc.map((c) => ({ date: c.changed_on, toModel: c.to_model as ServiceModel })),
      phaseChanges: (phases.get(g.id) ?? []).map((p) => ({
        date: p.changed_on,
        phase: p.phase as GoalPhase,
      })),
      observations: points.get(g.id) ?? [],
      deliveredMinutes: (minutes.get(g.service_id) ?? []).map((d) => ({
        date: d.session_date,
        minutes: Number(d.minutes),
      })),
      recommendationDates: (recommended.get(g.id) ?? []).map((r) =>
        dateIn(new Date(String(r.decided_at)), rows.timeZone ?? 'UTC'),
      ),
      ...(asOf ? { asOf } : {}),
      aimLine: { startDate: g.start_date, targetDate: g.target_date },
    });
  }
  const gas: GasScore[] = (rows.gas ?? []).map((r) => ({
    goalId: r.goal_id,
    periodId: r.period_id,
    periodEnd: r.ends_on,
    score: Number(r.gas_score),
  }));
  return { goals, gas };
}

/**
 * Every observation of the district as points grouped by goal. On SQLite the rows are streamed
 * in the order of the (district, goal, date) index, so no sort and no array of a million rows
 * is ever held; the order within a goal does not matter (episodes sort their points).
 */
async function loadPointsByGoal(
  db: Kysely<Database>,
  districtId: string,
): Promise<Map<string, Point[]>> {
  const query = db
    .selectFrom('observation')
    .select(OBSERVATION_POINT_COLUMNS)
    .where('district_id', '=', districtId)
    .where('voided_at', 'is', null)
    .orderBy('goal_id')
    .orderBy('observed_on');
  const byGoal = new Map<string, Point[]>();
  let goalId: string | null = null;
  let list: Point[] = [];
  const add = (row: ComparisonRows['observation'][number]) => {
    if (row.goal_id !== goalId) {
      goalId = row.goal_id;
      list = byGoal.get(goalId) ?? [];
      byGoal.set(goalId, list);
    }
    list.push(toPoint(row));
  };
  // Kysely's Postgres dialect streams only with a cursor library; the worker runs this anyway.
  if (db.getExecutor().adapter instanceof SqliteAdapter)
    for await (const row of query.stream()) add(row);
  else for (const row of await query.execute()) add(row);
  return byGoal;
}

/** Minutes of delivered and makeup attendance, by service and session date. */
const deliveredQuery = (db: Kysely<Database>, d: string) =>
  db
    .selectFrom('session_student as ss')
    .innerJoin('therapy_session as ts', (j) =>
      j.onRef('ts.id', '=', 'ss.session_id').onRef('ts.district_id', '=', 'ss.district_id'),
    )
    .select(['ss.service_id', 'ts.session_date', 'ts.minutes'])
    .where('ss.district_id', '=', d)
    .where('ss.attendance', 'in', ['delivered', 'makeup'])
    // A voided session delivered nothing on record.
    .where('ts.voided_at', 'is', null);

/**
 * Calls `each` with every row of `query` as an array of its selected values. On a SQLite file
 * opened by `openDatabase` the rows are raw and read synchronously (the Outcomes worker's bulk
 * reads: no row object, no await per row); elsewhere, Kysely's rows in selection order.
 */
async function eachRawRow(
  db: Kysely<Database>,
  query: {
    compile(): { sql: string; parameters: readonly unknown[] };
    execute(): Promise<object[]>;
  },
  each: (row: readonly unknown[]) => void,
): Promise<void> {
  const handle = sqliteHandleOf(db);
  if (handle) {
    const { sql, parameters } = query.compile();
    for (const row of handle
      .prepare(sql)
      .raw(true)
      .iterate(...parameters))
      each(row as unknown[]);
  } else for (const row of await query.execute()) each(Object.values(row));
}

/** The rows other than observations (and, for columns, delivered minutes), in a fixed number of queries. */
async function loadComparisonRows(
  db: Kysely<Database>,
  d: string,
  {
    delivered: withDelivered = true,
    goalIds,
    gas: withGas = true,
  }: { delivered?: boolean; goalIds?: readonly string[]; gas?: boolean } = {},
) {
  // Some goals only (a digest refresh): every query keeps to them, their students and services.
  const ids = goalIds ? [...goalIds] : null;
  const ofGoals = db
    .selectFrom('goal')
    .where('district_id', '=', d)
    .where('id', 'in', ids ?? ['']);
  const [
    goal,
    student,
    service,
    model_change,
    goal_phase_change,
    delivered,
    gas,
    recommendation,
    district,
  ] = await Promise.all([
    db
      .selectFrom('goal')
      .select([
        'id',
        'student_id',
        'service_id',
        'discipline',
        'domain',
        'measurement_type',
        'baseline',
        'target',
        'direction',
        'start_date',
        'target_date',
        'current_model',
      ])
      .where('district_id', '=', d)
      .$if(ids !== null, (q) => q.where('id', 'in', ids!))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('student')
      .select(['id', 'grade', 'school_id'])
      .where('district_id', '=', d)
      .$if(ids !== null, (q) => q.where('id', 'in', ofGoals.select('student_id')))
      .execute(),
    db
      .selectFrom('service')
      .select(['id', 'provider_id'])
      .where('district_id', '=', d)
      .$if(ids !== null, (q) => q.where('id', 'in', ofGoals.select('service_id')))
      .execute(),
    db
      .selectFrom('model_change')
      .select(['goal_id', 'from_model', 'to_model', 'changed_on'])
      .where('district_id', '=', d)
      .where('goal_id', 'is not', null)
      .$if(ids !== null, (q) => q.where('goal_id', 'in', ids!))
      .orderBy('changed_on')
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('goal_phase_change')
      .select(['goal_id', 'phase', 'changed_on'])
      .where('district_id', '=', d)
      .$if(ids !== null, (q) => q.where('goal_id', 'in', ids!))
      .orderBy('changed_on')
      .orderBy('id')
      .execute(),
    withDelivered ? deliveredQuery(db, d).execute() : [],
    !withGas
      ? []
      : db
          .selectFrom('progress_report_goal as pg')
          .innerJoin('progress_report as pr', (j) =>
            j.onRef('pr.id', '=', 'pg.report_id').onRef('pr.district_id', '=', 'pg.district_id'),
          )
          .innerJoin('reporting_period as rp', (j) =>
            j.onRef('rp.id', '=', 'pr.period_id').onRef('rp.district_id', '=', 'pr.district_id'),
          )
          .select(['pg.goal_id', 'pr.period_id', 'rp.ends_on', 'pg.gas_score'])
          .where('pg.district_id', '=', d)
          .where('pr.status', '=', 'final')
          // A goal not yet introduced earned no attainment under any model; its 0 would dilute.
          .where('pg.status_code', '!=', 'not_yet_introduced')
          .execute(),
    db
      .selectFrom('recommendation_decision')
      .select(['goal_id', 'decided_at'])
      .where('district_id', '=', d)
      .where('decision', '=', 'accepted')
      .$if(ids !== null, (q) => q.where('goal_id', 'in', ids!))
      .execute(),
    db.selectFrom('district').select('settings').where('id', '=', d).executeTakeFirst(),
  ]);
  return {
    goal,
    student,
    service,
    model_change,
    goal_phase_change,
    delivered,
    gas,
    recommendation,
    timeZone: district ? districtTimeZone(district.settings) : 'UTC',
  };
}

function districtTimeZone(settingsJson: string): string {
  try {
    const zone = DistrictSettings.parse(JSON.parse(settingsJson)).timezone;
    dateIn(new Date(0), zone);
    return zone;
  } catch {
    return 'UTC';
  }
}

/** Loads one district's comparison input (finalised progress reports only for GAS). */
export async function loadComparisonInput(
  db: Kysely<Database>,
  districtId: string,
  options: { asOf?: string; points?: boolean } = {},
): Promise<{ goals: ComparisonGoal[]; gas: GasScore[] }> {
  // `points: false`: goals without their observations and delivered minutes (digests hold them).
  const withPoints = options.points ?? true;
  const [rows, pointsByGoal] = await Promise.all([
    loadComparisonRows(db, districtId, { delivered: withPoints }),
    withPoints ? loadPointsByGoal(db, districtId) : new Map<string, Point[]>(),
  ]);
  return assembleComparisonInput({ ...rows, observation: [] }, options.asOf, pointsByGoal);
}

/** Typed arrays that grow by doubling while rows stream in. */
function growable<T extends Int32Array | Uint8Array | Float64Array>(make: (n: number) => T) {
  let a = make(1 << 16);
  return {
    set(i: number, v: number) {
      if (i >= a.length) {
        const b = make(a.length * 2);
        b.set(a);
        a = b;
      }
      a[i] = v;
    },
    done: (n: number): T => a.slice(0, n) as T,
  };
}

/** What the columns keep of an observation (in this order): no session model, which episodes never read. */
const POINT_COLUMNS = [
  'goal_id',
  'observed_on',
  'setting',
  'trials_correct',
  'trials_prompted',
  'trials_incorrect',
  'prompt_level',
  'count',
  'seconds',
  'rubric_score',
] as const;

/** Goals per observation query on Postgres, which has no streaming here: bounds rows held at once. */
const POSTGRES_GOALS_PER_QUERY = 2000;

/**
 * One district's comparison input as columns (`ComparisonColumns`): goals as objects, and every
 * observation's day, setting and raw value, and every delivered session's day and minutes, in
 * typed arrays. No object per point is kept: at 25,000 students that is 1.2 M fewer objects
 * and most of the memory the object form took. The numbers equal `loadComparisonInput`'s.
 */
export async function loadComparisonColumns(
  db: Kysely<Database>,
  districtId: string,
  options: { asOf?: string; goalIds?: readonly string[] } = {},
): Promise<{ columns: ComparisonColumns; gas: GasScore[] }> {
  const rows = await loadComparisonRows(db, districtId, {
    delivered: false,
    ...(options.goalIds ? { goalIds: options.goalIds, gas: false } : {}),
  });
  const { goals, gas } = assembleComparisonInput({ ...rows, observation: [] }, options.asOf);
  const day = dayCache();
  const goalIndex = new Map(goals.map((g, i) => [g.id, i]));

  // Delivered minutes grouped by service (day and minutes, in row order); every goal of a
  // service points at its range.
  const byService = new Map<string, number[]>();
  let total = 0;
  const services = options.goalIds
    ? [...new Set(rows.goal.flatMap((g) => (g.service_id ? [g.service_id] : [])))]
    : null;
  const delivered = services
    ? deliveredQuery(db, districtId).where('ss.service_id', 'in', services.length ? services : [''])
    : deliveredQuery(db, districtId);
  await eachRawRow(db, delivered, ([serviceId, date, minutes]) => {
    if (serviceId === null) return;
    let list = byService.get(serviceId as string);
    if (!list) {
      list = [];
      byService.set(serviceId as string, list);
    }
    list.push(day(date as string), Number(minutes));
    total++;
  });
  const minuteDay = new Int32Array(total);
  const minutes = new Float64Array(total);
  const serviceRange = new Map<string, [number, number]>();
  let m = 0;
  for (const [serviceId, list] of byService) {
    const from = m;
    for (let i = 0; i < list.length; i += 2) {
      minuteDay[m] = list[i]!;
      minutes[m++] = list[i + 1]!;
    }
    serviceRange.set(serviceId, [from, m]);
  }
  const serviceOf = new Map(rows.goal.map((g) => [g.id, g.service_id]));
  const minuteFrom = new Int32Array(goals.length);
  const minuteTo = new Int32Array(goals.length);
  goals.forEach((g, i) => {
    const range = serviceRange.get(serviceOf.get(g.id) ?? '');
    if (range) [minuteFrom[i], minuteTo[i]] = range;
  });

  // Observations in goal order (the index's), so each goal's points are contiguous.
  const pointFrom = new Int32Array(goals.length);
  const pointTo = new Int32Array(goals.length);
  const days = growable((n) => new Int32Array(n));
  const settings = growable((n) => new Uint8Array(n));
  const points = growable((n) => new Float64Array(n));
  let n = 0;
  let current = -1;
  let currentId: string | null = null;
  // One values object reused for every row: rawValue reads it, nothing keeps it.
  const values: ObservationValues = {
    trialsCorrect: null,
    trialsPrompted: null,
    trialsIncorrect: null,
    promptLevel: null,
    count: null,
    seconds: null,
    rubricScore: null,
  };
  /** One row, its fields in POINT_COLUMNS order. */
  const add = (r: readonly unknown[]) => {
    const goalId = r[0] as string;
    if (goalId !== currentId) {
      currentId = goalId;
      current = goalIndex.get(goalId) ?? -1;
      if (current >= 0) pointFrom[current] = n;
    }
    if (current < 0) return;
    values.trialsCorrect = num(r[3]);
    values.trialsPrompted = num(r[4]);
    values.trialsIncorrect = num(r[5]);
    values.promptLevel = r[6] as PromptLevel | null;
    values.count = num(r[7]);
    values.seconds = num(r[8]);
    values.rubricScore = num(r[9]);
    days.set(n, day(r[1] as string));
    settings.set(n, settingCode(r[2] as Setting));
    points.set(n, rawValue(goals[current]!.spec.measurementType, values) ?? Number.NaN);
    pointTo[current] = ++n;
  };
  const query = (goalIds?: string[]) => {
    let q = db
      .selectFrom('observation')
      .select(POINT_COLUMNS)
      .where('district_id', '=', districtId)
      .where('voided_at', 'is', null);
    if (goalIds) q = q.where('goal_id', 'in', goalIds);
    // Same-day points in entry order: GAS per setting takes a setting's last three points, so
    // ties must fall the same way whichever goals are read (a district, or a digest's few).
    return q.orderBy('goal_id').orderBy('observed_on').orderBy('created_at').orderBy('id');
  };
  if (db.getExecutor().adapter instanceof SqliteAdapter && !options.goalIds)
    await eachRawRow(db, query(), add);
  else {
    // Postgres has no streaming here: a bounded number of goals' rows at a time.
    const ids = goals.map((g) => g.id);
    for (let i = 0; i < ids.length; i += POSTGRES_GOALS_PER_QUERY)
      await eachRawRow(db, query(ids.slice(i, i + POSTGRES_GOALS_PER_QUERY)), add);
  }
  return {
    columns: {
      goals,
      pointFrom,
      pointTo,
      pointDay: days.done(n),
      pointSetting: settings.done(n),
      pointValue: points.done(n),
      minuteFrom,
      minuteTo,
      minuteDay,
      minutes,
    },
    gas,
  };
}
