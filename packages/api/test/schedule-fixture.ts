import { type DB, rebuildFidelitySummaries } from '@carryover/db';
import { A, B } from './fixtures';

// A small stored schedule on top of the API fixture (test/fixtures.ts), for the schedule tests
// and the role × scope matrix: one weekly series per provider, each in its provider's school
// days, and one in district B that must stay invisible.
//
//   SLP  — Ava, push-in, Room 12's writing routine (her goal is linked to it), Tue 10:00, 30 min
//   OT   — Ben, pull-out at North, Mon 13:00, 30 min
//   SLPA — Cara, pull-out at South, Wed 13:00, 30 min

export const SCHEDULE = {
  ava: 'sch-ava',
  ben: 'sch-ben',
  cara: 'sch-cara',
  b: 'sch-b',
} as const;

/** The fixture's planned session of each student (by student id). */
export const scheduleOfStudent: Record<string, string> = {
  [A.students.ava]: SCHEDULE.ava,
  [A.students.ben]: SCHEDULE.ben,
  [A.students.cara]: SCHEDULE.cara,
  [B.student]: SCHEDULE.b,
};

/** A day each fixture student's planned session takes place (in the week after today's). */
export const occurrenceDateOf: Record<string, string> = {
  [A.students.ava]: '2026-03-17',
  [A.students.ben]: '2026-03-16',
  [A.students.cara]: '2026-03-18',
  [B.student]: '2026-03-19',
};

/** An empty auto-schedule proposal on each fixture student's provider's schedule. */
export const proposalOfStudent: Record<string, string> = {
  [A.students.ava]: 'prop-ava',
  [A.students.ben]: 'prop-ben',
  [A.students.cara]: 'prop-cara',
  [B.student]: 'prop-b',
};

/** A closure of each student's district (after Q3: it changes no Q3 figure). */
export const closureOfStudent: Record<string, string> = {
  [A.students.ava]: 'cl-a',
  [A.students.ben]: 'cl-a',
  [A.students.cara]: 'cl-a',
  [B.student]: 'cl-b',
};

/** Whose schedule each fixture student's planned session is on. */
export const providerOfStudent: Record<string, string> = {
  [A.students.ava]: A.staff.slp,
  [A.students.ben]: A.staff.ot,
  [A.students.cara]: A.staff.slpa,
  [B.student]: B.therapist,
};

const at = '2026-01-05T15:00:00.000Z';

export async function addFixtureSchedule(db: DB): Promise<void> {
  const d = A.district;
  const days = (
    provider: string,
    school: string,
    start: string,
    end: string,
    room: string,
    district: string = d,
  ) =>
    [1, 2, 3, 4, 5].map((weekday) => ({
      district_id: district,
      provider_id: provider,
      weekday,
      school_id: school,
      start_time: start,
      end_time: end,
      room,
    }));
  await db
    .insertInto('provider_school_day')
    .values([
      ...days(A.staff.slp, A.schools.north, '07:45', '11:30', 'Speech room'),
      ...days(A.staff.slp, A.schools.south, '12:00', '15:00', 'Room 7'),
      ...days(A.staff.ot, A.schools.north, '07:45', '15:00', 'OT room'),
      ...days(A.staff.slpa, A.schools.south, '07:45', '15:00', 'Room 7'),
      ...days(B.therapist, B.school, '08:00', '15:00', 'Library', B.district),
    ])
    .execute();
  await db
    .insertInto('school_travel')
    .values({
      district_id: d,
      from_school_id: A.schools.north,
      to_school_id: A.schools.south,
      minutes: 20,
    })
    .execute();
  const session = (
    id: string,
    provider: string,
    school: string,
    weekday: number,
    start: string,
    model: 'push_in' | 'pull_out',
    place: { classroom?: string; routine?: string; room?: string },
    district: string = d,
  ) => ({
    district_id: district,
    id,
    provider_id: provider,
    school_id: school,
    weekday,
    start_time: start,
    minutes: 30,
    model,
    classroom_id: place.classroom ?? null,
    routine_id: place.routine ?? null,
    room: place.room ?? null,
    valid_from: '2026-01-05',
    valid_to: null,
    override_reason: null,
    created_by: provider,
    created_at: at,
    updated_by: provider,
    updated_at: at,
  });
  await db
    .insertInto('schedule_session')
    .values([
      session(SCHEDULE.ava, A.staff.slp, A.schools.north, 2, '10:00', 'push_in', {
        classroom: A.classrooms.north2,
        routine: A.routines.writing,
      }),
      session(SCHEDULE.ben, A.staff.ot, A.schools.north, 1, '13:00', 'pull_out', {
        room: 'OT room',
      }),
      session(SCHEDULE.cara, A.staff.slpa, A.schools.south, 3, '13:00', 'pull_out', {
        room: 'Room 7',
      }),
      session(
        SCHEDULE.b,
        B.therapist,
        B.school,
        4,
        '09:00',
        'pull_out',
        { room: 'Library' },
        B.district,
      ),
    ])
    .execute();
  await db
    .insertInto('schedule_session_student')
    .values([
      {
        district_id: d,
        session_id: SCHEDULE.ava,
        student_id: A.students.ava,
        service_id: A.services.avaSlp,
      },
      {
        district_id: d,
        session_id: SCHEDULE.ben,
        student_id: A.students.ben,
        service_id: A.services.benOt,
      },
      {
        district_id: d,
        session_id: SCHEDULE.cara,
        student_id: A.students.cara,
        service_id: A.services.caraSlp,
      },
      {
        district_id: B.district,
        session_id: SCHEDULE.b,
        student_id: B.student,
        service_id: B.service,
      },
    ])
    .execute();
  const proposal = (id: string, provider: string, district: string = d) => ({
    district_id: district,
    id,
    provider_id: provider,
    created_by: provider,
    created_at: at,
    payload: JSON.stringify({
      weekOf: '2026-03-16',
      studentIds: [],
      placements: [],
      unplaced: [],
      lunches: [],
      status: 'optimal',
      gap: 0,
    }),
    accepted_at: null,
  });
  await db
    .insertInto('schedule_proposal')
    .values([
      proposal('prop-ava', A.staff.slp),
      proposal('prop-ben', A.staff.ot),
      proposal('prop-cara', A.staff.slpa),
      proposal('prop-b', B.therapist, B.district),
    ])
    .execute();
  await db
    .insertInto('school_closure')
    .values(
      [
        { district_id: d, id: 'cl-a' },
        { district_id: B.district, id: 'cl-b' },
      ].map((c) => ({
        ...c,
        school_id: null,
        starts_on: '2026-04-03',
        ends_on: '2026-04-03',
        name: 'Teacher workday',
        created_by: null,
        created_at: at,
      })),
    )
    .execute();
  // Rows written directly: the kept fidelity figures are rebuilt, as after any bulk load.
  await rebuildFidelitySummaries(db, d);
  await rebuildFidelitySummaries(db, B.district);
}
