import {
  addDays,
  dayNumber,
  fromDayNumber,
  isoWeekday,
  schoolDaysBetween,
  weekStart,
} from '@carryover/domain';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema';
import { type ScopeViewer, scopedStudentIds } from './scope';

// Per-therapist counts for the coordinator's Workload view, over the students the viewer may
// see: open goals, and sessions held in a window. Minutes come from the fidelity queries.

export interface WorkloadCounts {
  staff: { id: string; name: string; discipline: string | null; role: string }[];
  /** Goals not discontinued nor mastered, by their service's provider. */
  goals: { provider_id: string; goals: number; students: number }[];
  sessions: { provider_id: string; sessions: number }[];
}

export async function loadWorkloadCounts(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: { today: string; from: string; to: string },
): Promise<WorkloadCounts> {
  const districtId = viewer.districtId;
  const ids = () => scopedStudentIds(db, viewer, window.today);
  const [goals, sessions] = await Promise.all([
    db
      .selectFrom('goal')
      .innerJoin('service', (j) =>
        j
          .onRef('service.district_id', '=', 'goal.district_id')
          .onRef('service.id', '=', 'goal.service_id'),
      )
      .select([
        'service.provider_id',
        sql<number>`count(distinct goal.id)`.as('goals'),
        sql<number>`count(distinct goal.student_id)`.as('students'),
      ])
      .where('goal.district_id', '=', districtId)
      .where('goal.student_id', 'in', ids())
      .where('goal.phase', 'not in', ['discontinued', 'mastered'])
      // A service waiting for a provider is nobody's load yet.
      .where('service.provider_id', 'is not', null)
      .groupBy('service.provider_id')
      .$narrowType<{ provider_id: string }>()
      .execute(),
    // A join, not EXISTS per session: SQLite re-ran the scope list for every session of the
    // period (90 s at 25,000 students for an admin). A session counts once however many of its
    // students are in scope.
    db
      .selectFrom('therapy_session as s')
      .innerJoin('session_student as ss', (j) =>
        j.onRef('ss.district_id', '=', 's.district_id').onRef('ss.session_id', '=', 's.id'),
      )
      .select(['s.provider_id', sql<number>`count(distinct s.id)`.as('sessions')])
      .where('s.district_id', '=', districtId)
      .where('s.session_date', '>=', window.from)
      .where('s.session_date', '<=', window.to)
      .where('s.voided_at', 'is', null)
      .where('ss.student_id', 'in', ids())
      .groupBy('s.provider_id')
      .execute(),
  ]);
  const providerIds = [...new Set([...goals, ...sessions].map((r) => r.provider_id))];
  const staff =
    providerIds.length === 0
      ? []
      : await db
          .selectFrom('staff_user')
          .select(['id', 'name', 'discipline', 'role'])
          .where('district_id', '=', districtId)
          .where('id', 'in', providerIds)
          .execute();
  return {
    staff,
    goals: goals.map((g) => ({ ...g, goals: Number(g.goals), students: Number(g.students) })),
    sessions: sessions.map((s) => ({ ...s, sessions: Number(s.sessions) })),
  };
}

/** Schools of the district, with names; for a coordinator only those linked via staff_school. */
export async function scopedSchools(
  db: Kysely<Database>,
  viewer: ScopeViewer,
): Promise<{ id: string; name: string }[]> {
  let q = db
    .selectFrom('school')
    .select(['school.id', 'school.name'])
    .where('school.district_id', '=', viewer.districtId);
  if (viewer.role === 'coordinator')
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_school')
          .select(sql<number>`1`.as('one'))
          .whereRef('staff_school.district_id', '=', 'school.district_id')
          .whereRef('staff_school.school_id', '=', 'school.id')
          .where('staff_school.staff_id', '=', viewer.id),
      ),
    );
  else if (viewer.role !== 'admin') q = q.where(sql<boolean>`1 = 0`);
  return q.orderBy('school.name').orderBy('school.id').execute();
}

