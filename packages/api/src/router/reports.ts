import {
  type AuditInput,
  type DraftedReportLine,
  draftReportLines,
  finalizeReportRow,
  findReport,
  findReportFor,
  findReportingPeriod,
  findReportSnapshot,
  insertReport,
  keepReportVersion,
  listReportingPeriods,
  listReportVersions,
  loadReadyMarks,
  loadReportLines,
  loadReportList,
  loadStudentDetail,
  newId,
  recordAuditMany,
  reopenReport,
  type StudentDetailData,
  setReadyMark,
  staffName,
  studentFamilyLanguage,
  updateDraftReportLine,
} from '@carryover/db';
import {
  type Discipline,
  formatRawValue,
  type GasValue,
  type GoalDomain,
  type IsoDate,
  type MeasurementType,
  parentSummary,
  ReportAmendInput,
  ReportFinalizeInput,
  ReportGenerateInput,
  ReportGetInput,
  type ReportGoalLine,
  ReportGoalUpdateInput,
  type ReportingPeriodView,
  type ReportLineEdit,
  ReportListInput,
  type ReportListRow,
  ReportMarkReadyInput,
  ReportPrintAllInput,
  type ReportReadiness,
  type ReportStatusCode,
  type ReportView,
  type Role,
  statusNeedsReason,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import type { z } from 'zod';
import { recordDenied, recordEvent, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import { assertStudentInScope, canSeeStudent } from '../scope';
import {
  type Context,
  fieldError,
  protectedProcedure,
  roles,
  todayFor,
  type Viewer,
} from '../trpc';
import { goalGraphsAsOf, goalSpecOf, pointOf } from '../views';

// IEP progress reports: per student and reporting period, each goal's status code, GAS and
// narrative, drafted from the data, edited by the therapists, then finalised (and locked).

export const REPORT_NOT_FOUND = 'Report not found';
export const PERIOD_NOT_FOUND = 'Reporting period not found';
export const REPORT_IS_FINAL = 'This report is final and can no longer be changed.';
export const REPORT_NOT_FINAL = 'Only a final report is amended; this one is still a draft.';
export const REPORT_WRITERS: Role[] = ['therapist', 'coordinator', 'admin'];

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };
type Period = { id: string; name: string; starts_on: string; ends_on: string };

function periodView(p: Period, today: IsoDate, all: readonly Period[]): ReportingPeriodView {
  const containing = all.find((x) => x.starts_on <= today && x.ends_on >= today);
  const lastEnded = [...all].reverse().find((x) => x.ends_on < today);
  const current = (containing ?? lastEnded ?? all[0])?.id === p.id;
  return { id: p.id, name: p.name, startsOn: p.starts_on, endsOn: p.ends_on, current };
}

function audit(ctx: Ctx, action: string, reportId: string, studentId: string): AuditInput {
  return {
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity: 'progress_report',
    entityId: reportId,
    studentId,
    outcome: 'ok',
    at: ctx.now().toISOString(),
  };
}

/**
 * The report, if it exists in the viewer's district and its student is in scope. Missing and
 * out of scope get the same NOT_FOUND; the refusal is audited.
 */
async function reportInScope(ctx: Ctx, reportId: string, path: string) {
  const report = await findReport(ctx.db, ctx.viewer.districtId, reportId);
  if (!report || !(await canSeeStudent(ctx, report.student_id))) {
    await recordDenied(ctx, {
      action: path,
      entity: 'progress_report',
      entityId: reportId,
      studentId: report?.student_id ?? null,
    });
    throw new TRPCError({ code: 'NOT_FOUND', message: REPORT_NOT_FOUND });
  }
  return report;
}

async function refuseFinal(ctx: Ctx, path: string, reportId: string, studentId: string) {
  await recordDenied(ctx, {
    action: path,
    entity: 'progress_report',
    entityId: reportId,
    studentId,
  });
  throw new TRPCError({ code: 'CONFLICT', message: REPORT_IS_FINAL });
}

/** A therapist edits the lines of their own discipline; coordinators and admins any. */
function canEditDiscipline(viewer: Viewer, discipline: string): boolean {
  if (viewer.role === 'coordinator' || viewer.role === 'admin') return true;
  return viewer.role === 'therapist' && viewer.discipline === discipline;
}

type Computed = DraftedReportLine<StudentDetailData['goals'][number]>;

/** Each started goal's line as the data says: the same drafting the demo seed's reports use. */
function computeLines(data: StudentDetailData, period: Period, today: IsoDate): Computed[] {
  return draftReportLines(data.student.first_name, data.goals, data.observations, period, today);
}

type ReportRow = NonNullable<Awaited<ReturnType<typeof findReport>>>;

/**
 * Saves one goal's line of a draft report (its status code, score and narrative): the
 * refusals and the audit of `updateGoal`, shared with `finalize`, which saves unsaved edits first.
 * A score other than the computed one needs a reason, and so does "Sufficient progress" beside a
 * score of −2. Returns the line's new version.
 */
async function saveLine(
  ctx: Ctx,
  path: string,
  report: ReportRow,
  input: z.output<typeof ReportLineEdit>,
): Promise<number> {
  const d = ctx.viewer.districtId;
  if (report.status !== 'draft') await refuseFinal(ctx, path, report.id, report.student_id);
  const lines = await loadReportLines(ctx.db, d, report.id);
  const line = lines.find((l) => l.goal_id === input.goalId);
  const data = line ? await loadStudentDetail(ctx.db, d, report.student_id) : undefined;
  const goal = data?.goals.find((g) => g.id === input.goalId);
  if (!line || !goal) {
    await recordDenied(ctx, {
      action: path,
      entity: 'progress_report',
      entityId: report.id,
      studentId: report.student_id,
    });
    fieldError('goalId', 'This goal is not on the report');
  }
  if (!canEditDiscipline(ctx.viewer, goal.discipline)) {
    await recordDenied(ctx, {
      action: path,
      entity: 'progress_report',
      entityId: report.id,
      studentId: report.student_id,
    });
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `This is a ${goal.discipline} goal; its therapist writes this part of the report.`,
    });
  }
  const overridden = input.gasScore !== Number(line.gas_computed);
  const reason = input.gasOverrideReason?.trim() ?? '';
  if (overridden && reason.length < 3) {
    await recordDenied(ctx, {
      action: path,
      entity: 'progress_report',
      entityId: report.id,
      studentId: report.student_id,
    });
    fieldError('gasOverrideReason', 'Give a reason for changing the computed score');
  }
  const needsStatusReason = statusNeedsReason(input.statusCode, input.gasScore);
  const statusReason = input.statusReason?.trim() ?? '';
  if (needsStatusReason && statusReason.length < 3) {
    await recordDenied(ctx, {
      action: path,
      entity: 'progress_report',
      entityId: report.id,
      studentId: report.student_id,
    });
    fieldError(
      'statusReason',
      'Sufficient progress with a score of −2 (much less than expected): confirm it by saying why',
    );
  }
  const target = {
    action: path,
    entity: 'progress_report',
    entityId: report.id,
    studentId: report.student_id,
  };
  const version = await writeAtVersion(
    ctx,
    target,
    async (trx) => {
      const saved = await updateDraftReportLine(
        trx,
        d,
        report.id,
        input.goalId,
        input.expectedVersion,
        {
          status_code: input.statusCode,
          gas_score: input.gasScore,
          gas_override_reason: overridden ? reason : null,
          status_reason: needsStatusReason ? statusReason : null,
          narrative: input.narrative,
        },
        editorOf(ctx),
      );
      // A changed line is no longer what its discipline marked ready.
      await setReadyMark(trx, d, report.id, goal.discipline, null);
      await recordAuditMany(trx, [audit(ctx, path, report.id, report.student_id)]);
      return saved.version;
    },
    // Finalised between the check above and the write: that is the refusal to give.
    async () => {
      const now = await findReport(ctx.db, d, report.id);
      if (now?.status !== 'draft') await refuseFinal(ctx, path, report.id, report.student_id);
    },
  );
  return version;
}

