import { addDays, dayNumber, fromDayNumber, schoolDaysBetween, weekStart } from './dates';
import {
  type AttendanceOutcome,
  type DistrictSettings,
  type IsoDate,
  type MissedReason,
  missedReasons,
  type ServiceModel,
  type SessionModel,
  sessionModels,
} from './model';

// Service fidelity (docs/domain.md, "Progress math": Service minutes): mandated vs scheduled vs
// delivered minutes, missed minutes by reason, makeups owed, remaining — per ISO week and for a
// period, for one student's services in one discipline. The caller picks the student and the
// discipline; everything here is whole-minute integer arithmetic with no I/O.
//
// The mandate is spread over school days (Monday–Friday; holidays are not known here — a closure
// is recorded as a `school_closed` session and is then accounted for):
// - a weekly mandate gives the k-th weekday of every ISO week (Mon = 1 … Fri = 5)
//   round(m·k/5) − round(m·(k−1)/5) minutes;
// - a monthly mandate gives the j-th school day of a calendar month with N school days
//   round(m·j/N) − round(m·(j−1)/N) minutes;
// with `round` = round half up. The shares of a whole week (month) add up to exactly m, and the
// mandate of any span is the sum of its days' shares. So the minutes of a span equal the sum over
// any split of it (weeks add up to the period, no minute lost or invented), a week's mandate
// does not depend on the period it is reported in, and within one week (month) the mandate of
// any run of days is less than one minute away from the exact proration m·days/5 (m·days/N).

/** Whether a student's absence creates owed makeup minutes (the district setting). */
export type AbsencePolicy = DistrictSettings['studentAbsenceOwed'];
export const absencePolicies = [
  'never',
  'unexcused_only',
  'always',
] as const satisfies readonly AbsencePolicy[];

/** `owed`: the minutes must be made up. `accounted`: missed for a documented reason, not owed. */
export type MissedCategory = 'owed' | 'accounted';

/**
 * The one classification of missed minutes, by reason and district absence policy:
 * - `provider_absent` — owed under every policy: the district failed to deliver.
 * - `student_absent_excused` — owed only under `always`.
 * - `student_absent_unexcused` — owed under `unexcused_only` and `always`.
 * - `school_closed` — accounted: no school that day (snow day, holiday), so no service was due.
 * - `student_unavailable` — accounted: the student was at another school activity (testing,
 *   assembly, nurse) and the provider was there to serve; treated like an absence the district
 *   does not owe, under every policy.
 * - `refused` — accounted: the service was offered and the student declined it.
 * - `other` — accounted: the provider recorded a reason; the session note carries it for review.
 */
export const missedCategoryTable = {
  provider_absent: { never: 'owed', unexcused_only: 'owed', always: 'owed' },
  student_absent_excused: { never: 'accounted', unexcused_only: 'accounted', always: 'owed' },
  student_absent_unexcused: { never: 'accounted', unexcused_only: 'owed', always: 'owed' },
  school_closed: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
  student_unavailable: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
  refused: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
  other: { never: 'accounted', unexcused_only: 'accounted', always: 'accounted' },
} as const satisfies Record<MissedReason, Record<AbsencePolicy, MissedCategory>>;

/** Whether minutes missed for `reason` are owed as makeup under `policy` (see the table). */
export function missedCategory(reason: MissedReason, policy: AbsencePolicy): MissedCategory {
  return missedCategoryTable[reason][policy];
}

/** The IEP mandate, as far as the arithmetic needs it. */
export interface FidelityService {
  id: string;
  /** Mandated minutes per `per`; a non-negative integer. */
  minutes: number;
  per: 'week' | 'month';
  /** First day the mandate applies (inclusive). */
  startDate: IsoDate;
  /** Last day the mandate applies (inclusive); null for open-ended. */
  endDate: IsoDate | null;
  /**
   * Used for the per-model figures only: a session model puts the whole mandate under that
   * model; `split` (or a non-empty `split` list) uses the list. Absent: no per-model mandate.
   */
  model?: ServiceModel;
  /** Minutes per `per` in each model, prorated exactly like `minutes`. */
  split?: { model: SessionModel; minutes: number }[];
}

