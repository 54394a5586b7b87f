import { describe, expect, it } from 'vitest';
import {
  absencePolicies,
  computeFidelity,
  type FidelityInput,
  type FidelityService,
  type FidelitySession,
  mandatedMinutes,
  missedCategory,
  missedCategoryTable,
} from '../src/fidelity';
import { missedReasons } from '../src/model';

// 2024-03-11 is a Monday. Days of that week: Mon 11 … Fri 15, Sat 16, Sun 17.

function weekly(minutes: number, extra: Partial<FidelityService> = {}): FidelityService {
  return { id: 's1', minutes, per: 'week', startDate: '2024-01-08', endDate: null, ...extra };
}

function session(
  date: string,
  minutes: number,
  attendance: FidelitySession['attendance'],
  extra: Partial<FidelitySession> = {},
): FidelitySession {
  return { date, minutes, attendance, serviceId: 's1', model: 'pull_out', ...extra };
}

function run(overrides: Partial<FidelityInput>) {
  return computeFidelity({
    services: [weekly(30)],
    sessions: [],
    policy: 'never',
    from: '2024-03-11',
    to: '2024-03-17',
    today: '2024-03-17',
    ...overrides,
  });
}

describe('missedCategory', () => {
  it('is one table: provider absence always owed, student absence by policy, the rest accounted', () => {
    expect(missedCategoryTable).toEqual({
      provider_absent: { never: 'owed', unexcused_only: 'owed', always: 'owed' },
      student_absent_excused: { never: 'accounted', unexcused_only: 'accounted', always: 'owed' },
      student_absent_unexcused: { never: 'accounted', unexcused_only: 'owed', always: 'owed' },
      school_closed: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
      student_unavailable: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
      refused: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
      other: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
    });
    for (const reason of missedReasons) {
      for (const policy of absencePolicies) {
        expect(missedCategory(reason, policy)).toBe(missedCategoryTable[reason][policy]);
      }
    }
  });
});

describe('mandatedMinutes', () => {
  it('spreads a weekly mandate over Monday–Friday with cumulative rounding', () => {
    const s = weekly(31);
    const days = ['11', '12', '13', '14', '15', '16', '17'].map((d) =>
      mandatedMinutes(s, `2024-03-${d}`, `2024-03-${d}`),
    );
    // round(31·k/5) for k = 0…5: 0, 6, 12, 19, 25, 31.
    expect(days).toEqual([6, 6, 7, 6, 6, 0, 0]);
    expect(mandatedMinutes(s, '2024-03-11', '2024-03-17')).toBe(31);
    expect(mandatedMinutes(s, '2024-03-11', '2024-03-24')).toBe(62);
    expect(mandatedMinutes(weekly(90), '2024-03-11', '2024-03-13')).toBe(54);
  });

  it('prorates partial weeks at a service start and end', () => {
    // Wednesday 13 … Tuesday 26: Wed–Fri, a full week, Mon–Tue.
    const s = weekly(30, { startDate: '2024-03-13', endDate: '2024-03-26' });
    expect(mandatedMinutes(s, '2024-03-11', '2024-03-17')).toBe(18);
    expect(mandatedMinutes(s, '2024-03-18', '2024-03-24')).toBe(30);
    expect(mandatedMinutes(s, '2024-03-25', '2024-03-31')).toBe(12);
    expect(mandatedMinutes(s, '2024-03-01', '2024-03-31')).toBe(60);
    expect(mandatedMinutes(s, '2024-03-27', '2024-04-30')).toBe(0);
    expect(mandatedMinutes(s, '2024-03-01', '2024-03-12')).toBe(0);
    const odd = weekly(31, { startDate: '2024-03-13', endDate: '2024-03-26' });
    expect(mandatedMinutes(odd, '2024-03-11', '2024-03-17')).toBe(19); // 7 + 6 + 6
    expect(mandatedMinutes(odd, '2024-03-25', '2024-03-31')).toBe(12); // 6 + 6
  });

  it('prorates a monthly mandate by the school days of each calendar month', () => {
    // February and March 2024 both have 21 school days.
    const s: FidelityService = {
      id: 'm',
      minutes: 120,
      per: 'month',
      startDate: '2024-02-15',
      endDate: null,
    };
    expect(mandatedMinutes(s, '2024-03-01', '2024-03-31')).toBe(120);
    expect(mandatedMinutes(s, '2024-03-01', '2024-03-15')).toBe(63); // round(120·11/21)
    expect(mandatedMinutes(s, '2024-03-16', '2024-03-31')).toBe(57);
    expect(mandatedMinutes(s, '2024-03-11', '2024-03-15')).toBe(29); // 63 − round(120·6/21)
    // Starting Thursday 15 February: the last 11 of February's 21 school days.
    expect(mandatedMinutes(s, '2024-02-01', '2024-02-29')).toBe(63);
    // A week across the month end: Feb 26–29 (school days 18–21) + Mar 1 (day 1 of 21).
    expect(mandatedMinutes(s, '2024-02-26', '2024-03-03')).toBe(23 + 6);
    expect(
      computeFidelity({
        services: [s],
        sessions: [],
        policy: 'never',
        from: '2024-02-26',
        to: '2024-03-03',
        today: '2024-01-01',
      }).weeks.map((w) => [w.mandated, w.remaining]),
    ).toEqual([[29, 29]]);
  });

  it('is 0 for an empty span and for a zero mandate; rejects bad minutes', () => {
    expect(mandatedMinutes(weekly(30), '2024-03-15', '2024-03-11')).toBe(0);
    expect(mandatedMinutes(weekly(0), '2024-03-11', '2024-03-17')).toBe(0);
    expect(() => mandatedMinutes(weekly(-5), '2024-03-11', '2024-03-17')).toThrow(RangeError);
    expect(() => mandatedMinutes(weekly(12.5), '2024-03-11', '2024-03-17')).toThrow(RangeError);
  });
});

