import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export { recordStudentReads, setAuditAppender } from './audit';
export {
  readDeviceToken,
  readSessionToken,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  serializeClearedSessionCookie,
  serializeDeviceCookie,
  serializeSessionCookie,
  sessionCookieName,
} from './auth/cookies';
export { hashPassword, SCRYPT_PARAMS, verifyPassword } from './auth/password';
export {
  MAX_SESSIONS_PER_USER,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
} from './auth/session';
export { newSetupLinkToken, SETUP_LINK_HOURS } from './auth/setup-link';
export {
  decryptSecret,
  encryptSecret,
  finishSsoSignIn,
  SSO_SIGN_IN_MS,
  type SsoFinish,
  type SsoStart,
  setSsoSecretKey,
  startSsoSignIn,
} from './auth/sso';
export { warmPasswordEstimator } from './auth/strength';
export { SIGN_IN_THROTTLE } from './auth/throttle';
export {
  type BucketLimit,
  type Cost,
  type CostClass,
  costOf,
  heavyForDistrictViewers,
  RATE_LIMITS,
  RateLimited,
  RateLimiter,
  type RateLimiterOptions,
  type RateVerdict,
} from './rate-limit';
export {
  type AppRouter,
  appRouter,
  PASSWORD_STAGE_PROCEDURES,
  PUBLIC_PROCEDURES,
} from './root';
export { PASSWORDS_OFF, SIGN_IN_FAILED, SIGN_IN_THROTTLED } from './router/auth';
export { type WarmedComparisons, warmStoredComparisons } from './router/outcomes';
export { type CalendarFeedFile, calendarFeed, calendarTokenHash } from './schedule/ics';
export { autoSchedule, loadHighs, type ScheduleSolve, type SolveOptions } from './schedule/solve';
export { STUDENT_NOT_FOUND, studentProcedure } from './scope';
export {
  type Context,
  type CreateContextOptions,
  consoleLogger,
  createCallerFactory,
  createContextInner,
  createTRPCRouter,
  errorSummary,
  type Logger,
  MAX_BODY_BYTES,
  type ProcedureMeta,
  procedureMeta,
  protectedProcedure,
  publicProcedure,
  roles,
} from './trpc';
export { WEEKS_PER_MONTH } from './views';
export { scheduleSolveStats, stopScheduleWorker } from './workers/schedule-pool';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { type CsvExportKind, openCsvExport } from './exports/open';
export {
  IMPORT_UPLOAD_MAX_BYTES,
  type ImportRunOpening,
  type ImportRunResult,
  openImportRun,
} from './imports/run';
