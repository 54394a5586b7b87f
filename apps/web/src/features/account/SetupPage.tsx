import { CompleteSetupInput } from '@carryover/domain';
import { Button, ErrorState, Field, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The one-time link `create-admin` prints: /setup#<token>. The token rides in the fragment,
// which the browser never sends in a request line or a Referer, and is posted in a body.

export function SetupPage() {
  useDocumentTitle('Set your password');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [token] = useState(() => window.location.hash.slice(1));
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const link = useQuery({ ...trpc.auth.setupLink.queryOptions({ token }), retry: false });
  const complete = useMutation(
    trpc.auth.completeSetup.mutationOptions({
      onSuccess: async ({ next }) => {
        window.history.replaceState(null, '', '/setup');
        await queryClient.invalidateQueries();
        navigate(next === 'enrol' ? '/account/enrol' : '/', { replace: true });
      },
      onError: (e) => {
        const fields = fieldErrors(e);
        setError(fields.password?.join(' ') ?? fields.token?.join(' ') ?? userMessage(e));
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = CompleteSetupInput.safeParse({ token, password });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Check the password');
      return;
    }
    setError(null);
    complete.mutate({ token, password });
  }

  return (
    <main id="main" className="app-main">
      <div className="sign-in">
        <p className="sign-in__brand">Carryover</p>
        <div className="section-card">
          <h1>Set your password</h1>
          {link.isPending && <LoadingState label="Checking the link" rows={2} />}
          {link.isError && (
            <ErrorState
              title="This link cannot be used"
              message="It has expired or was already used. Ask for a new one (create-admin)."
            />
          )}
          {link.data && (
            <>
              <p>
                {link.data.name}, you are the admin of {link.data.districtName} ({link.data.email}).
                Choose a password of at least 12 characters: a few unrelated words work well.
              </p>
              <form onSubmit={onSubmit} noValidate>
                <Field
                  id="setup-password"
                  label="New password"
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  error={error}
                  required
                />
                <Button type="submit" busy={complete.isPending}>
                  Set password
                </Button>
              </form>
            </>
          )}
        </div>
      </div>
    </main>
  );
}
