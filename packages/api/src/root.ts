import { authRouter } from './router/auth';
import { caseloadRouter } from './router/caseload';
import { studentRouter } from './router/student';
import { sessionsRouter } from './router/sessions';
import { fidelityRouter } from './router/fidelity';
import { accountRouter } from './router/account';
import { adminRouter } from './router/admin';
import { goalsRouter } from './router/goals';
import { reportsRouter } from './router/reports';
import { outcomesRouter } from './router/outcomes';
import { workloadRouter } from './router/workload';
import { routinesRouter } from './router/routines';
import { plansRouter } from './router/plans';
import { teamRouter } from './router/team';
import { modelChangesRouter } from './router/modelChanges';
import { recommendationsRouter } from './router/recommendations';
import { homeRouter } from './router/home';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  caseload: caseloadRouter,
  student: studentRouter,
  sessions: sessionsRouter,
  fidelity: fidelityRouter,
  account: accountRouter,
  admin: adminRouter,
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
});

export type AppRouter = typeof appRouter;

/** Procedures callable without a session. Every other one must answer UNAUTHORIZED (tested). */
export const PUBLIC_PROCEDURES = ['auth.signIn', 'auth.signOut', 'auth.me'] as const;
