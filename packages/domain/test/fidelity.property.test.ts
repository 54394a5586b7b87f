import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, dayNumber, isoWeekday, schoolDaysBetween, weekStart } from '../src/dates';
import {
  absencePolicies,
  computeFidelity,
  deliveredInWeekOf,
  type FidelityFigures,
  type FidelityInput,
  type FidelityService,
  type FidelitySession,
  fidelityOn,
  fidelityTotalOn,
  mandatedMinutes,
  minutesBehindOn,
  missedCategory,
  summarizeFidelity,
} from '../src/fidelity';
import { attendanceOutcomes, missedReasons, sessionModels } from '../src/model';

// Dates are offsets from Monday 2023-12-25, so periods cross month and year ends.
const BASE = '2023-12-25';
const on = (offset: number) => addDays(BASE, offset);
const offset = fc.integer({ min: 0, max: 200 });

const service = (id: string) =>
  fc
    .record({
      minutes: fc.integer({ min: 0, max: 400 }),
      per: fc.constantFrom('week' as const, 'month' as const),
      start: offset,
      length: fc.option(fc.integer({ min: 0, max: 150 })),
      model: fc.option(fc.constantFrom('push_in', 'pull_out', 'consult', 'split' as const), {
        nil: undefined,
      }),
      split: fc.option(
        fc.array(
          fc.record({
            model: fc.constantFrom(...sessionModels),
            minutes: fc.integer({ min: 0, max: 200 }),
          }),
          { maxLength: 3 },
        ),
        { nil: undefined },
      ),
    })
    .map(
      ({ minutes, per, start, length, model, split }): FidelityService => ({
        id,
        minutes,
        per,
        startDate: on(start),
        endDate: length === null ? null : on(start + length),
        model,
        split,
      }),
    );

const services = fc
  .integer({ min: 0, max: 3 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => service(`s${i}`))));

const session: fc.Arbitrary<FidelitySession> = fc.record({
  date: offset.map(on),
  minutes: fc.integer({ min: 0, max: 120 }),
  attendance: fc.constantFrom(...attendanceOutcomes),
  serviceId: fc.constantFrom('s0', 's1', 's2', null, 'elsewhere'),
  model: fc.constantFrom(...sessionModels),
  scheduled: fc.boolean(),
  groupSize: fc.integer({ min: 1, max: 6 }),
});

const input: fc.Arbitrary<FidelityInput> = fc
  .record({
    services,
    sessions: fc.array(session, { maxLength: 40 }),
    policy: fc.constantFrom(...absencePolicies),
    from: offset,
    length: fc.integer({ min: 0, max: 120 }),
    today: fc.integer({ min: -10, max: 340 }),
  })
  .map(({ services, sessions, policy, from, length, today }) => ({
    services,
    sessions,
    policy,
    from: on(from),
    to: on(from + length),
    today: on(today),
  }));

const ADDITIVE = [
  'mandated',
  'mandatedToDate',
  'scheduled',
  'unlogged',
  'delivered',
  'makeupDelivered',
  'missedTotal',
  'owed',
  'accounted',
  'unaccounted',
  'remaining',
  'unscheduled',
  'surplus',
] as const;

/** The accounting identity and the definitional relations every figure set must satisfy. */
function checkLedger(f: FidelityFigures, where: string): void {
  const logged = f.delivered + f.makeupDelivered + f.missedTotal;
  // Every mandated minute is matched by a logged minute, unaccounted (to date) or remaining
  // (ahead); logged minutes beyond the mandate are the surplus.
  expect(logged + f.unaccounted + f.remaining, where).toBe(f.mandated + f.surplus);
  expect(
    missedReasons.reduce((s, r) => s + f.missed[r], 0),
    where,
  ).toBe(f.missedTotal);
  expect(f.owed + f.accounted, where).toBe(f.missedTotal);
  expect(f.mandatedToDate, where).toBeLessThanOrEqual(f.mandated);
  expect(f.unaccounted, where).toBeLessThanOrEqual(f.mandatedToDate);
  expect(f.remaining, where).toBeLessThanOrEqual(f.mandated - f.mandatedToDate);
  expect(f.unscheduled, where).toBeLessThanOrEqual(f.remaining);
}

function checkWholeAndNonNegative(value: unknown, path: string): void {
  if (typeof value === 'number') {
    expect(Number.isInteger(value) && value >= 0, `${path} = ${value}`).toBe(true);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkWholeAndNonNegative(v, `${path}.${k}`);
  }
}

