import {
  type FidelityData,
  loadDistrictSettings,
  loadFidelityData,
  loadReportingPeriods,
} from '@carryover/db';
import {
  type AbsencePolicy,
  computeFidelity,
  type Discipline,
  DistrictSettings,
  type FidelityPeriodInput,
  FidelityPeriodInput as FidelityPeriodSchema,
  type FidelityRow,
  type FidelityService,
  type FidelitySession,
  type FidelityView,
  fidelityCsv,
  type IsoDate,
  type ServiceModel,
  type SessionModel,
  weekEnd,
  weekStart,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { type Context, roles, todayFor, type Viewer } from '../trpc';

// Service fidelity per student and discipline, from computeFidelity — the one arithmetic the
// caseload's "minutes behind" uses too.

export interface Period {
  from: IsoDate;
  to: IsoDate;
  name: string;
}

type Periods = Awaited<ReturnType<typeof loadReportingPeriods>>;

export function parsePolicy(settingsJson: string): {
  policy: AbsencePolicy;
  yearStart: IsoDate | null;
  yearEnd: IsoDate | null;
} {
  try {
    const s = DistrictSettings.parse(JSON.parse(settingsJson));
    return { policy: s.studentAbsenceOwed, yearStart: s.schoolYearStart, yearEnd: s.schoolYearEnd };
  } catch {
    // Unknown settings: the strictest reading owes every student absence.
    return { policy: 'always', yearStart: null, yearEnd: null };
  }
}

/** The reporting period containing today, else the school year, else this ISO week. */
export function currentPeriod(
  periods: Periods,
  settings: { yearStart: IsoDate | null; yearEnd: IsoDate | null },
  today: IsoDate,
): Period {
  const p = periods.find((x) => x.starts_on <= today && today <= x.ends_on);
  if (p) return { from: p.starts_on, to: p.ends_on, name: p.name };
  if (
    settings.yearStart &&
    settings.yearEnd &&
    settings.yearStart <= today &&
    today <= settings.yearEnd
  )
    return { from: settings.yearStart, to: settings.yearEnd, name: 'School year' };
  return { from: weekStart(today), to: weekEnd(today), name: 'This week' };
}

/** One row per student and discipline with a service meeting the period. */
export function fidelityRows(
  data: FidelityData,
  window: { from: IsoDate; to: IsoDate; today: IsoDate; policy: AbsencePolicy },
): FidelityRow[] {
  const splits = new Map<string, { model: SessionModel; minutes: number }[]>();
  for (const s of data.splits) {
    const list = splits.get(s.service_id) ?? [];
    list.push({ model: s.model as SessionModel, minutes: Number(s.minutes) });
    splits.set(s.service_id, list);
  }
  const groups = new Map<string, FidelityData['services']>();
  for (const s of data.services) {
    const key = `${s.student_id}\u0000${s.discipline}`;
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  const recordsByStudent = new Map<string, FidelityData['records']>();
  for (const r of data.records) {
    const list = recordsByStudent.get(r.student_id) ?? [];
    list.push(r);
    recordsByStudent.set(r.student_id, list);
  }

  const rows: FidelityRow[] = [];
  for (const student of data.students) {
    for (const discipline of ['OT', 'PT', 'SLP'] as Discipline[]) {
      const services = groups.get(`${student.id}\u0000${discipline}`);
      if (!services) continue;
      const serviceIds = new Set(services.map((s) => s.id));
      const fServices: FidelityService[] = services.map((s) => ({
        id: s.id,
        minutes: Number(s.minutes),
        per: s.per,
        startDate: s.start_date,
        endDate: s.end_date,
        model: s.model as ServiceModel,
        split: splits.get(s.id),
      }));
      const sessions: FidelitySession[] = (recordsByStudent.get(student.id) ?? [])
        .filter((r) =>
          r.service_id !== null
            ? serviceIds.has(r.service_id)
            : r.provider_discipline === discipline,
        )
        .map((r) => ({
          date: r.session_date,
          minutes: Number(r.minutes),
          attendance: r.attendance as FidelitySession['attendance'],
          serviceId: r.service_id,
          model: r.model as SessionModel,
          groupSize: Number(r.group_size),
        }));
      const report = computeFidelity({ services: fServices, sessions, ...window });
      const latest = services[services.length - 1]!;
      rows.push({
        studentId: student.id,
        studentName: `${student.first_name} ${student.last_name}`,
        schoolName: student.school_name,
        discipline,
        providerId: latest.provider_id,
        providerName: latest.provider_name,
        figures: report.total,
        weeks: report.weeks,
      });
    }
  }
  return rows;
}

type FidelityContext = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

/** The report for the viewer's scope: period resolution, data, arithmetic. */
export async function fidelityView(
  ctx: FidelityContext,
  input: FidelityPeriodInput,
  options: { studentIds?: readonly string[] } = {},
): Promise<FidelityView> {
  const today = todayFor(ctx);
  const [periods, settingsJson] = await Promise.all([
    loadReportingPeriods(ctx.db, ctx.viewer.districtId),
    loadDistrictSettings(ctx.db, ctx.viewer.districtId),
  ]);
  const settings = parsePolicy(settingsJson);
  let period: Period;
  if (input?.periodId) {
    const p = periods.find((x) => x.id === input.periodId);
    if (!p) throw new TRPCError({ code: 'NOT_FOUND', message: 'Reporting period not found' });
    period = { from: p.starts_on, to: p.ends_on, name: p.name };
  } else if (input?.from && input.to) {
    period = { from: input.from, to: input.to, name: 'Custom dates' };
  } else {
    period = currentPeriod(periods, settings, today);
  }
  // Restricted to given students (already in scope), the report reads only their rows.
  const data = await loadFidelityData(
    ctx.db,
    ctx.viewer,
    { today, ...period },
    { onlyStudents: options.studentIds },
  );
  const rows = fidelityRows(data, { ...period, today, policy: settings.policy }).filter(
    (r) => !input?.discipline || r.discipline === input.discipline,
  );
  return {
    from: period.from,
    to: period.to,
    today,
    periodName: period.name,
    policy: settings.policy,
    periods: periods.map((p) => ({ id: p.id, name: p.name, from: p.starts_on, to: p.ends_on })),
    rows,
  };
}

/**
 * Minutes behind per student (summed over disciplines, optionally one) for the current period,
 * for the given students only (they must be in the viewer's scope).
 */
export async function minutesBehindByStudent(
  ctx: FidelityContext,
  discipline: Discipline | undefined,
  studentIds: readonly string[],
): Promise<Map<string, number>> {
  if (studentIds.length === 0) return new Map();
  const view = await fidelityView(ctx, undefined, { studentIds });
  const behind = new Map<string, number>();
  for (const r of view.rows) {
    if (discipline && r.discipline !== discipline) continue;
    behind.set(r.studentId, (behind.get(r.studentId) ?? 0) + r.figures.behind);
  }
  return behind;
}

const reader = roles('therapist', 'assistant', 'coordinator', 'admin');

export const fidelityRouter = {
  /** Per student and discipline: per week and for the period. Every student shown is audited. */
  report: reader.input(FidelityPeriodSchema).query(async ({ ctx, input, path }) => {
    const view = await fidelityView(ctx, input);
    await recordStudentReads(ctx, path, [...new Set(view.rows.map((r) => r.studentId))]);
    return view;
  }),

  /** The same figures as CSV text (the page saves it as a file). */
  csv: reader.input(FidelityPeriodSchema).query(async ({ ctx, input, path }) => {
    const view = await fidelityView(ctx, input);
    await recordStudentReads(ctx, path, [...new Set(view.rows.map((r) => r.studentId))]);
    return {
      filename: `service-fidelity_${view.from}_${view.to}.csv`,
      csv: fidelityCsv(view),
    };
  }),
} satisfies TRPCRouterRecord;
