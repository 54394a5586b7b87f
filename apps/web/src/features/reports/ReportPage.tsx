import type {
  GasValue,
  ReportGoalLine,
  ReportLineEdit,
  ReportStatusCode,
  ReportView,
} from '@carryover/domain';
import {
  GAS_RULE,
  gasLabels,
  gasScores,
  labels,
  ReportGoalUpdateInput,
  reportStatusCodes,
  reportStatusLabels,
  signedGas,
  statusNeedsReason,
} from '@carryover/domain';
import {
  Button,
  EmptyState,
  ErrorState,
  formatDate,
  formatScore,
  formatSlope,
  GoalGraph,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConflictBanner } from '../../components/ConflictBanner';
import { DistrictDate } from '../../components/DistrictDate';
import { errorCode, fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';

/** One student's progress report for a period: review, edit each goal, finalise, print. */
export function ReportPage() {
  const { reportId = '' } = useParams();
  const trpc = useTRPC();
  const report = useQuery(trpc.reports.get.queryOptions({ reportId }));
  useDocumentTitle(
    report.data ? `${report.data.studentName} · ${report.data.period.name}` : 'Report',
  );
  const back = <Link to="/reports">← Reports</Link>;
  // Each goal card keeps here the edit it has not saved (null when saved): finalising sends them.
  const unsaved = useRef(new Map<string, ReportLineEdit | null>());

  if (report.isPending) {
    return (
      <>
        <PageHeader eyebrow={back} title="Loading report…" />
        <LoadingState label="Loading report" rows={8} />
      </>
    );
  }
  if (report.isError) {
    const code = errorCode(report.error);
    return (
      <>
        <PageHeader eyebrow={back} title="Report" />
        {code === 'NOT_FOUND' || code === 'BAD_REQUEST' ? (
          <EmptyState title="This report isn't one you can see">
            <p>The link may be old, or the student may be served by another team.</p>
          </EmptyState>
        ) : (
          <ErrorState
            title="The report could not be loaded"
            message={userMessage(report.error)}
            onRetry={() => void report.refetch()}
            retrying={report.isFetching}
          />
        )}
      </>
    );
  }
  const r = report.data;
  const final = r.status === 'final';
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={`${r.studentName}: ${r.period.name} progress report`}
        description={
          <p className="report-meta">
            <span className={`report-state report-state--${r.status}`}>
              {final ? 'Final' : 'Draft'}
            </span>{' '}
            {formatDate(r.period.startsOn)} – {formatDate(r.period.endsOn)} · Grade {r.grade} ·{' '}
            {r.schoolName}
            {final && r.finalizedAt && (
              <>
                {' '}
                · Finalised <DistrictDate at={r.finalizedAt} />
                {r.finalizedBy ? ` by ${r.finalizedBy}` : ''}
              </>
            )}
            {r.version > 1 && (
              <>
                {' '}
                · Version {r.version}
                {r.amendReason ? ` (amended: ${r.amendReason})` : ''}
              </>
            )}
          </p>
        }
        actions={
          <>
            <Link className="btn btn--secondary" to={`/reports/${encodeURIComponent(r.id)}/print`}>
              Print report
            </Link>
            <Link
              className="btn btn--secondary"
              to={`/reports/${encodeURIComponent(r.id)}/print?version=parent`}
            >
              Parent version
            </Link>
          </>
        }
      />
      <div className="stack">
        {final ? (
          <p className="report-lock" role="note">
            This report is final and locked. It can be printed but not changed.
          </p>
        ) : (
          <p className="muted">
            Each goal's status, score and narrative were drafted from the data. Check and edit them,
            save each goal, then finalise.
          </p>
        )}
        {r.goals.length === 0 ? (
          <EmptyState title="No goals on this report">
            <p>The student had no goals that started by the end of this period.</p>
          </EmptyState>
        ) : (
          r.goals.map((g) => (
            <ReportGoalCard key={g.goalId} report={r} line={g} unsaved={unsaved} />
          ))
        )}
        <details className="report-rule">
          <summary>How the goal-attainment score is computed</summary>
          <p>{GAS_RULE}</p>
        </details>
        {!final && r.readiness.length > 0 && <ReadinessPanel report={r} />}
        {r.canFinalize && <FinalizeBar report={r} unsaved={unsaved} />}
        {r.canAmend && <AmendPanel report={r} />}
        {r.versions.length > 0 && <VersionList report={r} />}
      </div>
    </>
  );
}

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

type UnsavedEdits = RefObject<Map<string, ReportLineEdit | null>>;

