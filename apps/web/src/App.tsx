import { LoadingState } from '@carryover/ui';
import { type ComponentType, lazy, type ReactElement, Suspense } from 'react';
import { createRoutesFromElements, matchRoutes, Outlet, Route, Routes } from 'react-router';
import { HomeRedirect, RequireAuth } from './auth';
import { SignInPage } from './features/account/SignInPage';
import { useOpeningPageData } from './openingPageData';

/**
 * A page loaded on first visit: each page is its own chunk, so the first load carries only the
 * shell and the sign-in page (route-level code splitting; measured in apps/server/bench).
 */
function lazyPage<M extends Record<K, ComponentType>, K extends keyof M>(
  load: () => Promise<M>,
  name: K,
) {
  return Object.assign(
    lazy(async () => ({ default: (await load())[name] })),
    { preload: load },
  );
}

const AccountPage = lazyPage(() => import('./features/account/AccountPage'), 'AccountPage');
const EnrolPage = lazyPage(() => import('./features/account/AccountPage'), 'EnrolPage');
const AdminRecordsPage = lazyPage(
  () => import('./features/admin/AdminRecordsPage'),
  'AdminRecordsPage',
);
const BillingSettingsPage = lazyPage(
  () => import('./features/fidelity/BillingSettingsPage'),
  'BillingSettingsPage',
);
const CaseloadPage = lazyPage(() => import('./features/caseload/CaseloadPage'), 'CaseloadPage');
const CosignQueuePage = lazyPage(
  () => import('./features/sessions/CosignQueuePage'),
  'CosignQueuePage',
);
const FidelityPage = lazyPage(() => import('./features/fidelity/FidelityPage'), 'FidelityPage');
const GoalBankPage = lazyPage(() => import('./features/admin/GoalBankPage'), 'GoalBankPage');
const GoalEditPage = lazyPage(() => import('./features/student/GoalEditPage'), 'GoalEditPage');
const HomePage = lazyPage(() => import('./features/team/HomePage'), 'HomePage');
const ImportPage = lazyPage(() => import('./features/people/ImportPage'), 'ImportPage');
const LogSessionPage = lazyPage(
  () => import('./features/sessions/LogSessionPage'),
  'LogSessionPage',
);
const NotFoundPage = lazyPage(() => import('./features/account/NotFoundPage'), 'NotFoundPage');
const OutcomesPage = lazyPage(() => import('./features/outcomes/OutcomesPage'), 'OutcomesPage');
const PeoplePage = lazyPage(() => import('./features/people/PeoplePage'), 'PeoplePage');
const PlanEditPage = lazyPage(() => import('./features/team/PlansPage'), 'PlanEditPage');
const PlanPage = lazyPage(() => import('./features/team/PlansPage'), 'PlanPage');
const PlansPage = lazyPage(() => import('./features/team/PlansPage'), 'PlansPage');
const RecommendationsPage = lazyPage(
  () => import('./features/team/RecommendationsPage'),
  'RecommendationsPage',
);
const ReportPage = lazyPage(() => import('./features/reports/ReportPage'), 'ReportPage');
const ReportPrintPage = lazyPage(
  () => import('./features/reports/ReportPrintPage'),
  'ReportPrintPage',
);
const ReportsPage = lazyPage(() => import('./features/reports/ReportsPage'), 'ReportsPage');
const ReportsPrintAllPage = lazyPage(
  () => import('./features/reports/ReportsPrintAllPage'),
  'ReportsPrintAllPage',
);
const RoutinesPage = lazyPage(() => import('./features/team/RoutinesPage'), 'RoutinesPage');
const SchedulePage = lazyPage(() => import('./features/schedule'), 'SchedulePage');
const SetupPage = lazyPage(() => import('./features/account/SetupPage'), 'SetupPage');
const SignInSettingsPage = lazyPage(
  () => import('./features/admin/SignInSettingsPage'),
  'SignInSettingsPage',
);
const StudentPage = lazyPage(() => import('./features/student/StudentPage'), 'StudentPage');
const StudentManagePage = lazyPage(
  () => import('./features/people/StudentManagePage'),
  'StudentManagePage',
);
const StudentsPage = lazyPage(() => import('./features/people/StudentsPage'), 'StudentsPage');
const TeamPage = lazyPage(() => import('./features/team/TeamPage'), 'TeamPage');
const WorkloadPage = lazyPage(() => import('./features/workload/WorkloadPage'), 'WorkloadPage');

