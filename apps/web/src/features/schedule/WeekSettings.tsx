import {
  ScheduleClosureAddInput,
  ScheduleProtectedBlocksInput,
  ScheduleRulesInput,
  ScheduleSchoolDaysInput,
  ScheduleTravelInput,
} from '@carryover/domain';
import { Button, Field } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { SelectField } from '../../components/SelectField';
import { fieldErrors, issueErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

// The week's settings on the Schedule page: where the provider works each day (and their
// pull-out room there), a classroom's protected blocks, school closures and travel between
// schools — what the conflict check and Auto-schedule read. Each form checks itself with the
// API's own input schema first, so every field says what is wrong before anything is sent.

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];

type Errors = Record<string, string[]>;

/** Field errors of a refused call; the server names only the top-level field. */
function serverErrors(error: unknown): Errors {
  return fieldErrors(error);
}

function FormMessages({ error, saved }: { error: string | null; saved: string | null }) {
  return (
    <>
      {error && (
        <p className="form-alert" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p className="saved-note" role="status">
          {saved}
        </p>
      )}
    </>
  );
}

export function WeekSettings({
  providerId,
  weekOf,
  admin,
}: {
  /** Whose school days (null: none chosen; the other settings still show). */
  providerId: string | null;
  weekOf: string;
  admin: boolean;
}) {
  const trpc = useTRPC();
  const settings = useQuery(
    trpc.schedule.settings.queryOptions(providerId ? { providerId } : undefined),
  );
  if (settings.isPending) return <p className="muted">Loading the week settings…</p>;
  if (settings.isError)
    return (
      <p className="form-alert" role="alert">
        {userMessage(settings.error)}
      </p>
    );
  const s = settings.data;
  return (
    <section className="stack week-settings" aria-labelledby="week-settings-heading">
      <h2 id="week-settings-heading">Week settings</h2>
      {s.provider && (
        <SchoolDaysForm
          // A new provider's (or a reloaded) days start the form afresh.
          key={`${s.provider.id}:${JSON.stringify(s.schoolDays)}`}
          providerId={s.provider.id}
          providerName={s.provider.name}
          schools={s.servedSchools}
          days={s.schoolDays}
        />
      )}
      {s.classrooms.length > 0 && <ProtectedBlocksForm classrooms={s.classrooms} />}
      {s.can.closures && <ClosuresForm schools={s.schools} weekOf={weekOf} admin={admin} />}
      {/* Not keyed by the rules: a save refetches them, and a remount would drop its "saved". */}
      {s.can.rules && <RulesForm rules={s.rules} />}
      {s.can.travel && s.schools.length > 1 && (
        <TravelForm schools={s.schools} travel={s.travel} defaultMinutes={s.defaultTravelMinutes} />
      )}
    </section>
  );
}

interface DayRow {
  weekday: number;
  schoolId: string;
  startTime: string;
  endTime: string;
  room: string;
}

