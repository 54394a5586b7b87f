import type { GoalDetail, ServiceView, StudentDetail } from '@carryover/domain';
import { labels, targetOutlook } from '@carryover/domain';
import {
  Button,
  type Column,
  DataTable,
  EmptyState,
  ErrorState,
  formatDate,
  formatRaw,
  formatScore,
  formatSlope,
  GoalGraph,
  LoadingState,
  PageHeader,
  StatusBadge,
} from '@carryover/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useViewer } from '../../auth';
import { ModelChangePanel } from '../../components/ModelChangePanel';
import { errorCode, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { AsOf } from '../../offline/AsOf';
import { useTRPC } from '../../trpc';

const phaseLabel = {
  baseline: 'Baseline',
  intervention: 'Intervention',
  mastered: 'Mastered',
  maintenance: 'Maintenance',
  discontinued: 'Discontinued',
} as const;

const serviceColumns: Column<ServiceView>[] = [
  {
    id: 'discipline',
    header: 'Discipline',
    cell: (s) => s.discipline,
    sortValue: (s) => s.discipline,
  },
  {
    id: 'provider',
    header: 'Provider',
    cell: (s) => s.providerName,
    sortValue: (s) => s.providerName,
  },
  {
    id: 'minutes',
    header: 'Minutes',
    cell: (s) => `${s.minutes} min / ${s.per}`,
    sortValue: (s) => (s.per === 'week' ? s.minutes : s.minutes / 4.33),
    align: 'end',
  },
  {
    id: 'model',
    header: 'Model',
    cell: (s) =>
      s.split.length > 1 || s.model === 'split' ? (
        <span className="stacked">
          <span>{labels.model[s.model]}</span>
          <span className="muted small">
            {s.split.map((p) => `${p.minutes} ${labels.model[p.model].toLowerCase()}`).join(' + ')}
          </span>
        </span>
      ) : (
        labels.model[s.model]
      ),
    sortValue: (s) => labels.model[s.model],
  },
  {
    id: 'dates',
    header: 'Dates',
    cell: (s) => `${formatDate(s.startDate)} – ${formatDate(s.endDate)}`,
    sortValue: (s) => s.startDate,
  },
];

export function StudentPage() {
  const { studentId = '' } = useParams();
  const trpc = useTRPC();
  const student = useQuery(trpc.student.get.queryOptions({ studentId }));
  useDocumentTitle(student.data?.name ?? (student.isError ? 'Student not found' : 'Student'));

  const back = <Link to="/caseload">← Caseload</Link>;

  if (student.isPending) {
    return (
      <>
        <PageHeader eyebrow={back} title="Loading student…" />
        <LoadingState label="Loading student" rows={6} />
      </>
    );
  }
  if (student.isError) {
    const code = errorCode(student.error);
    if (code === 'NOT_FOUND' || code === 'FORBIDDEN' || code === 'BAD_REQUEST') {
      return (
        <>
          <PageHeader eyebrow={back} title="Student not found" />
          <EmptyState title="This student isn't on a caseload you can see">
            <p>The link may be old, or the student may be served by another team.</p>
          </EmptyState>
        </>
      );
    }
    return (
      <>
        <PageHeader eyebrow={back} title="Student" />
        <ErrorState
          title="This student's record could not be loaded"
          message={userMessage(student.error)}
          onRetry={() => void student.refetch()}
          retrying={student.isFetching}
        />
      </>
    );
  }

  const s = student.data;
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={s.name}
        description={`Grade ${s.grade} · ${s.schoolName}${s.homeroom ? ` · ${s.homeroom}` : ''}`}
        actions={<ReportButton studentId={s.id} hasGoals={s.goals.length > 0} />}
      />
      <AsOf updatedAt={student.dataUpdatedAt} />
      <div className="stack">
        <StudentFacts student={s} />
        <section aria-labelledby="services-heading">
          <h2 id="services-heading">Services</h2>
          {s.services.length === 0 ? (
            <EmptyState title="No services on this IEP" />
          ) : (
            <DataTable
              caption="IEP services"
              columns={serviceColumns}
              rows={s.services}
              rowKey={(row) => row.id}
              compact
            />
          )}
        </section>
        <section aria-labelledby="goals-heading">
          <div className="section-heading">
            <h2 id="goals-heading">Goals</h2>
            <GoalWriteLink to={`/students/${encodeURIComponent(s.id)}/goals/new`}>
              Add a goal
            </GoalWriteLink>
          </div>
          {s.goals.length === 0 ? (
            <EmptyState title="No goals on this IEP" />
          ) : (
            <div className="stack">
              {s.goals.map((g) => (
                <GoalSection key={g.id} goal={g} studentId={s.id} />
              ))}
            </div>
          )}
        </section>
      </div>
    </>
  );
}

function StudentFacts({ student: s }: { student: StudentDetail }) {
  return (
    <section className="section-card" aria-label="Student details">
      <dl className="facts">
        <div>
          <dt>Grade</dt>
          <dd>{s.grade}</dd>
        </div>
        <div>
          <dt>School</dt>
          <dd>{s.schoolName}</dd>
        </div>
        <div>
          <dt>Homeroom</dt>
          <dd>{s.homeroom ?? '—'}</dd>
        </div>
        <div>
          <dt>IEP start</dt>
          <dd>{formatDate(s.iepStart)}</dd>
        </div>
        <div>
          <dt>Annual review</dt>
          <dd>{formatDate(s.iepAnnualReview)}</dd>
        </div>
        <div>
          <dt>Re-evaluation</dt>
          <dd>{formatDate(s.iepReevaluation)}</dd>
        </div>
      </dl>
    </section>
  );
}

