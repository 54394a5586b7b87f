import { describe, expect, it } from 'vitest';
import { promptLevels } from '../src/model';
import {
  goalDataProblem,
  levelOfAssistance,
  minutesBetween,
  SessionLogInput,
  TrialData,
} from '../src/sessions';

const base = {
  idempotencyKey: 'abcdefghijklmnop',
  date: '2026-03-11',
  startTime: '10:00',
  endTime: '10:30',
  model: 'pull_out',
  setting: 'therapy_room',
  students: [{ studentId: 's1', attendance: 'delivered' }],
} as const;

const fieldsOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  r.success ? [] : (r.error?.issues ?? []).map((i) => i.path.join('.'));

describe('session inputs', () => {
  it('accepts a plain session and fills defaults', () => {
    const parsed = SessionLogInput.parse(base);
    expect(parsed.sign).toBe(false);
    expect(parsed.students[0]).toEqual({
      studentId: 's1',
      attendance: 'delivered',
      note: '',
      goals: [],
    });
  });

  it('names the field: end before begin, push-in rules, duplicates', () => {
    expect(fieldsOf(SessionLogInput.safeParse({ ...base, endTime: '09:59' }))).toEqual(['endTime']);
    expect(fieldsOf(SessionLogInput.safeParse({ ...base, endTime: '10:00' }))).toEqual(['endTime']);
    expect(fieldsOf(SessionLogInput.safeParse({ ...base, model: 'push_in' }))).toEqual([
      'setting',
      'collaborationMode',
    ]);
    expect(
      fieldsOf(
        SessionLogInput.safeParse({ ...base, students: [base.students[0], base.students[0]] }),
      ),
    ).toEqual(['students.1.studentId']);
    expect(fieldsOf(SessionLogInput.safeParse({ ...base, idempotencyKey: 'short' }))).toEqual([
      'idempotencyKey',
    ]);
  });

  it('refuses goal data on a missed session', () => {
    const r = SessionLogInput.safeParse({
      ...base,
      students: [{ studentId: 's1', attendance: 'refused', goals: [{ goalId: 'g', count: 1 }] }],
    });
    expect(fieldsOf(r)).toEqual(['students.0.goals']);
  });

  it('checks trial counts: negative, correct > trials, correct + prompted > trials', () => {
    expect(fieldsOf(TrialData.safeParse({ trials: -1, correct: 0 }))).toContain('trials');
    expect(fieldsOf(TrialData.safeParse({ trials: 3, correct: 4 }))).toEqual(['correct']);
    expect(fieldsOf(TrialData.safeParse({ trials: 3, correct: 2, prompted: 2 }))).toEqual([
      'prompted',
    ]);
    expect(fieldsOf(TrialData.safeParse({ trials: 3, correct: 1.5 }))).toEqual(['correct']);
    expect(TrialData.parse({ trials: 3, correct: 2 })).toEqual({
      trials: 3,
      correct: 2,
      prompted: 0,
    });
  });

  it('matches data to the goal’s measurement type', () => {
    const percent = { measurementType: 'percent', rubricMax: null } as const;
    const rubric = { measurementType: 'rubric', rubricMax: 4 } as const;
    expect(goalDataProblem(percent, { goalId: 'g', trials: { trials: 2, correct: 1 } })).toBeNull();
    expect(goalDataProblem(percent, { goalId: 'g', count: 2 })).toMatch(/measurement/);
    expect(
      goalDataProblem(percent, { goalId: 'g', trials: { trials: 2, correct: 1 }, count: 2 }),
    ).toMatch(/only/);
    expect(goalDataProblem(rubric, { goalId: 'g', rubricScore: 4 })).toBeNull();
    expect(goalDataProblem(rubric, { goalId: 'g', rubricScore: 5 })).toMatch(/0–4/);
  });

  it('counts minutes between clock times', () => {
    expect(minutesBetween('09:45', '10:15')).toBe(30);
    expect(minutesBetween('10:15', '09:45')).toBe(-30);
  });
});

describe('CSV', () => {
  it('level of assistance is the most support needed', () => {
    expect(levelOfAssistance([], promptLevels)).toBe('');
    expect(
      levelOfAssistance(
        [
          { promptLevel: 'verbal', prompted: 1, correct: 1 },
          { promptLevel: 'model', prompted: 1, correct: 0 },
        ],
        promptLevels,
      ),
    ).toBe('model');
    expect(levelOfAssistance([{ promptLevel: null, prompted: 0, correct: 3 }], promptLevels)).toBe(
      'independent',
    );
  });
});
