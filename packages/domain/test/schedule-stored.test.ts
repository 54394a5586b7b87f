import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isoWeekday } from '../src/dates';
import {
  type Caseload,
  greedySchedule,
  occurrencesBetween,
  ScheduleSaveInput,
  type StoredScheduleSession,
  scheduleConflicts,
  type Weekday,
} from '../src/schedule/index';

// The stored schedule's pure rules: expanding weekly series with exceptions and closures into
// dated occurrences, the save input's field messages, and the demo's greedy placer.

const series = (over: Partial<StoredScheduleSession> = {}): StoredScheduleSession => ({
  id: 's1',
  providerId: 'p',
  schoolId: 'north',
  weekday: 2,
  startTime: '10:00',
  minutes: 30,
  model: 'pull_out',
  classroomId: null,
  routineId: null,
  room: 'Room 7',
  validFrom: '2026-03-02',
  validTo: null,
  students: [{ studentId: 'ava', serviceId: 'svc' }],
  ...over,
});

describe('occurrencesBetween', () => {
  it('puts a series on its weekday inside its dates', () => {
    const o = occurrencesBetween(
      [series({ validTo: '2026-03-24' })],
      [],
      [],
      '2026-03-01',
      '2026-03-31',
    );
    expect(o.map((x) => x.date)).toEqual(['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24']);
    expect(o.every((x) => x.status === 'planned' && x.endTime === '10:30')).toBe(true);
  });

  it('keeps a cancelled day with its reason, moves a day (even into another week), closes a day', () => {
    const o = occurrencesBetween(
      [series()],
      [
        {
          sessionId: 's1',
          onDate: '2026-03-10',
          kind: 'cancelled',
          reason: 'provider_absent',
          note: 'Training',
          movedTo: null,
          startTime: null,
          minutes: null,
        },
        {
          sessionId: 's1',
          onDate: '2026-03-17',
          kind: 'moved',
          reason: null,
          note: null,
          movedTo: '2026-03-23',
          startTime: '08:00',
          minutes: 45,
        },
      ],
      [{ schoolId: 'north', startsOn: '2026-03-31', endsOn: '2026-04-03', name: 'Spring break' }],
      '2026-03-09',
      '2026-04-03',
    );
    expect(
      o.map((x) => [x.date, x.originalDate, x.status, x.reason, x.startTime, x.endTime]),
    ).toEqual([
      ['2026-03-10', '2026-03-10', 'cancelled', 'provider_absent', '10:00', '10:30'],
      ['2026-03-23', '2026-03-17', 'moved', null, '08:00', '08:45'],
      ['2026-03-24', '2026-03-24', 'planned', null, '10:00', '10:30'],
      ['2026-03-31', '2026-03-31', 'closed', 'school_closed', '10:00', '10:30'],
    ]);
    // Another school's closure, or one outside the span, changes nothing.
    expect(
      occurrencesBetween(
        [series()],
        [],
        [{ schoolId: 'south', startsOn: '2026-03-03', endsOn: '2026-03-03', name: 'x' }],
        '2026-03-02',
        '2026-03-06',
      )[0]?.status,
    ).toBe('planned');
  });

  it('gives each weekday-matching day of any span exactly one occurrence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 60 }),
        (weekday, offset, length) => {
          const from = addDays('2026-01-01', offset);
          const to = addDays(from, length);
          const got = occurrencesBetween(
            [series({ weekday, validFrom: '2025-12-01' })],
            [],
            [],
            from,
            to,
          ).map((x) => x.date);
          const want: string[] = [];
          for (let d = from; d <= to; d = addDays(d, 1))
            if (isoWeekday(d) === weekday) want.push(d);
          expect(got).toEqual(want);
        },
      ),
    );
  });
});

