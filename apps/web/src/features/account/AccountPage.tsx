import { TotpCode } from '@carryover/domain';
import { Button, ErrorState, Field, LoadingState, PageHeader, TableScroll } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { homeFor, useViewer } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The signed-in user's own account: two-step sign-in (enrol with a QR code, recovery codes
// shown once), the sessions they have open (ending any), and their password. The enrolment
// part also serves /account/enrol, where a user whose role requires a second factor is held
// after the password until they have enrolled.

/** Recovery codes, shown once, right after enrolment. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <section className="section-card" aria-labelledby="recovery-codes-title">
      <h2 id="recovery-codes-title">Save your recovery codes</h2>
      <p>
        Each code signs you in once if you lose your phone. Keep them somewhere safe: they will not
        be shown again.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <Button onClick={onDone}>I have saved them</Button>
    </section>
  );
}

/** Scan the QR code, type the app's code: two-step sign-in is on. */
export function MfaEnrolment({ onEnrolled }: { onEnrolled: () => void }) {
  const trpc = useTRPC();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const start = useMutation(trpc.account.mfaStart.mutationOptions());
  const confirm = useMutation(
    trpc.account.mfaConfirm.mutationOptions({
      onSuccess: (result) => setCodes(result.recoveryCodes),
      onError: (e) => setError(fieldErrors(e).code?.join(' ') ?? userMessage(e)),
    }),
  );

  if (codes) return <RecoveryCodes codes={codes} onDone={onEnrolled} />;
  if (!start.data) {
    return (
      <div>
        <p>
          Use an authenticator app (such as Google Authenticator, Microsoft Authenticator or
          1Password) on your phone.
        </p>
        {start.isError && (
          <div className="form-alert" role="alert">
            {userMessage(start.error)}
          </div>
        )}
        <Button onClick={() => start.mutate()} busy={start.isPending}>
          Set up two-step sign-in
        </Button>
      </div>
    );
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = TotpCode.safeParse(code);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Enter the code');
      return;
    }
    setError(null);
    confirm.mutate({ code: parsed.data });
  }

  return (
    <div className="mfa-enrol">
      <p>Scan this code with your authenticator app, then type the 6-digit code it shows.</p>
      <img
        src={start.data.qrCode}
        alt="QR code for your authenticator app"
        width={200}
        height={200}
      />
      <p className="muted">
        Cannot scan? Enter this key in the app:{' '}
        <code data-testid="totp-secret">{start.data.secret}</code>
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          id="mfa-enrol-code"
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={error}
          required
        />
        <Button type="submit" busy={confirm.isPending}>
          Turn on two-step sign-in
        </Button>
      </form>
    </div>
  );
}

function TwoStepSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.account.mfaStatus.queryOptions());
  const [password, setPassword] = useState('');
  const disable = useMutation(
    trpc.account.mfaDisable.mutationOptions({
      onSuccess: () => {
        setPassword('');
        void queryClient.invalidateQueries({ queryKey: trpc.account.mfaStatus.queryKey() });
      },
    }),
  );
  if (status.isPending) return <LoadingState label="Loading two-step sign-in" rows={2} />;
  if (status.isError)
    return <ErrorState title="Could not load" message={userMessage(status.error)} />;
  const s = status.data;
  return (
    <section className="section-card" aria-labelledby="two-step-title">
      <h2 id="two-step-title">Two-step sign-in</h2>
      {s.enrolled ? (
        <>
          <p>
            <strong>On.</strong> You sign in with your password and a code from your app.{' '}
            {s.recoveryCodesLeft} recovery codes left.
          </p>
          {s.required ? (
            <p className="muted">Your role requires it, so it stays on.</p>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                disable.mutate({ currentPassword: password });
              }}
              noValidate
            >
              <Field
                label="Current password (to turn it off)"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                error={
                  disable.isError
                    ? (fieldErrors(disable.error).currentPassword ?? userMessage(disable.error))
                    : null
                }
              />
              <Button type="submit" variant="secondary" busy={disable.isPending}>
                Turn off two-step sign-in
              </Button>
            </form>
          )}
        </>
      ) : (
        <>
          <p>
            <strong>Off.</strong>{' '}
            {s.required
              ? 'Your role requires it: set it up now.'
              : 'Add a code from your phone to your password, so a stolen password alone cannot open your account.'}
          </p>
          <MfaEnrolment
            onEnrolled={() =>
              void queryClient.invalidateQueries({ queryKey: trpc.account.mfaStatus.queryKey() })
            }
          />
        </>
      )}
    </section>
  );
}

function SessionsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.account.sessions.queryOptions());
  const end = useMutation(
    trpc.account.endSession.mutationOptions({
      onSettled: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.account.sessions.queryKey() }),
    }),
  );
  return (
    <section className="section-card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      {sessions.isPending && <LoadingState label="Loading sessions" rows={2} />}
      {sessions.isError && (
        <ErrorState title="Could not load" message={userMessage(sessions.error)} />
      )}
      {sessions.data && (
        <TableScroll label="Signed-in devices">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.map((s) => (
                <tr key={s.id}>
                  <td>{s.userAgent ?? 'Unknown device'}</td>
                  <td>{s.address ?? '—'}</td>
                  <td>
                    <DistrictDate at={s.startedAt} withTime />
                  </td>
                  <td>
                    <DistrictDate at={s.lastSeenAt} withTime />
                  </td>
                  <td>
                    {s.current ? (
                      <span className="muted">This device</span>
                    ) : (
                      <Button
                        variant="secondary"
                        onClick={() => end.mutate({ sessionId: s.id })}
                        busy={end.isPending && end.variables?.sessionId === s.id}
                      >
                        Sign out
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

export function AccountPage() {
  useDocumentTitle('Account');
  const me = useViewer();
  return (
    <div className="account-page">
      <PageHeader
        title="Account"
        description={me.data ? `${me.data.name} · ${me.data.email}` : undefined}
      />
      <TwoStepSection />
      <SessionsSection />
    </div>
  );
}

/** Where a user whose role requires two-step sign-in is held after the password. */
export function EnrolPage() {
  useDocumentTitle('Set up two-step sign-in');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const pending = useQuery(trpc.auth.pending.queryOptions());
  const me = useViewer();
  if (pending.isPending || me.isPending)
    return <LoadingState label="Checking your session" rows={2} />;
  if (me.data && !pending.data) return <Navigate to="/account" replace />;
  if (pending.data?.stage !== 'enrol') return <Navigate to="/sign-in" replace />;
  return (
    <main id="main" className="app-main">
      <div className="sign-in">
        <p className="sign-in__brand">Carryover</p>
        <div className="section-card">
          <h1>Set up two-step sign-in</h1>
          <p>
            {pending.data.name}, your role signs in with a password and a code from your phone. Set
            it up to continue.
          </p>
          <MfaEnrolment
            onEnrolled={async () => {
              await queryClient.invalidateQueries();
              const viewer = await queryClient.fetchQuery(trpc.auth.me.queryOptions());
              navigate(viewer ? homeFor(viewer) : '/sign-in', { replace: true });
            }}
          />
        </div>
      </div>
    </main>
  );
}
