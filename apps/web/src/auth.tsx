import type { IsoDate, Viewer } from '@carryover/domain';
import { dateIn, labels } from '@carryover/domain';
import { AppShell, ErrorState, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { userMessage } from './lib/errors';
import { NetworkStatus, OutboxProvider } from './offline/OutboxProvider';
import { forgetDeviceData, persister } from './offline/persist';
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
 * The signed-in user's district time zone (from `auth.me`): every date and time the app shows
 * or defaults is the district's, whatever the device's zone.
 */
export function useDistrictZone(): string {
  return useViewer().data?.timezone ?? 'UTC';
}

/**
 * Today in the district's time zone, for date fields' defaults: a therapist in Chicago at
 * 7 pm is still on today, whatever the device's zone or UTC says.
 */
export function useDistrictToday(): IsoDate {
  const timeZone = useDistrictZone();
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
        // A session from the district's identity provider: the sign-in page offers its sign-out.
        // Kept for this tab, and first: clearing the user below may draw the sign-in page at once.
        if (result?.providerSignOutUrl)
          sessionStorage.setItem(PROVIDER_SIGN_OUT_KEY, result.providerSignOutUrl);
        else sessionStorage.removeItem(PROVIDER_SIGN_OUT_KEY);
        // Nothing of the last person's data may survive in memory or on the device.
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.me.queryKey(), null);
        void persister.removeClient();
        navigate('/sign-in', { replace: true });
      },
    }),
  );

  // What was kept on the device for offline use goes when the session does: at its absolute
  // expiry (even without signal), and when the server says nobody is signed in.
  const expiresAt = me.data?.sessionExpiresAt ?? null;
  const signedOutByServer = me.data === null && me.isFetchedAfterMount;
  useEffect(() => {
    const forget = () => void forgetDeviceData(queryClient, trpc.auth.me.queryKey());
    if (signedOutByServer) {
      forget();
      return;
    }
    if (!expiresAt) return;
    const timer = setTimeout(forget, Math.max(0, Date.parse(expiresAt) - Date.now()));
    return () => clearTimeout(timer);
  }, [expiresAt, signedOutByServer, queryClient, trpc]);

  // Whoever records data gets the session form's students and goals kept on the device, so
  // Log session (and a student's goals) opens without signal even if it was not opened before;
  // a therapist or assistant gets today's planned sessions too.
  const role = me.data?.role;
  useEffect(() => {
    if (role !== 'therapist' && role !== 'assistant' && role !== 'teacher') return;
    const timer = setTimeout(() => {
      void queryClient.prefetchQuery(trpc.sessions.context.queryOptions());
      // Today's planned sessions, whose "Log" opens that form filled in, kept alike.
      if (role !== 'teacher') void queryClient.prefetchQuery(trpc.schedule.today.queryOptions());
    }, 1000);
    return () => clearTimeout(timer);
  }, [role, queryClient, trpc]);

  // Sessions waiting in this device's outbox are the user's notes: signing out removes them, so
  // the next person on a shared device cannot read them, after a warning while any are unsent.
  const requestSignOut = (userId: string) => {
    const { total: waiting, sessions } = unsentCount(userId);
    // "2 sessions have…" when only sessions wait; "3 entries have…" with probes, ticks, signatures.
    const what = waiting === sessions ? ['session', 'sessions'] : ['entry', 'entries'];
    if (
      waiting > 0 &&
      !window.confirm(
        `${waiting} ${waiting === 1 ? `${what[0]} has` : `${what[1]} have`} not been sent yet. ` +
          'Signing out deletes them from this device. Sign out anyway?',
      )
    )
      return;
    clearOutbox(userId);
    signOut.mutate();
  };

  if (me.isPending && me.fetchStatus === 'paused') {
    return (
      <div className="app-main">
        <ErrorState
          title="You are offline"
          message="Nothing of yours is kept on this device yet. Sign in once with signal, and your caseload, goals and today's plan are kept here for when there is none."
        />
      </div>
    );
  }
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
    <OutboxProvider userId={viewerId}>
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
          me.data.role !== 'teacher' && (
            <NavLink key="schedule" to="/schedule">
              Schedule
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
          me.data.role === 'admin' && (
            <NavLink key="goal-bank" to="/admin/goal-bank">
              Goal bank
            </NavLink>
          ),
          <NavLink key="account" to="/account">
            Account
          </NavLink>,
        ]}
        user={{ name: me.data.name, roleLabel: roleLabel(me.data) }}
        onSignOut={() => requestSignOut(viewerId)}
        signingOut={signOut.isPending}
        status={<NetworkStatus />}
        navKey={location.key}
      >
        <Outlet />
      </AppShell>
    </OutboxProvider>
  );
}

export function HomeRedirect() {
  const me = useViewer();
  // Offline with nothing kept: the guard says so (rather than a spinner that never ends).
  if (me.isPending && me.fetchStatus === 'paused') return <Navigate to="/caseload" replace />;
  if (me.isPending) return <LoadingState label="Loading" rows={2} />;
  if (me.isError || !me.data) return <Navigate to="/sign-in" replace />;
  return <Navigate to={homeFor(me.data)} replace />;
}
