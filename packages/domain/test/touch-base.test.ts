import { describe, expect, it } from 'vitest';
import { addMinutes, type PushInSlot, touchBaseConflicts } from '../src/touch-base';

// 2026-03-11 is a Wednesday (ISO weekday 3).
const slot: PushInSlot = {
  planId: 'p1',
  routineName: 'writing',
  classroom: 'Room 12',
  weekdays: [1, 3, 5],
  startTime: '10:00',
  endTime: '10:45',
  staffIds: ['ot', 'teacher'],
  studentName: 'Ava Lopez',
};

describe('touchBaseConflicts', () => {
  const names = new Map([['ot', 'Olive OT']]);

  it('warns when a participant is in push-in at that time', () => {
    const c = touchBaseConflicts(
      { date: '2026-03-11', startTime: '10:30', participantIds: ['ot', 'slp'] },
      [slot],
      names,
    );
    expect(c).toHaveLength(1);
    expect(c[0]?.message).toContain('Olive OT is in push-in for Ava Lopez during Writing');
    expect(c[0]?.message).toContain('not discussed in front of students');
  });

  it('catches a meeting that starts before and runs into the slot', () => {
    const c = touchBaseConflicts(
      { date: '2026-03-11', startTime: '09:50', participantIds: ['teacher'] },
      [slot],
    );
    expect(c).toHaveLength(1);
  });

  it('is quiet on another weekday, outside the time, for other people, or without a time', () => {
    const base = { participantIds: ['ot'] };
    expect(touchBaseConflicts({ ...base, date: '2026-03-10', startTime: '10:30' }, [slot])).toEqual(
      [],
    );
    expect(touchBaseConflicts({ ...base, date: '2026-03-11', startTime: '10:45' }, [slot])).toEqual(
      [],
    );
    expect(touchBaseConflicts({ ...base, date: '2026-03-11', startTime: '09:45' }, [slot])).toEqual(
      [],
    );
    expect(
      touchBaseConflicts({ date: '2026-03-11', startTime: '10:30', participantIds: ['slp'] }, [
        slot,
      ]),
    ).toEqual([]);
    expect(touchBaseConflicts({ ...base, date: '2026-03-11', startTime: null }, [slot])).toEqual(
      [],
    );
  });

  it('adds minutes to a clock time', () => {
    expect(addMinutes('09:50', 15)).toBe('10:05');
  });
});