/** One student's record of one session. */
export interface FidelitySession {
  date: IsoDate;
  /** Whole minutes; a non-negative integer. */
  minutes: number;
  attendance: AttendanceOutcome;
  /**
   * The service it was delivered under. Sessions naming a service not in the input are ignored
   * (another discipline's); null (e.g. not linked) counts.
   */
  serviceId: string | null;
  model: SessionModel;
  /** Planned and not yet logged: `attendance` is ignored. */
  scheduled?: boolean;
  /** Students in the group. Informational: each student receives the session's full minutes. */
  groupSize?: number;
}

export interface FidelityInput {
  services: FidelityService[];
  sessions: FidelitySession[];
  policy: AbsencePolicy;
  /** First day of the period (inclusive). */
  from: IsoDate;
  /** Last day of the period (inclusive); not before `from`. */
  to: IsoDate;
  /** Days up to and including `today` are past ("to date"); later days are ahead. */
  today: IsoDate;
}

export interface ModelFigures {
  /** The mandate in this model (split minutes, or the whole mandate of a single-model service). */
  mandated: number;
  /** The part of `mandated` on days up to and including today. */
  mandatedToDate: number;
  /** Minutes logged `delivered` or `makeup` in this model. */
  served: number;
}

/**
 * The figures of one week or of the whole period, in whole minutes, all ≥ 0. "Logged" means
 * a counted session that is not `scheduled`; logged sessions count at face value whatever their
 * date (a missed reason may be logged ahead, e.g. a known closure).
 *
 * Accounting identity (every week, and the period total):
 *
 *     delivered + makeupDelivered + missedTotal + unaccounted + remaining = mandated + surplus
 *
 * i.e. each mandated minute is either matched by a logged minute, or unaccounted (on or before
 * today), or remaining (after today); logged minutes beyond the mandate are the surplus.
 * Also missedTotal = Σ missed = owed + accounted, and mandatedToDate ≤ mandated.
 *
 * Additive fields (the weeks sum to the total): everything except `makeupsOwed` and `behind`,
 * which are running balances from the start of the period (the total's is the final balance).
 */
export interface FidelityFigures {
  /** Σ over services of `mandatedMinutes(service, from, to)` for the week's (period's) days. */
  mandated: number;
  /** The part of `mandated` on days up to and including `today`. */
  mandatedToDate: number;
  /** Minutes of `scheduled` sessions dated after today (planned, still ahead). */
  scheduled: number;
  /** Minutes of `scheduled` sessions dated on or before today: planned but never logged. */
  unlogged: number;
  /** Logged minutes with attendance `delivered` (a group session gives each student its minutes). */
  delivered: number;
  /** Logged minutes with attendance `makeup`. */
  makeupDelivered: number;
  /** Logged minutes per missed reason (every reason present, 0 when none). */
  missed: Record<MissedReason, number>;
  /** Σ missed. */
  missedTotal: number;
  /** Missed minutes whose reason is `owed` under the policy (`missedCategoryTable`). */
  owed: number;
  /** Missed minutes whose reason is `accounted` under the policy. */
  accounted: number;
  /**
   * Per week: with logged L = delivered + makeupDelivered + missedTotal,
   * max(0, mandatedToDate − L) — mandated minutes to date with no record at all.
   * Shortfalls are not offset by extra minutes in another week (the total is the weekly sum).
   */
  unaccounted: number;
  /**
   * Per week: max(0, (mandated − mandatedToDate) − max(0, L − mandatedToDate)) — mandated minutes
   * after today not already matched by logged minutes (a week whose minutes were all delivered
   * early has nothing remaining). The total is the weekly sum.
   */
  remaining: number;
  /** Per week: max(0, remaining − scheduled) — remaining minutes not yet planned. Summed. */
  unscheduled: number;
  /** Per week: max(0, L − mandated) — logged minutes beyond the week's mandate. Summed. */
  surplus: number;
  /**
   * Running balance: max(0, Σ owed − Σ makeupDelivered) over the weeks from the start of the
   * period through this one (makeup delivered in any week of the period pays down any owed
   * minute of the period). The period starts with nothing owed.
   */
  makeupsOwed: number;
  /**
   * Minutes behind (the caseload's figure), running from the start of the period:
   * max(0, Σ mandatedToDate − Σ delivered − Σ makeupDelivered − Σ accounted). Owed and
   * unrecorded minutes count as behind; extra minutes in one week offset another week.
   */
  behind: number;
  /** Split services vs their split mandate; every session model present. Additive. */
  perModel: Record<SessionModel, ModelFigures>;
}