function SchoolDaysForm({
  providerId,
  providerName,
  schools,
  days,
}: {
  providerId: string;
  providerName: string;
  schools: { id: string; name: string }[];
  days: {
    weekday: number;
    schoolId: string;
    startTime: string;
    endTime: string;
    room: string | null;
  }[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<DayRow[]>(days.map((d) => ({ ...d, room: d.room ?? '' })));
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation(
    trpc.schedule.saveSchoolDays.mutationOptions({
      onSuccess: () => {
        setSaved('School days saved. The conflict check and Auto-schedule use them now.');
        void queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const set = (i: number, patch: Partial<DayRow>) =>
    setRows((r) => r.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const input = {
      providerId,
      days: rows.map((r) => ({ ...r, room: r.room.trim() === '' ? null : r.room })),
    };
    const checked = ScheduleSchoolDaysInput.safeParse(input);
    if (!checked.success) {
      setErrors(issueErrors(checked.error.issues));
      return;
    }
    setErrors({});
    save.mutate(input);
  };
  const err = (i: number, field: string) => errors[`days.${i}.${field}`];
  return (
    <form
      className="section-card stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="days-heading"
    >
      <h3 id="days-heading">{providerName}’s school days</h3>
      <p className="small muted">
        Where {providerName} works each weekday, the hours there and the pull-out room.
      </p>
      {schools.length === 0 && <p className="muted">{providerName} serves no school yet.</p>}
      {rows.length === 0 && schools.length > 0 && (
        <p className="muted">No days saved: every school day at every school counts.</p>
      )}
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id until saved
        <fieldset className="settings-row" key={i}>
          <legend className="visually-hidden">School day {i + 1}</legend>
          <SelectField
            label="Day"
            value={row.weekday}
            onChange={(e) => set(i, { weekday: Number(e.target.value) })}
            error={err(i, 'weekday')}
          >
            {WEEKDAYS.map((name, d) => (
              <option key={name} value={d + 1}>
                {name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="School"
            value={row.schoolId}
            onChange={(e) => set(i, { schoolId: e.target.value })}
            error={err(i, 'schoolId')}
          >
            <option value="">Choose a school</option>
            {schools.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </SelectField>
          <Field
            label="From"
            type="time"
            value={row.startTime}
            onChange={(e) => set(i, { startTime: e.target.value })}
            error={err(i, 'startTime')}
          />
          <Field
            label="To"
            type="time"
            value={row.endTime}
            onChange={(e) => set(i, { endTime: e.target.value })}
            error={err(i, 'endTime')}
          />
          <Field
            label="Pull-out room"
            type="text"
            value={row.room}
            maxLength={80}
            onChange={(e) => set(i, { room: e.target.value })}
            error={err(i, 'room')}
          />
          <Button
            variant="ghost"
            size="small"
            onClick={() => setRows((r) => r.filter((_, j) => j !== i))}
            aria-label={`Remove school day ${i + 1}`}
          >
            Remove
          </Button>
        </fieldset>
      ))}
      <FormMessages
        error={
          errors.days?.join(' ') ??
          errors.providerId?.join(' ') ??
          (save.isError && Object.keys(serverErrors(save.error)).length === 0
            ? userMessage(save.error)
            : null)
        }
        saved={saved}
      />
      <div className="button-row">
        <Button
          variant="secondary"
          onClick={() =>
            setRows((r) => [
              ...r,
              {
                weekday: Math.min(5, (r.at(-1)?.weekday ?? 0) + 1),
                schoolId: schools[0]?.id ?? '',
                startTime: '08:00',
                endTime: '15:00',
                room: '',
              },
            ])
          }
          disabled={schools.length === 0}
        >
          Add a day
        </Button>
        <Button type="submit" busy={save.isPending}>
          Save school days
        </Button>
      </div>
    </form>
  );
}

interface BlockRow {
  weekday: number;
  startTime: string;
  endTime: string;
  label: string;
}

function ProtectedBlocksForm({
  classrooms,
}: {
  classrooms: { id: string; name: string; schoolName: string }[];
}) {
  const [classroomId, setClassroomId] = useState(classrooms[0]?.id ?? '');
  return (
    <div className="section-card stack">
      <h3 id="blocks-heading">Protected blocks</h3>
      <p className="small muted">
        Times no therapy comes into a classroom and nobody is pulled out (a test, quiet reading).
      </p>
      <SelectField
        label="Classroom"
        value={classroomId}
        onChange={(e) => setClassroomId(e.target.value)}
      >
        {classrooms.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} · {c.schoolName}
          </option>
        ))}
      </SelectField>
      {classroomId && <ClassroomBlocks key={classroomId} classroomId={classroomId} />}
    </div>
  );
}

function ClassroomBlocks({ classroomId }: { classroomId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const blocks = useQuery(trpc.schedule.protectedBlocks.queryOptions({ classroomId }));
  const [rows, setRows] = useState<BlockRow[] | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation(
    trpc.schedule.saveProtectedBlocks.mutationOptions({
      onSuccess: () => {
        setSaved('Protected blocks saved.');
        void queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  if (blocks.isPending) return <p className="muted">Loading the blocks…</p>;
  if (blocks.isError)
    return (
      <p className="form-alert" role="alert">
        {userMessage(blocks.error)}
      </p>
    );
  const shown = rows ?? blocks.data.map(({ id: _id, ...b }) => b);
  const set = (i: number, patch: Partial<BlockRow>) =>
    setRows(shown.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const input = { classroomId, blocks: shown };
    const checked = ScheduleProtectedBlocksInput.safeParse(input);
    if (!checked.success) {
      setErrors(issueErrors(checked.error.issues));
      return;
    }
    setErrors({});
    save.mutate(input);
  };
  const err = (i: number, field: string) => errors[`blocks.${i}.${field}`];
  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Protected blocks">
      {shown.length === 0 && <p className="muted">No protected blocks in this classroom.</p>}
      {shown.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id until saved
        <fieldset className="settings-row" key={i}>
          <legend className="visually-hidden">Protected block {i + 1}</legend>
          <SelectField
            label="Day"
            value={row.weekday}
            onChange={(e) => set(i, { weekday: Number(e.target.value) })}
            error={err(i, 'weekday')}
          >
            {WEEKDAYS.map((name, d) => (
              <option key={name} value={d + 1}>
                {name}
              </option>
            ))}
          </SelectField>
          <Field
            label="From"
            type="time"
            value={row.startTime}
            onChange={(e) => set(i, { startTime: e.target.value })}
            error={err(i, 'startTime')}
          />
          <Field
            label="To"
            type="time"
            value={row.endTime}
            onChange={(e) => set(i, { endTime: e.target.value })}
            error={err(i, 'endTime')}
          />
          <Field
            label="What it is"
            type="text"
            value={row.label}
            maxLength={80}
            onChange={(e) => set(i, { label: e.target.value })}
            error={err(i, 'label')}
          />
          <Button
            variant="ghost"
            size="small"
            onClick={() => setRows(shown.filter((_, j) => j !== i))}
            aria-label={`Remove protected block ${i + 1}`}
          >
            Remove
          </Button>
        </fieldset>
      ))}
      <FormMessages
        error={
          errors.blocks?.join(' ') ??
          (save.isError && Object.keys(serverErrors(save.error)).length === 0
            ? userMessage(save.error)
            : null)
        }
        saved={saved}
      />
      <div className="button-row">
        <Button
          variant="secondary"
          onClick={() =>
            setRows([...shown, { weekday: 1, startTime: '09:00', endTime: '09:30', label: '' }])
          }
        >
          Add a block
        </Button>
        <Button type="submit" busy={save.isPending}>
          Save blocks
        </Button>
      </div>
    </form>
  );
}

function ClosuresForm({
  schools,
  weekOf,
  admin,
}: {
  schools: { id: string; name: string }[];
  weekOf: string;
  /** Admins close the whole district too; a coordinator only their schools. */
  admin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const closures = useQuery(trpc.schedule.closures.queryOptions({ from: weekOf }));
  const [form, setForm] = useState({
    name: '',
    schoolId: admin ? '' : (schools[0]?.id ?? ''),
    startsOn: weekOf,
    endsOn: weekOf,
  });
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
  const add = useMutation(
    trpc.schedule.addClosure.mutationOptions({
      onSuccess: () => {
        setSaved(`${form.name.trim()} added: its days are closed on every schedule.`);
        setForm((f) => ({ ...f, name: '' }));
        void refresh();
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const remove = useMutation(
    trpc.schedule.removeClosure.mutationOptions({
      onSuccess: () => {
        setSaved('Closure removed: its days take place as planned.');
        void refresh();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const input = { ...form, schoolId: form.schoolId === '' ? null : form.schoolId };
    const checked = ScheduleClosureAddInput.safeParse(input);
    if (!checked.success) {
      setErrors(issueErrors(checked.error.issues));
      return;
    }
    setErrors({});
    add.mutate(input);
  };
  const schoolIds = new Set(schools.map((x) => x.id));
  return (
    <div className="section-card stack">
      <h3>School closures</h3>
      {closures.data && closures.data.length > 0 ? (
        <ul className="settings-list">
          {closures.data.map((c) => (
            <li key={c.id}>
              <span>
                <strong>{c.name}</strong> · {c.schoolName ?? 'Whole district'} · {c.startsOn}
                {c.endsOn !== c.startsOn ? ` to ${c.endsOn}` : ''}
              </span>
              {(c.schoolId === null ? admin : schoolIds.has(c.schoolId)) ? (
                <Button
                  variant="ghost"
                  size="small"
                  busy={remove.isPending && remove.variables?.closureId === c.id}
                  onClick={() => remove.mutate({ closureId: c.id })}
                  aria-label={`Remove the closure ${c.name}`}
                >
                  Remove
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No closures from this week on.</p>
      )}
      {remove.isError && (
        <p className="form-alert" role="alert">
          {userMessage(remove.error)}
        </p>
      )}
      <form className="stack" onSubmit={submit} noValidate aria-label="Add a closure">
        <div className="settings-row">
          <Field
            label="Closure name"
            type="text"
            value={form.name}
            maxLength={80}
            placeholder="Winter break"
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={errors.name}
          />
          <SelectField
            label="Closed school"
            value={form.schoolId}
            onChange={(e) => setForm({ ...form, schoolId: e.target.value })}
            error={errors.schoolId}
          >
            {admin && <option value="">Whole district</option>}
            {schools.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </SelectField>
          <Field
            label="First day"
            type="date"
            value={form.startsOn}
            onChange={(e) => setForm({ ...form, startsOn: e.target.value })}
            error={errors.startsOn}
          />
          <Field
            label="Last day"
            type="date"
            value={form.endsOn}
            onChange={(e) => setForm({ ...form, endsOn: e.target.value })}
            error={errors.endsOn}
          />
        </div>
        <FormMessages
          error={
            add.isError && Object.keys(serverErrors(add.error)).length === 0
              ? userMessage(add.error)
              : null
          }
          saved={saved}
        />
        <div className="button-row">
          <Button type="submit" busy={add.isPending}>
            Add closure
          </Button>
        </div>
      </form>
    </div>
  );
}

function TravelForm({
  schools,
  travel,
  defaultMinutes,
}: {
  schools: { id: string; name: string }[];
  travel: { fromSchoolId: string; toSchoolId: string; minutes: number }[];
  defaultMinutes: number;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    fromSchoolId: schools[0]?.id ?? '',
    toSchoolId: schools[1]?.id ?? '',
    minutes: '',
  });
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation(
    trpc.schedule.saveTravel.mutationOptions({
      onSuccess: () => {
        setSaved('Travel time saved, both ways.');
        void queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const nameOf = new Map(schools.map((x) => [x.id, x.name]));
  const pairs: { a: string; b: string; minutes: number }[] = [];
  schools.forEach((a, i) => {
    for (const b of schools.slice(i + 1)) {
      const row = travel.find((t) => t.fromSchoolId === a.id && t.toSchoolId === b.id);
      pairs.push({ a: a.id, b: b.id, minutes: row?.minutes ?? defaultMinutes });
    }
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const input = {
      ...form,
      minutes: form.minutes.trim() === '' ? Number.NaN : Number(form.minutes),
    };
    const checked = ScheduleTravelInput.safeParse(input);
    if (!checked.success) {
      setErrors(issueErrors(checked.error.issues));
      return;
    }
    setErrors({});
    save.mutate(input);
  };
  return (
    <div className="section-card stack">
      <h3>Travel between schools</h3>
      <ul className="settings-list">
        {pairs.map((p) => (
          <li key={`${p.a}:${p.b}`}>
            {nameOf.get(p.a)} ↔ {nameOf.get(p.b)}: {p.minutes} min
          </li>
        ))}
      </ul>
      <form className="stack" onSubmit={submit} noValidate aria-label="Set a travel time">
        <div className="settings-row">
          <SelectField
            label="From school"
            value={form.fromSchoolId}
            onChange={(e) => setForm({ ...form, fromSchoolId: e.target.value })}
            error={errors.fromSchoolId}
          >
            {schools.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="To school"
            value={form.toSchoolId}
            onChange={(e) => setForm({ ...form, toSchoolId: e.target.value })}
            error={errors.toSchoolId}
          >
            {schools.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </SelectField>
          <Field
            label="Travel minutes"
            type="number"
            inputMode="numeric"
            min={0}
            max={120}
            value={form.minutes}
            onChange={(e) => setForm({ ...form, minutes: e.target.value })}
            error={errors.minutes}
          />
        </div>
        <FormMessages
          error={
            save.isError && Object.keys(serverErrors(save.error)).length === 0
              ? userMessage(save.error)
              : null
          }
          saved={saved}
        />
        <div className="button-row">
          <Button type="submit" busy={save.isPending}>
            Save travel time
          </Button>
        </div>
      </form>
    </div>
  );
}

interface Rules {
  lunchEarliest: string;
  lunchLatest: string;
  lunchMinutes: number;
  groupCapPushIn: number;
  groupCapPullOut: number;
}

/** The district's lunch window and group caps (admins): every schedule's check reads them. */
function RulesForm({ rules }: { rules: Rules }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    lunchEarliest: rules.lunchEarliest,
    lunchLatest: rules.lunchLatest,
    lunchMinutes: String(rules.lunchMinutes),
    groupCapPushIn: String(rules.groupCapPushIn),
    groupCapPullOut: String(rules.groupCapPullOut),
  });
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation(
    trpc.schedule.saveRules.mutationOptions({
      onSuccess: () => {
        setSaved('Scheduling rules saved for the district.');
        void queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const number = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const input = {
      lunchEarliest: form.lunchEarliest,
      lunchLatest: form.lunchLatest,
      lunchMinutes: number(form.lunchMinutes),
      groupCapPushIn: number(form.groupCapPushIn),
      groupCapPullOut: number(form.groupCapPullOut),
    };
    const checked = ScheduleRulesInput.safeParse(input);
    if (!checked.success) {
      setErrors(issueErrors(checked.error.issues));
      return;
    }
    setErrors({});
    save.mutate(input);
  };
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }),
    error: errors[key],
  });
  return (
    <form
      className="section-card stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="rules-heading"
    >
      <h3 id="rules-heading">District scheduling rules</h3>
      <p className="small muted">
        The lunch break every provider keeps, and the largest groups. Auto-schedule and the conflict
        check use them for every schedule in the district.
      </p>
      <div className="settings-row">
        <Field label="Lunch from" type="time" {...field('lunchEarliest')} />
        <Field label="Lunch until" type="time" {...field('lunchLatest')} />
        <Field
          label="Lunch minutes"
          type="number"
          inputMode="numeric"
          min={0}
          max={90}
          {...field('lunchMinutes')}
        />
      </div>
      <div className="settings-row">
        <Field
          label="Largest push-in group"
          type="number"
          inputMode="numeric"
          min={1}
          max={8}
          {...field('groupCapPushIn')}
        />
        <Field
          label="Largest pull-out group"
          type="number"
          inputMode="numeric"
          min={1}
          max={8}
          {...field('groupCapPullOut')}
        />
      </div>
      <FormMessages
        error={
          save.isError && Object.keys(serverErrors(save.error)).length === 0
            ? userMessage(save.error)
            : null
        }
        saved={saved}
      />
      <div className="button-row">
        <Button type="submit" busy={save.isPending}>
          Save rules
        </Button>
      </div>
    </form>
  );
}
