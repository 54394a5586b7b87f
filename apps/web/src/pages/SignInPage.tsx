import { SignInInput } from '@carryover/domain';
import { Button, Field, LoadingState } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { homeFor, safeReturnPath, useViewer } from '../auth';
import { errorCode, fieldErrors, userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

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

  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: (viewer) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), viewer);
        navigate(returnTo ?? homeFor(viewer), { replace: true });
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
  if (me.data && !signIn.isPending && !signIn.isSuccess) {
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

  return (
    <main id="main" className="app-main">
      <div className="sign-in">
        <p className="sign-in__brand">Carryover</p>
        <div className="section-card">
          <h1>Sign in</h1>
          <p className="muted">Use your district account.</p>
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
