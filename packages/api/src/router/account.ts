import {
  claimTotpStep,
  confirmTotp,
  countUnusedRecoveryCodes,
  deleteUserSession,
  disableTotp,
  findStaffPasswordHash,
  findTotpState,
  listUserSessions,
  setPendingTotpSecret,
  setStaffPassword,
} from '@carryover/db';
import {
  ChangePasswordInput,
  ConfirmMfaInput,
  DisableMfaInput,
  EndSessionInput,
  mfaRequiredFor,
  PASSWORD_MESSAGES,
  passwordProblem,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import {
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  recoveryCodeHash,
  totpQrDataUrl,
  totpUri,
} from '../auth/mfa';
import { hashPassword, verifyPassword } from '../auth/password';
import { districtMfaRoles } from '../auth/session';
import { beginSession } from '../auth/sign-in';
import { passwordChecksFor } from '../auth/strength';
import { beginSignInAttempt, signInSucceeded } from '../auth/throttle';
import {
  type Context,
  fieldError,
  passwordProcedure,
  protectedProcedure,
  type Viewer,
} from '../trpc';

export const WRONG_CURRENT_PASSWORD = 'The current password is not right';
export const MFA_ALREADY_ENROLLED = 'Two-step sign-in is already on for your account';
export const MFA_REQUIRED_FOR_ROLE = 'Your role must use two-step sign-in; it cannot be turned off';
export const ENROL_CODE_WRONG =
  'That code is not right; check the time on your phone and try again';

/** The district's second-factor policy for the signed-in user's role. */
async function mfaRequired(ctx: Pick<Context, 'db'>, viewer: Viewer) {
  const row = await ctx.db
    .selectFrom('district')
    .select('settings')
    .where('id', '=', viewer.districtId)
    .executeTakeFirst();
  return mfaRequiredFor(viewer.role, { mfaRequiredRoles: districtMfaRoles(row?.settings ?? '') });
}

/** Guessing the current password is throttled like sign-in (per account and address). */
async function checkCurrentPassword(
  ctx: Parameters<typeof recordEvent>[0] & Pick<Context, 'ip'>,
  password: string,
  target: { action: string; entity: string; entityId: string },
) {
  const attempt = await beginSignInAttempt(
    ctx.db,
    { email: ctx.viewer.email, ip: ctx.ip },
    ctx.now(),
  );
  if (!attempt.allowed)
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many attempts. Wait 15 minutes and try again.',
    });
  const stored = await findStaffPasswordHash(ctx.db, ctx.viewer.districtId, ctx.viewer.id);
  if (!stored || !(await verifyPassword(password, stored))) {
    await recordEvent(ctx, target, 'denied');
    throw fieldError('currentPassword', WRONG_CURRENT_PASSWORD);
  }
  return attempt.attemptIds;
}

