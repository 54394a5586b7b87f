import { describe, expect, it } from 'vitest';
import {
  buildScheduleModel,
  type Caseload,
  type PlannedSession,
  readScheduleSolution,
  scheduleConflicts,
} from '../src/schedule/index';

const caseload: Caseload = {
  therapist: {
    id: 't',
    name: 'Ms. Rivera',
    days: [
      { day: 1, schoolId: 'a', start: 480, end: 690 },
      { day: 1, schoolId: 'b', start: 720, end: 900 },
    ],
    travel: [{ from: 'a', to: 'b', minutes: 20 }],
    lunch: { earliest: 660, latest: 780, minutes: 30 },
    groupCap: { push_in: 2, pull_out: 2 },
  },
  schools: [
    { id: 'a', name: 'Adams', pullOutRoom: 'Room 12' },
    { id: 'b', name: 'Baker', pullOutRoom: 'OT room' },
  ],
  classrooms: [
    {
      id: 'c1',
      name: 'Room 4',
      schoolId: 'a',
      routines: [{ id: 'arrival', name: 'Arrival', blocks: [{ day: 1, start: 485, end: 515 }] }],
      protectedBlocks: [{ day: 1, start: 600, end: 660 }],
    },
    { id: 'c2', name: 'Room 9', schoolId: 'b', routines: [], protectedBlocks: [] },
  ],
  students: [
    {
      id: 'm',
      name: 'Mohamed',
      grade: 2,
      classroomId: 'c1',
      goals: [{ id: 'g1', title: 'unpack independently', routineIds: ['arrival'] }],
      protectedBlocks: [],
    },
    { id: 'n', name: 'Nora', grade: 2, classroomId: 'c1', goals: [], protectedBlocks: [] },
    { id: 'o', name: 'Omar', grade: 3, classroomId: 'c2', goals: [], protectedBlocks: [] },
  ],
  services: [
    {
      id: 's1',
      studentId: 'm',
      discipline: 'ot',
      model: 'push_in',
      minutes: 30,
      per: 'week',
      sessionMinutes: 30,
      goalIds: ['g1'],
    },
  ],
};

function session(over: Partial<PlannedSession>): PlannedSession {
  return {
    key: 'k',
    day: 1,
    start: 540,
    end: 570,
    schoolId: 'a',
    model: 'pull_out',
    classroomId: null,
    routineId: null,
    room: 'Room 12',
    serviceIds: [],
    studentIds: ['n'],
    ...over,
  };
}

const kinds = (sessions: PlannedSession[]) =>
  scheduleConflicts(caseload, sessions).map((c) => c.kind);

describe('scheduleConflicts', () => {
  it('finds nothing wrong with a clean schedule', () => {
    expect(kinds([session({})])).toEqual([]);
  });
  it('names each broken rule', () => {
    expect(kinds([session({ key: 'a' }), session({ key: 'b', start: 555, end: 585 })])).toEqual([
      'therapist-double-booked',
      'student-double-booked',
    ]);
    expect(kinds([session({ start: 600, end: 630 })])).toEqual(['protected-block']);
    expect(
      kinds([
        session({ start: 660, end: 690 }),
        session({ key: 'b', schoolId: 'b', start: 700, end: 730, studentIds: ['o'] }),
      ]),
    ).toEqual(['travel-too-short', 'outside-school-day']);
    expect(kinds([session({ studentIds: ['n', 'm', 'o'] })])).toContain('group-over-cap');
    expect(
      kinds([
        session({
          model: 'push_in',
          classroomId: 'c1',
          routineId: 'arrival',
          start: 520,
          end: 550,
          studentIds: ['m'],
        }),
      ]),
    ).toEqual(['push-in-outside-routine']);
    expect(
      kinds([
        session({
          model: 'push_in',
          classroomId: 'c1',
          routineId: 'arrival',
          start: 485,
          end: 515,
          studentIds: ['n'],
        }),
      ]),
    ).toEqual(['push-in-outside-routine']);
    expect(
      scheduleConflicts(caseload, [session({ start: 660, end: 690 })], []).map((c) => c.kind),
    ).toEqual(['no-lunch']);
  });
});

describe('the scheduling model', () => {
  it('is CPLEX LP text with binaries, and reads back into explained placements', () => {
    const model = buildScheduleModel(caseload);
    expect(model.lp).toMatch(/^Minimize\n/);
    expect(model.lp).toContain('Binary');
    const x = model.placementVar[0];
    expect(x).toBeDefined();
    const values: Record<string, number> = { [x?.name as string]: 1 };
    values[model.slotVar.get(x?.slotKey as string) as string] = 1;
    const proposal = readScheduleSolution(caseload, model, values);
    expect(proposal.sessions[0]?.explanations).toEqual([
      'Tue 8:05 Arrival, Grade 2 Mohamed: goal *unpack independently* is linked to Arrival',
    ]);
    expect(proposal.unplaced).toEqual([]);
  });

  it('names the binding constraint of a service it cannot place', () => {
    const more: Caseload = {
      ...caseload,
      services: [
        ...caseload.services,
        {
          id: 's2',
          studentId: 'n',
          discipline: 'ot',
          model: 'push_in',
          minutes: 30,
          per: 'week',
          sessionMinutes: 30,
          goalIds: [],
        },
        {
          id: 's3',
          studentId: 'm',
          discipline: 'ot',
          model: 'push_in',
          minutes: 90,
          per: 'week',
          sessionMinutes: 30,
          goalIds: ['g1'],
        },
      ],
    };
    const model = buildScheduleModel(more);
    const proposal = readScheduleSolution(more, model, {});
    const byId = new Map(proposal.unplaced.map((u) => [u.serviceId, u]));
    expect(byId.get('s2')?.binding).toBe('no-linked-routine');
    expect(byId.get('s2')?.message).toBe("No routine in Room 4 is linked to Nora's goals");
    expect(byId.get('s3')?.binding).toBe('max-minutes');
    expect(byId.get('s1')?.message).toBe("Room 4's Arrival block is Tue only, all taken");
  });
});
