import type {
  GasValue,
  ReportGoalLine,
  ReportLineEdit,
  ReportStatusCode,
  ReportView,
} from '@carryover/domain';
import {
  gasLabels,
  gasScores,
  labels,
  ReportGoalUpdateInput,
  reportStatusCodes,
  reportStatusLabels,
  signedGas,
  statusNeedsReason,
} from '@carryover/domain';
import { Button, formatDate, formatScore, formatSlope, GoalGraph } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type RefObject, useEffect, useId, useState } from 'react';
import { ConflictBanner } from '../../components/ConflictBanner';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

// One goal's line of a progress report: reviewed and edited in place, saved at its version.

interface LineDraft {
  statusCode: ReportStatusCode;
  gasScore: GasValue;
  reason: string;
  statusReason: string;
  narrative: string;
}

const lineLabels: Partial<Record<keyof LineDraft, string>> = {
  statusCode: 'Status code',
  gasScore: 'Goal-attainment score',
  reason: 'Reason for changing the score',
  statusReason: 'Reason for sufficient progress with a score of −2',
  narrative: 'Narrative',
};

function showLineField(value: unknown, key: keyof LineDraft): string {
  if (key === 'statusCode') return reportStatusLabels[value as ReportStatusCode];
  if (key === 'gasScore') return signedGas(value as GasValue);
  return value === '' || value == null ? '—' : String(value);
}

export type UnsavedEdits = RefObject<Map<string, ReportLineEdit | null>>;