/** The disciplines of the report's goals, in a fixed order. */
function disciplinesOf(goals: readonly { discipline: Discipline }[]): Discipline[] {
  return [...new Set(goals.map((g) => g.discipline))].sort();
}

/**
 * Who must still mark their lines ready before `viewer` can finalise: every discipline not
 * marked, except a therapist's own (finalising marks it).
 */
function waitingFor(viewer: Viewer, readiness: readonly ReportReadiness[]): Discipline[] {
  return readiness
    .filter((r) => !r.ready && !(viewer.role === 'therapist' && viewer.discipline === r.discipline))
    .map((r) => r.discipline);
}

/** The report as it stands now (a draft, or a final version about to be snapshotted). */
async function buildView(
  ctx: Ctx,
  report: NonNullable<Awaited<ReturnType<typeof findReport>>>,
): Promise<ReportView> {
  const d = ctx.viewer.districtId;
  const today = todayFor(ctx);
  const [data, lines, periods, marks, versions] = await Promise.all([
    loadStudentDetail(ctx.db, d, report.student_id),
    loadReportLines(ctx.db, d, report.id),
    listReportingPeriods(ctx.db, d),
    loadReadyMarks(ctx.db, d, report.id),
    listReportVersions(ctx.db, d, report.id),
  ]);
  const period = periods.find((p) => p.id === report.period_id);
  if (!data || !period) throw new TRPCError({ code: 'NOT_FOUND', message: REPORT_NOT_FOUND });
  const finalizedBy = report.finalized_by ? await staffName(ctx.db, d, report.finalized_by) : null;
  const computed = new Map(computeLines(data, period, today).map((c) => [c.goal.id, c]));
  const graphs = goalGraphsAsOf(data, period.ends_on < today ? period.ends_on : today);
  const draft = report.status === 'draft';
  const goals: ReportGoalLine[] = [];
  for (const goal of data.goals) {
    const line = lines.find((l) => l.goal_id === goal.id);
    const c = computed.get(goal.id);
    if (!line || !c) continue;
    const spec = goalSpecOf(goal);
    const statusCode = line.status_code as ReportStatusCode;
    goals.push({
      goalId: goal.id,
      discipline: goal.discipline as Discipline,
      domain: goal.domain as GoalDomain,
      text: goal.text,
      measurementType: goal.measurement_type as MeasurementType,
      baselineText: formatRawValue(spec, spec.baseline),
      targetText: formatRawValue(spec, spec.target),
      targetDate: goal.target_date,
      statusCode,
      suggestedStatusCode: c.statusCode,
      gasScore: Number(line.gas_score) as GasValue,
      gasComputed: Number(line.gas_computed) as GasValue,
      gasExplanation: c.gas.explanation,
      gasOverrideReason: line.gas_override_reason,
      statusReason: line.status_reason ?? null,
      narrative: line.narrative,
      parentSummary: parentSummary({
        firstName: data.student.first_name,
        targetDate: goal.target_date,
        statusCode,
        summary: c.summary,
      }),
      summary: c.summary,
      lateEntries: c.points.filter((pt) => pt.late && pt.date >= period.starts_on).length,
      points: c.points.map((pt) => ({
        date: pt.date,
        raw: pt.raw,
        setting: pt.setting,
        model: pt.model,
        late: pt.late === true,
      })),
      graph: graphs.get(goal.id),
      editable: draft && canEditDiscipline(ctx.viewer, goal.discipline),
      version: Number(line.version),
    });
  }
  const providers = new Map<string, { discipline: Discipline; name: string }>();
  for (const s of data.services) {
    if (s.start_date > period.ends_on || s.end_date < period.starts_on) continue;
    const name = s.provider_name ?? '';
    providers.set(`${s.discipline}|${name}`, { discipline: s.discipline as Discipline, name });
  }
  const readiness: ReportReadiness[] = disciplinesOf(goals).map((discipline) => {
    const mark = marks.find((m) => m.discipline === discipline);
    return {
      discipline,
      ready: draft ? mark !== undefined : true,
      markedBy: mark?.marked_by_name ?? null,
      markedAt: mark?.marked_at ?? null,
    };
  });
  const writer = REPORT_WRITERS.includes(ctx.viewer.role);
  const waiting = draft ? waitingFor(ctx.viewer, readiness) : [];
  return {
    id: report.id,
    status: report.status,
    studentId: data.student.id,
    studentName: `${data.student.first_name} ${data.student.last_name}`,
    firstName: data.student.first_name,
    grade: data.student.grade,
    schoolName: data.student.school_name,
    dateOfBirth: data.student.date_of_birth,
    familyLanguage: data.student.family_language ?? 'en',
    period: periodView(period, today, periods),
    districtName: ctx.viewer.districtName,
    createdAt: report.created_at,
    finalizedAt: report.finalized_at,
    finalizedBy,
    providers: [...providers.values()],
    goals,
    canFinalize: draft && writer && waiting.length === 0,
    version: Number(report.version ?? 1),
    isLatest: true,
    amendReason: report.amend_reason ?? null,
    versions: versions.map((v) => ({
      version: Number(v.version),
      finalizedAt: v.finalized_at,
      finalizedBy: v.finalized_by_name ?? null,
      amendReason: v.amend_reason,
    })),
    readiness,
    canMarkReady: draft
      ? readiness.map((r) => r.discipline).filter((x) => canEditDiscipline(ctx.viewer, x))
      : [],
    waitingFor: waiting,
    canAmend: !draft && writer,
  };
}

