import { findStaffPasswordHash, setStaffPassword } from '@carryover/db';
import { ChangePasswordInput, PASSWORD_MESSAGES, passwordProblem } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import { hashPassword, verifyPassword } from '../auth/password';
import { beginSignInAttempt, signInSucceeded } from '../auth/throttle';
import { isCommonPassword } from '../data/breached';
import { fieldError, protectedProcedure } from '../trpc';

export const WRONG_CURRENT_PASSWORD = 'The current password is not right';

export const accountRouter = {
  /**
   * The signed-in user's own password. Guessing the current one is throttled like sign-in
   * (per account and address); the new one must meet the policy; every other session of the
   * user ends, the current one stays.
   */
  changePassword: protectedProcedure
    .input(ChangePasswordInput)
    .mutation(async ({ ctx, input, path }) => {
      const problem = passwordProblem(input.newPassword, isCommonPassword);
      if (problem) throw fieldError('newPassword', PASSWORD_MESSAGES[problem]);
      if (input.newPassword === input.currentPassword.normalize('NFC'))
        throw fieldError('newPassword', PASSWORD_MESSAGES.sameAsCurrent);

      const attempt = await beginSignInAttempt(ctx.db, ctx.viewer.email, ctx.ip, ctx.now());
      if (!attempt.allowed)
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: 'Too many attempts. Wait 15 minutes and try again.',
        });
      const stored = await findStaffPasswordHash(ctx.db, ctx.viewer.districtId, ctx.viewer.id);
      const target = { action: path, entity: 'staff_user', entityId: ctx.viewer.id };
      if (!stored || !(await verifyPassword(input.currentPassword, stored))) {
        await recordEvent(ctx, target, 'denied');
        throw fieldError('currentPassword', WRONG_CURRENT_PASSWORD);
      }
      const passwordHash = await hashPassword(input.newPassword);
      await ctx.db.transaction().execute(async (trx) => {
        await signInSucceeded(trx, attempt.attemptIds);
        await setStaffPassword(trx, {
          districtId: ctx.viewer.districtId,
          userId: ctx.viewer.id,
          passwordHash,
          keepSessionId: ctx.sessionId,
        });
        await recordEvent({ ...ctx, db: trx }, target, 'ok');
      });
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
