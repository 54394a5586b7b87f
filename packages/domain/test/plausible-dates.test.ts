import { describe, expect, it } from 'vitest';
import {
  effectiveDateProblem,
  finalisedPeriodOn,
  goalDatesProblem,
  MAX_DAYS_BACK,
  meetingDateProblem,
  recordDateProblem,
} from '../src/plausible-dates';

const today = '2026-03-11';

describe('plausible dates', () => {
  it('dates a session or probe from 400 days back up to today, both ends included', () => {
    expect(recordDateProblem(today, today, 'session')).toBeNull();
    expect(recordDateProblem('2026-03-12', today, 'session')).toBe(
      'A session cannot be dated after today',
    );
    expect(MAX_DAYS_BACK).toBe(400);
    expect(recordDateProblem('2025-02-04', today, 'probe')).toBeNull();
    expect(recordDateProblem('2025-02-03', today, 'probe')).toBe(
      'A probe cannot be dated more than 400 days ago',
    );
  });

  it('finds the finalised period a date falls in, its first and last days included', () => {
    const periods = [
      { name: 'Q2', startsOn: '2025-11-01', endsOn: '2026-01-19' },
      { name: 'Q3', startsOn: '2026-01-20', endsOn: '2026-03-31' },
    ];
    expect(finalisedPeriodOn('2025-11-01', periods)?.name).toBe('Q2');
    expect(finalisedPeriodOn('2026-01-19', periods)?.name).toBe('Q2');
    expect(finalisedPeriodOn('2026-01-20', periods)?.name).toBe('Q3');
    expect(finalisedPeriodOn('2025-10-31', periods)).toBeUndefined();
  });

  it('keeps a goal within a year or two of today and its target within two years of its start', () => {
    expect(
      goalDatesProblem({ startDate: '2025-09-01', targetDate: '2026-06-01' }, today),
    ).toBeNull();
    expect(
      goalDatesProblem({ startDate: '1926-09-01', targetDate: '2026-06-01' }, today)?.field,
    ).toBe('startDate');
    expect(
      goalDatesProblem({ startDate: '2028-09-01', targetDate: '2029-06-01' }, today)?.field,
    ).toBe('startDate');
    expect(
      goalDatesProblem({ startDate: '2025-09-01', targetDate: '2027-09-03' }, today)?.field,
    ).toBe('targetDate');
  });

  it('takes a change into effect not before the goal starts and within a year of today', () => {
    expect(effectiveDateProblem('2026-03-02', '2025-09-01', today)).toBeNull();
    expect(effectiveDateProblem('2025-08-31', '2025-09-01', today)).toMatch(/before the goal/);
    expect(effectiveDateProblem('2027-06-01', '2025-09-01', today)).toMatch(/within a year/);
  });

  it('schedules meetings up to the school year’s end, or a year ahead once it has ended', () => {
    expect(meetingDateProblem('2026-06-05', today, '2026-06-05')).toBeNull();
    expect(meetingDateProblem('2026-06-06', today, '2026-06-05')).toBe(
      'Schedule the meeting within this school year',
    );
    // In the summer after the year's end, next year's meetings can be planned.
    expect(meetingDateProblem('2026-09-10', '2026-07-01', '2026-06-05')).toBeNull();
    expect(meetingDateProblem('2027-07-03', '2026-07-01', '2026-06-05')).not.toBeNull();
    expect(meetingDateProblem('2025-01-01', today, '2026-06-05')).toMatch(/400 days ago/);
    expect(meetingDateProblem('2026-09-10', today, null)).toBeNull();
  });
});
