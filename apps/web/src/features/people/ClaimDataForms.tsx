import { ProviderBillingInput, StudentBillingInput } from '@carryover/domain';
import { Button, ErrorState, Field, formatDate, LoadingState } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { fieldErrors, issueErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

// The claim data a Medicaid billing row needs beyond the session log: a student's Medicaid ID
// and ICD-10 diagnosis (their date of birth is edited with their details), and a provider's NPI
// and credential. Each form checks with the API's own input schema before sending, so a wrong
// field is named at once; the server checks again and writes nothing on bad input.

/** An empty field means "not on file" (null), as the API takes it. */
const orNull = (v: string) => (v.trim() === '' ? null : v.trim());

export function StudentClaimData({
  studentId,
  dateOfBirth,
}: {
  studentId: string;
  dateOfBirth: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const claim = useQuery(trpc.billing.student.queryOptions({ studentId }));
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ medicaidId: '', diagnosisIcd10: '' });
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.billing.updateStudent.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        setSaved(true);
        void queryClient.invalidateQueries({
          queryKey: trpc.billing.student.queryKey({ studentId }),
        });
      },
    }),
  );
  const errors = { ...fieldErrors(save.error), ...localErrors };
  const open = () => {
    setDraft({
      medicaidId: claim.data?.medicaidId ?? '',
      diagnosisIcd10: claim.data?.diagnosisIcd10 ?? '',
    });
    setLocalErrors({});
    setSaved(false);
    save.reset();
    setEditing(true);
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = {
      studentId,
      medicaidId: orNull(draft.medicaidId),
      diagnosisIcd10: orNull(draft.diagnosisIcd10),
    };
    const parsed = StudentBillingInput.safeParse(input);
    if (!parsed.success) {
      setLocalErrors(issueErrors(parsed.error.issues));
      return;
    }
    setLocalErrors({});
    save.mutate(input);
  };
  return (
    <section className="section-card" aria-labelledby="claim-data">
      <div className="section-heading">
        <h2 id="claim-data">Medicaid claim data</h2>
        <Button variant="secondary" size="small" onClick={open} disabled={editing || !claim.data}>
          Edit claim data
        </Button>
      </div>
      {claim.isPending ? (
        <LoadingState label="Loading the claim data" rows={1} />
      ) : claim.isError ? (
        <ErrorState message={userMessage(claim.error)} onRetry={() => void claim.refetch()} />
      ) : editing ? (
        <form className="stack" onSubmit={onSubmit} noValidate>
          <div className="goal-form__row">
            <Field
              label="Medicaid ID"
              name="medicaidId"
              hint="6 to 20 letters or digits; empty if not on file"
              autoComplete="off"
              value={draft.medicaidId}
              onChange={(e) => setDraft((d) => ({ ...d, medicaidId: e.target.value }))}
              error={errors.medicaidId}
            />
            <Field
              label="Diagnosis (ICD-10)"
              name="diagnosisIcd10"
              hint="From the IEP, such as F80.0"
              autoComplete="off"
              value={draft.diagnosisIcd10}
              onChange={(e) => setDraft((d) => ({ ...d, diagnosisIcd10: e.target.value }))}
              error={errors.diagnosisIcd10}
            />
          </div>
          {save.isError && Object.keys(errors).length === 0 && (
            <div className="form-alert" role="alert">
              {userMessage(save.error)}
            </div>
          )}
          <div className="log-session__actions">
            <Button type="submit" busy={save.isPending}>
              Save claim data
            </Button>
            <Button variant="secondary" type="button" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <>
          <dl className="claim-data">
            <div>
              <dt>Date of birth</dt>
              <dd>{formatDate(dateOfBirth)}</dd>
            </div>
            <div>
              <dt>Medicaid ID</dt>
              <dd>{claim.data.medicaidId ?? 'Not on file'}</dd>
            </div>
            <div>
              <dt>Diagnosis (ICD-10)</dt>
              <dd>{claim.data.diagnosisIcd10 ?? 'Not on file'}</dd>
            </div>
          </dl>
          <p role="status" className="small">
            {saved ? 'Claim data saved.' : ''}
          </p>
        </>
      )}
    </section>
  );
}

/** An admin sets a therapist's or assistant's NPI and credential (the billing file's provider). */
export function ProviderBillingForm({ staffId, name }: { staffId: string; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.billing.providers.queryOptions());
  const current = providers.data?.providers.find((p) => p.id === staffId);
  const [draft, setDraft] = useState<{ npi: string; credential: string } | null>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.billing.updateProvider.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        void queryClient.invalidateQueries({ queryKey: trpc.billing.providers.queryKey() });
      },
    }),
  );
  if (providers.isPending) return <LoadingState label="Loading billing details" rows={1} />;
  if (providers.isError) return <ErrorState message={userMessage(providers.error)} />;
  if (!current) return null;
  const d = draft ?? { npi: current.npi ?? '', credential: current.credential ?? '' };
  const errors = { ...fieldErrors(save.error), ...localErrors };
  const set = (key: 'npi' | 'credential', value: string) => {
    setSaved(false);
    setDraft({ ...d, [key]: value });
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = { staffId, npi: orNull(d.npi), credential: orNull(d.credential) };
    const parsed = ProviderBillingInput.safeParse(input);
    if (!parsed.success) {
      setLocalErrors(issueErrors(parsed.error.issues));
      return;
    }
    setLocalErrors({});
    save.mutate(input);
  };
  return (
    <form
      className="stack provider-billing"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="provider-billing"
    >
      <h3 id="provider-billing">Billing: NPI and credential</h3>
      <p className="small muted">
        {name}’s National Provider Identifier and credential go on each billing row of their
        sessions; without them the rows are “not billable”.
      </p>
      <div className="goal-form__row">
        <Field
          label="NPI"
          name="npi"
          inputMode="numeric"
          autoComplete="off"
          hint="10 digits; the last is a check digit"
          value={d.npi}
          onChange={(e) => set('npi', e.target.value)}
          error={errors.npi}
        />
        <Field
          label="Credential"
          name="credential"
          autoComplete="off"
          hint="Such as CCC-SLP, OTR/L, COTA/L, DPT"
          value={d.credential}
          onChange={(e) => set('credential', e.target.value)}
          error={errors.credential}
        />
      </div>
      {save.isError && Object.keys(errors).length === 0 && (
        <div className="form-alert" role="alert">
          {userMessage(save.error)}
        </div>
      )}
      <div className="log-session__actions">
        <Button type="submit" variant="secondary" busy={save.isPending}>
          Save NPI and credential
        </Button>
        <span role="status" className="small">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}
