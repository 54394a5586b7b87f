import {
  createStaffUser,
  deleteStudentRecord,
  emailTaken,
  existingSchoolIds,
  findActiveStaff,
  findStudentName,
  loadAccessRecord,
  loadStudentRecord,
} from '@carryover/db';
import {
  CreateUserInput,
  confirmsName,
  DeleteStudentInput,
  ExportAccessRecordInput,
  type ExportedFile,
  ExportStudentRecordInput,
  PASSWORD_MESSAGES,
  passwordProblem,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import { hashPassword } from '../auth/password';
import { isCommonPassword } from '../data/breached';
import { assertStudentInScope, STUDENT_NOT_FOUND } from '../scope';
import { fieldError, roles } from '../trpc';

// The district admin's procedures: staff accounts, and a student's records (FERPA; IDEA
// §300.613 inspection, §300.614 record of access, retention). Role first (FORBIDDEN for any
// other role, audited), then the input, then scope: the admin's own district, the same
// NOT_FOUND for another district's or a missing student.

export const CONFIRM_NAME_MISMATCH = "That is not the student's full name";

const adminProcedure = roles('admin');

/** A cell that a spreadsheet cannot mistake for a formula, quoted when needed. */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly unknown[][]): string {
  return [header, ...rows]
    .map((r) => r.map(csvCell).join(','))
    .join('\r\n')
    .concat('\r\n');
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export const adminRouter = {
  /** A staff member in the admin's district; the password must meet the policy. */
  createUser: adminProcedure.input(CreateUserInput).mutation(async ({ ctx, input, path }) => {
    const problem = passwordProblem(input.password, isCommonPassword);
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
      const base = `access-record-${input.studentId}-${day(ctx.now())}`;
      if (input.format === 'json') {
        return {
          filename: `${base}.json`,
          contentType: 'application/json',
          content: JSON.stringify(
            { studentId: input.studentId, exportedAt: ctx.now().toISOString(), events: rows },
            null,
            2,
          ),
        };
      }
      return {
        filename: `${base}.csv`,
        contentType: 'text/csv',
        content: toCsv(
          ['when (UTC)', 'who', 'role', 'what', 'outcome'],
          rows.map((r) => [
            r.at,
            r.actorName ?? '(removed account)',
            r.actorRole ?? '',
            r.action,
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
        filename: `student-record-${input.studentId}-${day(ctx.now())}.json`,
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
   * events lose their link to the student (the chain still verifies).
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
    return { deleted: result.deleted, redactedEvents: result.redactedEvents };
  }),
} satisfies TRPCRouterRecord;