/** Routine names are stored as keys ("morning_meeting"); show them as words. */
function routineLabel(name: string): string {
  const words = name.replace(/_/g, ' ').trim();
  return words === 'pe' ? 'PE' : words.charAt(0).toUpperCase() + words.slice(1);
}

function carryoverText(goal: GoalDetail): string {
  const { carryoverGap, levelBySetting } = goal.progress;
  if (carryoverGap == null) return 'Not enough data in both settings';
  const room = formatScore(levelBySetting.therapy_room);
  const classroom = formatScore(levelBySetting.classroom);
  const gap = Math.round(carryoverGap * 100);
  const signed = gap > 0 ? `+${gap}` : gap < 0 ? `−${-gap}` : '0';
  return `${signed} pts (therapy room ${room}, classroom ${classroom})`;
}

/** Opens this period's progress report for the student, drafting it from the data if needed. */
function ReportButton({ studentId, hasGoals }: { studentId: string; hasGoals: boolean }) {
  const trpc = useTRPC();
  const me = useViewer();
  const navigate = useNavigate();
  const periods = useQuery(trpc.reports.periods.queryOptions());
  const generate = useMutation(
    trpc.reports.generate.mutationOptions({
      onSuccess: ({ id }) => navigate(`/reports/${encodeURIComponent(id)}`),
    }),
  );
  const role = me.data?.role;
  const current = periods.data?.find((p) => p.current);
  if (!hasGoals || !current || (role !== 'therapist' && role !== 'coordinator' && role !== 'admin'))
    return null;
  return (
    <span className="stacked">
      <Button
        variant="secondary"
        busy={generate.isPending}
        onClick={() => generate.mutate({ studentId, periodId: current.id })}
      >
        {generate.isPending ? 'Drafting…' : `${current.name} progress report`}
      </Button>
      {generate.isError && (
        <span className="field__error" role="alert">
          {userMessage(generate.error)}
        </span>
      )}
    </span>
  );
}

/** A link shown only to the roles that write goals (therapists, coordinators, admins). */
function GoalWriteLink({ to, children, label }: { to: string; children: string; label?: string }) {
  const me = useViewer();
  const role = me.data?.role;
  if (role !== 'therapist' && role !== 'coordinator' && role !== 'admin') return null;
  return (
    <Link className="btn btn--secondary btn--small" to={to} aria-label={label}>
      {children}
    </Link>
  );
}

function GoalSection({ goal, studentId }: { goal: GoalDetail; studentId: string }) {
  const headingId = `goal-${goal.id}`;
  const p = goal.progress;
  // plans.save takes any therapist with the student in scope; offer it on the goals of their discipline.
  const me = useViewer().data;
  return (
    <article className="section-card goal-section" aria-labelledby={headingId}>
      <header className="goal-section__header">
        <h3 id={headingId}>
          {labels.domain[goal.domain]} <span className="muted">· {goal.discipline}</span>
        </h3>
        <span className="goal-section__tools">
          <StatusBadge status={p.status} />
          <GoalWriteLink
            to={`/students/${encodeURIComponent(studentId)}/goals/${encodeURIComponent(goal.id)}/edit`}
            label={`Edit the ${labels.domain[goal.domain]} goal`}
          >
            Edit
          </GoalWriteLink>
          {me?.role === 'therapist' && me.discipline === goal.discipline && (
            <Link
              className="btn btn--secondary btn--small"
              to={`/plans/new?studentId=${encodeURIComponent(studentId)}`}
              aria-label={`Plan push-in for the ${labels.domain[goal.domain]} goal`}
            >
              Plan push-in
            </Link>
          )}
        </span>
      </header>
      {goal.alerts.length > 0 && (
        <ul className="decision-alerts" aria-label="What the data says">
          {goal.alerts.map((a) => (
            <li key={a.rule} className={`decision-alert decision-alert--${a.rule}`}>
              <strong>{a.title}:</strong> {a.explanation}
            </li>
          ))}
        </ul>
      )}
      <p className="goal-section__text">{goal.text}</p>
      <dl className="facts goal-section__facts">
        <div>
          <dt>Level</dt>
          <dd>
            {p.level == null ? 'No data yet' : `${formatScore(p.level)} of the way to target`}
          </dd>
        </div>
        <div>
          <dt>Baseline → target</dt>
          <dd>
            {formatRaw(goal.baseline, goal.unit)} → {formatRaw(goal.target, goal.unit)}
          </dd>
        </div>
        <div>
          <dt>Trend</dt>
          <dd>
            {p.trend
              ? `${formatSlope(p.trend.slopePerWeek)} (least squares)`
              : 'Not enough data (a trend needs 6 points over 3 weeks)'}
          </dd>
        </div>
        <div>
          <dt>Projected to meet target</dt>
          <dd>
            {targetOutlook(p) === 'met'
              ? 'Target met'
              : p.projectedDate
                ? formatDate(p.projectedDate)
                : 'Not projected'}
          </dd>
        </div>
        <div>
          <dt>Target date</dt>
          <dd>{formatDate(goal.targetDate)}</dd>
        </div>
        <div>
          <dt>Carryover gap</dt>
          <dd>{carryoverText(goal)}</dd>
        </div>
        <div>
          <dt>Model · phase</dt>
          <dd>
            {labels.model[goal.currentModel]} · {phaseLabel[goal.phase]}
          </dd>
        </div>
        {goal.routines.length > 0 && (
          <div>
            <dt>Routines</dt>
            <dd>
              {goal.routines.map((r) => `${routineLabel(r.name)} (${r.classroom})`).join(', ')}
            </dd>
          </div>
        )}
      </dl>
      <GoalGraph goal={goal} />
      <ModelChangePanel studentId={studentId} goal={goal} />
    </article>
  );
}