export function ReportGoalCard({
  report,
  line,
  unsaved,
}: {
  report: ReportView;
  line: ReportGoalLine;
  unsaved: UnsavedEdits;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const form = useVersionedForm<LineDraft>(
    {
      statusCode: line.statusCode,
      gasScore: line.gasScore,
      reason: line.gasOverrideReason ?? '',
      statusReason: line.statusReason ?? '',
      narrative: line.narrative,
    },
    line.version,
  );
  const { statusCode, gasScore, reason, statusReason, narrative } = form.draft;
  const set = <K extends keyof LineDraft>(key: K, value: LineDraft[K]) =>
    form.setDraft((d) => ({ ...d, [key]: value }));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<string | null>(null);
  const save = useMutation(
    trpc.reports.updateGoal.mutationOptions({
      onSuccess: async ({ version }) => {
        form.saved(version);
        setMessage('Saved');
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
      },
      onError: (e) => {
        if (form.catchConflict(e)) {
          // Load the newer version: the banner shows it and offers to reapply.
          setMessage(null);
          void queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
          return;
        }
        setErrors(fieldErrors(e));
        setMessage(Object.keys(fieldErrors(e)).length > 0 ? null : userMessage(e));
      },
    }),
  );
  const dirty = form.myChanges.length > 0;
  const overridden = gasScore !== line.gasComputed;
  const needsStatusReason = statusNeedsReason(statusCode, gasScore);
  // Tell the finalise bar what this card has not saved (after every render, so it is current).
  useEffect(() => {
    const map = unsaved.current;
    map.set(line.goalId, dirty && line.editable ? editOf(form.draft, form.version) : null);
    return () => {
      map.delete(line.goalId);
    };
  });
  const headingId = `${id}-heading`;
  const s = line.summary;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit(form.draft, form.version);
  }

  function editOf(d: LineDraft, version: number): ReportLineEdit {
    const changed = d.gasScore !== line.gasComputed;
    return {
      goalId: line.goalId,
      expectedVersion: version,
      statusCode: d.statusCode,
      gasScore: d.gasScore,
      gasOverrideReason: changed ? d.reason : null,
      statusReason: statusNeedsReason(d.statusCode, d.gasScore) ? d.statusReason : null,
      narrative: d.narrative,
    };
  }

  function submit(d: LineDraft, version: number) {
    setMessage(null);
    const overridden = d.gasScore !== line.gasComputed;
    const reason = d.reason;
    const input = { reportId: report.id, ...editOf(d, version) };
    const parsed = ReportGoalUpdateInput.safeParse(input);
    const next: Record<string, string[]> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]);
        next[key] = [...(next[key] ?? []), issue.message];
      }
    }
    if (overridden && reason.trim().length < 3) {
      next.gasOverrideReason = ['Give a reason for changing the computed score'];
    }
    if (statusNeedsReason(d.statusCode, d.gasScore) && d.statusReason.trim().length < 3) {
      next.statusReason = [
        'Sufficient progress with a score of −2 (much less than expected): confirm it by saying why',
      ];
    }
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    save.mutate(input);
  }

  const err = (key: string) =>
    errors[key]?.length ? (
      <p id={`${id}-${key}-error`} className="field__error">
        {errors[key]!.join(' ')}
      </p>
    ) : null;

  return (
    <article className="section-card report-goal" aria-labelledby={headingId}>
      <header className="goal-section__header">
        <h2 id={headingId} className="report-goal__title">
          {labels.domain[line.domain]} <span className="muted">· {line.discipline}</span>
        </h2>
        <span className={`report-code report-code--${line.statusCode}`}>
          {reportStatusLabels[line.statusCode]}
        </span>
      </header>
      <p className="goal-section__text">{line.text}</p>
      <dl className="facts goal-section__facts">
        <div>
          <dt>Baseline → target</dt>
          <dd>
            {line.baselineText} → {line.targetText}
          </dd>
        </div>
        <div>
          <dt>Sessions with data</dt>
          <dd>
            {s.sessions}
            {line.lateEntries > 0 &&
              ` (${line.lateEntries} late ${line.lateEntries === 1 ? 'entry' : 'entries'})`}
          </dd>
        </div>
        <div>
          <dt>Latest level</dt>
          <dd>{s.level == null ? 'No data' : `${formatScore(s.level)} of the way`}</dd>
        </div>
        <div>
          <dt>Trend</dt>
          <dd>
            {s.trendPerWeek == null
              ? 'Not enough data (6 points over 3 weeks)'
              : formatSlope(s.trendPerWeek)}
          </dd>
        </div>
        <div>
          <dt>Carryover gap</dt>
          <dd>
            {s.carryoverGap == null
              ? 'Not measured in both settings'
              : `${Math.round(s.carryoverGap * 100)} pts (room ${formatScore(s.levelBySetting.therapy_room)}, class ${formatScore(s.levelBySetting.classroom)})`}
          </dd>
        </div>
        <div>
          <dt>Target date</dt>
          <dd>{formatDate(line.targetDate)}</dd>
        </div>
      </dl>
      {/* The graph as of the period's end: what the judgement stands on, and what prints. */}
      {line.graph && (
        <details className="report-goal__graph" open>
          <summary>Graph to the period's end</summary>
          <GoalGraph goal={line.graph} />
        </details>
      )}
      {line.editable ? (
        <form className="report-goal__form" onSubmit={onSubmit} noValidate>
          <ConflictBanner
            form={form}
            labels={lineLabels}
            show={showLineField}
            onReapply={submit}
            busy={save.isPending}
          />
          <div className="report-goal__row">
            <label className="select-field">
              <span className="field__label">Status code</span>
              <select
                value={statusCode}
                onChange={(e) => set('statusCode', e.target.value as ReportStatusCode)}
              >
                {reportStatusCodes.map((c) => (
                  <option key={c} value={c}>
                    {reportStatusLabels[c]}
                    {c === line.suggestedStatusCode ? ' (suggested by the data)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label className="select-field">
              <span className="field__label">Goal-attainment score</span>
              <select
                value={gasScore}
                onChange={(e) => set('gasScore', Number(e.target.value) as GasValue)}
              >
                {gasScores.map((v) => (
                  <option key={v} value={v}>
                    {signedGas(v)} {gasLabels[`${v}`]}
                    {v === line.gasComputed ? ' (computed)' : ''}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p className="report-goal__rule small">
            <strong>Computed {signedGas(line.gasComputed)}:</strong> {line.gasExplanation}
          </p>
          {overridden && (
            <div className={`field${errors.gasOverrideReason ? ' field--invalid' : ''}`}>
              <label className="field__label" htmlFor={`${id}-reason`}>
                Reason for changing the score
              </label>
              <input
                id={`${id}-reason`}
                type="text"
                className="field__input"
                value={reason}
                maxLength={500}
                onChange={(e) => set('reason', e.target.value)}
                aria-invalid={errors.gasOverrideReason ? true : undefined}
                aria-describedby={
                  errors.gasOverrideReason ? `${id}-gasOverrideReason-error` : undefined
                }
              />
              {err('gasOverrideReason')}
            </div>
          )}
          {needsStatusReason && (
            <div
              className={`field report-goal__confirm${errors.statusReason ? ' field--invalid' : ''}`}
            >
              <p className="small" id={`${id}-statusReason-help`}>
                <strong>Sufficient progress with a score of −2?</strong> The score says the level is
                far behind the aim line. To keep both, confirm by saying why; the reason is printed
                on the report.
              </p>
              <label className="field__label" htmlFor={`${id}-statusReason`}>
                Why progress is sufficient
              </label>
              <input
                id={`${id}-statusReason`}
                type="text"
                className="field__input"
                value={statusReason}
                maxLength={500}
                onChange={(e) => set('statusReason', e.target.value)}
                aria-invalid={errors.statusReason ? true : undefined}
                aria-describedby={
                  errors.statusReason
                    ? `${id}-statusReason-help ${id}-statusReason-error`
                    : `${id}-statusReason-help`
                }
              />
              {err('statusReason')}
            </div>
          )}
          <div className={`field${errors.narrative ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor={`${id}-narrative`}>
              Narrative
            </label>
            <textarea
              id={`${id}-narrative`}
              className="report-goal__narrative"
              rows={6}
              value={narrative}
              onChange={(e) => {
                set('narrative', e.target.value);
                setMessage(null);
              }}
              aria-invalid={errors.narrative ? true : undefined}
              aria-describedby={errors.narrative ? `${id}-narrative-error` : undefined}
            />
            {err('narrative')}
          </div>
          <div className="report-goal__actions">
            <Button type="submit" busy={save.isPending} disabled={!dirty}>
              {save.isPending ? 'Saving…' : 'Save goal'}
            </Button>
            <span role="status" className="report-goal__saved">
              {message && !dirty ? message : dirty ? 'Unsaved changes' : ''}
            </span>
            {message && message !== 'Saved' && (
              <span className="field__error" role="alert">
                {message}
              </span>
            )}
          </div>
        </form>
      ) : (
        <div className="report-goal__readonly">
          <p>
            <strong>Goal-attainment score {signedGas(line.gasScore)}</strong> (
            {gasLabels[`${line.gasScore}`].toLowerCase()})
            {line.gasScore !== line.gasComputed && line.gasOverrideReason
              ? `, changed from the computed ${signedGas(line.gasComputed)}: ${line.gasOverrideReason}`
              : ''}
          </p>
          <p className="small muted">{line.gasExplanation}</p>
          {line.statusReason && (
            <p>
              {reportStatusLabels[line.statusCode]} with a score of {signedGas(line.gasScore)},
              because: {line.statusReason}
            </p>
          )}
          <p className="report-goal__narrative-text">{line.narrative}</p>
          {report.status === 'draft' && (
            <p className="small muted">
              The {line.discipline} therapist writes this part of the report.
            </p>
          )}
        </div>
      )}
    </article>
  );
}
