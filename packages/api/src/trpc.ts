import { randomBytes } from 'node:crypto';
import { dateIn, type IsoDate, isKnownTimeZone, type Role } from '@carryover/domain';
import { type AnyTRPCRouter, initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { recordDenied } from './audit';
import { conflictOf } from './conflict';
import { type Context, consoleLogger, type Viewer } from './context';
import { type Cost, costOf, RateLimited } from './rate-limit';

// The building blocks every router uses: the context, the procedure kinds, the error shape.

export {
  type Context,
  type CreateContextOptions,
  consoleLogger,
  createContextInner,
  errorSummary,
  type Logger,
  type Viewer,
} from './context';

/** What a procedure declares about itself with `.meta(…)`. */
export interface ProcedureMeta {
  /** Its rate-limit class (see rate-limit.ts); by default queries are cheap reads, mutations writes. */
  cost?: Cost;
  /** The largest request body the server reads for it (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

/** The request body limit of a procedure that declares none. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A procedure's declared meta, looked up by path before anything is parsed; undefined if none. */
export function procedureMeta(router: AnyTRPCRouter, path: string): ProcedureMeta | undefined {
  const procedures = router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta } }>;
  return Object.hasOwn(procedures, path) ? procedures[path]?._def.meta : undefined;
}

/**
 * The district's time zone, in which every date of its records is shown and computed. A
 * district setting with an unknown zone falls back to UTC rather than failing requests.
 */
export function zoneFor(ctx: { viewer: Viewer | null }): string {
  const zone = ctx.viewer?.timezone ?? 'UTC';
  return isKnownTimeZone(zone) ? zone : 'UTC';
}

/** Today's date in the district's time zone (a school day starts at local midnight). */
export function todayFor(ctx: { now: () => Date; viewer: Viewer | null }): IsoDate {
  return dateIn(ctx.now(), zoneFor(ctx));
}

/** The district's date of a stored instant (a signature, a finalisation, an export). */
export function districtDateOf(ctx: { viewer: Viewer | null }, instant: string): IsoDate {
  return dateIn(new Date(instant), zoneFor(ctx));
}

/**
 * A field-level BAD_REQUEST in the same shape as a zod input error (the formatter below turns
 * it into `data.fieldErrors`). The cause is an Error carrying a Standard Schema issue list:
 * tRPC keeps Error causes as they are, while a zod 4 ZodError (not an Error) would be wrapped
 * and lose its issues. Throw it before anything is written.
 */
export function fieldError(path: string | (string | number)[], message: string): never {
  const issues = [{ path: Array.isArray(path) ? path : [path], message }];
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message,
    cause: Object.assign(new Error(message), { issues }),
  });
}

function fieldErrorsOf(
  cause: unknown,
): { fieldErrors: Record<string, string[]>; formErrors: string[] } | null {
  if (cause instanceof z.ZodError) {
    const flat = z.flattenError(cause);
    return {
      fieldErrors: flat.fieldErrors as Record<string, string[]>,
      formErrors: flat.formErrors,
    };
  }
  // Any Standard Schema error carries the same issue list.
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return null;
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of issues as { path?: PropertyKey[]; message: string }[]) {
    const key = issue.path?.[0];
    if (key === undefined) formErrors.push(issue.message);
    else fieldErrors[String(key)] = [...(fieldErrors[String(key)] ?? []), issue.message];
  }
  return { fieldErrors, formErrors };
}

const trpcWithMeta = initTRPC.context<Context>().meta<ProcedureMeta>();

const t = trpcWithMeta.create({
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error, ctx, path }) {
    const base = { ...shape.data, stack: undefined };
    if (error.cause instanceof RateLimited) {
      const retryAfterSeconds = error.cause.retryAfterSeconds;
      return {
        ...shape,
        data: { ...base, fieldErrors: null, formErrors: null, errorId: null, retryAfterSeconds },
      };
    }
    const fields = error.code === 'BAD_REQUEST' ? fieldErrorsOf(error.cause) : null;
    if (fields) {
      const names = Object.keys(fields.fieldErrors);
      return {
        ...shape,
        message: names.length > 0 ? `Invalid input: ${names.join(', ')}` : 'Invalid input',
        data: {
          ...base,
          fieldErrors: fields.fieldErrors,
          formErrors: fields.formErrors,
          errorId: null,
        },
      };
    }
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      // The details go to the server log under an id the user can quote; the client gets the id only.
      const errorId = randomBytes(6).toString('hex');
      (ctx?.log ?? consoleLogger).error(
        `error id=${errorId} path=${path ?? '-'}`,
        error.cause ?? error,
      );
      return {
        ...shape,
        message: `Something went wrong (error id ${errorId}).`,
        data: { ...base, fieldErrors: null, formErrors: null, errorId },
      };
    }
    // A stale save's CONFLICT names who changed the record, what and when (conflict.ts).
    const conflict = error.code === 'CONFLICT' ? conflictOf(error.cause) : null;
    return {
      ...shape,
      data: { ...base, fieldErrors: null, formErrors: null, errorId: null, conflict },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

export const publicProcedure = t.procedure;

/**
 * Signed in: UNAUTHORIZED otherwise, and `ctx.viewer` is non-null from here on. Then the call
 * spends a token of its cost class (`.meta({ cost })`) from the user's rate limit, before any
 * other work, audit writes included: TOO_MANY_REQUESTS when the bucket is empty.
 */
export const protectedProcedure = t.procedure.use(({ ctx, meta, type, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  if (ctx.rateLimiter) {
    const verdict = ctx.rateLimiter.take(ctx.viewer.id, costOf(meta?.cost, type, ctx.viewer.role));
    if (!verdict.ok) {
      const cause = new RateLimited(verdict.retryAfterSeconds);
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
    }
  }
  return next({ ctx: { ...ctx, viewer: ctx.viewer } });
});

/**
 * Past the password: a full session, or one that still owes its second factor or enrolment.
 * Only the procedures that finish sign-in use it; `ctx.account` is the user either way.
 */
export const passwordProcedure = t.procedure.use(({ ctx, next }) => {
  const account = ctx.viewer
    ? { viewer: ctx.viewer, sessionId: ctx.sessionId as string, stage: 'full' as const }
    : ctx.pending;
  if (!account) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { ...ctx, account } });
});

/** Signed in with one of `allowed` roles; a refusal is audited and answered FORBIDDEN. */
export function roles(...allowed: Role[]) {
  return protectedProcedure.use(async ({ ctx, path, next }) => {
    if (!allowed.includes(ctx.viewer.role)) {
      await recordDenied(ctx, { action: path, entity: 'procedure', entityId: path });
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Your role cannot do this.' });
    }
    return next();
  });
}
