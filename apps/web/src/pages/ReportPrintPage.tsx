import type { ReportGoalLine, ReportView } from '@carryover/domain';
import {
  gasLabels,
  labels,
  parentStatusLabels,
  reportStatusCodes,
  reportStatusLabels,
  reportStatusMeaning,
  signedGas,
} from '@carryover/domain';
import { EmptyState, ErrorState, formatDate, formatScore, LoadingState } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { DistrictDate } from '../components/DistrictDate';
import { userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

/**
 * The printable report: a document a parent would keep. `?version=parent` is the short version
 * in plain language; `?v=2` an earlier finalised version, exactly as it was finalised. The
 * browser's print (Save as PDF) makes the PDF; the screen toolbar is not printed.
 */
export function ReportPrintPage() {
  const { reportId = '' } = useParams();
  const [params] = useSearchParams();
  const parent = params.get('version') === 'parent';
  const version = Number(params.get('v')) || undefined;
  const trpc = useTRPC();
  const report = useQuery(trpc.reports.get.queryOptions({ reportId, version }));
  useDocumentTitle(
    report.data
      ? `${report.data.studentName} — ${report.data.period.name} ${parent ? 'progress letter' : 'progress report'}`
      : 'Report',
  );

  if (report.isPending) return <LoadingState label="Loading report" rows={8} />;
  if (report.isError) {
    return (
      <ErrorState
        title="The report could not be loaded"
        message={userMessage(report.error)}
        onRetry={() => void report.refetch()}
        retrying={report.isFetching}
      />
    );
  }
  const r = report.data;
  const base = `/reports/${encodeURIComponent(r.id)}`;
  const keepVersion = version ? `v=${version}` : '';
  return (
    <>
      <div className="print-toolbar">
        <Link to={base}>← Back to the report</Link>
        <div className="print-toolbar__actions">
          <Link
            className="btn btn--secondary"
            to={
              parent
                ? `${base}/print${keepVersion ? `?${keepVersion}` : ''}`
                : `${base}/print?version=parent${keepVersion ? `&${keepVersion}` : ''}`
            }
          >
            {parent ? 'Full report' : 'Parent version'}
          </Link>
          <button type="button" className="btn btn--primary" onClick={() => window.print()}>
            Print or save as PDF
          </button>
        </div>
      </div>
      {r.goals.length === 0 ? (
        <EmptyState title="No goals on this report" />
      ) : parent ? (
        <ParentLetter report={r} />
      ) : (
        <FullReport report={r} />
      )}
    </>
  );
}

function DocHeader({ report: r, title }: { report: ReportView; title: string }) {
  return (
    <header className="print-doc__header">
      <p className="print-doc__district">{r.districtName}</p>
      <h1 className="print-doc__title">{title}</h1>
      {r.status === 'draft' && <p className="print-doc__draft">Draft — not yet final</p>}
      {r.version > 1 && (
        <p className="print-doc__amended">
          Version {r.version}, amending version {r.version - 1}
          {r.amendReason ? `: ${r.amendReason}` : ''}
        </p>
      )}
      {!r.isLatest && (
        <p className="print-doc__draft">
          Superseded by version {Math.max(...r.versions.map((v) => v.version), r.version + 1)}
        </p>
      )}
    </header>
  );
}

function FullReport({ report: r }: { report: ReportView }) {
  return (
    <article className="print-doc" aria-label="Progress report">
      <DocHeader report={r} title="IEP Progress Report" />
      <table className="print-doc__facts">
        <tbody>
          <tr>
            <th scope="row">Student</th>
            <td>{r.studentName}</td>
            <th scope="row">Date of birth</th>
            <td>{formatDate(r.dateOfBirth)}</td>
          </tr>
          <tr>
            <th scope="row">School</th>
            <td>{r.schoolName}</td>
            <th scope="row">Grade</th>
            <td>{r.grade}</td>
          </tr>
          <tr>
            <th scope="row">Reporting period</th>
            <td>
              {r.period.name} ({formatDate(r.period.startsOn)} – {formatDate(r.period.endsOn)})
            </td>
            <th scope="row">Providers</th>
            <td>
              {r.providers.length === 0
                ? '—'
                : r.providers.map((p) => `${p.name} (${p.discipline})`).join(', ')}
            </td>
          </tr>
        </tbody>
      </table>

      {r.goals.map((g, i) => (
        <GoalBlock key={g.goalId} line={g} index={i + 1} />
      ))}

      <section className="print-doc__key" aria-label="Progress codes">
        <h2>What the progress codes mean</h2>
        <dl>
          {reportStatusCodes.map((c) => (
            <div key={c}>
              <dt>{reportStatusLabels[c]}</dt>
              <dd>{reportStatusMeaning[c]}</dd>
            </div>
          ))}
        </dl>
        <p className="small">
          Goal-attainment score (−2 to +2): where the skill is at the end of the period compared
          with where it was expected to be on the way from the baseline to the goal. 0 means as
          expected; positive, ahead; negative, behind.
        </p>
      </section>
      <Signature report={r} />
    </article>
  );
}

function GoalBlock({ line: g, index }: { line: ReportGoalLine; index: number }) {
  return (
    <section className="print-goal" aria-labelledby={`goal-${g.goalId}`}>
      <h2 id={`goal-${g.goalId}`} className="print-goal__title">
        Goal {index}: {labels.domain[g.domain]}{' '}
        <span className="print-goal__disc">({g.discipline})</span>
      </h2>
      <p className="print-goal__text">{g.text}</p>
      <table className="print-goal__table">
        <tbody>
          <tr>
            <th scope="row">Baseline</th>
            <td>{g.baselineText}</td>
            <th scope="row">Goal</th>
            <td>
              {g.targetText} by {formatDate(g.targetDate)}
            </td>
          </tr>
          <tr>
            <th scope="row">Progress code</th>
            <td>
              <strong>{reportStatusLabels[g.statusCode]}</strong>
            </td>
            <th scope="row">Attainment score</th>
            <td>
              <strong>{signedGas(g.gasScore)}</strong> ({gasLabels[`${g.gasScore}`].toLowerCase()})
            </td>
          </tr>
          <tr>
            <th scope="row">Sessions with data</th>
            <td>
              {g.summary.sessions}
              {g.lateEntries > 0 &&
                ` (${g.lateEntries} late ${g.lateEntries === 1 ? 'entry' : 'entries'})`}
            </td>
            <th scope="row">Latest level</th>
            <td>
              {g.summary.level == null
                ? 'No data'
                : `${formatScore(g.summary.level)} of the way from baseline to goal`}
            </td>
          </tr>
        </tbody>
      </table>
      {g.gasScore !== g.gasComputed && g.gasOverrideReason && (
        <p className="print-goal__reason" data-testid="gas-override-reason">
          The therapist changed the computed score of {signedGas(g.gasComputed)} to{' '}
          {signedGas(g.gasScore)}: {g.gasOverrideReason}
        </p>
      )}
      {g.statusReason && (
        <p className="print-goal__reason" data-testid="status-reason">
          {reportStatusLabels[g.statusCode]} with a score of {signedGas(g.gasScore)}, because:{' '}
          {g.statusReason}
        </p>
      )}
      <p className="print-goal__narrative">{g.narrative}</p>
    </section>
  );
}

function ProgressMeter({ level, name }: { level: number | null; name: string }) {
  if (level == null) return null;
  const pct = Math.round(Math.max(0, Math.min(1, level)) * 100);
  return (
    <div className="print-meter">
      <div className="print-meter__track" aria-hidden="true">
        <div className="print-meter__fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="small">
        {pct === 0
          ? `No measurable progress toward the goal yet.`
          : `About ${pct}% of the way from where ${name} started to the goal.`}
      </p>
    </div>
  );
}

function ParentLetter({ report: r }: { report: ReportView }) {
  return (
    <article className="print-doc print-doc--parent" aria-label="Progress letter for families">
      <DocHeader report={r} title={`How ${r.firstName} is doing`} />
      <p className="print-doc__lead">
        This is {r.firstName}'s progress on the goals in the IEP for {r.period.name} (
        {formatDate(r.period.startsOn)} – {formatDate(r.period.endsOn)}).
        {r.providers.length > 0 &&
          ` ${r.firstName} works with ${r.providers.map((p) => p.name).join(' and ')}.`}
      </p>
      {r.goals.map((g) => (
        <section key={g.goalId} className="print-goal print-goal--parent">
          <h2 className="print-goal__title">{labels.domain[g.domain]}</h2>
          <p className="print-goal__text">{g.text}</p>
          <p className={`parent-status parent-status--${g.statusCode}`}>
            {parentStatusLabels[g.statusCode]}
          </p>
          <p>{g.parentSummary}</p>
          {/* The therapist's own words: the narrative as edited and saved, not the first draft. */}
          <p className="print-goal__narrative" data-testid="parent-narrative">
            {g.narrative}
          </p>
          {g.statusCode !== 'not_yet_introduced' && (
            <ProgressMeter level={g.summary.level} name={r.firstName} />
          )}
        </section>
      ))}
      <p className="print-doc__lead">
        Questions? Please contact {r.firstName}'s teacher or therapist. The full report with all the
        details is available on request.
      </p>
      <Signature report={r} />
    </article>
  );
}

function Signature({ report: r }: { report: ReportView }) {
  return (
    <footer className="print-doc__footer">
      {r.status === 'final' && r.finalizedAt ? (
        <p>
          Finalised on <DistrictDate at={r.finalizedAt} />
          {r.finalizedBy ? ` by ${r.finalizedBy}` : ''}
          {r.version > 1 ? ` (version ${r.version})` : ''}.
        </p>
      ) : (
        <p>
          Draft prepared <DistrictDate at={r.createdAt} />; not yet final.
        </p>
      )}
    </footer>
  );
}
