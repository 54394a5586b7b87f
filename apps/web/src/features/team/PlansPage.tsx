import {
  addDays,
  type GoalFormContext,
  PLAN_REVIEW_DAYS,
  PushInPlanSaveInput,
  routineWords,
  weekdaysWords,
} from '@carryover/domain';
import {
  Button,
  EmptyState,
  ErrorState,
  Field,
  formatDate,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useDistrictToday, useViewer } from '../../auth';
import { ConflictBanner } from '../../components/ConflictBanner';
import { DistrictDate } from '../../components/DistrictDate';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

/** Push-in plans: the teacher's classroom plans, or a therapist's own. */
export function PlansPage() {
  useDocumentTitle('Push-in plans');
  const trpc = useTRPC();
  const list = useQuery(trpc.plans.list.queryOptions());
  if (list.isPending) return <LoadingState label="Loading plans" rows={5} />;
  if (list.isError)
    return (
      <ErrorState
        title="Plans could not be loaded"
        message={userMessage(list.error)}
        onRetry={() => void list.refetch()}
      />
    );
  const { plans } = list.data;
  return (
    <>
      <PageHeader
        title="Push-in plans"
        description="Who does what during each routine, agreed before push-in starts."
      />
      {plans.length === 0 ? (
        <EmptyState title="No push-in plans yet">
          <p>A therapist agrees a plan from a student's page or by accepting a recommendation.</p>
        </EmptyState>
      ) : (
        <ul className="stack plain-list">
          {plans.map((p) => (
            <li key={p.id} className="section-card plan-card">
              <h2 className="plan-card__title">
                <Link to={`/plans/${encodeURIComponent(p.id)}`}>
                  {p.studentName} · {routineWords(p.routineName)}
                </Link>
              </h2>
              <p className="muted small">
                {p.classroom} · {weekdaysWords(p.weekdays)} {p.startTime}–{p.endTime} ·{' '}
                {p.therapistName}
              </p>
              <p className="small">
                {p.status === 'draft' ? (
                  <strong>Draft: roles to agree</strong>
                ) : p.acknowledgedAt ? (
                  `Acknowledged by ${p.acknowledgedByName ?? 'the teacher'}`
                ) : (
                  <strong>Waiting for the teacher</strong>
                )}
                {' · '}
                {p.reviewDue ? (
                  <strong className="behind">Review due {formatDate(p.reviewOn)}</strong>
                ) : (
                  `Review ${formatDate(p.reviewOn)}`
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function PlanPage() {
  const { planId = '' } = useParams();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useViewer();
  const got = useQuery(trpc.plans.get.queryOptions({ planId }));
  useDocumentTitle('Push-in plan');
  const ack = useMutation(
    trpc.plans.acknowledge.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.plans.pathKey() }),
    }),
  );
  const back = <Link to="/plans">← Push-in plans</Link>;
  if (got.isPending) return <LoadingState label="Loading plan" rows={5} />;
  if (got.isError)
    return (
      <>
        <PageHeader eyebrow={back} title="Plan not found" />
        <EmptyState title="This plan isn't one you can see" />
      </>
    );
  const { plan: p, canAcknowledge } = got.data;
  const mine = me.data?.id === p.therapistId;
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={`${p.studentName} · ${routineWords(p.routineName)}`}
        description={`${p.classroom} · ${weekdaysWords(p.weekdays)} ${p.startTime}–${p.endTime} · ${p.therapistName}${p.teacherName ? ` with ${p.teacherName}` : ''}`}
        actions={
          mine ? (
            <Link className="btn btn--secondary" to={`/plans/${encodeURIComponent(p.id)}/edit`}>
              {p.status === 'draft' ? 'Agree the roles' : 'Revise'}
            </Link>
          ) : undefined
        }
      />
      <section className="section-card stack" aria-label="The agreement">
        {p.status === 'draft' ? (
          <p className="form-alert">
            Draft from an accepted recommendation: the therapist and teacher have not agreed the
            roles yet.
          </p>
        ) : null}
        <dl className="facts plan-facts">
          <div>
            <dt>Therapist's role</dt>
            <dd>{p.therapistRole || '—'}</dd>
          </div>
          <div>
            <dt>Teacher's role</dt>
            <dd>{p.teacherRole || '—'}</dd>
          </div>
          <div>
            <dt>Strategies to model</dt>
            <dd>{p.strategies || '—'}</dd>
          </div>
          <div>
            <dt>Planned activities</dt>
            <dd>{p.activities || '—'}</dd>
          </div>
          <div>
            <dt>{p.status === 'draft' ? 'Drafted on' : 'Agreed on'}</dt>
            <dd>{formatDate(p.agreedOn)}</dd>
          </div>
          <div>
            <dt>Review on</dt>
            <dd className={p.reviewDue ? 'behind' : undefined}>
              {formatDate(p.reviewOn)}
              {p.reviewDue ? ' · review due' : ''}
            </dd>
          </div>
        </dl>
        <div>
          {p.acknowledgedAt ? (
            <p role="status">
              ✓ Acknowledged by {p.acknowledgedByName ?? 'the teacher'} on{' '}
              <DistrictDate at={p.acknowledgedAt} />
            </p>
          ) : canAcknowledge && p.status === 'agreed' ? (
            <Button busy={ack.isPending} onClick={() => ack.mutate({ planId: p.id })}>
              Acknowledge this plan
            </Button>
          ) : (
            <p className="muted">Not acknowledged by the teacher yet.</p>
          )}
          {ack.isError && <p className="form-alert">{userMessage(ack.error)}</p>}
        </div>
      </section>
    </>
  );
}

/** New plan (`/plans/new?studentId=`) or agreeing/revising one (`/plans/:planId/edit`). */
export function PlanEditPage() {
  const { planId } = useParams();
  const [params] = useSearchParams();
  const trpc = useTRPC();
  const existing = useQuery({
    ...trpc.plans.get.queryOptions({ planId: planId ?? '' }),
    enabled: !!planId,
  });
  const studentId = existing.data?.plan.studentId ?? params.get('studentId') ?? '';
  const context = useQuery({
    ...trpc.goals.formContext.queryOptions({ studentId }),
    enabled: studentId !== '',
  });
  useDocumentTitle('Push-in plan');
  const today = useDistrictToday();
  if ((planId && existing.isPending) || context.isPending)
    return <LoadingState label="Loading" rows={5} />;
  if (context.isError || !context.data)
    return <EmptyState title="Choose a student you serve to plan push-in" />;
  const p = existing.data?.plan;
  const initial: PlanDraft = {
    routineId: p?.routineId ?? '',
    therapistRole: p?.therapistRole ?? '',
    teacherRole: p?.teacherRole ?? '',
    strategies: p?.strategies ?? '',
    activities: p?.activities ?? '',
    // A new plan is agreed today (the district's day) and reviewed six weeks on, as a drafted
    // plan from a recommendation is; both stay editable.
    agreedOn: p?.status === 'agreed' ? p.agreedOn : (existing.data?.today ?? today),
    reviewOn: p?.reviewOn ?? addDays(existing.data?.today ?? today, PLAN_REVIEW_DAYS),
  };
  return (
    <>
      <PageHeader
        eyebrow={
          <Link to={planId ? `/plans/${encodeURIComponent(planId)}` : '/plans'}>← Back</Link>
        }
        title={`Push-in plan · ${context.data.studentName}`}
        description="Agree who does what during the routine before push-in starts."
      />
      <PlanForm
        planId={planId ?? null}
        studentId={studentId}
        routines={context.data.routines}
        initial={initial}
        version={p?.version ?? 0}
      />
    </>
  );
}

interface PlanDraft {
  routineId: string;
  therapistRole: string;
  teacherRole: string;
  strategies: string;
  activities: string;
  agreedOn: string;
  reviewOn: string;
}

const planLabels: Record<keyof PlanDraft, string> = {
  routineId: 'Routine',
  therapistRole: "Therapist's role",
  teacherRole: "Teacher's role",
  strategies: 'Strategies to model',
  activities: 'Planned activities',
  agreedOn: 'Agreed on',
  reviewOn: 'Review on',
};

function PlanForm({
  planId,
  studentId,
  routines,
  initial,
  version,
}: {
  planId: string | null;
  studentId: string;
  routines: GoalFormContext['routines'];
  initial: PlanDraft;
  version: number;
}) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useVersionedForm(initial, version);
  const f = form.draft;
  const set = (key: keyof PlanDraft, value: string) =>
    form.setDraft((d) => ({ ...d, [key]: value }));
  const save = useMutation(
    trpc.plans.save.mutationOptions({
      onSuccess: ({ id }) => {
        void queryClient.invalidateQueries({ queryKey: trpc.plans.pathKey() });
        navigate(`/plans/${encodeURIComponent(id)}`);
      },
      onError: (e) => {
        // A newer version: reload it, the banner shows it and offers to reapply.
        if (form.catchConflict(e))
          void queryClient.invalidateQueries({ queryKey: trpc.plans.get.queryKey() });
      },
    }),
  );
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const errors = { ...fieldErrors(save.error), ...clientErrors };
  const submit = (d: PlanDraft, expectedVersion: number) => {
    const input = {
      planId: planId ?? undefined,
      expectedVersion: planId ? expectedVersion : undefined,
      studentId,
      ...d,
    };
    const parsed = PushInPlanSaveInput.safeParse(input);
    if (!parsed.success) {
      const out: Record<string, string[]> = {};
      for (const i of parsed.error.issues) {
        const k = String(i.path[0]);
        out[k] = [...(out[k] ?? []), i.message];
      }
      setClientErrors(out);
      return;
    }
    setClientErrors({});
    save.mutate(input);
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit(form.draft, form.version);
  };
  const routineName = (id: unknown) => {
    const r = routines.find((x) => x.id === id);
    return r ? `${routineWords(r.name)} · ${r.classroom} · ${r.startTime}` : '—';
  };
  const text = (name: keyof PlanDraft, label: string) => (
    <div className={`select-field${errors[name] ? ' field--invalid' : ''}`}>
      <label htmlFor={`plan-${name}`} className="field__label">
        {label}
      </label>
      <textarea
        id={`plan-${name}`}
        name={name}
        rows={2}
        value={f[name]}
        onChange={(e) => set(name, e.target.value)}
      />
      {errors[name] && <p className="field__error">{errors[name]?.join(' ')}</p>}
    </div>
  );
  return (
    <form className="section-card stack plan-form" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={planLabels}
        show={(value, key) =>
          key === 'routineId' ? routineName(value) : value === '' ? '—' : String(value)
        }
        onReapply={submit}
        busy={save.isPending}
      />
      <div className={`select-field${errors.routineId ? ' field--invalid' : ''}`}>
        <label htmlFor="plan-routine" className="field__label">
          Routine
        </label>
        <select
          id="plan-routine"
          name="routineId"
          value={f.routineId}
          onChange={(e) => set('routineId', e.target.value)}
        >
          <option value="">Choose…</option>
          {routines.map((r) => (
            <option key={r.id} value={r.id}>
              {routineWords(r.name)} · {r.classroom} · {r.startTime}
            </option>
          ))}
        </select>
        {errors.routineId && <p className="field__error">{errors.routineId.join(' ')}</p>}
      </div>
      {text('therapistRole', "Therapist's role")}
      {text('teacherRole', "Teacher's role")}
      {text('strategies', 'Strategies to model')}
      {text('activities', 'Planned activities')}
      <Field
        label="Agreed on"
        name="agreedOn"
        type="date"
        value={f.agreedOn}
        onChange={(e) => set('agreedOn', e.target.value)}
        error={errors.agreedOn}
      />
      <Field
        label="Review on"
        name="reviewOn"
        type="date"
        value={f.reviewOn}
        onChange={(e) => set('reviewOn', e.target.value)}
        error={errors.reviewOn}
      />
      {save.isError && !Object.keys(fieldErrors(save.error)).length && !form.conflict && (
        <p className="form-alert">{userMessage(save.error)}</p>
      )}
      <div>
        <Button type="submit" busy={save.isPending}>
          Save the agreement
        </Button>
      </div>
    </form>
  );
}