/** Names and schools of the given students (the caller has already limited them to scope). */
export async function studentNames(
  db: Kysely<Database>,
  districtId: string,
  studentIds: readonly string[],
): Promise<{ id: string; first_name: string; last_name: string }[]> {
  if (studentIds.length === 0) return [];
  const out: { id: string; first_name: string; last_name: string }[] = [];
  // Chunks keep the parameter count under SQLite's and Postgres's limits.
  for (let i = 0; i < studentIds.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('student')
        .select(['id', 'first_name', 'last_name'])
        .where('district_id', '=', districtId)
        .where('id', 'in', studentIds.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/** The file of a SQLite database (for a worker thread to open its own connection); null in memory. */
export async function sqliteDatabaseFile(db: Kysely<Database>): Promise<string | null> {
  const rows = await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db);
  return rows.rows.find((r) => r.name === 'main')?.file || null;
}

/** Per therapist: the fidelity report's period figures summed over their rows. */
export interface WorkloadMinutes {
  provider_id: string;
  provider_name: string;
  students: number;
  mandated: number;
  mandated_to_date: number;
  delivered: number;
  behind: number;
}

/**
 * A calendar of the period as a VALUES list: for each day, the running mandate counters
 * through that day and through the day before (weeks and ISO weekday capped at Friday; months
 * and the school-day index and count of the month). With them the mandate of a span is one
 * subtraction per service (see `mandatedMinutes` in @carryover/domain): through day d, a weekly
 * mandate m has given m·weeks + round(m·weekday/5), a monthly one m·months + round(m·j/n).
 */
function mandateCalendar(from: string, to: string) {
  const first = dayNumber(from);
  const refMonday = dayNumber(weekStart(addDays(from, -1)));
  const refMonth = monthIndex(addDays(from, -1));
  const counters = (day: number) => {
    const date = fromDayNumber(day);
    const monthStart = `${date.slice(0, 8)}01`;
    const monthEnd = addDays(`${addDays(monthStart, 31).slice(0, 8)}01`, -1);
    return [
      Math.floor((day - refMonday) / 7),
      Math.min(isoWeekday(date), 5),
      monthIndex(date) - refMonth,
      schoolDaysBetween(monthStart, date),
      schoolDaysBetween(monthStart, monthEnd),
    ];
  };
  const rows = [];
  for (let day = first; day <= dayNumber(to); day++) {
    const values = [...counters(day), ...counters(day - 1)].map((n) => sql.lit(n));
    rows.push(sql`(${sql.lit(fromDayNumber(day))}, ${sql.join(values)})`);
  }
  return sql`(values ${sql.join(rows)})`;
}

function monthIndex(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7));
}

/**
 * The fidelity report's per-therapist sums for the workload view, aggregated in the database:
 * one row per (student, discipline) with a service meeting the period, attributed to the
 * provider of its latest service (latest start date, then id); mandated minutes from the
 * calendar above; delivered, makeup and accounted minutes from the period's session records
 * (a record counts for its service's row, or, with no service, its provider's discipline);
 * behind = max(0, mandated to date − delivered − makeup − accounted) per row, then summed.
 * `accounted` lists the missed reasons the district's policy does not owe.
 */