/**
 * A finalised version exactly as it was finalised (its snapshot), with what the viewer may do
 * now and the versions listed as they are now.
 */
async function snapshotView(
  ctx: Ctx,
  report: NonNullable<Awaited<ReturnType<typeof findReport>>>,
  version: number,
): Promise<ReportView | null> {
  const d = ctx.viewer.districtId;
  const stored = await findReportSnapshot(ctx.db, d, report.id, version);
  if (!stored) return null;
  const [versions, familyLanguage] = await Promise.all([
    listReportVersions(ctx.db, d, report.id),
    studentFamilyLanguage(ctx.db, d, report.student_id),
  ]);
  const snap = JSON.parse(stored) as ReportView;
  const current = Number(report.version ?? 1);
  const isLatest = version === current && report.status === 'final';
  return {
    ...snap,
    // The family's language is theirs, not the report's: a letter printed later follows it.
    familyLanguage,
    status: 'final',
    goals: snap.goals.map((g) => ({ ...g, editable: false })),
    canFinalize: false,
    isLatest,
    versions: versions.map((v) => ({
      version: Number(v.version),
      finalizedAt: v.finalized_at,
      finalizedBy: v.finalized_by_name ?? null,
      amendReason: v.amend_reason,
    })),
    canMarkReady: [],
    waitingFor: [],
    canAmend: isLatest && REPORT_WRITERS.includes(ctx.viewer.role),
  };
}