describe('computeFidelity properties', () => {
  it('every week and the total satisfy the accounting identity', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const report = computeFidelity(inp);
        report.weeks.forEach((w) => {
          checkLedger(w, w.weekStart);
          // Per week, the split into to-date and ahead is exact.
          const logged = w.delivered + w.makeupDelivered + w.missedTotal;
          expect(w.unaccounted).toBe(Math.max(0, w.mandatedToDate - logged));
          expect(w.unscheduled).toBe(Math.max(0, w.remaining - w.scheduled));
          // Within a week nothing is both unmatched and surplus (across weeks it can be).
          expect(Math.min(w.surplus, w.unaccounted + w.remaining)).toBe(0);
        });
        checkLedger(report.total, 'total');
      }),
    );
  });

  it('the weeks sum to the total; running balances end at the total', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const { weeks, total } = computeFidelity(inp);
        for (const key of ADDITIVE) {
          expect(
            weeks.reduce((s, w) => s + w[key], 0),
            key,
          ).toBe(total[key]);
        }
        for (const r of missedReasons) {
          expect(
            weeks.reduce((s, w) => s + w.missed[r], 0),
            r,
          ).toBe(total.missed[r]);
        }
        for (const m of sessionModels) {
          for (const key of ['mandated', 'mandatedToDate', 'served'] as const) {
            expect(weeks.reduce((s, w) => s + w.perModel[m][key], 0)).toBe(total.perModel[m][key]);
          }
        }
        let owed = 0;
        let behind = 0;
        for (const w of weeks) {
          owed += w.owed - w.makeupDelivered;
          behind += w.mandatedToDate - w.delivered - w.makeupDelivered - w.accounted;
          expect(w.makeupsOwed).toBe(Math.max(0, owed));
          expect(w.behind).toBe(Math.max(0, behind));
        }
        expect(total.makeupsOwed).toBe(Math.max(0, total.owed - total.makeupDelivered));
        expect(total.behind).toBe(
          Math.max(
            0,
            total.mandatedToDate - total.delivered - total.makeupDelivered - total.accounted,
          ),
        );
        expect(total.makeupsOwed).toBe(weeks.at(-1)!.makeupsOwed);
        expect(total.behind).toBe(weeks.at(-1)!.behind);
      }),
    );
  });

  it('nothing is negative or fractional', () => {
    fc.assert(
      fc.property(input, (inp) => {
        checkWholeAndNonNegative(computeFidelity(inp), 'report');
      }),
    );
  });

  it('weeks tile the period and carry the mandate of their own days', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const { weeks, total } = computeFidelity(inp);
        expect(weeks[0]!.from).toBe(inp.from);
        expect(weeks.at(-1)!.to).toBe(inp.to);
        weeks.forEach((w, i) => {
          expect(w.weekStart).toBe(weekStart(w.from));
          expect(weekStart(w.to)).toBe(w.weekStart);
          if (i > 0) expect(w.from).toBe(addDays(weeks[i - 1]!.to, 1));
          const mandated = inp.services.reduce((s, sv) => s + mandatedMinutes(sv, w.from, w.to), 0);
          expect(w.mandated).toBe(mandated);
          const lastPast = [inp.today, w.to].sort()[0]!; // the earlier ISO date
          const toDate = inp.services.reduce(
            (s, sv) => s + mandatedMinutes(sv, w.from, lastPast),
            0,
          );
          expect(w.mandatedToDate).toBe(toDate);
        });
        expect(total.mandated).toBe(
          inp.services.reduce((s, sv) => s + mandatedMinutes(sv, inp.from, inp.to), 0),
        );
      }),
    );
  });

  it('counts sessions as a plain filter would, in any order', () => {
    fc.assert(
      fc.property(input, fc.nat(), (inp, seed) => {
        const { total } = computeFidelity(inp);
        const ids = new Set(inp.services.map((s) => s.id));
        const counted = inp.sessions.filter(
          (s) =>
            s.date >= inp.from &&
            s.date <= inp.to &&
            (s.serviceId === null || ids.has(s.serviceId)),
        );
        const sum = (pred: (s: FidelitySession) => boolean) =>
          counted.filter(pred).reduce((t, s) => t + s.minutes, 0);
        expect(total.delivered).toBe(sum((s) => !s.scheduled && s.attendance === 'delivered'));
        expect(total.makeupDelivered).toBe(sum((s) => !s.scheduled && s.attendance === 'makeup'));
        expect(total.scheduled).toBe(sum((s) => !!s.scheduled && s.date > inp.today));
        expect(total.unlogged).toBe(sum((s) => !!s.scheduled && s.date <= inp.today));
        expect(total.owed).toBe(
          sum(
            (s) =>
              !s.scheduled &&
              s.attendance !== 'delivered' &&
              s.attendance !== 'makeup' &&
              missedCategory(s.attendance, inp.policy) === 'owed',
          ),
        );
        for (const m of sessionModels) {
          expect(total.perModel[m].served).toBe(
            sum(
              (s) =>
                !s.scheduled &&
                s.model === m &&
                (s.attendance === 'delivered' || s.attendance === 'makeup'),
            ),
          );
        }
        // Shuffling the sessions changes nothing.
        const shuffled = [...inp.sessions]
          .map((s, i) => ({ s, k: (i * 2654435761 + seed) % 4294967296 }))
          .sort((a, b) => a.k - b.k)
          .map(({ s }) => s);
        expect(computeFidelity({ ...inp, sessions: shuffled })).toEqual(computeFidelity(inp));
      }),
    );
  });

  it('with the whole period past, nothing remains or is scheduled; all ahead, nothing to date', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const past = computeFidelity({ ...inp, today: inp.to }).total;
        expect([past.remaining, past.scheduled, past.unscheduled]).toEqual([0, 0, 0]);
        expect(past.mandatedToDate).toBe(past.mandated);
        const ahead = computeFidelity({ ...inp, today: addDays(inp.from, -1), sessions: [] }).total;
        expect(ahead.mandatedToDate).toBe(0);
        expect(ahead.remaining).toBe(ahead.mandated);
        expect(ahead.behind).toBe(0);
      }),
    );
  });
});

