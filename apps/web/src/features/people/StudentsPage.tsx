import { disciplines, labels, type ServiceModel, sessionModels } from '@carryover/domain';
import { Button, EmptyState, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ConflictBanner, VersionedFormActions } from '../../components/ConflictBanner';
import { SelectField } from '../../components/SelectField';
import { letterLanguageFor, letterLanguages, SOURCE_LANGUAGE } from '../../i18n/letter';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';
import { StudentClaimData } from './ClaimDataForms';

// The Students page (admins: the district; coordinators: their schools): the students a page at
// a time, adding a student, the services waiting for a provider, and one student's management
// page — their details, services (add, edit, exit) and moves to another school or homeroom.

type Options = {
  schools: { id: string; name: string; mine: boolean }[];
  classrooms: {
    id: string;
    schoolId: string;
    name: string;
    grade: string;
    teacherName: string | null;
  }[];
  providers: { id: string; name: string; discipline: string | null }[];
};

function useOptions() {
  const trpc = useTRPC();
  return useQuery(trpc.students.options.queryOptions());
}

export function StudentsPage() {
  useDocumentTitle('Students');
  const trpc = useTRPC();
  const options = useOptions();
  const [search, setSearch] = useState('');
  const [schoolId, setSchoolId] = useState('');
  const [adding, setAdding] = useState(false);
  const navigate = useNavigate();
  const list = useInfiniteQuery({
    ...trpc.students.list.infiniteQueryOptions(
      { search: search.trim() || undefined, schoolId: schoolId || undefined, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.pages.flatMap((p) => p.students) ?? [];
  return (
    <>
      <PageHeader
        title="Students"
        description="Add and correct students, their services and homerooms; move a student to another school"
        actions={
          <Button onClick={() => setAdding(true)} disabled={adding}>
            Add a student
          </Button>
        }
      />
      {adding && options.data && (
        <section className="section-card">
          <h2>Add a student</h2>
          <StudentForm
            options={options.data}
            student={null}
            onDone={(id) => {
              setAdding(false);
              if (id) navigate(`/students/${id}/manage`);
            }}
          />
        </section>
      )}
      <NeedsProvider options={options.data} />
      <section className="section-card" aria-labelledby="students-list">
        <h2 id="students-list">All students you manage</h2>
        <div className="goal-form__row">
          <Field
            label="Search by name"
            name="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <SelectField
            label="School"
            name="schoolId"
            value={schoolId}
            onChange={(e) => setSchoolId(e.target.value)}
          >
            <option value="">All</option>
            {options.data?.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
        </div>
        {list.isPending && <LoadingState label="Loading students" rows={5} />}
        {list.isError && (
          <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />
        )}
        {list.data && rows.length === 0 && <EmptyState title="No students match" />}
        {rows.length > 0 && (
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Student</th>
                  <th scope="col">Grade</th>
                  <th scope="col">School</th>
                  <th scope="col">Homeroom</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/students/${s.id}/manage`}>
                        {s.lastName}, {s.firstName}
                      </Link>
                    </td>
                    <td>{s.grade}</td>
                    <td>{s.schoolName}</td>
                    <td>{s.homeroomName ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.hasNextPage && (
          <Button
            variant="secondary"
            busy={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            Show more students
          </Button>
        )}
      </section>
    </>
  );
}

/** Current and upcoming services without a provider; choose one and assign. */
function NeedsProvider({ options }: { options: Options | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const waiting = useQuery(trpc.students.needsProvider.queryOptions());
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const assign = useMutation(
    trpc.students.updateService.mutationOptions({
      onSettled: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.students.needsProvider.queryKey() }),
    }),
  );
  if (!waiting.data || waiting.data.length === 0) return null;
  const errors = fieldErrors(assign.error);
  return (
    <section className="section-card" aria-labelledby="needs-provider">
      <h2 id="needs-provider">Needs a provider</h2>
      {assign.isError && (
        <p className="form-alert" role="alert">
          {errors.providerId?.join(' ') ?? userMessage(assign.error)}
        </p>
      )}
      <ul className="needs-provider">
        {waiting.data.map((w) => (
          <li key={w.serviceId} className="needs-provider__row">
            <span>
              <Link to={`/students/${w.studentId}/manage`}>{w.studentName}</Link>{' '}
              <span className="muted small">
                · {w.schoolName} · {w.discipline} {w.minutes} min/{w.per} · from {w.startDate}
              </span>
            </span>
            <SelectField
              label={`${w.discipline} provider for ${w.studentName}`}
              value={chosen[w.serviceId] ?? ''}
              onChange={(e) => setChosen((c) => ({ ...c, [w.serviceId]: e.target.value }))}
            >
              <option value="">Choose…</option>
              {options?.providers
                .filter((p) => p.discipline === w.discipline)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
            </SelectField>
            <Button
              size="small"
              disabled={!chosen[w.serviceId]}
              busy={assign.isPending && assign.variables?.serviceId === w.serviceId}
              onClick={() =>
                assign.mutate({
                  serviceId: w.serviceId,
                  expectedVersion: w.version,
                  discipline: w.discipline as 'OT',
                  providerId: chosen[w.serviceId] ?? null,
                  minutes: w.minutes,
                  per: w.per as 'week',
                  model: w.model as 'pull_out',
                  startDate: w.startDate,
                  endDate: w.endDate,
                })
              }
            >
              Assign
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}

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

function StudentForm({
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

function HomeroomSelect({
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

/** One student: details, services, moves. */
export function StudentManagePage() {
  const { studentId = '' } = useParams();
  const trpc = useTRPC();
  const options = useOptions();
  const student = useQuery(trpc.students.get.queryOptions({ studentId }));
  const [panel, setPanel] = useState<
    'edit' | 'service' | 'transfer' | `service:${string}` | `exit:${string}` | null
  >(null);
  useDocumentTitle(
    student.data ? `Manage ${student.data.firstName} ${student.data.lastName}` : 'Manage student',
  );
  if (student.isPending || options.isPending)
    return <LoadingState label="Loading the student" rows={4} />;
  if (student.isError) return <ErrorState message={userMessage(student.error)} />;
  if (options.isError) return <ErrorState message={userMessage(options.error)} />;
  const s = student.data;
  const o = options.data;
  const close = () => setPanel(null);
  const homeroomName = (id: string | null) =>
    o.classrooms.find((c) => c.id === id)?.name ?? 'no homeroom';
  return (
    <>
      <PageHeader
        eyebrow={<Link to="/students">Students</Link>}
        title={`${s.firstName} ${s.lastName}`}
        description={`Grade ${s.grade} · ${s.schoolName} · ${s.homeroomName ?? 'no homeroom'}`}
        actions={<Link to={`/students/${s.id}`}>Goals and sessions</Link>}
      />
      <section className="section-card" aria-labelledby="details">
        <div className="section-heading">
          <h2 id="details">Details</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('edit')}
            disabled={panel === 'edit'}
          >
            Edit details
          </Button>
        </div>
        {panel === 'edit' ? (
          <StudentForm options={o} student={s} onDone={close} />
        ) : (
          <p>
            Born {s.dateOfBirth} · IEP from {s.iepStart} · annual review {s.iepAnnualReview} ·
            reevaluation {s.iepReevaluation} · family's language{' '}
            {letterLanguages.find((l) => l.code === s.familyLanguage)?.name ?? s.familyLanguage}
          </p>
        )}
      </section>
      <StudentClaimData studentId={s.id} dateOfBirth={s.dateOfBirth} />
      <section className="section-card" aria-labelledby="services">
        <div className="section-heading">
          <h2 id="services">Services</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('service')}
            disabled={panel === 'service'}
          >
            Add a service
          </Button>
        </div>
        {panel === 'service' && (
          <ServiceForm studentId={s.id} service={null} options={o} onDone={close} />
        )}
        {s.services.length === 0 ? (
          <p className="muted">No services yet.</p>
        ) : (
          <ul className="routine-list">
            {s.services.map((v) => (
              <li key={v.id} className="stack">
                <div className="service-row">
                  <strong>
                    {v.discipline} · {v.minutes} min/{v.per} ·{' '}
                    {labels.model[v.model as ServiceModel] ?? v.model}
                  </strong>
                  <span className="muted">
                    {v.startDate} to {v.endDate} · {v.providerName ?? 'needs a provider'}
                  </span>
                  <Button variant="ghost" size="small" onClick={() => setPanel(`service:${v.id}`)}>
                    Edit<span className="visually-hidden"> {v.discipline} service</span>
                  </Button>
                  <Button variant="ghost" size="small" onClick={() => setPanel(`exit:${v.id}`)}>
                    Exit<span className="visually-hidden"> from the {v.discipline} service</span>
                  </Button>
                </div>
                {panel === `service:${v.id}` && (
                  <ServiceForm studentId={s.id} service={v} options={o} onDone={close} />
                )}
                {panel === `exit:${v.id}` && <ExitForm serviceId={v.id} onDone={close} />}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="section-card" aria-labelledby="moves">
        <div className="section-heading">
          <h2 id="moves">School and homeroom</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('transfer')}
            disabled={panel === 'transfer'}
          >
            Transfer
          </Button>
        </div>
        {panel === 'transfer' && <TransferForm student={s} options={o} onDone={close} />}
        {s.transfers.length === 0 ? (
          <p className="muted">No transfers.</p>
        ) : (
          <ul>
            {s.transfers.map((t) => (
              <li key={t.id}>
                {t.effectiveOn}: {t.fromSchoolName} ({homeroomName(t.fromHomeroomId)}) →{' '}
                {t.toSchoolName} ({homeroomName(t.toHomeroomId)}) · {t.reason}
                {t.byName ? ` · by ${t.byName}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

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

function ServiceForm({
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

function ExitForm({ serviceId, onDone }: { serviceId: string; onDone: () => void }) {
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

function TransferForm({
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
