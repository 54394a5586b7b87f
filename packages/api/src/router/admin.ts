import {
  compactAfterDeletion,
  createStaffUser,
  deleteStudentRecord,
  emailTaken,
  existingSchoolIds,
  findActiveStaff,
  findStudentName,
  listStaff,
  loadAccessRecord,
  loadStudentRecord,
  setStaffActive,
} from '@carryover/db';
import {
  accessActionWords,
  CreateUserInput,
  confirmsName,
  csvDocument,
  DeleteStudentInput,
  ExportAccessRecordInput,
  type ExportedFile,
  ExportStudentRecordInput,
  PASSWORD_MESSAGES,
  passwordProblem,
  SetUserActiveInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent, recordStudentReads } from '../audit';
import { hashPassword } from '../auth/password';
import { passwordChecksFor } from '../auth/strength';
import { assertStudentInScope, STUDENT_NOT_FOUND } from '../scope';
import { fieldError, roles, todayFor } from '../trpc';

// The district admin's procedures: staff accounts, and a student's records (FERPA; IDEA
// §300.613 inspection, §300.614 record of access, retention). Role first (FORBIDDEN for any
// other role, audited), then the input, then scope: the admin's own district, the same
// NOT_FOUND for another district's or a missing student.

export const CONFIRM_NAME_MISMATCH = "That is not the student's full name";

const adminProcedure = roles('admin');

