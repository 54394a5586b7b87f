import {
  type FidelityData,
  type FidelitySummaryRow,
  fidelityPageStudents,
  fidelityRowInputs,
  fidelitySummariesOf,
  fidelitySummaryRowsInScope,
  fidelitySummaryRowsOf,
  loadDistrictSettings,
  loadFidelityData,
  loadReportingPeriods,
  scopedStudentIds,
} from '@carryover/db';
import {
  type AbsencePolicy,
  computeFidelity,
  csvRecords,
  type Discipline,
  DistrictSettings,
  decodeFidelityCursor,
  deliveredInWeekOf,
  encodeFidelityCursor,
  FIDELITY_CSV_HEADER,
  type FidelityGroup,
  FidelityGroupsInput,
  type FidelityPage,
  type FidelityPeriodInput,
  FidelityPeriodInput as FidelityPeriodSchema,
  FidelityReportInput,
  type FidelityRow,
  type FidelitySortKey,
  type FidelitySummary,
  type FidelityView,
  fidelityCsvLines,
  fidelityOn,
  fidelityPeriodFingerprint,
  fidelityTotalOn,
  fidelityWeekLine,
  type IsoDate,
  minutesBehindOn,
  sumFidelityFigures,
  weekEnd,
  weekStart,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordStudentReads } from '../audit';
import { CSV_EXPORT_ROLES, type CsvExport, collectChunks } from '../exports/csv';
import { type Context, roles, todayFor, type Viewer } from '../trpc';

// Service fidelity per student and discipline, from computeFidelity — the one arithmetic the
// caseload's "minutes behind" uses too. For a reporting period the figures are read from the
// kept summaries (`fidelity_summary`, docs/architecture.md "Fidelity summaries") and finished
// for today with `fidelityOn`; any other span (custom dates, the school year, this week) is
// computed from the sessions.

export interface Period {
  from: IsoDate;
  to: IsoDate;
  name: string;
  /** The reporting period it is, whose figures are kept; absent for any other span. */
  id?: string;
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
  if (p) return { from: p.starts_on, to: p.ends_on, name: p.name, id: p.id };
  if (
    settings.yearStart &&
    settings.yearEnd &&
    settings.yearStart <= today &&
    today <= settings.yearEnd
  )
    return { from: settings.yearStart, to: settings.yearEnd, name: 'School year' };
  return { from: weekStart(today), to: weekEnd(today), name: 'This week' };
}

/** One row per student and discipline with a service meeting the period, from its sessions. */
export function fidelityRows(
  data: FidelityData,
  window: { from: IsoDate; to: IsoDate; today: IsoDate; policy: AbsencePolicy },
): FidelityRow[] {
  const providerNames = new Map(data.services.map((s) => [s.provider_id, s.provider_name]));
  const inputs = fidelityRowInputs(data.services, data.splits, data.records);
  const rows: FidelityRow[] = [];
  for (const student of data.students) {
    for (const row of inputs.get(student.id) ?? []) {
      const report = computeFidelity({ services: row.services, sessions: row.sessions, ...window });
      rows.push({
        studentId: student.id,
        studentName: `${student.first_name} ${student.last_name}`,
        schoolName: student.school_name,
        discipline: row.discipline as Discipline,
        providerId: row.providerId,
        providerName: providerNames.get(row.providerId) ?? 'Unknown provider',
        figures: report.total,
        weeks: report.weeks,
      });
    }
  }
  return rows;
}

/**
 * A kept summary row finished for today under the district's policy; with `weeks: false` only
 * its period total (the row's `weeks` left empty), for totals over many rows.
 */
function rowOfSummary(
  r: FidelitySummaryRow,
  window: { today: IsoDate; policy: AbsencePolicy },
  options: { weeks?: boolean } = {},
): FidelityRow {
  const summary = JSON.parse(r.summary) as FidelitySummary;
  const report =
    options.weeks === false
      ? { total: fidelityTotalOn(summary, window.today, window.policy), weeks: [] }
      : fidelityOn(summary, window.today, window.policy);
  return {
    studentId: r.student_id,
    studentName: `${r.first_name} ${r.last_name}`,
    schoolName: r.school_name,
    discipline: r.discipline as Discipline,
    providerId: r.provider_id,
    providerName: r.provider_name ?? 'Unknown provider',
    figures: report.total,
    weeks: report.weeks,
  };
}

type FidelityContext = Pick<Context, 'db' | 'now' | 'log'> &
  Partial<Pick<Context, 'districtSettings'>> & { viewer: Viewer };

