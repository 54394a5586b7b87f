import { disciplines, labels, sessionModels } from '@carryover/domain';
import { Field } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { SelectField } from '../../components/SelectField';
import { fieldErrors } from '../../lib/errors';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';
import type { Options } from './studentOptions';

// Adding or editing one of a student's services.

interface ServiceDraft {
  discipline: string;
  providerId: string;
  minutes: string;
  per: string;
  model: string;
  startDate: string;
  endDate: string;
}

const serviceLabels: Record<keyof ServiceDraft, string> = {
  discipline: 'Discipline',
  providerId: 'Provider',
  minutes: 'Minutes',
  per: 'Per',
  model: 'Model',
  startDate: 'Starts',
  endDate: 'Ends',
};

export function ServiceForm({
  studentId,
  service,
  options,
  onDone,
}: {
  studentId: string;
  service: {
    id: string;
    discipline: string;
    providerId: string | null;
    minutes: number;
    per: string;
    model: string;
    startDate: string;
    endDate: string;
    version: number;
  } | null;
  options: Options;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.students.get.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.students.needsProvider.queryKey() });
  };
  const form = useVersionedForm<ServiceDraft>(
    {
      discipline: service?.discipline ?? 'OT',
      providerId: service?.providerId ?? '',
      minutes: service ? String(service.minutes) : '',
      per: service?.per ?? 'week',
      model: service?.model ?? 'pull_out',
      startDate: service?.startDate ?? '',
      endDate: service?.endDate ?? '',
    },
    service?.version ?? 0,
  );
  const d = form.draft;
  const set = <K extends keyof ServiceDraft>(key: K, value: ServiceDraft[K]) =>
    form.setDraft((s) => ({ ...s, [key]: value }));
  const done = () => {
    refresh();
    onDone();
  };
  const add = useMutation(trpc.students.addService.mutationOptions({ onSuccess: done }));
  const update = useMutation(
    trpc.students.updateService.mutationOptions({
      onSuccess: done,
      onError: (e) => {
        if (form.catchConflict(e)) refresh();
      },
    }),
  );
  const save = service ? update : add;
  const errors = fieldErrors(save.error);
  const values = (s: ServiceDraft) => ({
    discipline: s.discipline as 'OT',
    providerId: s.providerId || null,
    minutes: s.minutes.trim() === '' ? Number.NaN : Number(s.minutes),
    per: s.per as 'week',
    model: s.model as 'pull_out',
    startDate: s.startDate,
    endDate: s.endDate,
  });
  const submit = (s: ServiceDraft, version: number) =>
    service
      ? update.mutate({ serviceId: service.id, expectedVersion: version, ...values(s) })
      : add.mutate({ studentId, ...values(s) });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit(form.draft, form.version);
  };
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={serviceLabels}
        show={(v) => String(v)}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="goal-form__row">
        <SelectField
          label="Discipline"
          name="discipline"
          value={d.discipline}
          onChange={(e) =>
            form.setDraft((s) => ({ ...s, discipline: e.target.value, providerId: '' }))
          }
          error={errors.discipline}
        >
          {disciplines.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Provider"
          name="providerId"
          value={d.providerId}
          onChange={(e) => set('providerId', e.target.value)}
          error={errors.providerId}
        >
          <option value="">Nobody yet (needs a provider)</option>
          {options.providers
            .filter((p) => p.discipline === d.discipline)
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
        </SelectField>
      </div>
      <div className="goal-form__row">
        <Field
          label="Minutes"
          name="minutes"
          type="number"
          inputMode="numeric"
          min={1}
          value={d.minutes}
          onChange={(e) => set('minutes', e.target.value)}
          error={errors.minutes}
        />
        <SelectField
          label="Per"
          name="per"
          value={d.per}
          onChange={(e) => set('per', e.target.value)}
          error={errors.per}
        >
          <option value="week">week</option>
          <option value="month">month</option>
        </SelectField>
        <SelectField
          label="Model"
          name="model"
          value={d.model}
          onChange={(e) => set('model', e.target.value)}
          error={errors.model}
        >
          {sessionModels.map((m) => (
            <option key={m} value={m}>
              {labels.model[m]}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="goal-form__row">
        <Field
          label="Starts"
          name="startDate"
          type="date"
          value={d.startDate}
          onChange={(e) => set('startDate', e.target.value)}
          error={errors.startDate}
        />
        <Field
          label="Ends"
          name="endDate"
          type="date"
          value={d.endDate}
          onChange={(e) => set('endDate', e.target.value)}
          error={errors.endDate}
        />
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel={service ? 'Save service' : 'Add service'}
        onCancel={onDone}
      />
    </form>
  );
}