describe('fidelity summaries', () => {
  it('one stored summary (JSON) finished for any day and policy is the report of that day and policy', () => {
    fc.assert(
      fc.property(
        input,
        fc.integer({ min: -10, max: 220 }),
        fc.constantFrom(...absencePolicies),
        (inp, day, policy) => {
          const { today: _today, policy: _policy, ...rest } = inp;
          const kept = JSON.parse(JSON.stringify(summarizeFidelity(rest)));
          const today = on(day);
          const report = computeFidelity({ ...inp, today, policy });
          expect(fidelityOn(kept, today, policy)).toEqual(report);
          expect(fidelityTotalOn(kept, today, policy)).toEqual(report.total);
          expect(minutesBehindOn(kept, today, policy)).toBe(report.total.behind);
          // A week's delivered minutes read straight from the summary (the caseload's "this
          // week"), for every week of the report and a week outside it.
          for (const week of report.weeks)
            expect(deliveredInWeekOf(kept, week.weekStart)).toBe(
              week.delivered + week.makeupDelivered,
            );
          expect(deliveredInWeekOf(kept, '1999-01-04')).toBe(0);
        },
      ),
    );
  });
});

describe('mandatedMinutes properties', () => {
  const span = fc
    .tuple(offset, fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 150 }))
    .map(([a, len, cut]) => ({ a, c: a + len, b: a - 1 + (cut % (len + 2)) }));

  it('the minutes of a span equal the sum over any split of it', () => {
    fc.assert(
      fc.property(service('s'), span, (s, { a, b, c }) => {
        expect(mandatedMinutes(s, on(a), on(b)) + mandatedMinutes(s, on(b + 1), on(c))).toBe(
          mandatedMinutes(s, on(a), on(c)),
        );
      }),
    );
  });

  it('splitting a span into single days loses or invents nothing', () => {
    fc.assert(
      fc.property(service('s'), offset, fc.integer({ min: 0, max: 60 }), (s, a, len) => {
        let days = 0;
        for (let d = a; d <= a + len; d++) days += mandatedMinutes(s, on(d), on(d));
        expect(days).toBe(mandatedMinutes(s, on(a), on(a + len)));
      }),
    );
  });

  it('a whole week (month) gives exactly the mandate; a part is within a minute of exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom('week' as const, 'month' as const),
        offset,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        (minutes, per, anchor, x, y) => {
          const s: FidelityService = {
            id: 's',
            minutes,
            per,
            startDate: '2000-01-03',
            endDate: null,
          };
          // The unit (ISO week or calendar month) containing the anchor day.
          const day = on(anchor);
          const unitStart = per === 'week' ? weekStart(day) : `${day.slice(0, 8)}01`;
          const unitEnd =
            per === 'week'
              ? addDays(unitStart, 6)
              : addDays(`${addDays(unitStart, 31).slice(0, 8)}01`, -1);
          expect(mandatedMinutes(s, unitStart, unitEnd)).toBe(minutes);
          const length = dayNumber(unitEnd) - dayNumber(unitStart);
          const lo = Math.min(x, y) % (length + 1);
          const hi = Math.max(x, y) % (length + 1);
          const [from, to] = [
            addDays(unitStart, Math.min(lo, hi)),
            addDays(unitStart, Math.max(lo, hi)),
          ];
          const exact =
            (minutes * schoolDaysBetween(from, to)) / schoolDaysBetween(unitStart, unitEnd);
          expect(Math.abs(mandatedMinutes(s, from, to) - exact)).toBeLessThan(1);
        },
      ),
    );
  });

  it('gives nothing to weekends, before the start or after the end', () => {
    fc.assert(
      fc.property(service('s'), offset, (s, d) => {
        const date = on(d);
        const outside =
          isoWeekday(date) > 5 || date < s.startDate || (s.endDate !== null && date > s.endDate);
        if (outside) expect(mandatedMinutes(s, date, date)).toBe(0);
      }),
    );
  });
});