/**
 * The report at `version` (the current one when omitted): a final version is its snapshot. A
 * report finalised before snapshots existed (or made final by the demo seed) has none: it is
 * shown from the data, as it always was. Null when there is no such finalised version.
 */
async function viewOf(ctx: Ctx, report: ReportRow, version?: number): Promise<ReportView | null> {
  const current = Number(report.version ?? 1);
  const wanted = version ?? current;
  if (wanted === current && report.status === 'draft') return buildView(ctx, report);
  return (
    (await snapshotView(ctx, report, wanted)) ??
    (wanted === current ? await buildView(ctx, report) : null)
  );
}

/** The JSON kept for a finalised version: its view as shown now, with nothing to act on. */
async function snapshotOf(ctx: Ctx, report: ReportRow): Promise<string> {
  const view = await buildView(ctx, report);
  const snapshot: ReportView = {
    ...view,
    status: 'final',
    goals: view.goals.map((g) => ({ ...g, editable: false })),
    canFinalize: false,
    canMarkReady: [],
    waitingFor: [],
    canAmend: false,
    versions: [],
  };
  return JSON.stringify(snapshot);
}

async function refuseReport(ctx: Ctx, path: string, report: { id: string; student_id: string }) {
  await recordDenied(ctx, {
    action: path,
    entity: 'progress_report',
    entityId: report.id,
    studentId: report.student_id,
  });
}

