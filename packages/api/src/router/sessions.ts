import {
  type AuditInput,
  cosignSession,
  type DB,
  findSessionByKey,
  getSessionRow,
  getSessionStudent,
  goalsOfStudents,
  insertAmendment,
  insertProbe,
  insertSession,
  loadBillingRows,
  loadRecentSessions,
  loadSessionFormContext,
  newId,
  recordAuditMany,
  routineInDistrict,
  servicesOnDate,
  sessionStudentIds,
  signNote,
  staffSupervisor,
  updateUnsignedNote,
  writeTransaction,
} from '@carryover/db';
import {
  type AttendanceOutcome,
  type BillingRow,
  billingCsv,
  ClassroomProbeInput,
  type Discipline,
  type GoalDataInput,
  goalDataProblem,
  IsoDate,
  levelOfAssistance,
  type MeasurementType,
  minutesBetween,
  promptLevels,
  SessionAmendInput,
  type SessionFormContext,
  SessionLogInput,
  type SessionModel,
  SessionNoteInput,
  SessionRefInput,
  SessionStudentRef,
  type SessionSummary,
  type Setting,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { recordDenied, recordStudentReads } from '../audit';
import { assertStudentInScope } from '../scope';
import { type Context, fieldError, roles, todayFor, type Viewer } from '../trpc';

// Session logging, signing, amendments, co-signing, teachers' classroom probes and the
// per-student session export for Medicaid billing.

export const SESSION_NOT_FOUND = 'Session not found';
export const ALREADY_SIGNED = 'This note is already signed.';
export const SIGNED_IS_LOCKED = 'A signed note is locked. Add an amendment instead.';
export const NOT_SIGNED_YET = 'Only a signed note is amended. Edit the note, then sign it.';
export const ALREADY_COSIGNED = 'This session is already co-signed.';

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

function checkGoalData(
  goal: GoalRow | undefined,
  studentId: string,
  data: GoalDataInput,
  path: (string | number)[],
) {
  // A goal of another student (or district) reads exactly like a missing one.
  if (!goal || goal.student_id !== studentId)
    fieldError([...path, 'goalId'], 'This goal is not one of this student’s goals');
  const problem = goalDataProblem(
    { measurementType: goal.measurement_type as MeasurementType, rubricMax: goal.rubric_max },
    data,
  );
  if (problem) fieldError(path, problem);
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
      canCosign: needsCosign && s.cosigned_at === null && s.provider_id === viewer.id,
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
      const students = data.students.map((s) => ({
        id: s.id,
        name: `${s.first_name} ${s.last_name}`,
        grade: s.grade,
        homeroomId: s.homeroom_id,
        homeroom: s.homeroom_name ?? null,
        goals: data.goals
          .filter((g) => g.student_id === s.id && (!discipline || g.discipline === discipline))
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
      return {
        today,
        students,
        routines: data.routines.map((r) => ({
          id: r.id,
          name: r.name,
          classroomId: r.classroom_id,
          classroom: r.classroom_name,
        })),
        supervisorName: supervisor?.supervisor_name ?? null,
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
    if (input.routineId && !(await routineInDistrict(ctx.db, districtId, input.routineId)))
      fieldError(['routineId'], 'Choose a routine of this school');
    const goals = new Map(
      (await goalsOfStudents(ctx.db, districtId, studentIds)).map((g) => [g.id, g]),
    );
    for (const [i, st] of input.students.entries()) {
      for (const [j, g] of st.goals.entries()) {
        checkGoalData(goals.get(g.goalId), st.studentId, g, ['students', i, 'goals', j]);
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
      if (!row || row.provider_id !== ctx.viewer.id || row.created_by === ctx.viewer.id) {
        await recordDenied(ctx, { action: path, entity: 'session', entityId: input.sessionId });
        throw new TRPCError({ code: 'NOT_FOUND', message: SESSION_NOT_FOUND });
      }
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

  /** A teacher's quick classroom probe of a goal of a student in their classroom. */
  probe: roles('teacher')
    .input(ClassroomProbeInput)
    .mutation(async ({ ctx, input, path }) => {
      const districtId = ctx.viewer.districtId;
      await assertStudentInScope(ctx, input.studentId, path);
      const goals = await goalsOfStudents(ctx.db, districtId, [input.studentId]);
      const goal = goals.find((g) => g.id === input.data.goalId);
      checkGoalData(goal, input.studentId, input.data, ['data']);
      if (input.date > todayFor(ctx)) fieldError(['date'], 'A probe cannot be dated in the future');
      const model = goal!.current_model === 'split' ? 'push_in' : goal!.current_model;
      const at = ctx.now().toISOString();
      const id = await writeTransaction(ctx.db, null, async (trx) => {
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
          ...observationValues(input.data),
        });
        await recordAuditMany(
          trx,
          audits(ctx, path, 'observation', observationId, [input.studentId]),
        );
        return observationId;
      });
      return { observationId: id };
    }),

  /**
   * Medicaid billing export: one row per student per session in [from, to] for the students in
   * scope, as CSV text. Every student in it is audited.
   */
  billingCsv: roles('therapist', 'assistant', 'coordinator', 'admin')
    .meta({ cost: 'export' })
    .input(
      z.object({ from: IsoDate, to: IsoDate }).refine((p) => p.from <= p.to, {
        path: ['to'],
        message: 'The period ends before it starts',
      }),
    )
    .query(async ({ ctx, input, path }) => {
      const today = todayFor(ctx);
      const { rows, data } = await loadBillingRows(ctx.db, ctx.viewer, today, input.from, input.to);
      const dataOf = new Map<string, typeof data>();
      for (const d of data) {
        const key = `${d.session_id}/${d.student_id}`;
        dataOf.set(key, [...(dataOf.get(key) ?? []), d]);
      }
      const out: BillingRow[] = rows.map((r) => ({
        studentId: r.student_id,
        student: `${r.first_name} ${r.last_name}`,
        date: r.session_date,
        begin: r.start_time,
        end: r.end_time,
        minutes: Number(r.minutes),
        service: r.service_discipline ?? r.provider_discipline ?? '',
        model: r.model,
        setting: r.setting,
        groupSize: Number(r.group_size),
        attendance: r.attendance,
        levelOfAssistance: levelOfAssistance(
          (dataOf.get(`${r.session_id}/${r.student_id}`) ?? []).map((d) => ({
            promptLevel: d.prompt_level,
            prompted: d.trials_prompted,
            correct: d.trials_correct,
          })),
          promptLevels,
        ),
        provider: r.provider_name,
        signedBy: r.signer_name ?? null,
        signedAt: r.signed_at,
        cosignedBy: r.cosigner_name ?? null,
        cosignedAt: r.cosigned_at,
      }));
      await recordStudentReads(ctx, path, [...new Set(out.map((r) => r.studentId))]);
      return { filename: `session-log_${input.from}_${input.to}.csv`, csv: billingCsv(out) };
    }),
} satisfies TRPCRouterRecord;
