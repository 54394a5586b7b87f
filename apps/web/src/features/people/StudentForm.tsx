import { Field } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { SelectField } from '../../components/SelectField';
import { letterLanguageFor, letterLanguages, SOURCE_LANGUAGE } from '../../i18n/letter';
import { fieldErrors } from '../../lib/errors';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';
import type { Options } from './studentOptions';

// Adding or editing a student's details.

interface StudentDraft {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  grade: string;
  iepStart: string;
  iepAnnualReview: string;
  iepReevaluation: string;
  familyLanguage: string;
  schoolId: string;
  homeroomId: string;
}

const studentLabels: Record<keyof StudentDraft, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  dateOfBirth: 'Date of birth',
  grade: 'Grade',
  iepStart: 'IEP start',
  iepAnnualReview: 'Annual review',
  iepReevaluation: 'Reevaluation',
  familyLanguage: "Family's language",
  schoolId: 'School',
  homeroomId: 'Homeroom',
};

type StudentRecord = Omit<StudentDraft, 'homeroomId'> & {
  id: string;
  homeroomId: string | null;
  version: number;
};

export function StudentForm({
  options,
  student,
  onDone,
}: {
  options: Options;
  student: StudentRecord | null;
  onDone: (createdId?: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mine = options.schools.filter((s) => s.mine);
  const form = useVersionedForm<StudentDraft>(
    {
      firstName: student?.firstName ?? '',
      lastName: student?.lastName ?? '',
      dateOfBirth: student?.dateOfBirth ?? '',
      grade: student?.grade ?? '',
      iepStart: student?.iepStart ?? '',
      iepAnnualReview: student?.iepAnnualReview ?? '',
      iepReevaluation: student?.iepReevaluation ?? '',
      familyLanguage: student?.familyLanguage ?? SOURCE_LANGUAGE,
      schoolId: student?.schoolId ?? mine[0]?.id ?? '',
      homeroomId: student?.homeroomId ?? '',
    },
    student?.version ?? 0,
  );
  const d = form.draft;
  const set = <K extends keyof StudentDraft>(key: K, value: StudentDraft[K]) =>
    form.setDraft((s) => ({ ...s, [key]: value }));
  const create = useMutation(
    trpc.students.create.mutationOptions({ onSuccess: (r) => onDone(r.id) }),
  );
  const update = useMutation(
    trpc.students.update.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.students.get.queryKey() });
        onDone();
      },
      onError: (e) => {
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.students.get.queryKey() });
      },
    }),
  );
  const save = student ? update : create;
  const errors = fieldErrors(save.error);
  const fields = (s: StudentDraft) => ({
    firstName: s.firstName,
    lastName: s.lastName,
    dateOfBirth: s.dateOfBirth,
    grade: s.grade,
    iepStart: s.iepStart,
    iepAnnualReview: s.iepAnnualReview,
    iepReevaluation: s.iepReevaluation,
    familyLanguage: s.familyLanguage,
  });
  const submit = (s: StudentDraft, version: number) =>
    student
      ? update.mutate({ studentId: student.id, expectedVersion: version, ...fields(s) })
      : create.mutate({ ...fields(s), schoolId: s.schoolId, homeroomId: s.homeroomId || null });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit(form.draft, form.version);
  };
  const date = (key: 'dateOfBirth' | 'iepStart' | 'iepAnnualReview' | 'iepReevaluation') => (
    <Field
      label={studentLabels[key]}
      name={key}
      type="date"
      value={d[key]}
      onChange={(e) => set(key, e.target.value)}
      error={errors[key]}
    />
  );
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={studentLabels}
        show={(v) => String(v)}
        onReapply={submit}
        busy={save.isPending}
      />
      <div className="goal-form__row">
        <Field
          label="First name"
          name="firstName"
          value={d.firstName}
          onChange={(e) => set('firstName', e.target.value)}
          error={errors.firstName}
        />
        <Field
          label="Last name"
          name="lastName"
          value={d.lastName}
          onChange={(e) => set('lastName', e.target.value)}
          error={errors.lastName}
        />
        <Field
          label="Grade"
          name="grade"
          hint="PreK, K or 1 to 12"
          value={d.grade}
          onChange={(e) => set('grade', e.target.value)}
          error={errors.grade}
        />
      </div>
      <div className="goal-form__row">
        {date('dateOfBirth')}
        {date('iepStart')}
        {date('iepAnnualReview')}
        {date('iepReevaluation')}
      </div>
      <div className="goal-form__row">
        <SelectField
          label="Family's language"
          name="familyLanguage"
          value={d.familyLanguage}
          onChange={(e) => set('familyLanguage', e.target.value)}
          error={errors.familyLanguage}
        >
          {letterLanguages.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
          {/* A language imported without its own catalogue: kept; the letter uses the nearest one. */}
          {!letterLanguages.some((l) => l.code === d.familyLanguage) && (
            <option value={d.familyLanguage}>
              {d.familyLanguage} (parent letters in{' '}
              {letterLanguages.find((l) => l.code === letterLanguageFor(d.familyLanguage))?.name})
            </option>
          )}
        </SelectField>
      </div>
      {!student && (
        <div className="goal-form__row">
          <SelectField
            label="School"
            name="schoolId"
            value={d.schoolId}
            onChange={(e) =>
              form.setDraft((s) => ({ ...s, schoolId: e.target.value, homeroomId: '' }))
            }
            error={errors.schoolId}
          >
            {mine.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
          <HomeroomSelect
            options={options}
            schoolId={d.schoolId}
            value={d.homeroomId}
            onChange={(v) => set('homeroomId', v)}
            error={errors.homeroomId}
          />
        </div>
      )}
      <VersionedFormActions
        save={save}
        hasFieldErrors={Object.keys(errors).length > 0}
        conflict={form.conflict}
        saveLabel={student ? 'Save student' : 'Add student'}
        onCancel={() => onDone()}
      />
    </form>
  );
}

export function HomeroomSelect({
  options,
  schoolId,
  value,
  onChange,
  error,
  name = 'homeroomId',
}: {
  options: Options;
  schoolId: string;
  value: string;
  onChange: (v: string) => void;
  error?: string[] | undefined;
  name?: string;
}) {
  return (
    <SelectField
      label="Homeroom"
      name={name}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
    >
      <option value="">None</option>
      {options.classrooms
        .filter((c) => c.schoolId === schoolId)
        .map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} (grade {c.grade}
            {c.teacherName ? `, ${c.teacherName}` : ''})
          </option>
        ))}
    </SelectField>
  );
}
