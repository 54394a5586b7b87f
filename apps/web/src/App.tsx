import { Route, Routes } from 'react-router';
import { HomeRedirect, RequireAuth } from './auth';
import { SchedulePage } from './features/schedule';
import { AccountPage, EnrolPage } from './pages/AccountPage';
import { AdminRecordsPage } from './pages/AdminRecordsPage';
import { BillingSettingsPage } from './pages/BillingSettingsPage';
import { CaseloadPage } from './pages/CaseloadPage';
import { CosignQueuePage } from './pages/CosignQueuePage';
import { FidelityPage } from './pages/FidelityPage';
import { GoalBankPage } from './pages/GoalBankPage';
import { GoalEditPage } from './pages/GoalEditPage';
import { HomePage } from './pages/HomePage';
import { ImportPage } from './pages/ImportPage';
import { LogSessionPage } from './pages/LogSessionPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OutcomesPage } from './pages/OutcomesPage';
import { PeoplePage } from './pages/PeoplePage';
import { PlanEditPage, PlanPage, PlansPage } from './pages/PlansPage';
import { RecommendationsPage } from './pages/RecommendationsPage';
import { ReportPage } from './pages/ReportPage';
import { ReportPrintPage } from './pages/ReportPrintPage';
import { ReportsPage } from './pages/ReportsPage';
import { ReportsPrintAllPage } from './pages/ReportsPrintAllPage';
import { RoutinesPage } from './pages/RoutinesPage';
import { SetupPage } from './pages/SetupPage';
import { SignInPage } from './pages/SignInPage';
import { SignInSettingsPage } from './pages/SignInSettingsPage';
import { StudentPage } from './pages/StudentPage';
import { StudentManagePage, StudentsPage } from './pages/StudentsPage';
import { TeamPage } from './pages/TeamPage';
import { WorkloadPage } from './pages/WorkloadPage';

export function App() {
  return (
    <Routes>
      <Route path="/" element={<HomeRedirect />} />
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/setup" element={<SetupPage />} />
      <Route path="/account/enrol" element={<EnrolPage />} />
      <Route element={<RequireAuth />}>
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
    </Routes>
  );
}
