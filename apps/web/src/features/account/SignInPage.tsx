import type { Viewer } from '@carryover/domain';
import { isSsoRefusal, SignInInput, ssoRefusals, VerifyMfaInput } from '@carryover/domain';
import { Button, Field, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { homeFor, PROVIDER_SIGN_OUT_KEY, safeReturnPath, useViewer } from '../../auth';
import { errorCode, fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

type Errors = Partial<Record<'email' | 'password', string[]>>;

export function SignInPage() {
  useDocumentTitle('Sign in');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const me = useViewer();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const alertRef = useRef<HTMLDivElement>(null);
  const returnTo = safeReturnPath((location.state as { from?: unknown } | null)?.from);
  // After signing out of a session that began at the district's identity provider. Read on
  // every draw rather than taken once: as a sign-out settles this page can be drawn, dropped
  // (a stale viewer sends it home, the guard sends it back) and drawn again. It goes when this
  // tab signs in again or follows the link.
  const providerSignOutUrl = sessionStorage.getItem(PROVIDER_SIGN_OUT_KEY);
  const forgetProviderSignOut = () => sessionStorage.removeItem(PROVIDER_SIGN_OUT_KEY);
  const [search] = useSearchParams();
  const ssoError = search.get('sso_error');
  const ssoContact = search.get('contact');
  const providers = useQuery(trpc.auth.ssoProviders.queryOptions());

  // After the password (or the identity provider): the app, a code from the authenticator
  // app, or enrolment first.
  const [codeStep, setCodeStep] = useState(search.get('step') === 'code');
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const finish = (viewer: Viewer) => {
    forgetProviderSignOut();
    // auth.me also says when the session ends (offline data goes then): asked for right after.
    queryClient.setQueryData(trpc.auth.me.queryKey(), () => ({
      ...viewer,
      sessionExpiresAt: null,
    }));
    void queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
    navigate(returnTo ?? homeFor(viewer), { replace: true });
  };
  const verify = useMutation(
    trpc.auth.verifyMfa.mutationOptions({
      onSuccess: ({ next: _, ...viewer }) => finish(viewer),
      onError: (error) => {
        if (errorCode(error) === 'BAD_REQUEST')
          setCodeError(fieldErrors(error).code?.join(' ') ?? userMessage(error));
        else {
          // Too many wrong codes end the half-finished sign-in: start again.
          setCodeStep(false);
          setCodeError(null);
          setFormError(userMessage(error));
        }
      },
    }),
  );
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: ({ next, ...viewer }) => {
        if (next === 'app') finish(viewer);
        else if (next === 'mfa') setCodeStep(true);
        else navigate('/account/enrol', { replace: true });
      },
      onError: (error) => {
        if (errorCode(error) === 'BAD_REQUEST') {
          const fields = fieldErrors(error);
          setErrors({ email: fields.email, password: fields.password });
          setFormError(fields.email || fields.password ? null : userMessage(error));
        } else {
          setErrors({});
          setFormError(userMessage(error));
        }
      },
    }),
  );

  useEffect(() => {
    if (formError) alertRef.current?.focus();
  }, [formError]);

  if (me.isPending) return <LoadingState label="Checking your session" rows={2} />;
  if (me.data && !signIn.isPending && !signIn.isSuccess && !verify.isSuccess) {
    return <Navigate to={returnTo ?? homeFor(me.data)} replace />;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    // The same schema the server enforces, so most mistakes are caught before a request.
    const parsed = SignInInput.safeParse({ email, password });
    if (!parsed.success) {
      const next: Errors = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        if (key === 'email' || key === 'password')
          next[key] = [...(next[key] ?? []), issue.message];
      }
      setErrors(next);
      const first = next.email ? 'email' : 'password';
      document.getElementById(`sign-in-${first}`)?.focus();
      return;
    }
    setErrors({});
    signIn.mutate(parsed.data);
  }

  function onSubmitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = VerifyMfaInput.safeParse({ code });
    if (!parsed.success) {
      setCodeError(parsed.error.issues[0]?.message ?? 'Enter the code');
      document.getElementById('sign-in-code')?.focus();
      return;
    }
    setCodeError(null);
    verify.mutate(parsed.data);
  }

  if (codeStep) {
    return (
      <main id="main" className="app-main">
        <div className="sign-in">
          <p className="sign-in__brand">Carryover</p>
          <div className="section-card">
            <h1>Enter your code</h1>
            <p className="muted">Open your authenticator app, or use one of your recovery codes.</p>
            <form onSubmit={onSubmitCode} noValidate>
              <Field
                id="sign-in-code"
                label="Code"
                name="code"
                autoComplete="one-time-code"
                autoCapitalize="none"
                spellCheck={false}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={codeError}
                required
              />
              <Button type="submit" busy={verify.isPending}>
                {verify.isPending ? 'Checking…' : 'Continue'}
              </Button>
            </form>
          </div>
        </div>
      </main>
    );
  }

  return (
    <main id="main" className="app-main">
      <div className="sign-in">
        <p className="sign-in__brand">Carryover</p>
        <div className="section-card">
          <h1>Sign in</h1>
          <p className="muted">Use your district account.</p>
          {typeof providerSignOutUrl === 'string' && (
            <p className="form-note" role="status">
              You are signed out of Carryover.{' '}
              <a href={providerSignOutUrl} onClick={forgetProviderSignOut}>
                Also sign out of your district account
              </a>
            </p>
          )}
          {ssoError && (
            <div className="form-alert" role="alert">
              {isSsoRefusal(ssoError) ? ssoRefusals[ssoError] : 'Single sign-on did not work.'}
              {ssoContact && <> Contact {ssoContact}.</>}
            </div>
          )}
          {providers.data && providers.data.length > 0 && (
            <div className="sso-buttons">
              {providers.data.map((p) => (
                <a
                  key={p.id}
                  className="btn btn--secondary sso-button"
                  href={p.startPath}
                  onClick={forgetProviderSignOut}
                >
                  {p.displayName}
                </a>
              ))}
              <p className="sso-buttons__or muted">or with your Carryover password</p>
            </div>
          )}
          {formError && (
            <div className="form-alert" role="alert" tabIndex={-1} ref={alertRef}>
              {formError}
            </div>
          )}
          <form onSubmit={onSubmit} noValidate>
            <Field
              id="sign-in-email"
              label="Email"
              type="email"
              name="email"
              autoComplete="username"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={errors.email}
              required
            />
            <Field
              id="sign-in-password"
              label="Password"
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={errors.password}
              required
            />
            <Button type="submit" busy={signIn.isPending}>
              {signIn.isPending ? 'Signing in…' : 'Sign in'}
            </Button>
          </form>
        </div>
      </div>
    </main>
  );
}