export const reportsRouter = {
  /** The district's reporting periods, the current one marked. No student data. */
  periods: protectedProcedure.query(async ({ ctx }): Promise<ReportingPeriodView[]> => {
    const periods = await listReportingPeriods(ctx.db, ctx.viewer.districtId);
    const today = todayFor(ctx);
    return periods.map((p) => periodView(p, today, periods));
  }),

  /** Students in scope, each with their report for the period (if any). */
  list: protectedProcedure.input(ReportListInput).query(async ({ ctx, input, path }) => {
    const period = await findReportingPeriod(ctx.db, ctx.viewer.districtId, input.periodId);
    if (!period) throw new TRPCError({ code: 'NOT_FOUND', message: PERIOD_NOT_FOUND });
    const rows = await loadReportList(ctx.db, ctx.viewer, todayFor(ctx), period.id);
    await recordStudentReads(
      ctx,
      path,
      rows.map((r) => r.id),
    );
    return rows.map(
      (r): ReportListRow => ({
        studentId: r.id,
        name: `${r.first_name} ${r.last_name}`,
        grade: r.grade,
        schoolName: r.school_name,
        goalCount: Number(r.goal_count ?? 0),
        report: r.report_id
          ? {
              id: r.report_id,
              status: r.report_status === 'final' ? 'final' : 'draft',
              finalizedAt: r.finalized_at ?? null,
              version: Number(r.report_version ?? 1),
            }
          : null,
      }),
    );
  }),

  /** Drafts the report from the data; returns the existing one if there is one already. */
  generate: roles(...REPORT_WRITERS)
    .input(ReportGenerateInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const d = ctx.viewer.districtId;
      const period = await findReportingPeriod(ctx.db, d, input.periodId);
      if (!period) {
        await recordDenied(ctx, {
          action: path,
          entity: 'reporting_period',
          studentId: input.studentId,
        });
        fieldError('periodId', PERIOD_NOT_FOUND);
      }
      const existing = await findReportFor(ctx.db, d, input.studentId, period.id);
      if (existing) {
        await recordEvent(ctx, audit(ctx, path, existing.id, input.studentId), 'ok');
        return { id: existing.id, created: false };
      }
      const data = await loadStudentDetail(ctx.db, d, input.studentId);
      if (!data) throw new TRPCError({ code: 'NOT_FOUND', message: REPORT_NOT_FOUND });
      const id = newId();
      const lines = computeLines(data, period, todayFor(ctx));
      try {
        await ctx.db.transaction().execute(async (trx) => {
          await insertReport(
            trx,
            {
              district_id: d,
              id,
              student_id: input.studentId,
              period_id: period.id,
              status: 'draft',
              created_by: ctx.viewer.id,
              created_at: ctx.now().toISOString(),
              finalized_at: null,
              finalized_by: null,
            },
            lines.map((l) => ({
              district_id: d,
              report_id: id,
              goal_id: l.goal.id,
              status_code: l.statusCode,
              gas_score: l.gas.score,
              gas_computed: l.gas.score,
              gas_override_reason: null,
              narrative: l.narrative,
            })),
          );
          await recordAuditMany(trx, [audit(ctx, path, id, input.studentId)]);
        });
      } catch (err) {
        // Two people generating at once: the unique (student, period) key keeps one report.
        const raced = await findReportFor(ctx.db, d, input.studentId, period.id);
        if (raced) return { id: raced.id, created: false };
        throw err;
      }
      return { id, created: true };
    }),

  /**
   * The report: a final version is its snapshot, exactly as finalised, whatever changed since;
   * `version` opens an earlier finalised version. Every read is audited.
   */
  get: protectedProcedure.input(ReportGetInput).query(async ({ ctx, input, path }) => {
    const report = await reportInScope(ctx, input.reportId, path);
    const view = await viewOf(ctx, report, input.version);
    if (!view) {
      await refuseReport(ctx, path, report);
      fieldError('version', 'This report has no such finalised version');
    }
    await recordEvent(ctx, audit(ctx, path, report.id, report.student_id), 'ok');
    return view;
  }),

  /**
   * Every final report of the period for the students in the viewer's scope (each as finalised),
   * to print as one document. Each report read is audited, as `get` audits one.
   */
  printAll: protectedProcedure
    .meta({ cost: 'heavyRead' })
    .input(ReportPrintAllInput)
    .query(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const period = await findReportingPeriod(ctx.db, d, input.periodId);
      if (!period) throw new TRPCError({ code: 'NOT_FOUND', message: PERIOD_NOT_FOUND });
      const rows = await loadReportList(ctx.db, ctx.viewer, todayFor(ctx), period.id);
      const finals = rows
        .filter((r) => r.report_id && r.report_status === 'final')
        .sort(
          (a, b) =>
            a.last_name.localeCompare(b.last_name) || a.first_name.localeCompare(b.first_name),
        );
      const views: ReportView[] = [];
      for (const row of finals) {
        const report = await findReport(ctx.db, d, row.report_id!);
        if (!report) continue;
        const view = await viewOf(ctx, report);
        if (view) views.push(view);
      }
      await recordAuditMany(
        ctx.db,
        views.map((v) => audit(ctx, path, v.id, v.studentId)),
      );
      return views;
    }),

  /** One goal's status code, score and narrative. A score other than the computed one needs a reason. */
  updateGoal: roles(...REPORT_WRITERS)
    .input(ReportGoalUpdateInput)
    .mutation(async ({ ctx, input, path }) => {
      const report = await reportInScope(ctx, input.reportId, path);
      const version = await saveLine(ctx, path, report, input);
      return { ok: true as const, version };
    }),

  /**
   * A discipline marks its lines ready (or takes the mark back). A therapist marks their own
   * discipline; coordinators and admins any. Only while the report is a draft.
   */
  markReady: roles(...REPORT_WRITERS)
    .input(ReportMarkReadyInput)
    .mutation(async ({ ctx, input, path }) => {
      const report = await reportInScope(ctx, input.reportId, path);
      if (report.status !== 'draft') await refuseFinal(ctx, path, report.id, report.student_id);
      const view = await buildView(ctx, report);
      if (!view.readiness.some((r) => r.discipline === input.discipline)) {
        await refuseReport(ctx, path, report);
        fieldError('discipline', `This report has no ${input.discipline} goals`);
      }
      if (!canEditDiscipline(ctx.viewer, input.discipline)) {
        await refuseReport(ctx, path, report);
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: `The ${input.discipline} therapist marks the ${input.discipline} lines ready.`,
        });
      }
      const at = ctx.now().toISOString();
      const done = await ctx.db.transaction().execute(async (trx) => {
        const ok = await setReadyMark(
          trx,
          ctx.viewer.districtId,
          report.id,
          input.discipline,
          input.ready ? { by: ctx.viewer.id, at } : null,
        );
        if (ok) await recordAuditMany(trx, [audit(ctx, path, report.id, report.student_id)]);
        return ok;
      });
      if (!done) await refuseFinal(ctx, path, report.id, report.student_id);
      return { ok: true as const };
    }),

  /**
   * Locks the report once every discipline has marked its lines ready (a therapist finalising
   * marks their own), and keeps a snapshot of everything it shows: later edits to goals or
   * back-dated sessions do not change the finalised version.
   */
  finalize: roles(...REPORT_WRITERS)
    .input(ReportFinalizeInput)
    .mutation(async ({ ctx, input, path }) => {
      let report = await reportInScope(ctx, input.reportId, path);
      if (report.status !== 'draft') await refuseFinal(ctx, path, report.id, report.student_id);
      // Edits the finaliser had not saved are saved first; one that cannot be saved stops the
      // finalisation with its reason, so nothing typed is lost and nothing unsaved is locked.
      for (const edit of input.edits ?? []) {
        try {
          await saveLine(ctx, path, report, edit);
        } catch (err) {
          if (!(err instanceof TRPCError) || err.code === 'INTERNAL_SERVER_ERROR') throw err;
          throw new TRPCError({
            code: err.code,
            message: `The report was not finalised: your unsaved edits to a goal could not be saved (${err.message}). Fix them and save the goal, then finalise.`,
            cause: err.cause,
          });
        }
      }
      if (input.edits?.length)
        report = (await findReport(ctx.db, ctx.viewer.districtId, report.id))!;
      const view = await buildView(ctx, report);
      if (view.waitingFor.length > 0) {
        await refuseReport(ctx, path, report);
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `Waiting for ${view.waitingFor.join(', ')} to mark their lines ready.`,
        });
      }
      const at = ctx.now().toISOString();
      const d = ctx.viewer.districtId;
      const own = ctx.viewer.role === 'therapist' ? ctx.viewer.discipline : null;
      const finalizedBy = await staffName(ctx.db, d, ctx.viewer.id);
      const snapshot: ReportView = {
        ...view,
        status: 'final',
        finalizedAt: at,
        finalizedBy,
        goals: view.goals.map((g) => ({ ...g, editable: false })),
        readiness: view.readiness.map((r) =>
          r.discipline === own && !r.ready
            ? { ...r, ready: true, markedBy: finalizedBy, markedAt: at }
            : r,
        ),
        canFinalize: false,
        canMarkReady: [],
        waitingFor: [],
        canAmend: false,
        versions: [],
      };
      const done = await ctx.db.transaction().execute(async (trx) => {
        if (own && view.readiness.some((r) => r.discipline === own && !r.ready))
          await setReadyMark(trx, d, report.id, own, { by: ctx.viewer.id, at });
        const ok = await finalizeReportRow(
          trx,
          d,
          report.id,
          ctx.viewer.id,
          at,
          JSON.stringify(snapshot),
        );
        if (ok) await recordAuditMany(trx, [audit(ctx, path, report.id, report.student_id)]);
        return ok;
      });
      if (!done) await refuseFinal(ctx, path, report.id, report.student_id);
      return { ok: true as const, finalizedAt: at, version: view.version };
    }),

  /**
   * Reopens a final report as its next version, with a reason. The finalised version stays
   * as it was: printable, and read only through an audited `get`.
   */
  amend: roles(...REPORT_WRITERS)
    .input(ReportAmendInput)
    .mutation(async ({ ctx, input, path }) => {
      const report = await reportInScope(ctx, input.reportId, path);
      if (report.status !== 'final') {
        await refuseReport(ctx, path, report);
        throw new TRPCError({ code: 'CONFLICT', message: REPORT_NOT_FINAL });
      }
      // A report made final without a snapshot (the demo seed's) keeps the version it shows
      // now, so the finalised version stays printable once reopened.
      const current = Number(report.version ?? 1);
      const unsnapshotted =
        report.finalized_at && report.finalized_by
          ? (await findReportSnapshot(ctx.db, ctx.viewer.districtId, report.id, current)) === null
          : false;
      const kept = unsnapshotted ? await snapshotOf(ctx, report) : null;
      const version = await ctx.db.transaction().execute(async (trx) => {
        if (kept)
          await keepReportVersion(
            trx,
            ctx.viewer.districtId,
            {
              reportId: report.id,
              version: current,
              finalizedAt: report.finalized_at!,
              finalizedBy: report.finalized_by!,
              amendReason: report.amend_reason ?? null,
            },
            kept,
          );
        const next = await reopenReport(trx, ctx.viewer.districtId, report.id, input.reason);
        if (next !== null)
          await recordAuditMany(trx, [audit(ctx, path, report.id, report.student_id)]);
        return next;
      });
      if (version === null) {
        await refuseReport(ctx, path, report);
        throw new TRPCError({ code: 'CONFLICT', message: REPORT_NOT_FINAL });
      }
      return { ok: true as const, version };
    }),
} satisfies TRPCRouterRecord;
