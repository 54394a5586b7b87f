import {
  claimTotpStep,
  countLoginFailures,
  deleteAuthSession,
  findSessionIdentityProvider,
  findStaffForSignIn,
  findTotpState,
  findUsableSetupToken,
  isKnownDevice,
  listEnabledIdentityProviders,
  markLoginAttemptsOk,
  recordLoginAttempt,
  setStaffPassword,
  useRecoveryCode,
  useSetupToken,
} from '@carryover/db';
import {
  CompleteSetupInput,
  type Discipline,
  DistrictSettings,
  mfaRequiredFor,
  normalizeRecoveryCode,
  PASSWORD_MESSAGES,
  passwordProblem,
  type Role,
  SetupLinkInput,
  SignInInput,
  VerifyMfaInput,
  type Viewer,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import { matchTotp, recoveryCodeHash } from '../auth/mfa';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/password';
import {
  districtMfaRoles,
  districtTimezone,
  type SessionStage,
  sessionIdFor,
} from '../auth/session';
import { auditSignIn, beginSession, knownDeviceId } from '../auth/sign-in';
import { endSessionUrlFor } from '../auth/sso';
import { passwordChecksFor } from '../auth/strength';
import { beginSignInAttempt, recordMalformedSignIn, signInSucceeded } from '../auth/throttle';
import { type Context, fieldError, passwordProcedure, publicProcedure } from '../trpc';

/** The one message for an unknown email and a wrong password alike. */
export const SIGN_IN_FAILED = 'Email or password is incorrect.';
export const SIGN_IN_THROTTLED = 'Too many sign-in attempts. Wait 15 minutes and try again.';
export const MFA_CODE_WRONG = 'That code is not right, or was already used';
export const MFA_THROTTLED = 'Too many wrong codes. Sign in again in 15 minutes.';
export const PASSWORDS_OFF =
  'Your district signs in with single sign-on: use its button on this page.';
export const SETUP_LINK_INVALID = 'This setup link has expired or was already used';
/** Wrong second-factor codes allowed per account in the throttle window. */
export const MFA_MAX_FAILURES = 5;
const MFA_WINDOW_MINUTES = 15;

/** Where the browser goes after this step: the app, the code prompt, or enrolment. */
export type SignInNext = 'app' | 'mfa' | 'enrol';

const toViewer = (v: {
  id: string;
  name: string;
  email: string;
  role: Role;
  discipline: Discipline | null;
  districtId: string;
  districtName: string;
  timezone: string;
}): Viewer => ({
  id: v.id,
  name: v.name,
  email: v.email,
  role: v.role,
  discipline: v.discipline,
  districtId: v.districtId,
  districtName: v.districtName,
  timezone: v.timezone,
});

/** Whether the district lets this account sign in with a password (break-glass admins always). */
function passwordSignInAllowed(settingsJson: string, userId: string): boolean {
  try {
    const settings = DistrictSettings.parse(JSON.parse(settingsJson));
    return settings.passwordSignIn === 'everyone' || settings.breakGlassUserIds.includes(userId);
  } catch {
    return true;
  }
}

const nextFor = (stage: SessionStage): SignInNext => (stage === 'full' ? 'app' : stage);

/**
 * A malformed sign-in (invalid input) counts toward the throttle like a wrong password, so
 * junk requests cannot probe for free. Runs around the input parser.
 */
const signInProcedure = publicProcedure.use(async ({ ctx, getRawInput, next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'BAD_REQUEST') {
    const raw = await getRawInput().catch(() => undefined);
    const email = (raw as { email?: unknown } | undefined)?.email;
    await recordMalformedSignIn(
      ctx.db,
      {
        email: typeof email === 'string' && email.length <= 254 ? email.trim().toLowerCase() : null,
        ip: ctx.ip,
      },
      ctx.now(),
    );
  }
  return result;
});

export const authRouter = {
  // An email and a password fit in a few hundred bytes; nothing larger is read, let alone parsed.
  signIn: signInProcedure
    .meta({ maxBodyBytes: 1024 })
    .input(SignInInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const user = await findStaffForSignIn(ctx.db, input.email);
      const account = user ? { id: user.id, districtId: user.district_id } : null;
      const knownDevice = account ? await knownDeviceOf(ctx, account) : null;
      const attempt = await beginSignInAttempt(
        ctx.db,
        { email: input.email, ip: ctx.ip, knownDeviceId: knownDevice },
        now,
      );
      if (!attempt.allowed) {
        ctx.log.warn(`sign-in throttled (${attempt.reason})`);
        if (account) await auditSignIn(ctx, account, 'auth.signIn.throttled', 'denied');
        throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: SIGN_IN_THROTTLED });
      }
      // Always run scrypt once, against a dummy hash when there is no such account, so the
      // response time does not tell whether an email is registered.
      const passwordOk = await verifyPassword(
        input.password,
        user?.password_hash ?? (await dummyPasswordHash()),
      );
      if (!user || !account || !passwordOk || user.active !== 1) {
        if (account) await auditSignIn(ctx, account, 'auth.signIn', 'denied');
        throw new TRPCError({ code: 'UNAUTHORIZED', message: SIGN_IN_FAILED });
      }
      if (!passwordSignInAllowed(user.district_settings, user.id)) {
        await auditSignIn(ctx, account, 'auth.signIn.passwords_off', 'denied');
        throw new TRPCError({ code: 'FORBIDDEN', message: PASSWORDS_OFF });
      }
      await signInSucceeded(ctx.db, attempt.attemptIds);
      const role = user.role as Role;
      const stage: SessionStage = user.totp_secret
        ? 'mfa'
        : mfaRequiredFor(role, { mfaRequiredRoles: districtMfaRoles(user.district_settings) })
          ? 'enrol'
          : 'full';
      const current = ctx.viewer
        ? { id: ctx.sessionId, district: ctx.viewer.districtId }
        : ctx.pending
          ? { id: ctx.pending.sessionId, district: ctx.pending.viewer.districtId }
          : { id: null, district: null };
      await beginSession(
        { ...ctx, endSessionId: current.id, endDistrictId: current.district },
        account,
        stage,
      );
      await auditSignIn(
        ctx,
        account,
        stage === 'full' ? 'auth.signIn' : 'auth.signIn.password',
        'ok',
      );
      const viewer = toViewer({
        id: user.id,
        districtId: user.district_id,
        districtName: user.district_name,
        role,
        discipline: (user.discipline as Discipline | null) ?? null,
        name: user.name,
        email: user.email,
        timezone: districtTimezone(user.district_settings),
      });
      return { ...viewer, next: nextFor(stage) };
    }),

  /**
   * The second step: a code from the authenticator app (each time step accepted once) or an
   * unused recovery code. Five wrong codes in 15 minutes end the pending session.
   */
  verifyMfa: passwordProcedure.input(VerifyMfaInput).mutation(async ({ ctx, input }) => {
    const { viewer, sessionId, stage } = ctx.account;
    if (stage !== 'mfa')
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'No code is owed for this session.' });
    const now = ctx.now();
    const key = `mfa:${viewer.districtId}:${viewer.id}`;
    const since = new Date(now.getTime() - MFA_WINDOW_MINUTES * 60_000).toISOString();
    const attemptId = await recordLoginAttempt(ctx.db, key, now.toISOString());
    const user = { id: viewer.id, districtId: viewer.districtId };
    if ((await countLoginFailures(ctx.db, key, since)) > MFA_MAX_FAILURES) {
      await deleteAuthSession(ctx.db, viewer.districtId, sessionId);
      ctx.clearCookie();
      await auditSignIn(ctx, user, 'auth.verifyMfa.throttled', 'denied');
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: MFA_THROTTLED });
    }
    let ok = false;
    if (/^\d{6}$/.test(input.code)) {
      const state = await findTotpState(ctx.db, viewer.districtId, viewer.id);
      const step = state?.totp_secret ? matchTotp(state.totp_secret, input.code, now) : null;
      ok =
        step !== null &&
        (await claimTotpStep(ctx.db, { districtId: user.districtId, userId: user.id, step }));
    } else {
      ok = await useRecoveryCode(ctx.db, {
        districtId: viewer.districtId,
        userId: viewer.id,
        codeHash: recoveryCodeHash(normalizeRecoveryCode(input.code)),
        now: now.toISOString(),
      });
    }
    if (!ok) {
      await auditSignIn(ctx, user, 'auth.verifyMfa', 'denied');
      throw fieldError('code', MFA_CODE_WRONG);
    }
    await markLoginAttemptsOk(ctx.db, [attemptId]);
    await beginSession(
      { ...ctx, endSessionId: sessionId, endDistrictId: viewer.districtId },
      user,
      'full',
    );
    await auditSignIn(ctx, user, 'auth.signIn', 'ok');
    return { ...toViewer(viewer), next: 'app' as SignInNext };
  }),

  /**
   * Ends this browser's session. A session that began at an identity provider also gets the
   * provider's own sign-out address (when it has one), for the page to offer.
   */
  signOut: publicProcedure.mutation(async ({ ctx }) => {
    let providerSignOutUrl: string | null = null;
    // A session id comes only with the viewer it resolved to.
    if (ctx.sessionId && ctx.viewer) {
      const providerId = await findSessionIdentityProvider(
        ctx.db,
        ctx.viewer.districtId,
        ctx.sessionId,
      );
      if (providerId && ctx.publicOrigin)
        providerSignOutUrl = await endSessionUrlFor(
          ctx.db,
          {
            districtId: ctx.viewer.districtId,
            providerId,
            postLogoutRedirectUri: `${ctx.publicOrigin}/sign-in`,
          },
          ctx.now(),
        );
      await deleteAuthSession(ctx.db, ctx.viewer.districtId, ctx.sessionId);
      await recordEvent(
        { ...ctx, viewer: ctx.viewer },
        { action: 'auth.signOut', entity: 'session' },
        'ok',
      );
    } else if (ctx.pending) {
      await deleteAuthSession(ctx.db, ctx.pending.viewer.districtId, ctx.pending.sessionId);
    }
    ctx.clearCookie();
    return { ok: true as const, providerSignOutUrl };
  }),

  /** The sign-in page's single sign-on buttons (display names only). */
  ssoProviders: publicProcedure.query(async ({ ctx }) => {
    const rows = await listEnabledIdentityProviders(ctx.db);
    return rows.map((p) => ({
      id: p.id,
      displayName: p.display_name,
      startPath: `/auth/sso/start?${new URLSearchParams({ district: p.district_id, provider: p.id })}`,
    }));
  }),

  /**
   * Who is signed in, and when their session ends however active they are: the browser removes
   * what it kept for offline use by then, signal or not.
   */
  me: publicProcedure.query(({ ctx }): (Viewer & { sessionExpiresAt: string | null }) | null =>
    ctx.viewer ? { ...toViewer(ctx.viewer), sessionExpiresAt: ctx.sessionExpiresAt } : null,
  ),

  /** A session past the password that still owes a code or enrolment; null otherwise. */
  pending: publicProcedure.query(({ ctx }) =>
    ctx.pending
      ? {
          stage: ctx.pending.stage,
          name: ctx.pending.viewer.name,
          email: ctx.pending.viewer.email,
        }
      : null,
  ),

  /** Whom a setup link is for (the page greets them), or NOT_FOUND. */
  setupLink: publicProcedure.input(SetupLinkInput).query(async ({ ctx, input }) => {
    const found = await findSetupLink(ctx, input.token);
    if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: SETUP_LINK_INVALID });
    return { email: found.row.email, name: found.row.name, districtName: found.row.district_name };
  }),

  /**
   * A new admin's first password, through the one-time link `create-admin` printed. The link
   * is spent, every session of the user ends, and the browser is signed in — at the
   * enrolment stage when the district requires a second factor for the role.
   */
  completeSetup: publicProcedure.input(CompleteSetupInput).mutation(async ({ ctx, input }) => {
    const found = await findSetupLink(ctx, input.token);
    if (!found) throw fieldError('token', SETUP_LINK_INVALID);
    const { row, districtId, tokenId, settings } = found;
    const problem = passwordProblem(
      input.password,
      passwordChecksFor({ email: row.email, name: row.name, districtName: row.district_name }),
    );
    if (problem) throw fieldError('password', PASSWORD_MESSAGES[problem]);
    const passwordHash = await hashPassword(input.password);
    const user = { id: row.user_id, districtId };
    const now = ctx.now().toISOString();
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await useSetupToken(trx, { districtId, id: tokenId, now })))
        throw fieldError('token', SETUP_LINK_INVALID);
      await setStaffPassword(trx, {
        districtId,
        userId: row.user_id,
        passwordHash,
        keepSessionId: null,
      });
      await auditSignIn({ ...ctx, db: trx }, user, 'auth.completeSetup', 'ok');
    });
    const state = await findTotpState(ctx.db, districtId, row.user_id);
    const stage: SessionStage = state?.totp_secret
      ? 'mfa'
      : mfaRequiredFor(row.role as Role, { mfaRequiredRoles: settings })
        ? 'enrol'
        : 'full';
    await beginSession({ ...ctx, endSessionId: null, endDistrictId: null }, user, stage);
    return { next: nextFor(stage) };
  }),
} satisfies TRPCRouterRecord;

/** The hashed device cookie, if this browser completed a sign-in as the account before. */
async function knownDeviceOf(
  ctx: Pick<Context, 'db' | 'deviceToken'>,
  account: { id: string; districtId: string },
): Promise<string | null> {
  if (!ctx.deviceToken) return null;
  const id = knownDeviceId(ctx.deviceToken, account.id);
  const known = await isKnownDevice(ctx.db, {
    districtId: account.districtId,
    userId: account.id,
    id,
  });
  return known ? id : null;
}

/** The link's unused, unexpired token row, or null. The token is `<district id>.<secret>`. */
async function findSetupLink(ctx: Pick<Context, 'db' | 'now'>, token: string) {
  const [districtId, secret] = token.split('.') as [string, string];
  const tokenId = sessionIdFor(secret);
  const row = await findUsableSetupToken(ctx.db, {
    districtId,
    id: tokenId,
    now: ctx.now().toISOString(),
  });
  if (row?.active !== 1) return null;
  return { row, districtId, tokenId, settings: districtMfaRoles(row.district_settings) };
}