export const adminRouter = {
  /** A staff member in the admin's district; the password must meet the policy. */
  createUser: adminProcedure.input(CreateUserInput).mutation(async ({ ctx, input, path }) => {
    const problem = passwordProblem(
      input.password,
      passwordChecksFor({
        email: input.email,
        name: input.name,
        districtName: ctx.viewer.districtName,
      }),
    );
    if (problem) throw fieldError('password', PASSWORD_MESSAGES[problem]);
    const d = ctx.viewer.districtId;
    const schools = await existingSchoolIds(ctx.db, d, input.schoolIds);
    if (schools.length !== new Set(input.schoolIds).size)
      throw fieldError('schoolIds', 'Choose schools of your district');
    if (input.supervisorId) {
      const supervisor = await findActiveStaff(ctx.db, d, input.supervisorId);
      if (supervisor?.role !== 'therapist' || supervisor.discipline !== input.discipline)
        throw fieldError('supervisorId', 'Choose an active therapist of the same discipline');
    }
    if (await emailTaken(ctx.db, input.email))
      throw fieldError('email', 'An account with this email already exists');
    const passwordHash = await hashPassword(input.password);
    const id = await ctx.db.transaction().execute(async (trx) => {
      const userId = await createStaffUser(trx, {
        districtId: d,
        name: input.name,
        email: input.email,
        role: input.role,
        discipline: input.discipline,
        supervisorId: input.supervisorId,
        passwordHash,
        schoolIds: schools,
        createdAt: ctx.now().toISOString(),
      });
      await recordEvent(
        { ...ctx, db: trx },
        { action: path, entity: 'staff_user', entityId: userId },
        'ok',
      );
      return userId;
    });
    return { id };
  }),

  /** The district's staff: the People list (no passwords, no secrets). */
  users: adminProcedure.query(({ ctx }) => listStaff(ctx.db, ctx.viewer.districtId)),

  /**
   * Deactivates (or reactivates) a staff member of the admin's district. Deactivating ends
   * every session of theirs at once and forgets their devices; they cannot sign in until
   * reactivated. An admin cannot deactivate themself (the district would lose its admin).
   */
  setUserActive: adminProcedure.input(SetUserActiveInput).mutation(async ({ ctx, input, path }) => {
    if (input.userId === ctx.viewer.id && !input.active)
      throw fieldError('userId', 'You cannot deactivate your own account');
    const target = { action: path, entity: 'staff_user', entityId: input.userId };
    const done = await ctx.db.transaction().execute(async (trx) => {
      const changed = await setStaffActive(trx, {
        districtId: ctx.viewer.districtId,
        userId: input.userId,
        active: input.active,
      });
      if (changed) await recordEvent({ ...ctx, db: trx }, target, 'ok');
      return changed;
    });
    if (!done) {
      await recordEvent(ctx, target, 'denied');
      throw new TRPCError({ code: 'NOT_FOUND', message: 'No such staff member.' });
    }
    return { ok: true as const };
  }),

  /** IDEA §300.614: who obtained access to the student's record, when, and what they did. */
  exportAccessRecord: adminProcedure
    .meta({ cost: 'export' })
    .input(ExportAccessRecordInput)
    .query(async ({ ctx, input, path }): Promise<ExportedFile> => {
      await assertStudentInScope(ctx, input.studentId, path);
      const rows = await loadAccessRecord(ctx.db, ctx.viewer.districtId, input.studentId);
      const target = {
        action: path,
        entity: 'student',
        entityId: input.studentId,
        studentId: input.studentId,
      };
      await recordEvent(ctx, target, 'ok');
      const base = `access-record-${input.studentId}-${todayFor(ctx)}`;
      if (input.format === 'json') {
        return {
          filename: `${base}.json`,
          contentType: 'application/json',
          content: JSON.stringify(
            {
              studentId: input.studentId,
              exportedAt: ctx.now().toISOString(),
              // `what` names the action in words; `action` keeps the code an auditor may query.
              events: rows.map((r) => ({ ...r, what: accessActionWords(r.action) })),
            },
            null,
            2,
          ),
        };
      }
      return {
        filename: `${base}.csv`,
        contentType: 'text/csv',
        content: csvDocument(
          ['when (UTC)', 'who', 'role', 'what', 'outcome'],
          rows.map((r) => [
            r.at,
            r.actorName ?? '(removed account)',
            r.actorRole ?? '',
            accessActionWords(r.action),
            r.outcome,
          ]),
        ),
      };
    }),

  /** The whole record, as a parent may inspect it (IDEA §300.613), as one JSON file. */
  exportStudentRecord: adminProcedure
    .meta({ cost: 'export' })
    .input(ExportStudentRecordInput)
    .query(async ({ ctx, input, path }): Promise<ExportedFile> => {
      await assertStudentInScope(ctx, input.studentId, path);
      const record = await loadStudentRecord(ctx.db, ctx.viewer.districtId, input.studentId);
      if (!record) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
      const target = {
        action: path,
        entity: 'student',
        entityId: input.studentId,
        studentId: input.studentId,
      };
      await recordEvent(ctx, target, 'ok');
      return {
        filename: `student-record-${input.studentId}-${todayFor(ctx)}.json`,
        contentType: 'application/json',
        content: JSON.stringify(
          {
            exportedAt: ctx.now().toISOString(),
            district: ctx.viewer.districtName,
            note: 'Every row Carryover holds about this student. The record of access is a separate export.',
            ...record,
          },
          null,
          2,
        ),
      };
    }),

  /**
   * Retention: removes the student and every row of their record, confirmed by retyping the
   * student's full name. The audit trail keeps one deletion event; the student's earlier
   * events lose their link to the student (the chain still verifies). Returns where other
   * students' notes, narratives and touch-base notes name the student, for the admin to review;
   * on SQLite the file is then vacuumed, so the deleted rows leave no readable bytes.
   */
  deleteStudent: adminProcedure.input(DeleteStudentInput).mutation(async ({ ctx, input, path }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    const student = await findStudentName(ctx.db, ctx.viewer.districtId, input.studentId);
    if (!student) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    if (!confirmsName(input.confirmName, student.first_name, student.last_name))
      throw fieldError('confirmName', CONFIRM_NAME_MISMATCH);
    const result = await deleteStudentRecord(ctx.db, {
      districtId: ctx.viewer.districtId,
      studentId: input.studentId,
      actorId: ctx.viewer.id,
      action: path,
      at: ctx.now().toISOString(),
    });
    if (!result) throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
    // The list shows excerpts of other students' notes: those are reads of their records.
    const mentioned = result.mentions.flatMap((m) => (m.studentId ? [m.studentId] : []));
    await recordStudentReads(ctx, path, [...new Set(mentioned)]);
    await compactAfterDeletion(ctx.db, ctx.dialect);
    return {
      deleted: result.deleted,
      redactedEvents: result.redactedEvents,
      mentions: result.mentions,
    };
  }),
} satisfies TRPCRouterRecord;
