import {
  type AuditInput,
  cosignSession,
  type DB,
  finalisedPeriodsOf,
  findProbeByKey,
  findSessionByKey,
  firstServiceDays,
  getSessionRow,
  getSessionStudent,
  goalsAtTeachersRoutines,
  goalsOfStudents,
  insertAmendment,
  insertProbe,
  insertSession,
  loadCosignQueue,
  loadRecentSessions,
  loadSessionFormContext,
  newId,
  recordAuditMany,
  routinePlace,
  servicesOnDate,
  sessionStudentIds,
  signAllNotes,
  signNote,
  staffSupervisor,
  studentPlaces,
  touchSession,
  updateDraftSession,
  updateUnsignedNote,
  voidSession,
  writeTransaction,
} from '@carryover/db';
import {
  type AttendanceOutcome,
  ClassroomProbeInput,
  CosignManyInput,
  type CosignQueueItem,
  classroomLabels,
  type Discipline,
  finalisedPeriodOn,
  type GoalDataInput,
  type GoalDomain,
  goalDataProblem,
  labels,
  type MeasurementType,
  minutesBetween,
  recordDateProblem,
  SessionAmendInput,
  SessionDraftInput,
  type SessionFormContext,
  SessionLogInput,
  type SessionModel,
  SessionNoteInput,
  SessionRefInput,
  SessionStudentRef,
  type SessionSummary,
  SessionVoidInput,
  type Setting,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordStudentReads } from '../audit';
import { editorOf, writeAtVersion } from '../conflict';
import {
  BillingCsvInput,
  billingCsvExport,
  CSV_EXPORT_ROLES,
  checkBillingExport,
  collectChunks,
} from '../exports/csv';
import { assertStudentInScope } from '../scope';
import { type Context, fieldError, roles, todayFor, type Viewer } from '../trpc';

// Session logging, signing, amendments, co-signing, teachers' classroom probes and the
// per-student session export for Medicaid billing.

export const SESSION_NOT_FOUND = 'Session not found';
export const ALREADY_SIGNED = 'This note is already signed.';
export const SIGNED_IS_LOCKED = 'A signed note is locked. Add an amendment instead.';
export const NOT_SIGNED_YET = 'Only a signed note is amended. Edit the note, then sign it.';
export const ALREADY_COSIGNED = 'This session is already co-signed.';
export const ALREADY_VOIDED = 'This session is already voided.';
export const VOIDED_IS_LOCKED = 'This session is voided: it cannot be changed or co-signed.';
export const DRAFT_NOT_VOIDED =
  'An unsigned draft is edited, not voided: sign it first, or edit it.';
export const SIGNED_NOT_DRAFT =
  'A signed session is no longer a draft: amend a note, or void the session.';

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

function audits(
  ctx: Ctx,
  action: string,
  entity: string,
  entityId: string,
  studentIds: readonly string[],
): AuditInput[] {
  const at = ctx.now().toISOString();
  return studentIds.map((studentId) => ({
    districtId: ctx.viewer.districtId,
    actorId: ctx.viewer.id,
    action,
    entity,
    entityId,
    studentId,
    outcome: 'ok' as const,
    at,
  }));
}

/** The therapist a session is logged under: the viewer, or an assistant's supervisor. */
async function providerFor(ctx: Ctx, path: string): Promise<{ id: string; discipline: string }> {
  if (ctx.viewer.role === 'therapist') {
    return { id: ctx.viewer.id, discipline: ctx.viewer.discipline ?? '' };
  }
  const sup = await staffSupervisor(ctx.db, ctx.viewer.districtId, ctx.viewer.id);
  if (!sup?.supervisor_id) {
    await recordDenied(ctx, { action: path, entity: 'procedure', entityId: path });
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'You have no supervising therapist to log sessions under.',
    });
  }
  return {
    id: sup.supervisor_id,
    discipline: ctx.viewer.discipline ?? sup.supervisor_discipline ?? '',
  };
}

