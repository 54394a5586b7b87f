import type { IsoDate, Viewer } from '@carryover/domain';
import { dateIn, labels } from '@carryover/domain';
import { AppShell, ErrorState, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { userMessage } from './lib/errors';
import { clearOutbox, unsentCount } from './offline/queue';
import { useTRPC } from './trpc';

/** Where a viewer lands after sign-in. Every role starts at the caseload for now. */
/** Where the sign-in page finds the identity provider's sign-out address after a sign-out. */
export const PROVIDER_SIGN_OUT_KEY = 'carryover.providerSignOutUrl';

export function homeFor(_viewer: Viewer): string {
  if (_viewer.role === 'teacher') return '/home';
  return '/caseload';
}

export function roleLabel(viewer: Viewer): string {
  const role = labels.role[viewer.role];
  return viewer.discipline ? `${role} · ${viewer.discipline}` : role;
}

export function useViewer() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions());
}

/**
 * Today in the district's time zone, for date fields' defaults: a therapist in Chicago at
 * 7 pm is still on today, whatever the device's zone or UTC says.
 */
export function useDistrictToday(): IsoDate {
  const timeZone = useViewer().data?.timezone ?? 'UTC';
  try {
    return dateIn(new Date(), timeZone);
  } catch {
    return dateIn(new Date(), 'UTC');
  }
}

/** Only a path inside the app may be a post-sign-in destination (no open redirects). */
export function safeReturnPath(from: unknown): string | null {
  if (typeof from !== 'string' || !from.startsWith('/') || from.startsWith('//')) return null;
  if (from.startsWith('/sign-in')) return null;
  return from;
}

/** Layout route: signed-in pages inside the app shell; everyone else to /sign-in. */
export function RequireAuth() {
  const me = useViewer();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: (result) => {
        // Nothing of the last person's data may survive in memory.
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.me.queryKey(), null);
        // A session from the district's identity provider: the sign-in page offers its sign-out.
        // Kept for that page in this tab (not in the navigation's state, which the redirect of
        // the page being left may replace).
        if (result?.providerSignOutUrl)
          sessionStorage.setItem(PROVIDER_SIGN_OUT_KEY, result.providerSignOutUrl);
        navigate('/sign-in', { replace: true });
      },
    }),
  );

  // Sessions waiting in this device's outbox are the user's notes: signing out removes them, so
  // the next person on a shared device cannot read them, after a warning while any are unsent.
  const requestSignOut = (userId: string) => {
    const waiting = unsentCount(userId);
    if (
      waiting > 0 &&
      !window.confirm(
        `${waiting} session${waiting === 1 ? ' has' : 's have'} not been sent yet. ` +
          'Signing out deletes them from this device. Sign out anyway?',
      )
    )
      return;
    clearOutbox(userId);
    signOut.mutate();
  };

  if (me.isPending) {
    return (
      <div className="app-main">
        <LoadingState label="Checking your session" rows={3} />
      </div>
    );
  }
  if (me.isError) {
    return (
      <div className="app-main">
        <ErrorState
          title="Carryover is unavailable"
          message={userMessage(me.error)}
          onRetry={() => void me.refetch()}
          retrying={me.isFetching}
        />
      </div>
    );
  }
  if (!me.data) {
    const from = location.pathname + location.search;
    return <Navigate to="/sign-in" replace state={from === '/' ? undefined : { from }} />;
  }
  const viewerId = me.data.id;

  return (
    <AppShell
      brand={<Link to={homeFor(me.data)}>Carryover</Link>}
      nav={[
        <NavLink key="home" to="/home">
          Home
        </NavLink>,
        <NavLink key="caseload" to="/caseload">
          Caseload
        </NavLink>,
        me.data.role !== 'coordinator' && me.data.role !== 'admin' && (
          <NavLink key="log-session" to="/log-session">
            Log session
          </NavLink>
        ),
        me.data.role === 'therapist' && (
          <NavLink key="cosign" to="/cosign">
            Co-sign
          </NavLink>
        ),
        me.data.role !== 'teacher' && (
          <NavLink key="fidelity" to="/fidelity">
            Fidelity
          </NavLink>
        ),
        <NavLink key="team" to="/team">
          Team
        </NavLink>,
        <NavLink key="plans" to="/plans">
          Plans
        </NavLink>,
        <NavLink key="routines" to="/routines">
          Routines
        </NavLink>,
        me.data.role !== 'teacher' && me.data.role !== 'assistant' && (
          <NavLink key="recommendations" to="/recommendations">
            Recommendations
          </NavLink>
        ),
        <NavLink key="reports" to="/reports">
          Reports
        </NavLink>,
        (me.data.role === 'coordinator' || me.data.role === 'admin') && (
          <NavLink key="outcomes" to="/outcomes">
            Outcomes
          </NavLink>
        ),
        (me.data.role === 'coordinator' || me.data.role === 'admin') && (
          <NavLink key="workload" to="/workload">
            Workload
          </NavLink>
        ),
        (me.data.role === 'coordinator' || me.data.role === 'admin') && (
          <NavLink key="students" to="/students" end>
            Students
          </NavLink>
        ),
        me.data.role === 'admin' && (
          <NavLink key="records" to="/admin/records">
            Records
          </NavLink>
        ),
        me.data.role === 'admin' && (
          <NavLink key="people" to="/admin/people">
            People
          </NavLink>
        ),
        me.data.role === 'admin' && (
          <NavLink key="sign-in-settings" to="/admin/sign-in">
            Sign-in settings
          </NavLink>
        ),
        me.data.role === 'admin' && (
          <NavLink key="import" to="/admin/import">
            Import
          </NavLink>
        ),
        <NavLink key="account" to="/account">
          Account
        </NavLink>,
      ]}
      user={{ name: me.data.name, roleLabel: roleLabel(me.data) }}
      onSignOut={() => requestSignOut(viewerId)}
      signingOut={signOut.isPending}
    >
      <Outlet />
    </AppShell>
  );
}

export function HomeRedirect() {
  const me = useViewer();
  if (me.isPending) return <LoadingState label="Loading" rows={2} />;
  if (me.isError || !me.data) return <Navigate to="/sign-in" replace />;
  return <Navigate to={homeFor(me.data)} replace />;
}