export const accountRouter = {
  /**
   * The signed-in user's own password. Guessing the current one is throttled like sign-in
   * (per account and address); the new one must meet the policy; every other session of the
   * user ends, the current one stays.
   */
  changePassword: protectedProcedure
    .input(ChangePasswordInput)
    .mutation(async ({ ctx, input, path }) => {
      const problem = passwordProblem(input.newPassword, passwordChecksFor(ctx.viewer));
      if (problem) throw fieldError('newPassword', PASSWORD_MESSAGES[problem]);
      if (input.newPassword === input.currentPassword.normalize('NFKC'))
        throw fieldError('newPassword', PASSWORD_MESSAGES.sameAsCurrent);
      const target = { action: path, entity: 'staff_user', entityId: ctx.viewer.id };
      const attemptIds = await checkCurrentPassword(ctx, input.currentPassword, target);
      const passwordHash = await hashPassword(input.newPassword);
      await ctx.db.transaction().execute(async (trx) => {
        await signInSucceeded(trx, attemptIds);
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

  /** Whether two-step sign-in is on, required, and how many recovery codes are left. */
  mfaStatus: passwordProcedure.query(async ({ ctx }) => {
    const { viewer } = ctx.account;
    const state = await findTotpState(ctx.db, viewer.districtId, viewer.id);
    return {
      enrolled: Boolean(state?.totp_secret),
      required: await mfaRequired(ctx, viewer),
      recoveryCodesLeft: state?.totp_secret
        ? await countUnusedRecoveryCodes(ctx.db, viewer.districtId, viewer.id)
        : 0,
    };
  }),

  /**
   * Starts enrolment: a new secret, as a QR code and as text for typing in. Shown only now;
   * once confirmed, no procedure returns it again. Open to a session that must enrol first.
   */
  mfaStart: passwordProcedure.mutation(async ({ ctx }) => {
    const { viewer } = ctx.account;
    const state = await findTotpState(ctx.db, viewer.districtId, viewer.id);
    if (state?.totp_secret)
      throw new TRPCError({ code: 'CONFLICT', message: MFA_ALREADY_ENROLLED });
    const secret = newTotpSecret();
    await setPendingTotpSecret(ctx.db, {
      districtId: viewer.districtId,
      userId: viewer.id,
      secret,
    });
    const uri = totpUri(secret, viewer.email);
    return { secret, uri, qrCode: await totpQrDataUrl(uri) };
  }),

  /**
   * Confirms enrolment with a code from the app; returns the ten recovery codes, once. A
   * session that was held at enrolment becomes a full one (with a fresh token).
   */
  mfaConfirm: passwordProcedure.input(ConfirmMfaInput).mutation(async ({ ctx, input, path }) => {
    const { viewer, sessionId, stage } = ctx.account;
    const user = { districtId: viewer.districtId, userId: viewer.id };
    const state = await findTotpState(ctx.db, viewer.districtId, viewer.id);
    if (state?.totp_secret)
      throw new TRPCError({ code: 'CONFLICT', message: MFA_ALREADY_ENROLLED });
    const secret = state?.totp_pending_secret;
    if (!secret) throw fieldError('code', 'Start again: scan a new QR code first');
    const step = matchTotp(secret, input.code, ctx.now());
    if (step === null || !(await claimTotpStep(ctx.db, { ...user, step })))
      throw fieldError('code', ENROL_CODE_WRONG);
    const codes = newRecoveryCodes();
    await ctx.db.transaction().execute(async (trx) => {
      await confirmTotp(trx, {
        ...user,
        secret,
        now: ctx.now().toISOString(),
        codeHashes: codes.map(recoveryCodeHash),
      });
      await recordEvent(
        { ...ctx, db: trx, viewer },
        { action: path, entity: 'staff_user', entityId: viewer.id },
        'ok',
      );
    });
    if (stage === 'enrol')
      await beginSession(
        { ...ctx, endSessionId: sessionId, endDistrictId: viewer.districtId },
        { id: viewer.id, districtId: viewer.districtId },
        'full',
      );
    return { recoveryCodes: codes };
  }),

  /** Turns two-step sign-in off (with the password), unless the district requires it. */
  mfaDisable: protectedProcedure.input(DisableMfaInput).mutation(async ({ ctx, input, path }) => {
    if (await mfaRequired(ctx, ctx.viewer))
      throw new TRPCError({ code: 'FORBIDDEN', message: MFA_REQUIRED_FOR_ROLE });
    const target = { action: path, entity: 'staff_user', entityId: ctx.viewer.id };
    const attemptIds = await checkCurrentPassword(ctx, input.currentPassword, target);
    await ctx.db.transaction().execute(async (trx) => {
      await signInSucceeded(trx, attemptIds);
      await disableTotp(trx, ctx.viewer.districtId, ctx.viewer.id);
      await recordEvent({ ...ctx, db: trx }, target, 'ok');
    });
    return { ok: true as const };
  }),

  /** The user's own sessions: device, address, when started and last seen. */
  sessions: protectedProcedure.query(async ({ ctx }) => {
    const rows = await listUserSessions(ctx.db, ctx.viewer.districtId, ctx.viewer.id);
    return rows.map((r) => ({
      id: r.id,
      current: r.id === ctx.sessionId,
      userAgent: r.user_agent ?? null,
      address: r.address ?? null,
      startedAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      stage: r.stage ?? 'full',
    }));
  }),

  /** Ends one of the user's own sessions (another user's answers NOT_FOUND). */
  endSession: protectedProcedure.input(EndSessionInput).mutation(async ({ ctx, input, path }) => {
    const ended = await deleteUserSession(ctx.db, {
      districtId: ctx.viewer.districtId,
      userId: ctx.viewer.id,
      id: input.sessionId,
    });
    const target = { action: path, entity: 'session', entityId: null };
    if (!ended) {
      await recordEvent(ctx, target, 'denied');
      throw new TRPCError({ code: 'NOT_FOUND', message: 'No such session of yours.' });
    }
    await recordEvent(ctx, target, 'ok');
    if (input.sessionId === ctx.sessionId) ctx.clearCookie();
    return { ok: true as const };
  }),
} satisfies TRPCRouterRecord;