describe('computeFidelity', () => {
  const handWeek: FidelitySession[] = [
    session('2024-03-11', 30, 'delivered'),
    session('2024-03-12', 30, 'provider_absent'),
    session('2024-03-14', 30, 'delivered', { scheduled: true }),
  ];

  it('computes a week by hand (90 min/week, 18 a day, today Wednesday)', () => {
    const report = run({ services: [weekly(90)], sessions: handWeek, today: '2024-03-13' });
    expect(report.weeks).toHaveLength(1);
    const week = report.weeks[0]!;
    expect(week).toMatchObject({
      weekStart: '2024-03-11',
      from: '2024-03-11',
      to: '2024-03-17',
      mandated: 90,
      mandatedToDate: 54,
      scheduled: 30,
      unlogged: 0,
      delivered: 30,
      makeupDelivered: 0,
      missedTotal: 30,
      owed: 30,
      accounted: 0,
      unaccounted: 0, // 54 to date, 60 logged
      remaining: 30, // 36 ahead, 6 of them already matched
      unscheduled: 0,
      surplus: 0,
      makeupsOwed: 30,
      behind: 24, // 54 − 30 delivered; the provider-absent 30 is owed, so still behind
    });
    expect(week.missed).toEqual({
      student_absent_excused: 0,
      student_absent_unexcused: 0,
      student_unavailable: 0,
      refused: 0,
      provider_absent: 30,
      school_closed: 0,
      other: 0,
    });
    expect(report.total).toEqual(
      Object.fromEntries(
        Object.entries(week).filter(([k]) => !['weekStart', 'from', 'to'].includes(k)),
      ),
    );
  });

  it('the same week seen on Friday: the planned session was never logged', () => {
    const week = run({ services: [weekly(90)], sessions: handWeek, today: '2024-03-15' }).weeks[0]!;
    expect(week).toMatchObject({
      mandated: 90,
      mandatedToDate: 90,
      scheduled: 0,
      unlogged: 30,
      unaccounted: 30,
      remaining: 0,
      unscheduled: 0,
      behind: 60,
      makeupsOwed: 30,
    });
  });

  it('a week delivered in full early has nothing remaining; extra minutes are surplus', () => {
    const sessions = [
      session('2024-03-11', 45, 'delivered'),
      session('2024-03-12', 45, 'delivered'),
    ];
    const early = run({ services: [weekly(60)], sessions, today: '2024-03-12' }).weeks[0]!;
    expect(early).toMatchObject({ mandatedToDate: 24, unaccounted: 0, remaining: 0, surplus: 30 });
    expect(early.behind).toBe(0);
    const partial = run({
      services: [weekly(60)],
      sessions: sessions.slice(0, 1),
      today: '2024-03-12',
    }).weeks[0]!;
    expect(partial).toMatchObject({ unaccounted: 0, remaining: 15, unscheduled: 15, surplus: 0 });
  });

  it('clips weeks to the period and prorates the partial weeks at its edges', () => {
    const report = run({ from: '2024-03-13', to: '2024-03-26', today: '2024-03-01' });
    expect(report.weeks.map((w) => [w.weekStart, w.from, w.to, w.mandated])).toEqual([
      ['2024-03-11', '2024-03-13', '2024-03-17', 18],
      ['2024-03-18', '2024-03-18', '2024-03-24', 30],
      ['2024-03-25', '2024-03-25', '2024-03-26', 12],
    ]);
    expect(report.total.mandated).toBe(60);
    expect(report.total.remaining).toBe(60);
    expect(report.total.mandatedToDate).toBe(0);
  });

  it('counts a service starting and ending mid-period over its own days', () => {
    const s = weekly(30, { startDate: '2024-03-13', endDate: '2024-03-26' });
    const report = run({
      services: [s],
      from: '2024-03-04',
      to: '2024-04-07',
      today: '2024-04-07',
    });
    expect(report.weeks.map((w) => w.mandated)).toEqual([0, 18, 30, 12, 0]);
    expect(report.weeks.map((w) => w.unaccounted)).toEqual([0, 18, 30, 12, 0]);
    expect(report.total.behind).toBe(60);
  });

  it('gives every student of a group session its full minutes', () => {
    const sessions = [
      session('2024-03-11', 30, 'delivered', { groupSize: 4 }),
      session('2024-03-13', 30, 'delivered', { groupSize: 3 }),
    ];
    const total = run({ services: [weekly(60)], sessions }).total;
    expect(total.delivered).toBe(60);
    expect(total.unaccounted).toBe(0);
    expect(total.behind).toBe(0);
  });

  it('lets makeups pay down owed minutes across weeks, never below zero', () => {
    const sessions = [
      session('2024-03-04', 30, 'provider_absent'),
      session('2024-03-11', 30, 'delivered'),
      session('2024-03-13', 20, 'makeup'),
      session('2024-03-18', 30, 'delivered'),
      session('2024-03-20', 15, 'makeup'),
    ];
    const report = run({ sessions, from: '2024-03-04', to: '2024-03-24', today: '2024-03-24' });
    expect(report.weeks.map((w) => w.owed)).toEqual([30, 0, 0]);
    expect(report.weeks.map((w) => w.makeupDelivered)).toEqual([0, 20, 15]);
    expect(report.weeks.map((w) => w.makeupsOwed)).toEqual([30, 10, 0]);
    expect(report.weeks.map((w) => w.behind)).toEqual([30, 10, 0]);
    expect(report.weeks.map((w) => w.surplus)).toEqual([0, 20, 15]);
    expect(report.total).toMatchObject({
      owed: 30,
      makeupDelivered: 35,
      makeupsOwed: 0,
      behind: 0,
    });
  });

  it('follows each absence policy', () => {
    const sessions = [
      session('2024-03-11', 30, 'student_absent_excused'),
      session('2024-03-12', 20, 'student_absent_unexcused'),
      session('2024-03-13', 10, 'provider_absent'),
    ];
    const figures = (policy: FidelityInput['policy']) => {
      const t = run({ services: [weekly(60)], sessions, policy }).total;
      return [t.owed, t.accounted, t.makeupsOwed, t.behind, t.unaccounted];
    };
    expect(figures('never')).toEqual([10, 50, 10, 10, 0]);
    expect(figures('unexcused_only')).toEqual([30, 30, 30, 30, 0]);
    expect(figures('always')).toEqual([60, 0, 60, 60, 0]);
  });

  it('accounts for a school closure under every policy', () => {
    for (const policy of absencePolicies) {
      const t = run({ sessions: [session('2024-03-11', 30, 'school_closed')], policy }).total;
      expect(t.missed.school_closed, policy).toBe(30);
      expect([t.owed, t.accounted, t.unaccounted, t.behind, t.makeupsOwed], policy).toEqual([
        0, 30, 0, 0, 0,
      ]);
    }
  });

  it('sums both services when the mandate changes mid-period (30 → 60 min/week)', () => {
    const services = [
      weekly(30, { id: 'old', endDate: '2024-03-13' }),
      weekly(60, { id: 'new', startDate: '2024-03-14' }),
    ];
    const sessions = [
      session('2024-03-12', 30, 'delivered', { serviceId: 'old' }),
      session('2024-03-15', 40, 'delivered', { serviceId: 'new' }),
    ];
    const report = run({
      services,
      sessions,
      from: '2024-03-04',
      to: '2024-03-24',
      today: '2024-03-24',
    });
    // Old: Mon–Wed of 30 = 18; new: Thu–Fri of 60 = 60 − 36 = 24.
    expect(report.weeks.map((w) => w.mandated)).toEqual([30, 42, 60]);
    expect(report.weeks.map((w) => w.unaccounted)).toEqual([30, 0, 60]);
    expect(report.weeks[1]!.surplus).toBe(28);
    expect(report.total).toMatchObject({ mandated: 132, delivered: 70, behind: 62 });
  });

  it('reports split services per model against the split mandate', () => {
    const split = weekly(60, {
      model: 'split',
      split: [
        { model: 'push_in', minutes: 30 },
        { model: 'pull_out', minutes: 30 },
      ],
    });
    const sessions = [
      session('2024-03-11', 30, 'delivered', { model: 'push_in' }),
      session('2024-03-12', 20, 'delivered', { model: 'pull_out' }),
      session('2024-03-13', 10, 'makeup', { model: 'pull_out' }),
      session('2024-03-14', 15, 'delivered', { model: 'consult', serviceId: null }),
      session('2024-03-14', 15, 'refused', { model: 'push_in' }),
    ];
    const total = run({ services: [split], sessions, today: '2024-03-12' }).total;
    expect(total.perModel).toEqual({
      push_in: { mandated: 30, mandatedToDate: 12, served: 30 },
      pull_out: { mandated: 30, mandatedToDate: 12, served: 30 },
      consult: { mandated: 0, mandatedToDate: 0, served: 15 },
    });
    const single = run({ services: [weekly(45, { model: 'push_in' })], sessions }).total;
    expect(single.perModel.push_in).toEqual({ mandated: 45, mandatedToDate: 45, served: 30 });
    expect(single.perModel.pull_out.mandated).toBe(0);
    expect(run({ services: [weekly(45)], sessions }).total.perModel.push_in.mandated).toBe(0);
  });

  it('ignores sessions outside the period or for another service', () => {
    const sessions = [
      session('2024-03-10', 30, 'delivered'),
      session('2024-03-18', 30, 'delivered'),
      session('2024-03-12', 30, 'delivered', { serviceId: 'speech' }),
      session('2024-03-12', 10, 'delivered', { serviceId: null }),
    ];
    expect(run({ sessions }).total.delivered).toBe(10);
  });

  it('rejects a backwards period, bad dates and bad minutes', () => {
    expect(() => run({ from: '2024-03-17', to: '2024-03-11' })).toThrow(RangeError);
    expect(() => run({ today: '2024-02-30' })).toThrow(RangeError);
    expect(() => run({ services: [weekly(-1)] })).toThrow(RangeError);
    expect(() =>
      run({ services: [weekly(30, { split: [{ model: 'push_in', minutes: 1.5 }] })] }),
    ).toThrow(RangeError);
    expect(() => run({ sessions: [session('2024-03-11', -30, 'delivered')] })).toThrow(RangeError);
  });
});
