import { accountRouter } from './router/account';
import { adminRouter } from './router/admin';
import { authRouter } from './router/auth';
import { billingRouter } from './router/billing';
import { caseloadRouter } from './router/caseload';
import { fidelityRouter } from './router/fidelity';
import { goalsRouter } from './router/goals';
import { homeRouter } from './router/home';
import { importsRouter } from './router/imports';
import { modelChangesRouter } from './router/modelChanges';
import { outcomesRouter } from './router/outcomes';
import { peopleRouter } from './router/people';
import { plansRouter } from './router/plans';
import { recommendationsRouter } from './router/recommendations';
import { reportsRouter } from './router/reports';
import { routinesRouter } from './router/routines';
import { scheduleRouter } from './router/schedule';
import { sessionsRouter } from './router/sessions';
import { signInSettingsRouter } from './router/sign-in-settings';
import { studentRouter } from './router/student';
import { studentsRouter } from './router/students';
import { teamRouter } from './router/team';
import { workloadRouter } from './router/workload';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  caseload: caseloadRouter,
  student: studentRouter,
  sessions: sessionsRouter,
  billing: billingRouter,
  fidelity: fidelityRouter,
  account: accountRouter,
  admin: adminRouter,
  signInSettings: signInSettingsRouter,
  people: peopleRouter,
  students: studentsRouter,
  goals: goalsRouter,
  reports: reportsRouter,
  outcomes: outcomesRouter,
  workload: workloadRouter,
  routines: routinesRouter,
  plans: plansRouter,
  team: teamRouter,
  modelChanges: modelChangesRouter,
  recommendations: recommendationsRouter,
  home: homeRouter,
  imports: importsRouter,
  schedule: scheduleRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures callable without a session. Every other one must answer UNAUTHORIZED (tested). */
export const PUBLIC_PROCEDURES = [
  'auth.signIn',
  'auth.signOut',
  'auth.me',
  'auth.ssoProviders',
  'auth.pending',
  'auth.setupLink',
  'auth.completeSetup',
] as const;

/**
 * Procedures a session that is past the password but owes its second factor (or must enrol
 * first) may call; every other one answers it UNAUTHORIZED (tested).
 */
export const PASSWORD_STAGE_PROCEDURES = [
  'auth.verifyMfa',
  'account.mfaStatus',
  'account.mfaStart',
  'account.mfaConfirm',
] as const;
