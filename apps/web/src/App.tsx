import { Route, Routes } from 'react-router';
import { HomeRedirect, RequireAuth } from './auth';
import { CaseloadPage } from './pages/CaseloadPage';
import { FidelityPage } from './pages/FidelityPage';
import { GoalEditPage } from './pages/GoalEditPage';
import { LogSessionPage } from './pages/LogSessionPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OutcomesPage } from './pages/OutcomesPage';
import { WorkloadPage } from './pages/WorkloadPage';
import { ReportPage } from './pages/ReportPage';
import { ReportPrintPage } from './pages/ReportPrintPage';
import { ReportsPage } from './pages/ReportsPage';
import { SignInPage } from './pages/SignInPage';
import { StudentPage } from './pages/StudentPage';

export function App() {
  return (
    <Routes>
      <Route path="/" element={<HomeRedirect />} />
      <Route path="/sign-in" element={<SignInPage />} />
      <Route element={<RequireAuth />}>
        <Route path="/caseload" element={<CaseloadPage />} />
        <Route path="/students/:studentId" element={<StudentPage />} />
        <Route path="/log-session" element={<LogSessionPage />} />
        <Route path="/fidelity" element={<FidelityPage />} />
        <Route path="/reports" element={<ReportsPage />} />
        <Route path="/reports/:reportId" element={<ReportPage />} />
        <Route path="/reports/:reportId/print" element={<ReportPrintPage />} />
        <Route path="/students/:studentId/goals/new" element={<GoalEditPage />} />
        <Route path="/students/:studentId/goals/:goalId/edit" element={<GoalEditPage />} />
        <Route path="/outcomes" element={<OutcomesPage />} />
        <Route path="/workload" element={<WorkloadPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