function ReportGoalCard({
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

function FinalizeBar({ report, unsaved }: { report: ReportView; unsaved: UnsavedEdits }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const finalize = useMutation(
    trpc.reports.finalize.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
      },
    }),
  );
  // Read when the bar renders (on opening the confirmation): the cards' unsaved edits.
  const edits = [...unsaved.current.values()].filter((e): e is ReportLineEdit => e !== null);
  return (
    <section className="section-card report-finalize" aria-label="Finalise report">
      {confirming ? (
        <>
          <p>
            <strong>Finalise {report.studentName}'s report?</strong> Once final, no goal's status,
            score or narrative can be changed.
          </p>
          {edits.length > 0 && (
            <p data-testid="unsaved-note">
              {edits.length === 1 ? 'One goal has' : `${edits.length} goals have`} unsaved edits:
              they are saved first. If one cannot be saved, nothing is finalised.
            </p>
          )}
          <div className="report-goal__actions">
            <Button
              busy={finalize.isPending}
              onClick={() =>
                finalize.mutate({
                  reportId: report.id,
                  edits: [...unsaved.current.values()].filter(
                    (e): e is ReportLineEdit => e !== null,
                  ),
                })
              }
            >
              {finalize.isPending ? 'Finalising…' : 'Yes, finalise'}
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </>
      ) : (
        <div className="report-goal__actions">
          <Button onClick={() => setConfirming(true)}>Finalise report</Button>
          <span className="muted small">
            Unsaved edits are saved first; finalising locks the report.
          </span>
        </div>
      )}
      {finalize.isError && (
        <p className="form-alert" role="alert">
          {userMessage(finalize.error)}
        </p>
      )}
    </section>
  );
}

/** Each discipline marks its lines ready; the report is finalised once all have. */
function ReadinessPanel({ report }: { report: ReportView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mark = useMutation(
    trpc.reports.markReady.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
      },
    }),
  );
  return (
    <section className="section-card report-readiness" aria-label="Ready to finalise">
      <h2 className="report-goal__title">Ready to finalise?</h2>
      <ul>
        {report.readiness.map((r) => (
          <li key={r.discipline}>
            <strong>{r.discipline}</strong>
            <span>
              {r.ready ? (
                r.markedBy ? (
                  <>
                    ready ({r.markedBy}, <DistrictDate at={r.markedAt ?? null} />)
                  </>
                ) : (
                  'ready'
                )
              ) : (
                'not marked ready yet'
              )}
            </span>
            {report.canMarkReady.includes(r.discipline) && (
              <Button
                variant="secondary"
                size="small"
                busy={mark.isPending}
                onClick={() =>
                  mark.mutate({ reportId: report.id, discipline: r.discipline, ready: !r.ready })
                }
              >
                {r.ready ? `Take back ${r.discipline} ready` : `Mark ${r.discipline} lines ready`}
              </Button>
            )}
          </li>
        ))}
      </ul>
      {report.waitingFor.length > 0 && (
        <p className="muted small" role="status">
          Waiting for {report.waitingFor.join(', ')} to mark their lines ready before the report can
          be finalised. Changing a goal's line takes its discipline's mark back.
        </p>
      )}
      {mark.isError && (
        <p className="form-alert" role="alert">
          {userMessage(mark.error)}
        </p>
      )}
    </section>
  );
}

/** Reopens a final report as its next version; the reason is printed with it. */
function AmendPanel({ report }: { report: ReportView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const amend = useMutation(
    trpc.reports.amend.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason('');
        await queryClient.invalidateQueries({ queryKey: trpc.reports.get.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.reports.list.queryKey() });
      },
    }),
  );
  const errors = amend.isError ? fieldErrors(amend.error) : {};
  return (
    <section className="section-card report-finalize" aria-label="Amend report">
      {open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            amend.mutate({ reportId: report.id, reason });
          }}
          noValidate
        >
          <div className={`field${errors.reason ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor={`${id}-reason`}>
              Why is the report amended?
            </label>
            <textarea
              id={`${id}-reason`}
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-invalid={errors.reason ? true : undefined}
              aria-describedby={errors.reason ? `${id}-reason-error` : undefined}
            />
            {errors.reason && (
              <p id={`${id}-reason-error`} className="field__error">
                {errors.reason.join(' ')}
              </p>
            )}
          </div>
          <div className="report-goal__actions">
            <Button type="submit" busy={amend.isPending}>
              {amend.isPending ? 'Reopening…' : `Reopen as version ${report.version + 1}`}
            </Button>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="report-goal__actions">
          <Button variant="secondary" onClick={() => setOpen(true)}>
            Amend report
          </Button>
          <span className="muted small">
            Version {report.version} stays as it was finalised, and printable.
          </span>
        </div>
      )}
      {amend.isError && Object.keys(errors).length === 0 && (
        <p className="form-alert" role="alert">
          {userMessage(amend.error)}
        </p>
      )}
    </section>
  );
}

/** Every finalised version, each printable exactly as it was finalised. */
function VersionList({ report }: { report: ReportView }) {
  const base = `/reports/${encodeURIComponent(report.id)}/print`;
  return (
    <section className="section-card report-versions" aria-label="Finalised versions">
      <h2 className="report-goal__title">Finalised versions</h2>
      <ol>
        {report.versions.map((v) => (
          <li key={v.version}>
            Version {v.version}, finalised on <DistrictDate at={v.finalizedAt} />
            {v.finalizedBy ? ` by ${v.finalizedBy}` : ''}
            {v.amendReason ? ` — amended: ${v.amendReason}` : ''} ·{' '}
            <Link to={`${base}?v=${v.version}`}>Print version {v.version}</Link>
          </li>
        ))}
      </ol>
    </section>
  );
}