describe('ScheduleSaveInput', () => {
  it('names the field that is wrong', () => {
    const bad = ScheduleSaveInput.safeParse({
      kind: 'series',
      weekday: 6,
      startTime: '25:00',
      minutes: 2,
      model: 'push_in',
      studentIds: [],
    });
    expect(bad.success).toBe(false);
    const paths = new Set(bad.error?.issues.map((i) => i.path[0]));
    for (const f of ['weekday', 'startTime', 'minutes', 'studentIds']) expect(paths).toContain(f);
    const push = ScheduleSaveInput.safeParse({
      kind: 'series',
      weekday: 2,
      startTime: '10:00',
      minutes: 30,
      model: 'push_in',
      studentIds: ['a'],
    });
    expect(push.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['routineId', 'A push-in session goes in a classroom routine'],
    ]);
    const occurrence = ScheduleSaveInput.safeParse({
      kind: 'occurrence',
      sessionId: 's1',
      expectedVersion: 1,
      occurrenceDate: '2026-03-10',
      date: '2026-03-14',
      startTime: '10:00',
      minutes: 30,
    });
    expect(occurrence.error?.issues.map((i) => i.path[0])).toEqual(['date']);
  });
});

describe('greedySchedule', () => {
  it('places a week without conflicts, one session of a service a day, and keeps lunch free', () => {
    const routine = (id: string, name: string, start: number, end: number) => ({
      id,
      name,
      blocks: [0, 1, 2, 3, 4].map((day) => ({ day: day as Weekday, start, end })),
    });
    const caseload: Caseload = {
      therapist: {
        id: 't',
        name: 'Ms. Rivera',
        days: [0, 1, 2, 3, 4].map((day) => ({
          day: day as Weekday,
          schoolId: day < 3 ? 'a' : 'b',
          start: 480,
          end: 900,
        })),
        travel: [{ from: 'a', to: 'b', minutes: 20 }],
        lunch: { earliest: 660, latest: 780, minutes: 30 },
        groupCap: { push_in: 3, pull_out: 3 },
      },
      schools: [
        { id: 'a', name: 'A', pullOutRoom: 'Room 1' },
        { id: 'b', name: 'B', pullOutRoom: 'Room 2' },
      ],
      classrooms: [
        {
          id: 'c1',
          name: 'Room 12',
          schoolId: 'a',
          routines: [routine('arr', 'Arrival', 480, 510), routine('wr', 'Writing', 600, 645)],
          protectedBlocks: [{ day: 1, start: 600, end: 660 }],
        },
        { id: 'c2', name: 'Room 3', schoolId: 'b', routines: [], protectedBlocks: [] },
      ],
      students: ['s1', 's2', 's3', 's4'].map((id, i) => ({
        id,
        name: id,
        grade: 2,
        classroomId: i < 3 ? 'c1' : 'c2',
        goals: [{ id: `${id}-g`, title: 'unpack', routineIds: ['arr'] }],
        protectedBlocks: [],
      })),
      services: [
        ...['s1', 's2', 's3'].map((id) => ({
          id: `${id}-pi`,
          studentId: id,
          discipline: 'OT',
          model: 'push_in' as const,
          minutes: 60,
          per: 'week' as const,
          sessionMinutes: 30,
          goalIds: [`${id}-g`],
        })),
        {
          id: 's4-po',
          studentId: 's4',
          discipline: 'OT',
          model: 'pull_out',
          minutes: 90,
          per: 'week',
          sessionMinutes: 30,
          goalIds: [],
        },
      ],
    };
    const placed = greedySchedule(caseload);
    expect(scheduleConflicts(caseload, placed)).toEqual([]);
    const minutes = new Map<string, number>();
    for (const s of placed)
      for (const id of s.serviceIds) minutes.set(id, (minutes.get(id) ?? 0) + s.end - s.start);
    expect(Object.fromEntries(minutes)).toEqual({
      's1-pi': 60,
      's2-pi': 60,
      's3-pi': 60,
      // Two days at school B and one session of a service a day: 60 of its 90 minutes.
      's4-po': 60,
    });
    for (const s of placed) expect(s.end <= 750 || s.start >= 780).toBe(true);
    // Deterministic.
    expect(greedySchedule(caseload)).toEqual(placed);
  });
});
