import { addDays, greedySchedule, minutesToClock, type StudentBusy } from '@carryover/domain';
import type { Kysely } from 'kysely';
import {
  insertScheduleSessions,
  listScheduleProviders,
  loadScheduleWorld,
} from '../queries/schedule';
import type { Database } from '../schema';
import { hashString } from './rng';

// The demo district's schedules (issue 17): every therapist and assistant works at their schools
// on set days, has travel times between schools, each classroom keeps a protected block, and a
// weekly schedule is placed for each — deterministically, by `greedySchedule` (no solver at seed
// time: the demo is seeded in many tests). The schedule starts this week; earlier weeks have
// only the sessions the demo logged.

const ROOMS: Record<string, string> = { SLP: 'Speech room', OT: 'OT room', PT: 'PT room' };

export async function seedDemoSchedules(
  trx: Kysely<Database>,
  options: {
    districtId: string;
    today: string;
    /** The Monday the schedule starts. */
    weekStartsOn: string;
    createdAt: string;
    /** The school calendar's holidays (ISO dates): district-wide closures. */
    holidays: string[];
  },
): Promise<{ sessions: number }> {
  const { districtId, today, weekStartsOn, createdAt } = options;
  const d = districtId;
  // Holidays as closures, one row per run of consecutive days.
  const closures: Database['school_closure'][] = [];
  for (const day of options.holidays) {
    const last = closures.at(-1);
    if (last && addDays(last.ends_on, 1) === day) last.ends_on = day;
    else
      closures.push({
        district_id: d,
        id: `${d}_closed_${day}`,
        school_id: null,
        starts_on: day,
        ends_on: day,
        name: 'School holiday',
        created_by: null,
        created_at: createdAt,
      });
  }
  if (closures.length > 0) await trx.insertInto('school_closure').values(closures).execute();
  // Travel between every two schools: 10–25 minutes, the same on every machine.
  const schools = (
    await trx.selectFrom('school').select('id').where('district_id', '=', d).orderBy('id').execute()
  ).map((s) => s.id);
  const travel = [];
  for (const [i, a] of schools.entries())
    for (const b of schools.slice(i + 1))
      travel.push({
        district_id: d,
        from_school_id: a,
        to_school_id: b,
        minutes: 10 + (Math.abs(hashString(`${a}|${b}`)) % 4) * 5,
      });
  for (let i = 0; i < travel.length; i += 200)
    await trx
      .insertInto('school_travel')
      .values(travel.slice(i, i + 200))
      .execute();

  // Each classroom's quiet reading half-hour on Wednesdays after lunch: no therapy in or out.
  const classrooms = await trx
    .selectFrom('classroom')
    .select('id')
    .where('district_id', '=', d)
    .orderBy('id')
    .execute();
  const blocks = classrooms.map((c) => ({
    district_id: d,
    id: `${c.id}_quiet`,
    classroom_id: c.id,
    student_id: null,
    weekday: 3,
    start_time: '12:30',
    end_time: '13:00',
    label: 'Quiet reading',
  }));
  for (let i = 0; i < blocks.length; i += 200)
    await trx
      .insertInto('protected_block')
      .values(blocks.slice(i, i + 200))
      .execute();

  // School days: a provider at one school is there all week; at several, whole days in turn.
  const providers = await listScheduleProviders(trx, { id: '', districtId: d, role: 'admin' });
  const servedBy = await trx
    .selectFrom('staff_school')
    .select(['staff_id', 'school_id'])
    .where('district_id', '=', d)
    .orderBy('staff_id')
    .orderBy('school_id')
    .execute();
  const days = [];
  for (const p of providers) {
    const mine = servedBy.filter((s) => s.staff_id === p.id).map((s) => s.school_id);
    if (mine.length === 0) continue;
    for (let weekday = 1; weekday <= 5; weekday++)
      days.push({
        district_id: d,
        provider_id: p.id,
        weekday,
        school_id: mine[(weekday - 1) % mine.length] as string,
        start_time: '07:45',
        end_time: '15:00',
        room: ROOMS[p.discipline ?? ''] ?? 'Therapy room',
      });
  }
  for (let i = 0; i < days.length; i += 200)
    await trx
      .insertInto('provider_school_day')
      .values(days.slice(i, i + 200))
      .execute();

  // Assistants first: the students assigned to them are theirs to see, not their supervisor's.
  const assigned = await trx
    .selectFrom('assistant_assignment')
    .select(['assistant_id', 'student_id'])
    .where('district_id', '=', d)
    .execute();
  const assignedTo = new Set(assigned.map((a) => a.student_id));
  const ordered = [
    ...providers.filter((p) => p.role === 'assistant'),
    ...providers.filter((p) => p.role !== 'assistant'),
  ];
  const busy: StudentBusy = new Map();
  // Every provider's series are placed first and written together after (insertScheduleSessions
  // says why the order matters on Postgres); no provider's placement reads another's rows.
  const series: Parameters<typeof insertScheduleSessions>[2][number][] = [];
  const fieldTrips: Database['schedule_exception'][] = [];
  for (const provider of ordered) {
    const world = await loadScheduleWorld(trx, d, provider, today);
    const caseload = world.caseload;
    if (provider.role !== 'assistant')
      caseload.services = caseload.services.filter((s) => !assignedTo.has(s.studentId));
    const placed = greedySchedule(caseload, { busy });
    const services = new Map(caseload.services.map((x) => [x.id, x]));
    for (const [n, s] of placed.entries()) {
      series.push({
        id: `${provider.id}_sch${n + 1}`,
        values: {
          providerId: provider.id,
          schoolId: s.schoolId,
          weekday: s.day + 1,
          startTime: minutesToClock(s.start),
          minutes: s.end - s.start,
          model: s.model,
          classroomId: s.classroomId,
          routineId: s.routineId,
          room: s.room,
          validFrom: weekStartsOn,
          validTo: null,
          overrideReason: null,
          students: s.serviceIds.map((id) => ({
            studentId: services.get(id)?.studentId as string,
            serviceId: id.split(':')[0] as string,
          })),
        },
        by: { id: provider.id, at: createdAt },
      });
      // One occurrence of each provider's first series next week is off: the class is on a
      // field trip (the student is unavailable; nothing is owed).
      if (n === 0)
        fieldTrips.push({
          district_id: d,
          session_id: `${provider.id}_sch1`,
          on_date: addDays(weekStartsOn, 7 + s.day),
          kind: 'cancelled',
          reason: 'student_unavailable',
          note: 'Class field trip',
          moved_to: null,
          start_time: null,
          minutes: null,
          override_reason: null,
          created_by: provider.id,
          created_at: createdAt,
        });
    }
  }
  await insertScheduleSessions(trx, d, series);
  for (let i = 0; i < fieldTrips.length; i += 200)
    await trx
      .insertInto('schedule_exception')
      .values(fieldTrips.slice(i, i + 200))
      .execute();
  const sessions = series.length;
  return { sessions };
}
