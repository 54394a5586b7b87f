import {
  type FidelityData,
  fidelityPageStudents,
  loadDistrictSettings,
  loadFidelityData,
  loadReportingPeriods,
} from '@carryover/db';
import {
  type AbsencePolicy,
  computeFidelity,
  csvRecords,
  type Discipline,
  DistrictSettings,
  decodeFidelityCursor,
  encodeFidelityCursor,
  FIDELITY_CSV_HEADER,
  type FidelityGroup,
  FidelityGroupsInput,
  type FidelityPage,
  type FidelityPeriodInput,
  FidelityPeriodInput as FidelityPeriodSchema,
  FidelityReportInput,
  type FidelityRow,
  type FidelityService,
  type FidelitySession,
  type FidelitySortKey,
  type FidelityView,
  fidelityCsvLines,
  fidelityPeriodFingerprint,
  type IsoDate,
  type ServiceModel,
  type SessionModel,
  sumFidelityFigures,
  weekEnd,
  weekStart,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { CSV_EXPORT_ROLES, type CsvExport, collectChunks } from '../exports/csv';
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

/** The period a report input names, with the district's policy and reporting periods. */
export async function resolvePeriod(ctx: FidelityContext, input: FidelityPeriodInput) {
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
  return {
    today,
    period,
    policy: settings.policy,
    periods: periods.map((p) => ({ id: p.id, name: p.name, from: p.starts_on, to: p.ends_on })),
  };
}

type Resolved = Awaited<ReturnType<typeof resolvePeriod>>;

/** The rows of the given students (already in scope), or of the whole scope when none given. */
async function rowsFor(
  ctx: FidelityContext,
  resolved: Resolved,
  discipline: Discipline | undefined,
  studentIds?: readonly string[],
): Promise<FidelityRow[]> {
  const { today, period, policy } = resolved;
  // Restricted to given students, the report reads only their rows.
  const data = await loadFidelityData(
    ctx.db,
    ctx.viewer,
    { today, ...period },
    { onlyStudents: studentIds },
  );
  return fidelityRows(data, { ...period, today, policy }).filter(
    (r) => !discipline || r.discipline === discipline,
  );
}

/** The report for the viewer's scope (or the given students of it), unpaged. */
export async function fidelityView(
  ctx: FidelityContext,
  input: FidelityPeriodInput,
  options: { studentIds?: readonly string[] } = {},
): Promise<FidelityView> {
  const resolved = await resolvePeriod(ctx, input);
  const rows = await rowsFor(ctx, resolved, input?.discipline, options.studentIds);
  return viewOf(resolved, rows);
}

function viewOf(resolved: Resolved, rows: FidelityRow[]): FidelityView {
  return {
    from: resolved.period.from,
    to: resolved.period.to,
    today: resolved.today,
    periodName: resolved.period.name,
    policy: resolved.policy,
    periods: resolved.periods,
    rows,
  };
}

/** Students per batch when a request must cover the whole scope (export, group totals). */
export const FIDELITY_BATCH = 500;

/**
 * The whole scope's rows, a batch of students at a time in name order, so no request holds more
 * than one batch's sessions. Each batch is read only when the caller pulls it.
 */
async function* scopeBatches(
  ctx: FidelityContext,
  resolved: Resolved,
  discipline: Discipline | undefined,
  batchSize = FIDELITY_BATCH,
): AsyncGenerator<{ rows: FidelityRow[]; studentIds: string[] }> {
  let after: FidelitySortKey | null = null;
  for (;;) {
    const students = await fidelityPageStudents(
      ctx.db,
      ctx.viewer,
      { today: resolved.today, ...resolved.period },
      { discipline, after, limit: batchSize },
    );
    if (students.length === 0) return;
    const studentIds = students.map((s) => s.id);
    yield { rows: await rowsFor(ctx, resolved, discipline, studentIds), studentIds };
    if (students.length < batchSize) return;
    after = students.at(-1)!.sortKey;
  }
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

/**
 * The fidelity report of the whole scope as CSV, a batch of students at a time: the header, then
 * each batch's lines once its students are audited. Nothing is read until the chunks are pulled,
 * so a streaming caller holds one batch at most.
 */
export async function fidelityCsvExport(
  ctx: FidelityContext,
  input: FidelityPeriodInput,
  action: string,
  batchSize = FIDELITY_BATCH,
): Promise<CsvExport> {
  const resolved = await resolvePeriod(ctx, input);
  async function* chunks(): AsyncGenerator<string> {
    yield csvRecords([FIDELITY_CSV_HEADER]);
    for await (const { rows, studentIds } of scopeBatches(
      ctx,
      resolved,
      input?.discipline,
      batchSize,
    )) {
      await recordStudentReads(ctx, action, studentIds);
      yield fidelityCsvLines(resolved.period, rows);
    }
  }
  return {
    filename: `service-fidelity_${resolved.period.from}_${resolved.period.to}.csv`,
    chunks: chunks(),
  };
}

const reader = roles(...CSV_EXPORT_ROLES);

const firstPage = FidelityReportInput.unwrap().parse({});

export const fidelityRouter = {
  /**
   * One page of students (name order) with their rows per discipline: per week and for the
   * period, computed for the page's students only; only they are audited. Pass `nextCursor` back
   * as `cursor` with the same period and discipline for the next page.
   */
  report: reader
    .meta({ cost: 'heavyRead' })
    .input(FidelityReportInput)
    .query(async ({ ctx, input: rawInput, path }): Promise<FidelityPage> => {
      const input = rawInput ?? firstPage;
      const resolved = await resolvePeriod(ctx, input);
      // The input schema has already refused a cursor of another period or discipline.
      const after = input.cursor ? (decodeFidelityCursor(input.cursor)?.key ?? null) : null;
      // One more than the page shows tells whether another page exists.
      const students = await fidelityPageStudents(
        ctx.db,
        ctx.viewer,
        { today: resolved.today, ...resolved.period },
        { discipline: input.discipline, after, limit: input.limit + 1 },
      );
      const shown = students.slice(0, input.limit);
      const rows = await rowsFor(
        ctx,
        resolved,
        input.discipline,
        shown.map((s) => s.id),
      );
      await recordStudentReads(
        ctx,
        path,
        shown.map((s) => s.id),
      );
      const last = shown.at(-1);
      return {
        ...viewOf(resolved, rows),
        nextCursor:
          students.length > input.limit && last
            ? encodeFidelityCursor({ period: fidelityPeriodFingerprint(input), key: last.sortKey })
            : null,
      };
    }),

  /**
   * Totals per school or per therapist (and discipline) over every row in scope. The figures are
   * computeFidelity's, so they are computed for the whole scope, a batch of students at a time;
   * no one student's record leaves, so no per-student audit.
   */
  groups: reader
    .meta({ cost: 'heavyRead' })
    .input(FidelityGroupsInput)
    .query(async ({ ctx, input }) => {
      const resolved = await resolvePeriod(ctx, input);
      const groups = new Map<string, FidelityGroup>();
      for await (const { rows } of scopeBatches(ctx, resolved, input.discipline)) {
        for (const r of rows) {
          const key = input.groupBy === 'school' ? r.schoolName : `${r.providerId}/${r.discipline}`;
          const label =
            input.groupBy === 'school' ? r.schoolName : `${r.providerName} (${r.discipline})`;
          const g = groups.get(key);
          if (g) {
            g.services += 1;
            g.figures = sumFidelityFigures([g.figures, r.figures]);
          } else groups.set(key, { key, label, services: 1, figures: r.figures });
        }
      }
      return {
        ...viewOf(resolved, []),
        groups: [...groups.values()].sort(
          (a, b) => a.label.localeCompare(b.label) || a.key.localeCompare(b.key),
        ),
      };
    }),

  /**
   * The report as CSV text (the page saves it as a file), written a batch of students at a time;
   * every student exported is audited, batch by batch.
   */
  csv: reader
    .meta({ cost: 'export' })
    .input(FidelityPeriodSchema)
    .query(async ({ ctx, input, path }) => {
      const { filename, chunks } = await fidelityCsvExport(ctx, input, path);
      return { filename, csv: await collectChunks(chunks) };
    }),
} satisfies TRPCRouterRecord;