export interface FidelityWeek extends FidelityFigures {
  /** Monday of the ISO week. */
  weekStart: IsoDate;
  /** The week's days inside the period: `from` … `to` (a partial week at either end). */
  from: IsoDate;
  to: IsoDate;
}

export interface FidelityReport {
  from: IsoDate;
  to: IsoDate;
  today: IsoDate;
  policy: AbsencePolicy;
  /** Every ISO week that meets the period, in order. */
  weeks: FidelityWeek[];
  total: FidelityFigures;
}

// ---------------------------------------------------------------------------------------------
// Mandate proration

type Mandate = Pick<FidelityService, 'minutes' | 'per' | 'startDate' | 'endDate'>;

/** round(num / den) half up, for integers with den > 0. */
const roundHalfUp = (num: number, den: number) => Math.floor((2 * num + den) / (2 * den));

/** The share of m minutes per unit given to the j-th of n school days in the unit. */
const share = (m: number, j: number, n: number) =>
  roundHalfUp(m * j, n) - roundHalfUp(m * (j - 1), n);

/** The minutes a mandate of `minutes` per `per` gives to day `day` (a day number). */
function mandateOnDay(minutes: number, per: 'week' | 'month', day: number): number {
  if (minutes === 0) return 0;
  // isoWeekday from the day number itself (day 0, 1970-01-01, was a Thursday): this runs for
  // every day of every service of a period, and a weekly mandate needs no calendar date.
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  if (weekday > 5) return 0;
  if (per === 'week') return share(minutes, weekday, 5);
  const date = fromDayNumber(day);
  const monthStart = `${date.slice(0, 8)}01`;
  const monthEnd = addDays(`${addDays(monthStart, 31).slice(0, 8)}01`, -1);
  return share(
    minutes,
    schoolDaysBetween(monthStart, date),
    schoolDaysBetween(monthStart, monthEnd),
  );
}

/** The service's days inside [from, to] as day numbers, or null when there are none. */
function activeSpan(service: Mandate, from: number, to: number): [number, number] | null {
  const first = Math.max(from, dayNumber(service.startDate));
  const last = service.endDate === null ? to : Math.min(to, dayNumber(service.endDate));
  return first <= last ? [first, last] : null;
}

