import type { RouterOutputs } from '@carryover/api';
import {
  CreateIdentityProviderInput,
  parseEmailDomains,
  UpdateIdentityProviderInput,
} from '@carryover/domain';
import { Button, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The admin's Sign-in settings: the district's OpenID Connect providers (Google Workspace,
// Microsoft Entra ID, Clever, ClassLink…), a Test that reads the provider's discovery document,
// and who may still use a password once single sign-on works.

type Settings = RouterOutputs['signInSettings']['get'];
type Provider = Settings['providers'][number];
type FormErrors = Record<string, string[] | undefined>;

interface ProviderForm {
  id: string | null;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  domains: string;
  enabled: boolean;
}

const emptyForm: ProviderForm = {
  id: null,
  displayName: '',
  issuer: '',
  clientId: '',
  clientSecret: '',
  domains: '',
  enabled: false,
};

const formOf = (p: Provider): ProviderForm => ({
  id: p.id,
  displayName: p.displayName,
  issuer: p.issuer,
  clientId: p.clientId,
  clientSecret: '',
  domains: p.allowedDomains.join(', '),
  enabled: p.enabled,
});

export function SignInSettingsPage() {
  useDocumentTitle('Sign-in settings');
  const trpc = useTRPC();
  const settings = useQuery(trpc.signInSettings.get.queryOptions());
  const redirectUri = `${window.location.origin}/auth/sso/callback`;
  return (
    <>
      <PageHeader
        title="Sign-in settings"
        description="Single sign-on with your district's accounts, and who may use a password"
      />
      {settings.isPending && <LoadingState label="Loading sign-in settings" rows={4} />}
      {settings.isError && (
        <ErrorState title="Could not load" message={userMessage(settings.error)} />
      )}
      {settings.data && (
        <div className="stack">
          <ProvidersSection settings={settings.data} redirectUri={redirectUri} />
          <PasswordPolicySection settings={settings.data} />
        </div>
      )}
    </>
  );
}

function ProvidersSection({ settings, redirectUri }: { settings: Settings; redirectUri: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ProviderForm | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.signInSettings.get.queryKey() });
  const done = () => {
    setForm(null);
    setErrors({});
    setFormError(null);
    void refresh();
  };
  const onError = (error: unknown) => {
    setErrors(fieldErrors(error));
    setFormError(Object.keys(fieldErrors(error)).length > 0 ? null : userMessage(error));
  };
  const create = useMutation(
    trpc.signInSettings.createProvider.mutationOptions({ onSuccess: done, onError }),
  );
  const update = useMutation(
    trpc.signInSettings.updateProvider.mutationOptions({ onSuccess: done, onError }),
  );
  const remove = useMutation(
    trpc.signInSettings.removeProvider.mutationOptions({ onSettled: () => void refresh() }),
  );
  const test = useMutation(trpc.signInSettings.testProvider.mutationOptions());

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!form) return;
    const values = {
      displayName: form.displayName,
      issuer: form.issuer,
      clientId: form.clientId,
      allowedDomains: parseEmailDomains(form.domains),
      enabled: form.enabled,
    };
    // The server's schemas, so a mistake is named before anything is sent.
    const parsed = form.id
      ? UpdateIdentityProviderInput.safeParse({
          id: form.id,
          ...values,
          clientSecret: form.clientSecret === '' ? undefined : form.clientSecret,
        })
      : CreateIdentityProviderInput.safeParse({ ...values, clientSecret: form.clientSecret });
    if (!parsed.success) {
      const next: FormErrors = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]);
        next[key] = [...(next[key] ?? []), issue.message];
      }
      setErrors(next);
      return;
    }
    setErrors({});
    if (form.id) update.mutate(parsed.data as UpdateIdentityProviderInput);
    else create.mutate(parsed.data as CreateIdentityProviderInput);
  }

  const set = <K extends keyof ProviderForm>(key: K, value: ProviderForm[K]) =>
    setForm((f) => (f ? { ...f, [key]: value } : f));

  return (
    <section className="section-card stack" aria-labelledby="providers-title">
      <h2 id="providers-title">Single sign-on</h2>
      <p className="muted">
        Register Carryover at your identity provider as a web application with this redirect URI,
        then enter what it gives you. Nobody gets an account by signing in: staff are matched to
        their existing account by email.
      </p>
      <p>
        Redirect URI: <code className="sso-issuer">{redirectUri}</code>
      </p>
      {settings.providers.length === 0 ? (
        <p className="muted">No sign-in provider yet.</p>
      ) : (
        <ul className="provider-list">
          {settings.providers.map((p) => (
            <li key={p.id} className="provider-list__item">
              <h3>{p.displayName}</h3>
              <dl className="provider-list__facts">
                <dt>Issuer</dt>
                <dd className="sso-issuer">{p.issuer}</dd>
                <dt>Client ID</dt>
                <dd className="sso-issuer">{p.clientId}</dd>
                <dt>Email domains</dt>
                <dd>{p.allowedDomains.length > 0 ? p.allowedDomains.join(', ') : 'Any'}</dd>
                <dt>On the sign-in page</dt>
                <dd>{p.enabled ? 'On' : 'Off'}</dd>
              </dl>
              <div className="button-row">
                <Button
                  variant="secondary"
                  size="small"
                  onClick={() => {
                    setErrors({});
                    setForm(formOf(p));
                  }}
                >
                  Edit
                  <span className="visually-hidden"> {p.displayName}</span>
                </Button>
                <Button
                  variant="secondary"
                  size="small"
                  busy={test.isPending && test.variables?.id === p.id}
                  onClick={() => test.mutate({ id: p.id })}
                >
                  Test
                  <span className="visually-hidden"> {p.displayName}</span>
                </Button>
                <Button
                  variant="ghost"
                  size="small"
                  onClick={() => {
                    if (window.confirm(`Remove "${p.displayName}"?`)) remove.mutate({ id: p.id });
                  }}
                >
                  Remove
                  <span className="visually-hidden"> {p.displayName}</span>
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {test.data && <DiscoveryReport report={test.data} />}
      {test.isError && (
        <div className="form-alert" role="alert">
          {userMessage(test.error)}
        </div>
      )}
      {form === null ? (
        <div>
          <Button variant="secondary" onClick={() => setForm(emptyForm)}>
            Add a sign-in provider
          </Button>
        </div>
      ) : (
        <form onSubmit={onSubmit} noValidate className="stack" aria-label="Sign-in provider">
          <h3>{form.id ? `Edit ${form.displayName}` : 'New sign-in provider'}</h3>
          {formError && (
            <div className="form-alert" role="alert">
              {formError}
            </div>
          )}
          <Field
            label="Button text"
            hint='What staff see on the sign-in page, such as "Sign in with Riverbend Google"'
            value={form.displayName}
            onChange={(e) => set('displayName', e.target.value)}
            error={errors.displayName}
          />
          <Field
            label="Issuer URL"
            hint="Google: https://accounts.google.com · Microsoft: https://login.microsoftonline.com/<tenant id>/v2.0"
            inputMode="url"
            autoCapitalize="none"
            spellCheck={false}
            value={form.issuer}
            onChange={(e) => set('issuer', e.target.value)}
            error={errors.issuer}
          />
          <Field
            label="Client ID"
            autoCapitalize="none"
            spellCheck={false}
            value={form.clientId}
            onChange={(e) => set('clientId', e.target.value)}
            error={errors.clientId}
          />
          <Field
            label="Client secret"
            type="password"
            autoComplete="off"
            hint={
              form.id
                ? 'Leave empty to keep the stored secret. A secret is never shown again.'
                : 'Stored encrypted; never shown again.'
            }
            value={form.clientSecret}
            onChange={(e) => set('clientSecret', e.target.value)}
            error={errors.clientSecret}
          />
          <Field
            label="Allowed email domains"
            hint="Comma-separated, such as riverbend.org; empty accepts any of your staff's emails"
            autoCapitalize="none"
            spellCheck={false}
            value={form.domains}
            onChange={(e) => set('domains', e.target.value)}
            error={errors.allowedDomains}
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.enabled}
              onChange={(e) => set('enabled', e.target.checked)}
            />
            Show this button on the sign-in page
          </label>
          <div className="button-row">
            <Button type="submit" busy={create.isPending || update.isPending}>
              {form.id ? 'Save provider' : 'Add provider'}
            </Button>
            <Button variant="secondary" onClick={() => setForm(null)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

function DiscoveryReport({ report }: { report: RouterOutputs['signInSettings']['testProvider'] }) {
  if (!report.ok)
    return (
      <div className="form-alert" role="alert">
        {report.message}
      </div>
    );
  return (
    <div className="form-note" role="status">
      <p>
        <strong>Discovery worked.</strong> Issuer {report.issuer}.
      </p>
      <ul className="sso-issuer">
        <li>Sign-in page: {report.authorizationEndpoint ?? 'missing'}</li>
        <li>Token endpoint: {report.tokenEndpoint ?? 'missing'}</li>
        <li>
          Sign-out:{' '}
          {report.endSessionEndpoint ??
            'none (signing out of Carryover leaves the provider signed in)'}
        </li>
        <li>PKCE (S256): {report.pkceS256 ? 'supported' : 'not advertised'}</li>
      </ul>
    </div>
  );
}

function PasswordPolicySection({ settings }: { settings: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState(settings.passwordSignIn);
  const [breakGlass, setBreakGlass] = useState<string[]>(settings.breakGlassUserIds);
  const save = useMutation(
    trpc.signInSettings.setPasswordPolicy.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.signInSettings.get.queryKey() }),
    }),
  );
  const errors = save.isError ? fieldErrors(save.error) : {};
  return (
    <section className="section-card stack" aria-labelledby="passwords-title">
      <h2 id="passwords-title">Passwords</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ passwordSignIn: mode, breakGlassUserIds: breakGlass });
        }}
      >
        <fieldset className="stack">
          <legend>Who may sign in with a Carryover password</legend>
          <label className="checkbox">
            <input
              type="radio"
              name="password-sign-in"
              checked={mode === 'everyone'}
              onChange={() => setMode('everyone')}
            />
            Everyone
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="password-sign-in"
              checked={mode === 'break_glass_only'}
              onChange={() => setMode('break_glass_only')}
            />
            Only break-glass admins (everyone else uses single sign-on)
          </label>
          {errors.passwordSignIn && <p className="field__error">{errors.passwordSignIn}</p>}
        </fieldset>
        {mode === 'break_glass_only' && (
          <fieldset className="stack">
            <legend>
              Break-glass admins: they keep their password for when the provider is down
            </legend>
            {settings.admins.map((a) => (
              <label key={a.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={breakGlass.includes(a.id)}
                  onChange={(e) =>
                    setBreakGlass((ids) =>
                      e.target.checked ? [...ids, a.id] : ids.filter((id) => id !== a.id),
                    )
                  }
                />
                {a.name} ({a.email})
              </label>
            ))}
            {errors.breakGlassUserIds && <p className="field__error">{errors.breakGlassUserIds}</p>}
          </fieldset>
        )}
        {save.isError && Object.keys(errors).length === 0 && (
          <div className="form-alert" role="alert">
            {userMessage(save.error)}
          </div>
        )}
        {save.isSuccess && (
          <p className="muted" role="status">
            Saved.
          </p>
        )}
        <div>
          <Button type="submit" busy={save.isPending}>
            Save password settings
          </Button>
        </div>
      </form>
    </section>
  );
}
