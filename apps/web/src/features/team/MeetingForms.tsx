import { Field, formatDate } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { fieldErrors } from '../../lib/errors';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

// Editing a meeting's notes and an action item, each at the version the form loaded.

type Meeting = {
  id: string;
  notes: string;
  version: number;
};

/** A meeting's notes, saved at the version the form loaded. */
export function NotesForm({ meeting, onDone }: { meeting: Meeting; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useVersionedForm({ notes: meeting.notes }, meeting.version);
  const save = useMutation(
    trpc.team.updateTouchBase.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        onDone();
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (d: { notes: string }, version: number) =>
    save.mutate({ touchBaseId: meeting.id, expectedVersion: version, notes: d.notes });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        submit(form.draft, form.version);
      }}
      noValidate
    >
      <ConflictBanner
        form={form}
        labels={{ notes: 'Notes' }}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className={`select-field${errors.notes ? ' field--invalid' : ''}`}>
        <label htmlFor={`tb-notes-${meeting.id}`} className="field__label">
          Notes
        </label>
        <textarea
          id={`tb-notes-${meeting.id}`}
          rows={3}
          value={form.draft.notes}
          onChange={(e) => form.setDraft({ notes: e.target.value })}
        />
        {errors.notes && <p className="field__error">{errors.notes.join(' ')}</p>}
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel="Save notes"
        onCancel={onDone}
      />
    </form>
  );
}

type Item = { id: string; text: string; dueOn: string; version: number };

/** An action item's wording and due date, saved at the version the form loaded. */
export function ActionItemForm({ item, onDone }: { item: Item; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useVersionedForm({ text: item.text, dueOn: item.dueOn }, item.version);
  const save = useMutation(
    trpc.team.updateActionItem.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.home.get.queryKey() });
        onDone();
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (d: { text: string; dueOn: string }, version: number) =>
    save.mutate({ actionItemId: item.id, expectedVersion: version, ...d });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        submit(form.draft, form.version);
      }}
      noValidate
    >
      <ConflictBanner
        form={form}
        labels={{ text: 'To do', dueOn: 'Due' }}
        show={(value, key) => (key === 'dueOn' ? formatDate(String(value)) : String(value))}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="goal-form__row">
        <Field
          label="To do"
          value={form.draft.text}
          onChange={(e) => form.setDraft((d) => ({ ...d, text: e.target.value }))}
          error={errors.text}
        />
        <Field
          label="Due"
          type="date"
          value={form.draft.dueOn}
          onChange={(e) => form.setDraft((d) => ({ ...d, dueOn: e.target.value }))}
          error={errors.dueOn}
        />
      </div>
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel="Save item"
        onCancel={onDone}
      />
    </form>
  );
}
