import { type GoalDomain, labels, type ServiceModel, serviceModels } from '@carryover/domain';
import { Button, Field } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useDistrictToday, useViewer } from '../auth';
import { fieldErrors, userMessage } from '../lib/errors';
import { useTRPC } from '../trpc';

type Rec = {
  rule: string;
  title: string;
  evidence: string;
  change: { text: string; toModel: ServiceModel };
};

/** A recommendation with its evidence; accept (model change, draft plan) or dismiss with a reason. */
export function RecommendationCard({
  rec,
  about,
  studentId,
  goalId,
  readOnlyReason = null,
}: {
  rec: Rec;
  /** Whose goal, in words ("Ava Lee's articulation goal"): each card's region needs its own name. */
  about: string;
  studentId: string;
  goalId: string;
  /** Set for another discipline's goal: the evidence shows, the buttons do not. */
  readOnlyReason?: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.recommendations.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.student.get.queryKey({ studentId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.plans.pathKey() });
  };
  const accept = useMutation(trpc.recommendations.accept.mutationOptions({ onSuccess: refresh }));
  const dismiss = useMutation(trpc.recommendations.dismiss.mutationOptions({ onSuccess: refresh }));
  const rule = rec.rule as 'push_in_for_carryover';
  return (
    <section className="recommendation" aria-label={`Recommendation for ${about}: ${rec.title}`}>
      <p className="recommendation__title">
        <strong>Suggested: {rec.title}</strong>
      </p>
      <p className="small">
        <span className="muted">Evidence:</span> {rec.evidence}
      </p>
      <p className="small">
        <span className="muted">Change:</span> {rec.change.text}.
      </p>
      {accept.data?.planId && (
        <p role="status">
          Model changed.{' '}
          <Link to={`/plans/${encodeURIComponent(accept.data.planId)}/edit`}>
            Agree the draft push-in plan
          </Link>
        </p>
      )}
      {readOnlyReason ? (
        <p className="small muted recommendation__read-only">{readOnlyReason}</p>
      ) : dismissing ? (
        <form
          className="recommendation__dismiss"
          onSubmit={(e) => {
            e.preventDefault();
            dismiss.mutate({ studentId, goalId, rule, reason });
          }}
        >
          <Field
            label="Why not? (kept with the decision)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            error={fieldErrors(dismiss.error).reason}
          />
          <span className="recommendation__actions">
            <Button type="submit" variant="secondary" size="small" busy={dismiss.isPending}>
              Dismiss
            </Button>
            <Button variant="ghost" size="small" onClick={() => setDismissing(false)}>
              Cancel
            </Button>
          </span>
        </form>
      ) : (
        <span className="recommendation__actions">
          <Button
            size="small"
            busy={accept.isPending}
            onClick={() => accept.mutate({ studentId, goalId, rule })}
          >
            Accept: {labels.model[rec.change.toModel].toLowerCase()}
          </Button>
          <Button variant="secondary" size="small" onClick={() => setDismissing(true)}>
            Dismiss…
          </Button>
        </span>
      )}
      {(accept.isError || (dismiss.isError && !fieldErrors(dismiss.error).reason)) && (
        <p className="form-alert">{userMessage(accept.error ?? dismiss.error)}</p>
      )}
    </section>
  );
}

/**
 * Mounted next to each goal on the student page: the goal's recommendations, and a form to
 * change its model with a date and a reason (the change is drawn on the goal graph).
 */
export function ModelChangePanel({
  studentId,
  goal,
}: {
  studentId: string;
  goal: { id: string; currentModel: ServiceModel; discipline: string; domain: GoalDomain };
}) {
  const me = useViewer();
  const today = useDistrictToday();
  const role = me.data?.role;
  const writer = role === 'therapist' || role === 'coordinator' || role === 'admin';
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const recs = useQuery({
    ...trpc.recommendations.list.queryOptions({ studentId }),
    enabled: writer,
  });
  const [open, setOpen] = useState(false);
  const change = useMutation(
    trpc.modelChanges.create.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        void queryClient.invalidateQueries({ queryKey: trpc.student.get.queryKey({ studentId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.recommendations.pathKey() });
      },
    }),
  );
  if (!writer) return null;
  const forGoal = recs.data?.find((g) => g.goalId === goal.id);
  const mine = forGoal?.recommendations ?? [];
  const errors = fieldErrors(change.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    change.mutate({
      studentId,
      goalId: goal.id,
      toModel: String(f.get('toModel')) as ServiceModel,
      changedOn: String(f.get('changedOn') ?? ''),
      reason: String(f.get('reason') ?? ''),
    });
  };
  return (
    <div className="model-change">
      {mine.map((r) => (
        <RecommendationCard
          key={r.rule}
          rec={r}
          about={`the ${labels.domain[goal.domain].toLowerCase()} goal`}
          studentId={studentId}
          goalId={goal.id}
          readOnlyReason={forGoal?.readOnlyReason}
        />
      ))}
      {open ? (
        <form className="model-change__form" onSubmit={onSubmit} noValidate>
          <div className="select-field">
            <label className="field__label" htmlFor={`mc-${goal.id}`}>
              New model
            </label>
            <select id={`mc-${goal.id}`} name="toModel" defaultValue="">
              {serviceModels
                .filter((m) => m !== goal.currentModel)
                .map((m) => (
                  <option key={m} value={m}>
                    {labels.model[m]}
                  </option>
                ))}
            </select>
            {errors.toModel && <p className="field__error">{errors.toModel.join(' ')}</p>}
          </div>
          <Field
            label="From"
            name="changedOn"
            type="date"
            defaultValue={today}
            error={errors.changedOn}
          />
          <Field label="Reason" name="reason" error={errors.reason} />
          {change.isError && Object.keys(errors).length === 0 && (
            <p className="form-alert">{userMessage(change.error)}</p>
          )}
          <span className="recommendation__actions">
            <Button type="submit" size="small" busy={change.isPending}>
              Save model change
            </Button>
            <Button variant="ghost" size="small" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </span>
        </form>
      ) : (
        <Button variant="secondary" size="small" onClick={() => setOpen(true)}>
          Change model ({labels.model[goal.currentModel]})
        </Button>
      )}
    </div>
  );
}