/** While a page's chunk loads, the shell stays and the page area shows a skeleton. */
function PageChunk() {
  return (
    <Suspense fallback={<LoadingState label="Opening the page" rows={3} />}>
      <Outlet />
    </Suspense>
  );
}

const routes = (
  <>
    <Route path="/" element={<HomeRedirect />} />
    <Route path="/sign-in" element={<SignInPage />} />
    <Route element={<PageChunk />}>
      <Route path="/setup" element={<SetupPage />} />
      <Route path="/account/enrol" element={<EnrolPage />} />
    </Route>
    <Route element={<RequireAuth />}>
      <Route element={<PageChunk />}>
        <Route path="/caseload" element={<CaseloadPage />} />
        <Route path="/students" element={<StudentsPage />} />
        <Route path="/students/:studentId" element={<StudentPage />} />
        <Route path="/students/:studentId/manage" element={<StudentManagePage />} />
        <Route path="/log-session" element={<LogSessionPage />} />
        <Route path="/cosign" element={<CosignQueuePage />} />
        <Route path="/fidelity" element={<FidelityPage />} />
        <Route path="/reports" element={<ReportsPage />} />
        <Route path="/reports/print-all" element={<ReportsPrintAllPage />} />
        <Route path="/reports/:reportId" element={<ReportPage />} />
        <Route path="/reports/:reportId/print" element={<ReportPrintPage />} />
        <Route path="/students/:studentId/goals/new" element={<GoalEditPage />} />
        <Route path="/students/:studentId/goals/:goalId/edit" element={<GoalEditPage />} />
        <Route path="/outcomes" element={<OutcomesPage />} />
        <Route path="/workload" element={<WorkloadPage />} />
        <Route path="/home" element={<HomePage />} />
        <Route path="/schedule" element={<SchedulePage />} />
        <Route path="/team" element={<TeamPage />} />
        <Route path="/plans" element={<PlansPage />} />
        <Route path="/plans/new" element={<PlanEditPage />} />
        <Route path="/plans/:planId" element={<PlanPage />} />
        <Route path="/plans/:planId/edit" element={<PlanEditPage />} />
        <Route path="/routines" element={<RoutinesPage />} />
        <Route path="/recommendations" element={<RecommendationsPage />} />
        <Route path="/admin/records" element={<AdminRecordsPage />} />
        <Route path="/admin/people" element={<PeoplePage />} />
        <Route path="/admin/sign-in" element={<SignInSettingsPage />} />
        <Route path="/admin/billing" element={<BillingSettingsPage />} />
        <Route path="/admin/import" element={<ImportPage />} />
        <Route path="/admin/goal-bank" element={<GoalBankPage />} />
        <Route path="/account" element={<AccountPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Route>
  </>
);

/**
 * Fetches the chunk of the page the app opens on while the session is still being checked, so
 * a reload of Caseload or a student page does not wait for one round trip and then another.
 */
function preloadOpeningPage() {
  for (const match of matchRoutes(createRoutesFromElements(routes), window.location) ?? []) {
    const page = (match.route.element as ReactElement | undefined)?.type as
      | { preload?: () => Promise<unknown> }
      | undefined;
    void page?.preload?.();
  }
}
preloadOpeningPage();

export function App() {
  useOpeningPageData();
  return <Routes>{routes}</Routes>;
}
