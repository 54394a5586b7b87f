import {
  createStaffUser,
  emailTaken,
  emailTakenByOther,
  existingSchoolIds,
  findActiveStaff,
  listSchoolsAndClassrooms,
  listStaffDetailed,
  SETUP_PENDING_HASH,
  staffDependents,
  updateStaffAtVersion,
} from '@carryover/db';
import { StaffCreateInput, StaffSetupLinkInput, StaffUpdateInput } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordDenied, recordEvent } from '../audit';
import { newSetupLinkToken } from '../auth/setup-link';
import { editorOf, writeAtVersion } from '../conflict';
import { type Context, fieldError, roles, todayFor, type Viewer } from '../trpc';

// The People page (issue 14): the admin adds staff (who set their own first password through a
// one-time setup link, as `carryover create-admin` does), edits their role, discipline, schools
// and an assistant's supervisor at the version the form loaded, and deactivates them
// (admin.setUserActive). Staff rows are not student records: each write is one audit event on
// the staff member.

const adminProcedure = roles('admin');

export const STAFF_NOT_FOUND = 'No such staff member.';

type Ctx = Pick<Context, 'db' | 'log' | 'now'> & { viewer: Viewer };

/** Schools of the district and a supervisor that fits: shared by create and update. */
async function checkPlaces(
  ctx: Ctx,
  input: { schoolIds: string[]; supervisorId: string | null; discipline: string | null },
): Promise<string[]> {
  const d = ctx.viewer.districtId;
  const schools = await existingSchoolIds(ctx.db, d, input.schoolIds);
  if (schools.length !== new Set(input.schoolIds).size)
    fieldError('schoolIds', 'Choose schools of your district');
  if (input.supervisorId) {
    const supervisor = await findActiveStaff(ctx.db, d, input.supervisorId);
    if (supervisor?.role !== 'therapist' || supervisor.discipline !== input.discipline)
      fieldError('supervisorId', 'Choose an active therapist of the same discipline');
  }
  return schools;
}

export const peopleRouter = {
  /** Staff with role, discipline, schools and supervisor; the district's schools to choose. */
  list: adminProcedure.query(async ({ ctx }) => {
    const d = ctx.viewer.districtId;
    const [staff, places] = await Promise.all([
      listStaffDetailed(ctx.db, d),
      listSchoolsAndClassrooms(ctx.db, d),
    ]);
    return { staff, schools: places.schools };
  }),

  /** A new staff member with no password: returns their one-time setup link's token. */
  create: adminProcedure.input(StaffCreateInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const schools = await checkPlaces(ctx, input);
    if (await emailTaken(ctx.db, input.email))
      fieldError('email', 'An account with this email already exists');
    const now = ctx.now();
    const userId = await ctx.db.transaction().execute(async (trx) => {
      const id = await createStaffUser(trx, {
        districtId: d,
        name: input.name,
        email: input.email,
        role: input.role,
        discipline: input.discipline,
        supervisorId: input.supervisorId,
        // Not a scrypt hash: no password matches it until the setup link sets one.
        passwordHash: SETUP_PENDING_HASH,
        schoolIds: schools,
        createdAt: now.toISOString(),
      });
      await recordEvent(
        { ...ctx, db: trx },
        { action: path, entity: 'staff_user', entityId: id },
        'ok',
      );
      return id;
    });
    const link = await newSetupLinkToken(ctx.db, { districtId: d, userId }, now);
    return { id: userId, setupToken: link.token, expiresAt: link.expiresAt };
  }),

  /** A new setup link for someone who has not set their password yet (the old one stops working). */
  setupLink: adminProcedure.input(StaffSetupLinkInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const staff = (await listStaffDetailed(ctx.db, d)).find((s) => s.id === input.userId);
    const target = { action: path, entity: 'staff_user', entityId: input.userId };
    if (!staff) {
      await recordDenied(ctx, target);
      throw new TRPCError({ code: 'NOT_FOUND', message: STAFF_NOT_FOUND });
    }
    if (!staff.setupPending || !staff.active)
      fieldError(
        'userId',
        'They have set their password; they can change it on their Account page',
      );
    const link = await newSetupLinkToken(
      ctx.db,
      { districtId: d, userId: input.userId },
      ctx.now(),
    );
    await recordEvent(ctx, target, 'ok');
    return { setupToken: link.token, expiresAt: link.expiresAt };
  }),

  /** Saves an edit at the version the form loaded; CONFLICT (who changed what) otherwise. */
  update: adminProcedure.input(StaffUpdateInput).mutation(async ({ ctx, input, path }) => {
    const d = ctx.viewer.districtId;
    const target = { action: path, entity: 'staff_user', entityId: input.userId };
    const existing = (await listStaffDetailed(ctx.db, d)).find((s) => s.id === input.userId);
    if (!existing) {
      await recordDenied(ctx, target);
      throw new TRPCError({ code: 'NOT_FOUND', message: STAFF_NOT_FOUND });
    }
    if (input.userId === ctx.viewer.id && input.role !== 'admin')
      fieldError('role', 'You cannot change your own role: the district would lose its admin');
    if (input.supervisorId === input.userId)
      fieldError('supervisorId', 'Someone cannot supervise themself');
    const schools = await checkPlaces(ctx, input);
    if (await emailTakenByOther(ctx.db, input.email, input.userId))
      fieldError('email', 'An account with this email already exists');
    // A therapist who stops being one (or changes discipline) leaves services and assistants.
    const leavesWork =
      existing.role === 'therapist' &&
      (input.role !== 'therapist' || input.discipline !== existing.discipline);
    if (leavesWork) {
      const deps = await staffDependents(ctx.db, d, input.userId, todayFor(ctx));
      if (deps.services > 0)
        fieldError(
          input.role !== 'therapist' ? 'role' : 'discipline',
          `They provide ${deps.services} current service${deps.services === 1 ? '' : 's'}: give them another provider first (Students)`,
        );
      if (deps.assistants > 0)
        fieldError(
          input.role !== 'therapist' ? 'role' : 'discipline',
          `They supervise ${deps.assistants} assistant${deps.assistants === 1 ? '' : 's'}: give them another supervisor first`,
        );
    }
    return writeAtVersion(ctx, target, async (trx) => {
      const saved = await updateStaffAtVersion(
        trx,
        {
          districtId: d,
          userId: input.userId,
          expectedVersion: input.expectedVersion,
          editor: editorOf(ctx),
        },
        { ...input, schoolIds: schools },
      );
      await recordEvent({ ...ctx, db: trx }, target, 'ok');
      return { version: saved.version, changed: saved.changed };
    });
  }),
} satisfies TRPCRouterRecord;
