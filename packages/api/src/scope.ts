import {
  overseesEverySchool,
  type ScopeViewer,
  studentExists,
  studentInScope,
} from '@carryover/db';
import { StudentGetInput } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { recordDenied, recordEvent } from './audit';
import { type Context, protectedProcedure, todayFor, type Viewer } from './trpc';

// Scope: which students the signed-in viewer may see (rules in @carryover/db queries/scope).
// A student out of scope, in another district or missing gets the same NOT_FOUND, so an id
// reveals nothing; and a scope check that fails for any reason denies.

export const STUDENT_NOT_FOUND = 'Student not found';

type ScopeContext = Pick<Context, 'db' | 'log' | 'now'> & { viewer: Viewer };

export async function canSeeStudent(ctx: ScopeContext, studentId: string): Promise<boolean> {
  try {
    return await studentInScope(ctx.db, ctx.viewer, studentId, todayFor(ctx));
  } catch (err) {
    ctx.log.error('scope check failed; denying', err);
    return false;
  }
}

/**
 * The viewer whose scope rule a district-sized list uses: a coordinator of every school sees
 * exactly the students an admin sees, so their lists take the admin's rule — no join through
 * their schools, and a page of names straight from the district's name index instead of a sort
 * of the whole scope. Anyone else keeps their own rule.
 */
export async function listScopeViewer(ctx: ScopeContext): Promise<ScopeViewer> {
  return (await overseesEverySchool(ctx.db, ctx.viewer))
    ? { id: ctx.viewer.id, districtId: ctx.viewer.districtId, role: 'admin' }
    : ctx.viewer;
}

/**
 * Checks scope, records the refusal, throws NOT_FOUND. `action` is the procedure path.
 * The event names the student only when the id is one of this district's students.
 */
export async function assertStudentInScope(
  ctx: ScopeContext,
  studentId: string,
  action: string,
): Promise<void> {
  if (await canSeeStudent(ctx, studentId)) return;
  let known = false;
  try {
    known = await studentExists(ctx.db, ctx.viewer.districtId, studentId);
  } catch {
    // The refusal is what matters; the trail just loses the link to the student.
  }
  await recordDenied(ctx, {
    action,
    entity: 'student',
    entityId: studentId,
    studentId: known ? studentId : null,
  });
  throw new TRPCError({ code: 'NOT_FOUND', message: STUDENT_NOT_FOUND });
}

/**
 * The base for every procedure about one student: input `{ studentId }` (extend it with
 * `.input(...)`), scope checked and the access audited — `ok` once the resolver succeeded
 * (before the data is sent), `error` if it threw, `denied` when out of scope.
 */
export const studentProcedure = protectedProcedure
  .input(StudentGetInput)
  .use(async ({ ctx, input, path, next }) => {
    await assertStudentInScope(ctx, input.studentId, path);
    const result = await next();
    const target = {
      action: path,
      entity: 'student',
      entityId: input.studentId,
      studentId: input.studentId,
    };
    await recordEvent(ctx, target, result.ok ? 'ok' : 'error');
    return result;
  });