/** The period a report input names, with the district's policy and reporting periods. */
export async function resolvePeriod(ctx: FidelityContext, input: FidelityPeriodInput) {
  const today = todayFor(ctx);
  const [periods, settingsJson] = await Promise.all([
    loadReportingPeriods(ctx.db, ctx.viewer.districtId),
    ctx.districtSettings ?? loadDistrictSettings(ctx.db, ctx.viewer.districtId),
  ]);
  const settings = parsePolicy(settingsJson);
  let period: Period;
  if (input?.periodId) {
    const p = periods.find((x) => x.id === input.periodId);
    if (!p) throw new TRPCError({ code: 'NOT_FOUND', message: 'Reporting period not found' });
    period = { from: p.starts_on, to: p.ends_on, name: p.name, id: p.id };
  } else if (input?.from && input.to) {
    // Dates that are exactly a reporting period read its kept figures.
    const same = periods.find((x) => x.starts_on === input.from && x.ends_on === input.to);
    period = { from: input.from, to: input.to, name: 'Custom dates', ...(same && { id: same.id }) };
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

export type Resolved = Awaited<ReturnType<typeof resolvePeriod>>;

/** The given students' kept summary rows of a reporting period (in one discipline, if given). */
function keptRowsOf(
  ctx: FidelityContext,
  periodId: string,
  studentIds: readonly string[],
  discipline: Discipline | undefined,
) {
  return fidelitySummaryRowsOf(ctx.db, ctx.viewer.districtId, periodId, studentIds, discipline);
}

/** The rows of the given students (already in scope), or of the whole scope when none given. */
async function rowsFor(
  ctx: FidelityContext,
  resolved: Resolved,
  discipline: Discipline | undefined,
  studentIds?: readonly string[],
): Promise<FidelityRow[]> {
  const { today, period, policy } = resolved;
  if (period.id && studentIds) {
    const kept = await keptRowsOf(ctx, period.id, studentIds, discipline);
    return kept.map((r) => rowOfSummary(r, { today, policy }));
  }
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
 * Every row of the viewer's scope for the period, a batch at a time, with its period total (and
 * no weeks): the kept summaries of a reporting period (in key order), else computed from the
 * sessions a batch of students at a time.
 */
export async function* scopeRows(
  ctx: FidelityContext,
  resolved: Resolved,
  discipline: Discipline | undefined,
): AsyncGenerator<FidelityRow[]> {
  const { today, period, policy } = resolved;
  if (period.id) {
    for await (const batch of fidelitySummaryRowsInScope(
      ctx.db,
      ctx.viewer.districtId,
      period.id,
      () => scopedStudentIds(ctx.db, ctx.viewer, today),
      { discipline },
    ))
      yield batch.map((r) => rowOfSummary(r, { today, policy }, { weeks: false }));
    return;
  }
  for await (const { rows } of scopeBatches(ctx, resolved, discipline)) yield rows;
}

/**
 * For the given students only (they must be in the viewer's scope), summed over disciplines (or
 * one): minutes behind in the current period, and minutes delivered (or made up) this ISO week —
 * the fidelity report's own figures, read from the kept summaries.
 */
export async function minutesByStudent(
  ctx: FidelityContext,
  discipline: Discipline | undefined,
  studentIds: readonly string[],
): Promise<Map<string, { behind: number; thisWeek: number }>> {
  const out = new Map<string, { behind: number; thisWeek: number }>();
  if (studentIds.length === 0) return out;
  const resolved = await resolvePeriod(ctx, undefined);
  const monday = weekStart(resolved.today);
  const add = (studentId: string, behind: number, thisWeek: number) => {
    const m = out.get(studentId) ?? { behind: 0, thisWeek: 0 };
    m.behind += behind;
    m.thisWeek += thisWeek;
    out.set(studentId, m);
  };
  const { period, today, policy } = resolved;
  if (period.id) {
    // A page of the caseload: the kept summaries' minutes behind and this week's delivered
    // minutes, read by key (the caseload shows no provider) and never finished week by week.
    const kept = await fidelitySummariesOf(
      ctx.db,
      ctx.viewer.districtId,
      period.id,
      studentIds,
      discipline,
    );
    for (const r of kept) {
      const summary = JSON.parse(r.summary) as FidelitySummary;
      add(
        r.student_id,
        minutesBehindOn(summary, today, policy),
        deliveredInWeekOf(summary, monday),
      );
    }
    return out;
  }
  const view = viewOf(resolved, await rowsFor(ctx, resolved, discipline, studentIds));
  for (const r of view.rows) {
    const week = r.weeks.find((w) => w.weekStart === monday);
    add(r.studentId, r.figures.behind, week ? week.delivered + week.makeupDelivered : 0);
  }
  return out;
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
      const view = viewOf(resolved, rows);
      return {
        ...view,
        rows: view.rows.map((r) => ({ ...r, weeks: r.weeks.map(fidelityWeekLine) })),
        nextCursor:
          students.length > input.limit && last
            ? encodeFidelityCursor({ period: fidelityPeriodFingerprint(input), key: last.sortKey })
            : null,
      };
    }),

  /**
   * Totals per school or per therapist (and discipline) over every row in scope: the kept
   * summaries of a reporting period finished for today (any other span is computed from the
   * sessions, a batch of students at a time); no one student's record leaves, so no per-student
   * audit.
   */
  groups: reader
    .meta({ cost: 'heavyRead' })
    .input(FidelityGroupsInput)
    .query(async ({ ctx, input }) => {
      const resolved = await resolvePeriod(ctx, input);
      const groups = new Map<string, FidelityGroup>();
      for await (const rows of scopeRows(ctx, resolved, input.discipline)) {
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
