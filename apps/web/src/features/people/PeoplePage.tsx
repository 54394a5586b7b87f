import { disciplines, labels, type Role, roles } from '@carryover/domain';
import { Button, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useViewer } from '../../auth';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { DistrictDate } from '../../components/DistrictDate';
import { SelectField } from '../../components/SelectField';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';
import { ProviderBillingForm } from './ClaimDataForms';

// The admin's People page: staff with role, discipline, schools and each assistant's supervisor.
// Adding someone gives a one-time setup link where they set their own password; editing saves
// at the version the form loaded; deactivating ends every session of theirs at once.

interface StaffDraft {
  name: string;
  email: string;
  role: Role;
  discipline: string;
  supervisorId: string;
  schoolIds: string[];
}

const staffLabels: Record<keyof StaffDraft, string> = {
  name: 'Name',
  email: 'Email',
  role: 'Role',
  discipline: 'Discipline',
  supervisorId: 'Supervisor',
  schoolIds: 'Schools',
};

const hasDiscipline = (role: string) => role === 'therapist' || role === 'assistant';

export function PeoplePage() {
  useDocumentTitle('People');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useViewer();
  const list = useQuery(trpc.people.list.queryOptions());
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [link, setLink] = useState<{ name: string; token: string; expiresAt: string } | null>(null);
  const refresh = () =>
    void queryClient.invalidateQueries({ queryKey: trpc.people.list.queryKey() });
  const setActive = useMutation(trpc.admin.setUserActive.mutationOptions({ onSettled: refresh }));
  const newLink = useMutation(trpc.people.setupLink.mutationOptions());
  if (list.isPending) return <LoadingState label="Loading people" rows={4} />;
  if (list.isError) return <ErrorState title="Could not load" message={userMessage(list.error)} />;
  const { staff, schools } = list.data;
  const schoolName = new Map(schools.map((s) => [s.id, s.name]));
  const person = staff.find((s) => s.id === editing) ?? null;
  return (
    <>
      <PageHeader
        title="People"
        description="Staff of your district: role, discipline, schools and supervisors"
        actions={
          <Button onClick={() => setEditing('new')} disabled={editing === 'new'}>
            Add a person
          </Button>
        }
      />
      {link && (
        <section className="section-card" aria-live="polite">
          <h2>Setup link for {link.name}</h2>
          <p>
            Send them this link; it works once, until <DistrictDate at={link.expiresAt} withTime />.
            They set their own password there.
          </p>
          <p>
            <code className="setup-link">{`${window.location.origin}/setup#${link.token}`}</code>
          </p>
          <Button variant="secondary" size="small" onClick={() => setLink(null)}>
            Done
          </Button>
        </section>
      )}
      {editing !== null && (editing === 'new' || person) && (
        <section className="section-card">
          <h2>{person ? `Edit ${person.name}` : 'Add a person'}</h2>
          <StaffForm
            key={editing}
            person={person}
            staff={staff}
            schools={schools}
            onDone={(created) => {
              setEditing(null);
              refresh();
              if (created) setLink(created);
            }}
          />
          {person && hasDiscipline(person.role) && (
            <ProviderBillingForm key={person.id} staffId={person.id} name={person.name} />
          )}
        </section>
      )}
      {(setActive.isError || newLink.isError) && (
        <div className="form-alert" role="alert">
          {userMessage(setActive.error ?? newLink.error)}
        </div>
      )}
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Schools</th>
              <th scope="col">Supervisor</th>
              <th scope="col">Two-step</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {staff.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.name}
                  <br />
                  <span className="muted small">{u.email}</span>
                </td>
                <td>
                  {labels.role[u.role as Role] ?? u.role}
                  {u.discipline ? ` · ${u.discipline}` : ''}
                </td>
                <td>{u.schoolIds.map((s) => schoolName.get(s) ?? s).join(', ') || '—'}</td>
                <td>{u.supervisorName ?? '—'}</td>
                <td>{u.mfaEnrolled ? 'On' : 'Off'}</td>
                <td>
                  {!u.active ? 'Deactivated' : u.setupPending ? 'Waiting for setup' : 'Active'}
                </td>
                <td className="people-actions">
                  <Button variant="ghost" size="small" onClick={() => setEditing(u.id)}>
                    Edit<span className="visually-hidden"> {u.name}</span>
                  </Button>
                  {u.setupPending && u.active && (
                    <Button
                      variant="ghost"
                      size="small"
                      busy={newLink.isPending && newLink.variables?.userId === u.id}
                      onClick={() =>
                        newLink.mutate(
                          { userId: u.id },
                          {
                            onSuccess: (r) =>
                              setLink({
                                name: u.name,
                                token: r.setupToken,
                                expiresAt: r.expiresAt,
                              }),
                          },
                        )
                      }
                    >
                      New setup link<span className="visually-hidden"> for {u.name}</span>
                    </Button>
                  )}
                  {u.id !== me.data?.id && (
                    <Button
                      variant="secondary"
                      size="small"
                      busy={setActive.isPending && setActive.variables?.userId === u.id}
                      onClick={() => setActive.mutate({ userId: u.id, active: !u.active })}
                    >
                      {u.active ? `Deactivate ${u.name}` : `Reactivate ${u.name}`}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type StaffRow = {
  id: string;
  name: string;
  email: string;
  role: string;
  discipline: string | null;
  supervisorId: string | null;
  schoolIds: string[];
  active: boolean;
  version: number;
};

function StaffForm({
  person,
  staff,
  schools,
  onDone,
}: {
  person: StaffRow | null;
  staff: StaffRow[];
  schools: { id: string; name: string }[];
  onDone: (created?: { name: string; token: string; expiresAt: string }) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useVersionedForm<StaffDraft>(
    {
      name: person?.name ?? '',
      email: person?.email ?? '',
      role: (person?.role ?? 'therapist') as Role,
      discipline: person?.discipline ?? '',
      supervisorId: person?.supervisorId ?? '',
      schoolIds: person?.schoolIds ?? [],
    },
    person?.version ?? 0,
  );
  const d = form.draft;
  const set = <K extends keyof StaffDraft>(key: K, value: StaffDraft[K]) =>
    form.setDraft((s) => ({ ...s, [key]: value }));
  const onError = (e: unknown) => {
    if (form.catchConflict(e))
      void queryClient.invalidateQueries({ queryKey: trpc.people.list.queryKey() });
  };
  const create = useMutation(
    trpc.people.create.mutationOptions({
      onSuccess: (r) => onDone({ name: d.name, token: r.setupToken, expiresAt: r.expiresAt }),
    }),
  );
  const update = useMutation(
    trpc.people.update.mutationOptions({ onSuccess: () => onDone(), onError }),
  );
  const save = person ? update : create;
  const errors = fieldErrors(save.error);
  const values = (s: StaffDraft) => ({
    name: s.name,
    email: s.email,
    role: s.role,
    discipline: hasDiscipline(s.role) && s.discipline ? (s.discipline as 'OT') : null,
    supervisorId: s.role === 'assistant' && s.supervisorId ? s.supervisorId : null,
    schoolIds: s.schoolIds,
  });
  const submit = (s: StaffDraft, version: number) =>
    person
      ? update.mutate({ userId: person.id, expectedVersion: version, ...values(s) })
      : create.mutate(values(s));
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit(form.draft, form.version);
  };
  const supervisors = staff.filter(
    (s) =>
      s.role === 'therapist' && s.active && s.discipline === d.discipline && s.id !== person?.id,
  );
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={staffLabels}
        show={(value) => (Array.isArray(value) ? value.join(', ') : String(value))}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="goal-form__row">
        <Field
          label="Name"
          name="name"
          value={d.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={d.email}
          onChange={(e) => set('email', e.target.value)}
          error={errors.email}
        />
      </div>
      <div className="goal-form__row">
        <SelectField
          label="Role"
          name="role"
          value={d.role}
          onChange={(e) => set('role', e.target.value as Role)}
          error={errors.role}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {labels.role[r]}
            </option>
          ))}
        </SelectField>
        {hasDiscipline(d.role) && (
          <SelectField
            label="Discipline"
            name="discipline"
            value={d.discipline}
            onChange={(e) => set('discipline', e.target.value)}
            error={errors.discipline}
          >
            <option value="">Choose…</option>
            {disciplines.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </SelectField>
        )}
        {d.role === 'assistant' && (
          <SelectField
            label="Supervisor"
            name="supervisorId"
            value={d.supervisorId}
            onChange={(e) => set('supervisorId', e.target.value)}
            error={errors.supervisorId}
          >
            <option value="">Choose…</option>
            {supervisors.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <fieldset className="goal-form__fieldset">
        <legend>Schools</legend>
        {schools.map((s) => (
          <label key={s.id} className="checkbox">
            <input
              type="checkbox"
              checked={d.schoolIds.includes(s.id)}
              onChange={() =>
                set(
                  'schoolIds',
                  d.schoolIds.includes(s.id)
                    ? d.schoolIds.filter((x) => x !== s.id)
                    : [...d.schoolIds, s.id],
                )
              }
            />{' '}
            {s.name}
          </label>
        ))}
        {errors.schoolIds && <p className="field__error">{errors.schoolIds.join(' ')}</p>}
      </fieldset>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel={person ? 'Save' : 'Add and make a setup link'}
        onCancel={() => onDone()}
      />
    </form>
  );
}
