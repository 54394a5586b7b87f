import { deleteAuthSession, findStaffForSignIn } from '@carryover/db';
import { type Discipline, type Role, SignInInput, type Viewer } from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { recordEvent } from '../audit';
import { dummyPasswordHash, verifyPassword } from '../auth/password';
import { districtTimezone, startSession } from '../auth/session';
import { beginSignInAttempt, signInSucceeded } from '../auth/throttle';
import { publicProcedure } from '../trpc';

/** The one message for an unknown email and a wrong password alike. */
export const SIGN_IN_FAILED = 'Email or password is incorrect.';
export const SIGN_IN_THROTTLED = 'Too many sign-in attempts. Wait 15 minutes and try again.';

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

export const authRouter = {
  // An email and a password fit in a few hundred bytes; nothing larger is read, let alone parsed.
  signIn: publicProcedure
    .meta({ maxBodyBytes: 1024 })
    .input(SignInInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const attempt = await beginSignInAttempt(ctx.db, input.email, ctx.ip, now);
      if (!attempt.allowed) {
        ctx.log.warn('sign-in throttled');
        throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: SIGN_IN_THROTTLED });
      }
      const user = await findStaffForSignIn(ctx.db, input.email);
      // Always run scrypt once, against a dummy hash when there is no such account, so the
      // response time does not tell whether an email is registered.
      const passwordOk = await verifyPassword(
        input.password,
        user?.password_hash ?? (await dummyPasswordHash()),
      );
      if (!user || !passwordOk || user.active !== 1) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: SIGN_IN_FAILED });
      }
      await signInSucceeded(ctx.db, attempt.attemptIds);
      // A fresh token at every sign-in; any session this browser had is ended (no fixation).
      if (ctx.sessionId && ctx.viewer)
        await deleteAuthSession(ctx.db, ctx.viewer.districtId, ctx.sessionId);
      const session = await startSession(
        ctx.db,
        { id: user.id, districtId: user.district_id },
        now,
      );
      const viewer = {
        id: user.id,
        districtId: user.district_id,
        districtName: user.district_name,
        role: user.role as Role,
        discipline: (user.discipline as Discipline | null) ?? null,
        name: user.name,
        email: user.email,
        timezone: districtTimezone(user.district_settings),
      };
      await recordEvent(
        { db: ctx.db, log: ctx.log, now: ctx.now, viewer },
        { action: 'auth.signIn', entity: 'session' },
        'ok',
      );
      ctx.setCookie(session.token, session.maxAgeSeconds);
      return toViewer(viewer);
    }),

  signOut: publicProcedure.mutation(async ({ ctx }) => {
    // A session id comes only with the viewer it resolved to.
    if (ctx.sessionId && ctx.viewer) {
      await deleteAuthSession(ctx.db, ctx.viewer.districtId, ctx.sessionId);
      await recordEvent(
        { ...ctx, viewer: ctx.viewer },
        { action: 'auth.signOut', entity: 'session' },
        'ok',
      );
    }
    ctx.clearCookie();
    return { ok: true as const };
  }),

  me: publicProcedure.query(({ ctx }): Viewer | null => (ctx.viewer ? toViewer(ctx.viewer) : null)),
} satisfies TRPCRouterRecord;
