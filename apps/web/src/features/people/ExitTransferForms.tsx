import { Field } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { VersionedFormActions } from '../../components/ConflictBanner';
import { SelectField } from '../../components/SelectField';
import { fieldErrors } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import { HomeroomSelect } from './StudentForm';
import type { Options } from './studentOptions';

// Ending a service, and moving a student to another school or homeroom.

export function ExitForm({ serviceId, onDone }: { serviceId: string; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [exitOn, setExitOn] = useState('');
  const [reason, setReason] = useState('');
  const exit = useMutation(
    trpc.students.exitService.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.students.get.queryKey() });
        onDone();
      },
    }),
  );
  const errors = fieldErrors(exit.error);
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        exit.mutate({ serviceId, exitOn, reason });
      }}
    >
      <div className="goal-form__row">
        <Field
          label="First day without the service"
          name="exitOn"
          type="date"
          value={exitOn}
          onChange={(e) => setExitOn(e.target.value)}
          error={errors.exitOn}
        />
        <Field
          label="Why"
          name="reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={errors.reason}
        />
      </div>
      <VersionedFormActions
        save={exit}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={null}
        saveLabel="Exit from the service"
        onCancel={onDone}
      />
    </form>
  );
}

export function TransferForm({
  student,
  options,
  onDone,
}: {
  student: { id: string; schoolId: string; homeroomId: string | null };
  options: Options;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [toSchoolId, setSchool] = useState(student.schoolId);
  const [toHomeroomId, setHomeroom] = useState(student.homeroomId ?? '');
  const [effectiveOn, setEffectiveOn] = useState('');
  const [reason, setReason] = useState('');
  const transfer = useMutation(
    trpc.students.transfer.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.students.get.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.students.needsProvider.queryKey() });
        onDone();
      },
    }),
  );
  const errors = fieldErrors(transfer.error);
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        transfer.mutate({
          studentId: student.id,
          toSchoolId,
          toHomeroomId: toHomeroomId || null,
          effectiveOn,
          reason,
        });
      }}
    >
      <p className="muted small">
        History stays with the student. At another school, current services end the day before and
        continue there without a provider, so the former therapists lose access from the transfer
        date.
      </p>
      <div className="goal-form__row">
        <SelectField
          label="To school"
          name="toSchoolId"
          value={toSchoolId}
          onChange={(e) => {
            setSchool(e.target.value);
            setHomeroom('');
          }}
          error={errors.toSchoolId}
        >
          {options.schools.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <HomeroomSelect
          options={options}
          schoolId={toSchoolId}
          value={toHomeroomId}
          onChange={setHomeroom}
          error={errors.toHomeroomId}
          name="toHomeroomId"
        />
      </div>
      <div className="goal-form__row">
        <Field
          label="First day there"
          name="effectiveOn"
          type="date"
          value={effectiveOn}
          onChange={(e) => setEffectiveOn(e.target.value)}
          error={errors.effectiveOn}
        />
        <Field
          label="Why"
          name="reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={errors.reason}
        />
      </div>
      <VersionedFormActions
        save={transfer}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={null}
        saveLabel="Transfer"
        onCancel={onDone}
      />
    </form>
  );
}