function checkMinutes(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a whole number of minutes ≥ 0, got ${value}`);
  }
}

/**
 * Mandated minutes of `service` on its days in [from, to] (both inclusive; 0 when `to` is
 * before `from`). Prorated by school days as described at the top of this file: a whole ISO week
 * of a weekly mandate (a whole calendar month of a monthly one) gives exactly `minutes`; partial
 * weeks — a period edge, or a service starting or ending mid-week — give the shares of their
 * weekdays. Additive: for any `mid`, mandatedMinutes(s, a, c) =
 * mandatedMinutes(s, a, mid) + mandatedMinutes(s, mid + 1 day, c).
 */
export function mandatedMinutes(service: Mandate, from: IsoDate, to: IsoDate): number {
  checkMinutes(service.minutes, 'Service minutes');
  const span = activeSpan(service, dayNumber(from), dayNumber(to));
  if (!span) return 0;
  let total = 0;
  for (let day = span[0]; day <= span[1]; day++)
    total += mandateOnDay(service.minutes, service.per, day);
  return total;
}

// ---------------------------------------------------------------------------------------------
// The report

/** Per-model mandates of a service: from its split, or the whole mandate for a single model. */
function modelMandates(service: FidelityService): { model: SessionModel; minutes: number }[] {
  if (service.split && service.split.length > 0) return service.split;
  const model = service.model;
  if (model && model !== 'split') return [{ model, minutes: service.minutes }];
  return [];
}

// Loops rather than Object.fromEntries: a page finishes a few thousand weeks, each with these.
function zeroMissed(): Record<MissedReason, number> {
  const missed = {} as Record<MissedReason, number>;
  for (const r of missedReasons) missed[r] = 0;
  return missed;
}

function zeroModels(): Record<SessionModel, ModelFigures> {
  const models = {} as Record<SessionModel, ModelFigures>;
  for (const m of sessionModels) models[m] = { mandated: 0, mandatedToDate: 0, served: 0 };
  return models;
}

function emptyFigures(): FidelityFigures {
  return {
    mandated: 0,
    mandatedToDate: 0,
    scheduled: 0,
    unlogged: 0,
    delivered: 0,
    makeupDelivered: 0,
    missed: zeroMissed(),
    missedTotal: 0,
    owed: 0,
    accounted: 0,
    unaccounted: 0,
    remaining: 0,
    unscheduled: 0,
    surplus: 0,
    makeupsOwed: 0,
    behind: 0,
    perModel: zeroModels(),
  };
}

/** Fills in the per-week derived fields from the raw sums (see `FidelityFigures`). */
function deriveWeek(f: FidelityFigures): void {
  const logged = f.delivered + f.makeupDelivered + f.missedTotal;
  const ahead = f.mandated - f.mandatedToDate;
  f.unaccounted = Math.max(0, f.mandatedToDate - logged);
  f.remaining = Math.max(0, ahead - Math.max(0, logged - f.mandatedToDate));
  f.unscheduled = Math.max(0, f.remaining - f.scheduled);
  f.surplus = Math.max(0, logged - f.mandated);
}

/** The figures that add up: the weeks sum to the period total, and rows to a group's total. */
export const ADDITIVE_FIGURES = [
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
] as const satisfies readonly (keyof FidelityFigures)[];

// ---------------------------------------------------------------------------------------------
// The report, in two steps: a summary that does not depend on today or the policy, finished for
// a day and a policy. A summary is what `fidelity_summary` keeps per student, discipline and
// reporting period (docs/architecture.md, "Fidelity summaries"); `computeFidelity` is the same
// two steps over fresh input, so the kept figures and a recompute cannot drift.

/**
 * One student's services in one discipline over a period, reduced to what does not depend on
 * today or the absence policy: per ISO week meeting the period (week i starts on the Monday of
 * `from`'s week plus 7·i days), the mandate of each weekday and the logged minutes. Held in
 * columns (one array entry per week) so a stored summary stays small.
 */
export interface FidelitySummary {
  from: IsoDate;
  to: IsoDate;
  /** Per week, mandated minutes Monday … Friday inside the period (weekends carry none). */
  mandated: number[][];
  /** Per model with a mandate (split or single-model services): its minutes, as `mandated`. */
  modelMandated: Partial<Record<SessionModel, number[][]>>;
  /** Per week, minutes of `scheduled` sessions Monday … Sunday; absent when there are none. */
  scheduled?: number[][];
  /** Per week, logged minutes attended `delivered`. */
  delivered: number[];
  /** Per week, logged minutes attended `makeup`. */
  makeupDelivered: number[];
  /** Per missed reason with minutes: the logged minutes per week. */
  missed: Partial<Record<MissedReason, number[]>>;
  /** Per session model with minutes: logged `delivered` or `makeup` minutes per week. */
  served: Partial<Record<SessionModel, number[]>>;
}

const zeros = (n: number) => new Array<number>(n).fill(0);

/**
 * The date-independent part of the report over [from, to] (see `FidelitySummary`). Same inputs
 * and checks as `computeFidelity`, without `today` and `policy`.
 */
export function summarizeFidelity(input: Omit<FidelityInput, 'today' | 'policy'>): FidelitySummary {
  const { services, sessions, from, to } = input;
  const fromDay = dayNumber(from);
  const toDay = dayNumber(to);
  if (toDay < fromDay) throw new RangeError(`Period ends (${to}) before it starts (${from})`);
  for (const s of services) {
    checkMinutes(s.minutes, `Service ${s.id} minutes`);
    for (const part of s.split ?? []) checkMinutes(part.minutes, `Service ${s.id} split minutes`);
  }

  const firstMonday = dayNumber(weekStart(from));
  const weekCount = Math.floor((toDay - firstMonday) / 7) + 1;
  const perWeek = (days: number) => Array.from({ length: weekCount }, () => zeros(days));
  const summary: FidelitySummary = {
    from,
    to,
    mandated: perWeek(5),
    modelMandated: {},
    delivered: zeros(weekCount),
    makeupDelivered: zeros(weekCount),
    missed: {},
    served: {},
  };
  const weekOf = (day: number) => Math.floor((day - firstMonday) / 7);
  const slot = (day: number) => (day - firstMonday) % 7;

  for (const service of services) {
    const span = activeSpan(service, fromDay, toDay);
    if (!span) continue;
    const models = modelMandates(service);
    for (let day = span[0]; day <= span[1]; day++) {
      const i = slot(day);
      if (i > 4) continue; // no mandate on a weekend
      const w = weekOf(day);
      summary.mandated[w]![i]! += mandateOnDay(service.minutes, service.per, day);
      for (const part of models) {
        const byWeek = summary.modelMandated[part.model] ?? perWeek(5);
        summary.modelMandated[part.model] = byWeek;
        byWeek[w]![i]! += mandateOnDay(part.minutes, service.per, day);
      }
    }
  }

  const serviceIds = new Set(services.map((s) => s.id));
  for (const session of sessions) {
    const day = dayNumber(session.date);
    if (day < fromDay || day > toDay) continue;
    if (session.serviceId !== null && !serviceIds.has(session.serviceId)) continue;
    checkMinutes(session.minutes, `Session minutes on ${session.date}`);
    const w = weekOf(day);
    const minutes = session.minutes;
    if (session.scheduled) {
      summary.scheduled ??= perWeek(7);
      summary.scheduled[w]![slot(day)]! += minutes;
      continue;
    }
    const attendance = session.attendance;
    if (attendance === 'delivered' || attendance === 'makeup') {
      if (attendance === 'delivered') summary.delivered[w]! += minutes;
      else summary.makeupDelivered[w]! += minutes;
      const served = summary.served[session.model] ?? zeros(weekCount);
      served[w]! += minutes;
      summary.served[session.model] = served;
      continue;
    }
    const missed = summary.missed[attendance] ?? zeros(weekCount);
    missed[w]! += minutes;
    summary.missed[attendance] = missed;
  }
  return summary;
}

/** Σ of `byDay` over the slots 0 … `upTo` (inclusive; none when negative). */
function sumThrough(byDay: readonly number[], upTo: number): number {
  let total = 0;
  const last = Math.min(upTo, byDay.length - 1);
  for (let i = 0; i <= last; i++) total += byDay[i]!;
  return total;
}

/** Sets every figure of `f` back to 0, in place. */
function resetFigures(f: FidelityFigures): FidelityFigures {
  for (const key of ADDITIVE_FIGURES) f[key] = 0;
  f.makeupsOwed = 0;
  f.behind = 0;
  for (const reason of missedReasons) f.missed[reason] = 0;
  for (const model of sessionModels) {
    const m = f.perModel[model];
    m.mandated = 0;
    m.mandatedToDate = 0;
    m.served = 0;
  }
  return f;
}

/**
 * `fromDayNumber`, remembered: every row of a page finishes the same weeks, so the same few
 * dozen dates would be formatted thousands of times.
 */
const isoDays = new Map<number, IsoDate>();
function isoDay(n: number): IsoDate {
  let d = isoDays.get(n);
  if (d === undefined) {
    if (isoDays.size >= 4096) isoDays.clear();
    d = fromDayNumber(n);
    isoDays.set(n, d);
  }
  return d;
}

/**
 * Finishes a summary for `today` under `policy`: the period total, and each week to `onWeek`
 * when given (without it, one scratch week is reused and no dates are formatted, for callers
 * that want totals only).
 */
function finishFidelity(
  s: FidelitySummary,
  today: IsoDate,
  policy: AbsencePolicy,
  onWeek?: (week: FidelityWeek) => void,
): FidelityFigures {
  const fromDay = dayNumber(s.from);
  const toDay = dayNumber(s.to);
  const todayDay = dayNumber(today);
  const firstMonday = dayNumber(weekStart(s.from));
  const owed = missedReasons.map((r) => missedCategory(r, policy) === 'owed');
  const total = emptyFigures();
  const scratch = emptyFigures();
  let owedSoFar = 0;
  let behindSoFar = 0;
  for (let i = 0; i < s.mandated.length; i++) {
    const monday = firstMonday + 7 * i;
    // Days of this week on or before today: slots 0 … pastUpTo.
    const pastUpTo = todayDay - monday;
    let week: FidelityFigures;
    if (onWeek) {
      const w = emptyFigures() as FidelityWeek;
      w.weekStart = isoDay(monday);
      w.from = isoDay(Math.max(monday, fromDay));
      w.to = isoDay(Math.min(monday + 6, toDay));
      week = w;
    } else week = resetFigures(scratch);
    week.mandated = sumThrough(s.mandated[i]!, 6);
    week.mandatedToDate = sumThrough(s.mandated[i]!, pastUpTo);
    for (const model of sessionModels) {
      const byWeek = s.modelMandated[model];
      const part = week.perModel[model];
      if (byWeek) {
        part.mandated = sumThrough(byWeek[i]!, 6);
        part.mandatedToDate = sumThrough(byWeek[i]!, pastUpTo);
      }
      part.served = s.served[model]?.[i] ?? 0;
    }
    if (s.scheduled) {
      week.unlogged = sumThrough(s.scheduled[i]!, pastUpTo);
      week.scheduled = sumThrough(s.scheduled[i]!, 6) - week.unlogged;
    }
    week.delivered = s.delivered[i]!;
    week.makeupDelivered = s.makeupDelivered[i]!;
    for (let r = 0; r < missedReasons.length; r++) {
      const reason = missedReasons[r]!;
      const minutes = s.missed[reason]?.[i] ?? 0;
      if (minutes === 0) continue;
      week.missed[reason] = minutes;
      week.missedTotal += minutes;
      if (owed[r]) week.owed += minutes;
      else week.accounted += minutes;
    }

    deriveWeek(week);
    owedSoFar += week.owed - week.makeupDelivered;
    behindSoFar += week.mandatedToDate - week.delivered - week.makeupDelivered - week.accounted;
    week.makeupsOwed = Math.max(0, owedSoFar);
    week.behind = Math.max(0, behindSoFar);
    for (const key of ADDITIVE_FIGURES) total[key] += week[key];
    for (const reason of missedReasons) total.missed[reason] += week.missed[reason];
    for (const model of sessionModels) {
      const into = total.perModel[model];
      const part = week.perModel[model];
      into.mandated += part.mandated;
      into.mandatedToDate += part.mandatedToDate;
      into.served += part.served;
    }
    onWeek?.(week as FidelityWeek);
  }
  total.makeupsOwed = Math.max(0, owedSoFar);
  total.behind = Math.max(0, behindSoFar);
  return total;
}

/**
 * A summary finished for `today` under `policy`: exactly `computeFidelity` over the inputs the
 * summary was made from (see `FidelityFigures` for every figure).
 */
export function fidelityOn(
  summary: FidelitySummary,
  today: IsoDate,
  policy: AbsencePolicy,
): FidelityReport {
  const weeks: FidelityWeek[] = [];
  const total = finishFidelity(summary, today, policy, (w) => weeks.push(w));
  return { from: summary.from, to: summary.to, today, policy, weeks, total };
}

/** Only the period total of `fidelityOn` (no weeks built): for totals over many rows. */
export function fidelityTotalOn(
  summary: FidelitySummary,
  today: IsoDate,
  policy: AbsencePolicy,
): FidelityFigures {
  return finishFidelity(summary, today, policy);
}

/**
 * Only the period's `behind` of `fidelityOn`, with no figures built: what the caseload shows of
 * every student on a page ("minutes behind"), where building each row's weeks was a quarter of
 * a coordinator's page.
 */
export function minutesBehindOn(
  summary: FidelitySummary,
  today: IsoDate,
  policy: AbsencePolicy,
): number {
  const todayDay = dayNumber(today);
  const firstMonday = dayNumber(weekStart(summary.from));
  // Missed minutes the policy does not owe are accounted for: they are not "behind".
  const accountedFor = missedReasons
    .filter((r) => missedCategory(r, policy) !== 'owed')
    .flatMap((r) => {
      const byWeek = summary.missed[r];
      return byWeek ? [byWeek] : [];
    });
  let behind = 0;
  for (let i = 0; i < summary.mandated.length; i++) {
    behind += sumThrough(summary.mandated[i]!, todayDay - (firstMonday + 7 * i));
    behind -= summary.delivered[i]! + summary.makeupDelivered[i]!;
    for (const byWeek of accountedFor) behind -= byWeek[i] ?? 0;
  }
  return Math.max(0, behind);
}

/**
 * Minutes delivered (attended `delivered` or `makeup`) in the week starting `monday`: that
 * week's `delivered + makeupDelivered` of `fidelityOn`, read straight from the summary without
 * finishing every week; 0 for a week outside the period.
 */
export function deliveredInWeekOf(summary: FidelitySummary, monday: IsoDate): number {
  const i = (dayNumber(monday) - dayNumber(weekStart(summary.from))) / 7;
  if (!Number.isInteger(i) || i < 0 || i >= summary.delivered.length) return 0;
  return (summary.delivered[i] ?? 0) + (summary.makeupDelivered[i] ?? 0);
}

/**
 * The service-fidelity report for one student's services in one discipline over [from, to]:
 * one entry per ISO week meeting the period (clipped to it) and the period total. Services that
 * change mid-period (one ends, the next starts) are each counted over their own dates. Only
 * sessions dated inside the period count. Every figure is defined on `FidelityFigures`.
 * Throws a RangeError on a bad date, `to` before `from`, or minutes that are not whole and ≥ 0.
 * It is `fidelityOn(summarizeFidelity(input), today, policy)`.
 */
export function computeFidelity(input: FidelityInput): FidelityReport {
  return fidelityOn(summarizeFidelity(input), input.today, input.policy);
}

/**
 * The figures of several rows added up (a school's or a therapist's total). `makeupsOwed` and
 * `behind` are running balances within a row, but across rows they add.
 */
export function sumFidelityFigures(rows: readonly FidelityFigures[]): FidelityFigures {
  const total = emptyFigures();
  for (const f of rows) {
    for (const key of ADDITIVE_FIGURES) total[key] += f[key];
    total.makeupsOwed += f.makeupsOwed;
    total.behind += f.behind;
    for (const reason of missedReasons) total.missed[reason] += f.missed[reason];
    for (const model of sessionModels) {
      total.perModel[model].mandated += f.perModel[model].mandated;
      total.perModel[model].mandatedToDate += f.perModel[model].mandatedToDate;
      total.perModel[model].served += f.perModel[model].served;
    }
  }
  return total;
}