export async function loadWorkloadMinutes(
  db: Kysely<Database>,
  viewer: ScopeViewer,
  window: { today: string; from: string; to: string },
  accounted: readonly string[],
): Promise<WorkloadMinutes[]> {
  const districtId = viewer.districtId;
  const { from, to, today } = window;
  const disciplines = ['OT', 'PT', 'SLP'];
  const cal = mandateCalendar(from, to);
  const ids = () => scopedStudentIds(db, viewer, today);
  // Each service's days inside the period: [a, b], and up to today [a, bt].
  const a = sql<string>`case when service.start_date > ${from} then service.start_date else ${from} end`;
  const b = sql<string>`case when service.end_date < ${to} then service.end_date else ${to} end`;
  const bt = sql<string>`case when ${b} > ${today} then ${today} else ${b} end`;
  const rhu = (num: ReturnType<typeof sql>, den: ReturnType<typeof sql>) =>
    sql`((2 * (${num}) + (${den})) / (2 * (${den})))`;
  const through = (c: string, prev: boolean) => {
    const col = (i: number) => sql.ref(`${c}.column${i + (prev ? 5 : 0)}`);
    return sql`case when service.per = 'month'
      then service.minutes * ${col(4)} + ${rhu(sql`service.minutes * ${col(5)}`, col(6))}
      else service.minutes * ${col(2)} + ${rhu(sql`service.minutes * ${col(3)}`, sql`5`)} end`;
  };
  const services = db
    .selectFrom('service')
    .innerJoin(cal.as('ca'), (j) => j.on(sql`ca.column1`, '=', a))
    .innerJoin(cal.as('cb'), (j) => j.on(sql`cb.column1`, '=', b))
    .leftJoin(cal.as('ct'), (j) => j.on(sql`ct.column1`, '=', bt))
    .select([
      'service.student_id',
      'service.discipline',
      sql<number>`${through('cb', false)} - ${through('ca', true)}`.as('mandated'),
      sql<number>`case when ct.column1 is null or ${bt} < ${a} then 0
        else ${through('ct', false)} - ${through('ca', true)} end`.as('mandated_to_date'),
      sql<number>`row_number() over (partition by service.student_id, service.discipline
        order by service.start_date desc, service.id desc)`.as('latest'),
      'service.provider_id',
    ])
    .where('service.district_id', '=', districtId)
    .where('service.student_id', 'in', ids())
    .where('service.discipline', 'in', disciplines)
    .where('service.start_date', '<=', to)
    .where('service.end_date', '>=', from);
  const rows = db
    .selectFrom(services.as('sv'))
    .select([
      'sv.student_id',
      'sv.discipline',
      sql<number>`sum(sv.mandated)`.as('mandated'),
      sql<number>`sum(sv.mandated_to_date)`.as('mandated_to_date'),
      sql<string>`max(case when sv.latest = 1 then sv.provider_id end)`.as('provider_id'),
    ])
    .groupBy(['sv.student_id', 'sv.discipline']);
  // A record counts for the row of its service (one of the student's services of the row's
  // discipline meeting the period), or, without a service, of its provider's discipline.
  const logged = db
    .selectFrom('session_student as ss')
    .innerJoin('therapy_session as s', (j) =>
      j.onRef('s.district_id', '=', 'ss.district_id').onRef('s.id', '=', 'ss.session_id'),
    )
    .leftJoin('service as own', (j) =>
      j
        .onRef('own.district_id', '=', 'ss.district_id')
        .onRef('own.id', '=', 'ss.service_id')
        .onRef('own.student_id', '=', 'ss.student_id')
        .on('own.start_date', '<=', to)
        .on('own.end_date', '>=', from),
    )
    .leftJoin('staff_user as provider', (j) =>
      j
        .onRef('provider.district_id', '=', 's.district_id')
        .onRef('provider.id', '=', 's.provider_id'),
    )
    .select([
      'ss.student_id',
      sql<string>`case when ss.service_id is null then provider.discipline else own.discipline end`.as(
        'discipline',
      ),
      sql<number>`sum(case when ss.attendance = 'delivered' then s.minutes else 0 end)`.as(
        'delivered',
      ),
      sql<number>`sum(case when ss.attendance = 'makeup' then s.minutes else 0 end)`.as('makeup'),
      (accounted.length === 0
        ? sql<number>`0`
        : sql<number>`sum(case when ss.attendance in (${sql.join([...accounted])}) then s.minutes else 0 end)`
      ).as('accounted'),
    ])
    .where('ss.district_id', '=', districtId)
    .where('ss.student_id', 'in', ids())
    .where('s.session_date', '>=', from)
    .where('s.session_date', '<=', to)
    .where('s.voided_at', 'is', null)
    .where((eb) => eb.or([eb('ss.service_id', 'is', null), eb('own.id', 'is not', null)]))
    .groupBy(['ss.student_id', 'ss.service_id', 'own.discipline', 'provider.discipline']);
  const perRow = db
    .selectFrom(rows.as('r'))
    .leftJoin(logged.as('l'), (j) =>
      j.onRef('l.student_id', '=', 'r.student_id').onRef('l.discipline', '=', 'r.discipline'),
    )
    .select([
      'r.student_id',
      'r.provider_id',
      sql<number>`max(r.mandated)`.as('mandated'),
      sql<number>`max(r.mandated_to_date)`.as('mandated_to_date'),
      sql<number>`coalesce(sum(l.delivered), 0) + coalesce(sum(l.makeup), 0)`.as('delivered'),
      sql<number>`max(r.mandated_to_date) - coalesce(sum(l.delivered), 0)
        - coalesce(sum(l.makeup), 0) - coalesce(sum(l.accounted), 0)`.as('balance'),
    ])
    .groupBy(['r.student_id', 'r.discipline', 'r.provider_id']);
  const out = await db
    .selectFrom(perRow.as('p'))
    .innerJoin('staff_user', (j) =>
      j.on('staff_user.district_id', '=', districtId).onRef('staff_user.id', '=', 'p.provider_id'),
    )
    .select([
      'p.provider_id',
      'staff_user.name as provider_name',
      sql<number>`count(distinct p.student_id)`.as('students'),
      sql<number>`sum(p.mandated)`.as('mandated'),
      sql<number>`sum(p.mandated_to_date)`.as('mandated_to_date'),
      sql<number>`sum(p.delivered)`.as('delivered'),
      sql<number>`sum(case when p.balance > 0 then p.balance else 0 end)`.as('behind'),
    ])
    .where('staff_user.district_id', '=', districtId)
    .groupBy(['p.provider_id', 'staff_user.name'])
    .execute();
  return out.map((r) => ({
    ...r,
    students: Number(r.students),
    mandated: Number(r.mandated),
    mandated_to_date: Number(r.mandated_to_date),
    delivered: Number(r.delivered),
    behind: Number(r.behind),
  }));
}