function observationValues(data: GoalDataInput) {
  const t = data.trials;
  return {
    trials_correct: t ? t.correct : null,
    trials_prompted: t ? (t.prompted ?? 0) : null,
    trials_incorrect: t ? t.trials - t.correct - (t.prompted ?? 0) : null,
    prompt_level: t ? (t.promptLevel ?? null) : (data.promptLevel ?? null),
    count: data.count ?? null,
    seconds: data.seconds ?? null,
    rubric_score: data.rubricScore ?? null,
  };
}

type GoalRow = Awaited<ReturnType<typeof goalsOfStudents>>[number];

/** One data point in words, for the co-sign queue: "6/10 correct (2 prompted, verbal)". */
function observationWords(o: {
  trials_correct: number | null;
  trials_prompted: number | null;
  trials_incorrect: number | null;
  prompt_level: string | null;
  count: number | null;
  seconds: number | null;
  rubric_score: number | null;
}): string {
  if (o.trials_correct !== null) {
    const total =
      Number(o.trials_correct) + Number(o.trials_prompted ?? 0) + Number(o.trials_incorrect ?? 0);
    const extra = [
      Number(o.trials_prompted ?? 0) > 0 ? `${o.trials_prompted} prompted` : null,
      o.prompt_level ? o.prompt_level.replace(/_/g, ' ') : null,
    ].filter(Boolean);
    return `${o.trials_correct}/${total} correct${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
  }
  if (o.prompt_level) return o.prompt_level.replace(/_/g, ' ');
  if (o.count !== null) return `count ${o.count}`;
  if (o.seconds !== null) return `${o.seconds} s`;
  if (o.rubric_score !== null) return `rubric ${o.rubric_score}`;
  return '';
}

/** A goal named for an error message: its discipline and domain, never its text. */
function goalName(goal: GoalRow): string {
  const domain = labels.domain[goal.domain as GoalDomain] ?? goal.domain;
  return `the ${goal.discipline} ${domain.toLowerCase()} goal`;
}

function checkGoalData(
  goal: GoalRow | undefined,
  studentId: string,
  data: GoalDataInput,
  path: (string | number)[],
  discipline: string | null = null,
) {
  // A goal of another student (or district) reads exactly like a missing one.
  if (!goal || goal.student_id !== studentId)
    fieldError([...path, 'goalId'], 'This goal is not one of this student’s goals');
  // Therapists and assistants record data on goals of their own discipline only.
  if (discipline !== null && goal.discipline !== discipline)
    fieldError(
      [...path, 'goalId'],
      `You record data on ${discipline} goals only; ${goalName(goal)} is its ${goal.discipline} therapist's`,
    );
  const problem = goalDataProblem(
    { measurementType: goal.measurement_type as MeasurementType, rubricMax: goal.rubric_max },
    data,
  );
  if (problem) fieldError(path, problem);
}

/**
 * Whether the viewer co-signs this session: an assistant logged it, under the viewer or under
 * the assistant's own name while the viewer supervises them.
 */
async function supervises(ctx: Ctx, row: { provider_id: string; created_by: string }) {
  if (row.created_by === ctx.viewer.id) return false;
  if (row.provider_id === ctx.viewer.id) return true;
  const author = await staffSupervisor(ctx.db, ctx.viewer.districtId, row.created_by);
  return author?.supervisor_id === ctx.viewer.id;
}

/** A session the viewer provided or logged; anything else is NOT_FOUND. */
async function ownSession(ctx: Ctx, sessionId: string, path: string) {
  const row = await getSessionRow(ctx.db, ctx.viewer.districtId, sessionId);
  if (!row || (row.provider_id !== ctx.viewer.id && row.created_by !== ctx.viewer.id)) {
    await recordDenied(ctx, { action: path, entity: 'session', entityId: sessionId });
    throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
  }
  return row;
}

async function ownRecord(ctx: Ctx, ref: { sessionId: string; studentId: string }, path: string) {
  await ownSession(ctx, ref.sessionId, path);
  await assertStudentInScope(ctx, ref.studentId, path);
  const rec = await getSessionStudent(ctx.db, ctx.viewer.districtId, ref.sessionId, ref.studentId);
  if (!rec) {
    await recordDenied(ctx, { action: path, entity: 'session', entityId: ref.sessionId });
    throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
  }
  return rec;
}

/**
 * A session is dated no later than the district's today, not long ago, not before the
 * students' services of the discipline start, and inside a period whose report is final only
 * as a late entry with a reason. Returns the late entry's reason (null for a timely session).
 */
async function checkSessionDate(
  ctx: Ctx,
  input: {
    date: string;
    lateEntryReason?: string | null | undefined;
    students: { studentId: string }[];
  },
  discipline: string,
): Promise<string | null> {
  const d = ctx.viewer.districtId;
  const studentIds = input.students.map((s) => s.studentId);
  const problem = recordDateProblem(input.date, todayFor(ctx), 'session');
  if (problem) fieldError(['date'], problem);
  const starts = await firstServiceDays(ctx.db, d, studentIds, discipline);
  for (const [i, id] of studentIds.entries()) {
    const first = starts.get(id);
    if (first && input.date < first)
      fieldError(['date'], `The ${discipline} service of student ${i + 1} starts on ${first}`);
  }
  const finalised = (await finalisedPeriodsOf(ctx.db, d, studentIds)).map((p) => ({
    name: p.name,
    startsOn: p.starts_on,
    endsOn: p.ends_on,
  }));
  const period = finalisedPeriodOn(input.date, finalised);
  const reason = input.lateEntryReason?.trim() ?? '';
  if (!period) return null;
  if (reason.length < 3)
    fieldError(
      ['lateEntryReason'],
      `The report for ${period.name} is final: enter this as a late entry and say why`,
    );
  return reason;
}

/** A push-in's routine is in the students' school and, for a student with one, their homeroom. */
async function checkRoutinePlace(ctx: Ctx, routineId: string, studentIds: string[]) {
  const d = ctx.viewer.districtId;
  const routine = await routinePlace(ctx.db, d, routineId);
  if (!routine) fieldError(['routineId'], 'Choose a routine of this school');
  for (const student of await studentPlaces(ctx.db, d, studentIds)) {
    if (student.school_id !== routine.school_id)
      fieldError(['routineId'], 'Choose a routine of the students’ school');
    if (student.homeroom_id && student.homeroom_id !== routine.classroom_id)
      fieldError(['routineId'], 'Choose a routine of the students’ classroom');
  }
}

const loggers = roles('therapist', 'assistant');

export async function sessionSummaries(db: DB, viewer: Viewer): Promise<SessionSummary[]> {
  const data = await loadRecentSessions(db, viewer.districtId, viewer.id);
  const counts = new Map(
    data.observationCounts.map((c) => [`${c.session_id}/${c.student_id}`, Number(c.n)]),
  );
  return data.sessions.map((s) => {
    const needsCosign = s.created_by !== s.provider_id;
    return {
      id: s.id,
      date: s.session_date,
      startTime: s.start_time,
      endTime: s.end_time,
      minutes: Number(s.minutes),
      model: s.model as SessionModel,
      setting: s.setting as Setting,
      groupSize: Number(s.group_size),
      providerName: s.provider_name,
      createdByName: s.author_name,
      needsCosign,
      cosignedAt: s.cosigned_at,
      cosignedBy: s.cosigner_name ?? null,
      canCosign:
        needsCosign && s.cosigned_at === null && s.voided_at == null && s.provider_id === viewer.id,
      version: Number(s.version),
      lateEntryReason: s.late_entry_reason ?? null,
      voidedAt: s.voided_at ?? null,
      voidedBy: s.voider_name ?? null,
      voidReason: s.void_reason ?? null,
      students: data.records
        .filter((r) => r.session_id === s.id)
        .map((r) => ({
          studentId: r.student_id,
          name: `${r.first_name} ${r.last_name}`,
          attendance: r.attendance as AttendanceOutcome,
          note: r.note,
          signedAt: r.signed_at,
          signedBy: r.signer_name ?? null,
          amendments: data.amendments
            .filter((a) => a.session_id === s.id && a.student_id === r.student_id)
            .map((a) => ({ id: a.id, text: a.text, author: a.author_name, at: a.created_at })),
          observations: counts.get(`${s.id}/${r.student_id}`) ?? 0,
        })),
    };
  });
}

export const sessionsRouter = {
  /** Students the viewer may log for, their goals (their discipline's) and classroom routines. */
  context: roles('therapist', 'assistant', 'teacher').query(
    async ({ ctx, path }): Promise<SessionFormContext> => {
      const today = todayFor(ctx);
      const data = await loadSessionFormContext(ctx.db, ctx.viewer, today);
      const discipline = ctx.viewer.role === 'teacher' ? null : ctx.viewer.discipline;
      const supervisor =
        ctx.viewer.role === 'assistant'
          ? await staffSupervisor(ctx.db, ctx.viewer.districtId, ctx.viewer.id)
          : null;
      const linked =
        ctx.viewer.role === 'teacher'
          ? await goalsAtTeachersRoutines(
              ctx.db,
              ctx.viewer.districtId,
              ctx.viewer.id,
              data.goals.map((g) => g.id),
            )
          : null;
      const students = data.students.map((s) => ({
        id: s.id,
        name: `${s.first_name} ${s.last_name}`,
        grade: s.grade,
        homeroomId: s.homeroom_id,
        homeroom: s.homeroom_name ?? null,
        goals: data.goals
          .filter(
            (g) =>
              g.student_id === s.id &&
              (!discipline || g.discipline === discipline) &&
              (!linked || linked.has(g.id)),
          )
          .map((g) => ({
            id: g.id,
            discipline: g.discipline as Discipline,
            domain: g.domain,
            text: g.text,
            measurementType: g.measurement_type as MeasurementType,
            rubricMax: g.rubric_max,
          })),
      }));
      await recordStudentReads(
        ctx,
        path,
        students.map((s) => s.id),
      );
      const classrooms = classroomLabels(
        data.routines.map((r) => ({
          id: r.classroom_id,
          name: r.classroom_name,
          teacherName: r.teacher_name,
        })),
      );
      return {
        today,
        students,
        routines: data.routines.map((r) => ({
          id: r.id,
          name: r.name,
          classroomId: r.classroom_id,
          classroom: classrooms.get(r.classroom_id) ?? r.classroom_name,
        })),
        supervisorName: supervisor?.supervisor_name ?? null,
        finalisedPeriods: (
          await finalisedPeriodsOf(
            ctx.db,
            ctx.viewer.districtId,
            students.map((s) => s.id),
          )
        ).map((p) => ({
          studentId: p.student_id,
          name: p.name,
          startsOn: p.starts_on,
          endsOn: p.ends_on,
        })),
      };
    },
  ),

  /**
   * Logs one session for one or more students. Idempotent: a repeated submission with the same
   * key returns the stored session (`duplicate: true`) and writes nothing.
   */
  log: loggers.input(SessionLogInput).mutation(async ({ ctx, input, path }) => {
    const districtId = ctx.viewer.districtId;
    const studentIds = input.students.map((s) => s.studentId);
    for (const id of studentIds) await assertStudentInScope(ctx, id, path);

    const previous = await findSessionByKey(ctx.db, districtId, input.idempotencyKey);
    if (previous) {
      if (previous.created_by !== ctx.viewer.id) fieldError(['idempotencyKey'], 'Key already used');
      return { sessionId: previous.id, duplicate: true };
    }

    const provider = await providerFor(ctx, path);
    const lateEntryReason = await checkSessionDate(ctx, input, provider.discipline);
    if (input.routineId) await checkRoutinePlace(ctx, input.routineId, studentIds);
    const goals = new Map(
      (await goalsOfStudents(ctx.db, districtId, studentIds)).map((g) => [g.id, g]),
    );
    for (const [i, st] of input.students.entries()) {
      for (const [j, g] of st.goals.entries()) {
        const where = ['students', i, 'goals', j];
        checkGoalData(goals.get(g.goalId), st.studentId, g, where, provider.discipline);
      }
    }
    const services = await servicesOnDate(
      ctx.db,
      districtId,
      studentIds,
      provider.discipline,
      input.date,
    );
    const serviceOf = (studentId: string) =>
      (
        services.find((s) => s.student_id === studentId && s.provider_id === provider.id) ??
        services.find((s) => s.student_id === studentId)
      )?.id ?? null;

    const at = ctx.now().toISOString();
    const sessionId = newId();
    return writeTransaction(
      ctx.db,
      `session:${districtId}:${input.idempotencyKey}`,
      async (trx) => {
        // Checked again inside the transaction: a concurrent submission may have just committed.
        const raced = await findSessionByKey(trx, districtId, input.idempotencyKey);
        if (raced) return { sessionId: raced.id, duplicate: true };
        await insertSession(trx, {
          districtId,
          id: sessionId,
          date: input.date,
          startTime: input.startTime,
          endTime: input.endTime,
          minutes: minutesBetween(input.startTime, input.endTime),
          providerId: provider.id,
          createdBy: ctx.viewer.id,
          model: input.model,
          setting: input.setting,
          routineId: input.model === 'push_in' ? (input.routineId ?? null) : null,
          collaborationMode: input.model === 'push_in' ? (input.collaborationMode ?? null) : null,
          idempotencyKey: input.idempotencyKey,
          lateEntryReason,
          at,
          students: input.students.map((st) => ({
            studentId: st.studentId,
            serviceId: serviceOf(st.studentId),
            attendance: st.attendance,
            note: st.note,
            signed: input.sign,
          })),
          observations: input.students.flatMap((st) =>
            st.goals.map((g) => ({
              student_id: st.studentId,
              goal_id: g.goalId,
              observed_on: input.date,
              setting: input.setting,
              model: input.model,
              recorded_by: ctx.viewer.id,
              recorder_role: ctx.viewer.role,
              ...observationValues(g),
            })),
          ),
        });
        await recordAuditMany(trx, audits(ctx, path, 'session', sessionId, studentIds));
        return { sessionId, duplicate: false };
      },
    );
  }),

  /** The viewer's latest sessions (provided or logged), with notes, signatures and amendments. */
  recent: loggers.query(async ({ ctx, path }) => {
    const list = await sessionSummaries(ctx.db, ctx.viewer);
    await recordStudentReads(ctx, path, [
      ...new Set(list.flatMap((s) => s.students.map((st) => st.studentId))),
    ]);
    return list;
  }),

  /** Changes the note of an unsigned record. A signed note is refused: amend it instead. */
  updateNote: loggers.input(SessionNoteInput).mutation(async ({ ctx, input, path }) => {
    await ownRecord(ctx, input, path);
    const ref = { districtId: ctx.viewer.districtId, ...input };
    await writeTransaction(ctx.db, `note:${input.sessionId}:${input.studentId}`, async (trx) => {
      if (!(await updateUnsignedNote(trx, ref, input.note)))
        throw new TRPCError({ code: 'CONFLICT', message: SIGNED_IS_LOCKED });
      await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, [input.studentId]));
    });
    return { ok: true as const };
  }),

  /** Signs a student's note; it is locked from then on. Signing twice is refused. */
  sign: loggers.input(SessionStudentRef).mutation(async ({ ctx, input, path }) => {
    await ownRecord(ctx, input, path);
    const ref = { districtId: ctx.viewer.districtId, ...input };
    const at = ctx.now().toISOString();
    await writeTransaction(ctx.db, `note:${input.sessionId}:${input.studentId}`, async (trx) => {
      if (!(await signNote(trx, ref, ctx.viewer.id, at)))
        throw new TRPCError({ code: 'CONFLICT', message: ALREADY_SIGNED });
      await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, [input.studentId]));
    });
    return { signedAt: at };
  }),

  /** Adds an amendment (own author and time) to a signed note; the original stays as it was. */
  amend: loggers.input(SessionAmendInput).mutation(async ({ ctx, input, path }) => {
    const rec = await ownRecord(ctx, input, path);
    if (!rec.signed_at) throw new TRPCError({ code: 'CONFLICT', message: NOT_SIGNED_YET });
    const ref = { districtId: ctx.viewer.districtId, ...input };
    const at = ctx.now().toISOString();
    const id = await writeTransaction(ctx.db, null, async (trx) => {
      const amendmentId = await insertAmendment(trx, ref, input.text, ctx.viewer.id, at);
      // A correction after a billing export: the session's version moves on with it.
      await touchSession(trx, ref.districtId, input.sessionId, editorOf(ctx), ['amendment']);
      await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, [input.studentId]));
      return amendmentId;
    });
    return { amendmentId: id, at };
  }),

  /** The supervising therapist co-signs a session their assistant logged; once. */
  cosign: roles('therapist')
    .input(SessionRefInput)
    .mutation(async ({ ctx, input, path }) => {
      const row = await getSessionRow(ctx.db, ctx.viewer.districtId, input.sessionId);
      if (!row || !(await supervises(ctx, row))) {
        await recordDenied(ctx, { action: path, entity: 'session', entityId: input.sessionId });
        throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
      }
      if (row.voided_at) throw new TRPCError({ code: 'CONFLICT', message: VOIDED_IS_LOCKED });
      // Co-signing vouches for every student on the session: all must be in the co-signer's
      // scope (a scope check that fails denies, like everywhere else).
      const students = await sessionStudentIds(ctx.db, ctx.viewer.districtId, input.sessionId);
      for (const studentId of students) await assertStudentInScope(ctx, studentId, path);
      const at = ctx.now().toISOString();
      await writeTransaction(ctx.db, `cosign:${input.sessionId}`, async (trx) => {
        if (!(await cosignSession(trx, ctx.viewer.districtId, input.sessionId, ctx.viewer.id, at)))
          throw new TRPCError({ code: 'CONFLICT', message: ALREADY_COSIGNED });
        await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, students));
      });
      return { cosignedAt: at };
    }),

  /**
   * Edits a saved, unsigned draft at the version its form loaded: date, times, and each
   * student's attendance and note. A signed or voided session is refused; a stale save gets
   * CONFLICT naming who changed what.
   */
  editDraft: loggers.input(SessionDraftInput).mutation(async ({ ctx, input, path }) => {
    const row = await ownSession(ctx, input.sessionId, path);
    const students = await sessionStudentIds(ctx.db, ctx.viewer.districtId, input.sessionId);
    for (const id of students) await assertStudentInScope(ctx, id, path);
    if (row.voided_at) throw new TRPCError({ code: 'CONFLICT', message: VOIDED_IS_LOCKED });
    const records = await Promise.all(
      students.map((id) => getSessionStudent(ctx.db, ctx.viewer.districtId, input.sessionId, id)),
    );
    if (records.some((r) => r?.signed_at))
      throw new TRPCError({ code: 'CONFLICT', message: SIGNED_NOT_DRAFT });
    for (const [i, st] of input.students.entries())
      if (!students.includes(st.studentId))
        fieldError(['students', i, 'studentId'], 'This student is not on this session');
    const provider = await providerFor(ctx, path);
    const lateEntryReason = await checkSessionDate(
      ctx,
      {
        date: input.date,
        lateEntryReason: input.lateEntryReason,
        students: students.map((studentId) => ({ studentId })),
      },
      provider.discipline,
    );
    const result = await writeAtVersion(
      ctx,
      { action: path, entity: 'session', entityId: input.sessionId },
      async (trx) => {
        const saved = await updateDraftSession(
          trx,
          {
            districtId: ctx.viewer.districtId,
            sessionId: input.sessionId,
            expectedVersion: input.expectedVersion,
            date: input.date,
            startTime: input.startTime,
            endTime: input.endTime,
            minutes: minutesBetween(input.startTime, input.endTime),
            lateEntryReason,
            students: input.students,
          },
          editorOf(ctx),
        );
        await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, students));
        return saved;
      },
    );
    return { version: result.version, changed: result.changed };
  }),

  /** Signs every unsigned note of a session at once: a group session signed for all its students. */
  signAll: loggers.input(SessionRefInput).mutation(async ({ ctx, input, path }) => {
    const row = await ownSession(ctx, input.sessionId, path);
    const students = await sessionStudentIds(ctx.db, ctx.viewer.districtId, input.sessionId);
    for (const id of students) await assertStudentInScope(ctx, id, path);
    if (row.voided_at) throw new TRPCError({ code: 'CONFLICT', message: VOIDED_IS_LOCKED });
    const at = ctx.now().toISOString();
    const signed = await writeTransaction(ctx.db, `sign-all:${input.sessionId}`, async (trx) => {
      const ids = await signAllNotes(
        trx,
        ctx.viewer.districtId,
        input.sessionId,
        ctx.viewer.id,
        at,
      );
      if (ids.length === 0) throw new TRPCError({ code: 'CONFLICT', message: ALREADY_SIGNED });
      await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, ids));
      return ids;
    });
    return { signedAt: at, signed: signed.length };
  }),

  /**
   * Voids a signed session with a reason, once: it stays on record (shown struck through, with
   * who voided it, when and why) and leaves fidelity and billing. Its provider or its author
   * may void it; every student on it must be in their scope.
   */
  void: loggers.input(SessionVoidInput).mutation(async ({ ctx, input, path }) => {
    const row = await ownSession(ctx, input.sessionId, path);
    const students = await sessionStudentIds(ctx.db, ctx.viewer.districtId, input.sessionId);
    for (const id of students) await assertStudentInScope(ctx, id, path);
    if (row.voided_at) throw new TRPCError({ code: 'CONFLICT', message: ALREADY_VOIDED });
    const records = await Promise.all(
      students.map((id) => getSessionStudent(ctx.db, ctx.viewer.districtId, input.sessionId, id)),
    );
    if (!records.some((r) => r?.signed_at)) fieldError(['sessionId'], DRAFT_NOT_VOIDED);
    const editor = editorOf(ctx);
    await writeTransaction(ctx.db, `void:${input.sessionId}`, async (trx) => {
      if (!(await voidSession(trx, ctx.viewer.districtId, input.sessionId, input.reason, editor)))
        throw new TRPCError({ code: 'CONFLICT', message: ALREADY_VOIDED });
      await recordAuditMany(trx, audits(ctx, path, 'session', input.sessionId, students));
    });
    return { voidedAt: editor.at };
  }),

  /**
   * The supervising therapist's queue: sessions their assistants logged under them that wait
   * for a co-signature, oldest first, with each student's attendance, note and data.
   */
  cosignQueue: roles('therapist').query(async ({ ctx, path }): Promise<CosignQueueItem[]> => {
    const d = ctx.viewer.districtId;
    const data = await loadCosignQueue(ctx.db, d, ctx.viewer.id);
    const items: CosignQueueItem[] = data.sessions.map((s) => ({
      sessionId: s.id,
      date: s.session_date,
      startTime: s.start_time,
      endTime: s.end_time,
      minutes: Number(s.minutes),
      model: s.model as SessionModel,
      setting: s.setting,
      assistant: s.author_name,
      lateEntryReason: s.late_entry_reason ?? null,
      students: data.records
        .filter((r) => r.session_id === s.id)
        .map((r) => ({
          studentId: r.student_id,
          name: `${r.first_name} ${r.last_name}`,
          attendance: r.attendance as AttendanceOutcome,
          note: r.note,
          signedAt: r.signed_at,
          data: data.observations
            .filter((o) => o.session_id === s.id && o.student_id === r.student_id)
            .map((o) => ({
              goal: labels.domain[o.domain as GoalDomain] ?? o.domain,
              value: observationWords(o),
            })),
        })),
    }));
    await recordStudentReads(ctx, path, [
      ...new Set(items.flatMap((i) => i.students.map((st) => st.studentId))),
    ]);
    return items;
  }),

  /**
   * "Co-sign all checked": co-signs each of the sessions, all in one commit. Every one must be
   * the viewer's assistant's session with its students in scope (else NOT_FOUND, nothing
   * signed); those already co-signed meanwhile are reported, not signed twice.
   */
  cosignMany: roles('therapist')
    .input(CosignManyInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const ids = [...new Set(input.sessionIds)];
      const studentsOf = new Map<string, string[]>();
      for (const sessionId of ids) {
        const row = await getSessionRow(ctx.db, d, sessionId);
        if (!row || !(await supervises(ctx, row))) {
          await recordDenied(ctx, { action: path, entity: 'session', entityId: sessionId });
          throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
        }
        if (row.voided_at) throw new TRPCError({ code: 'CONFLICT', message: VOIDED_IS_LOCKED });
        const students = await sessionStudentIds(ctx.db, d, sessionId);
        for (const studentId of students) await assertStudentInScope(ctx, studentId, path);
        studentsOf.set(sessionId, students);
      }
      const at = ctx.now().toISOString();
      const already: string[] = [];
      await writeTransaction(ctx.db, `cosign-many:${ctx.viewer.id}`, async (trx) => {
        already.length = 0;
        for (const sessionId of ids) {
          if (!(await cosignSession(trx, d, sessionId, ctx.viewer.id, at))) {
            already.push(sessionId);
            continue;
          }
          await recordAuditMany(
            trx,
            audits(ctx, path, 'session', sessionId, studentsOf.get(sessionId) ?? []),
          );
        }
      });
      return { cosignedAt: at, cosigned: ids.length - already.length, alreadyCosigned: already };
    }),

  /**
   * A teacher's quick classroom probe of a goal of a student in their classroom. Idempotent when
   * it carries a key (the browser's outbox): a repeat returns the stored probe
   * (`duplicate: true`) and writes nothing.
   */
  probe: roles('teacher')
    .input(ClassroomProbeInput)
    .mutation(async ({ ctx, input, path }) => {
      const districtId = ctx.viewer.districtId;
      await assertStudentInScope(ctx, input.studentId, path);
      const key = input.idempotencyKey ?? null;
      if (key) {
        const previous = await findProbeByKey(ctx.db, districtId, key);
        if (previous) {
          if (previous.recorded_by !== ctx.viewer.id)
            fieldError(['idempotencyKey'], 'Key already used');
          return { observationId: previous.id, duplicate: true };
        }
      }
      const goals = await goalsOfStudents(ctx.db, districtId, [input.studentId]);
      const goal = goals.find((g) => g.id === input.data.goalId);
      checkGoalData(goal, input.studentId, input.data, ['data']);
      // A teacher's probe is classroom data for a goal worked on at one of their routines.
      const linked = await goalsAtTeachersRoutines(ctx.db, districtId, ctx.viewer.id, [goal!.id]);
      if (!linked.has(goal!.id))
        fieldError(
          ['data', 'goalId'],
          `${goalName(goal!)} is not linked to a routine of your classroom; its therapist records its data`,
        );
      const dateProblem = recordDateProblem(input.date, todayFor(ctx), 'probe');
      if (dateProblem) fieldError(['date'], dateProblem);
      if (input.date < goal!.start_date)
        fieldError(['date'], 'A probe cannot be dated before the goal starts');
      const model = goal!.current_model === 'split' ? 'push_in' : goal!.current_model;
      const at = ctx.now().toISOString();
      return writeTransaction(ctx.db, key && `probe:${districtId}:${key}`, async (trx) => {
        // Checked again inside the transaction: a concurrent send may have just committed.
        const raced = key ? await findProbeByKey(trx, districtId, key) : undefined;
        if (raced) return { observationId: raced.id, duplicate: true };
        const observationId = await insertProbe(trx, {
          district_id: districtId,
          student_id: input.studentId,
          goal_id: goal!.id,
          observed_on: input.date,
          setting: 'classroom',
          model,
          recorded_by: ctx.viewer.id,
          recorder_role: 'teacher',
          created_at: at,
          idempotency_key: key,
          ...observationValues(input.data),
        });
        await recordAuditMany(
          trx,
          audits(ctx, path, 'observation', observationId, [input.studentId]),
        );
        return { observationId, duplicate: false };
      });
    }),

  /**
   * Medicaid billing export: one row per student per session in [from, to] for the students in
   * scope, as CSV text. Every student in it is audited.
   */
  billingCsv: roles(...CSV_EXPORT_ROLES)
    .meta({ cost: 'export' })
    .input(BillingCsvInput)
    .query(async ({ ctx, input, path }) => {
      await checkBillingExport(ctx, input, path);
      const { filename, chunks } = billingCsvExport(ctx, input, path);
      return { filename, csv: await collectChunks(chunks) };
    }),
} satisfies TRPCRouterRecord;
