import type { ReportGoalLine, ReportView } from '@carryover/domain';
import {
  dateIn,
  gasLabels,
  labels,
  parentSummaryKeys,
  reportStatusCodes,
  reportStatusLabels,
  reportStatusMeaning,
  signedGas,
} from '@carryover/domain';
import {
  EmptyState,
  ErrorState,
  formatDate,
  formatScore,
  GoalGraph,
  LoadingState,
} from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { useDistrictZone } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import {
  type LetterTranslator,
  letterLanguageFor,
  letterLanguages,
  letterTranslator,
  SOURCE_LANGUAGE,
} from '../../i18n/letter';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

/**
 * The printable report: a document a parent would keep. `?version=parent` is the short version
 * in plain language, in the family's language (`&lang=es` prints it in another); `?v=2` an
 * earlier finalised version, exactly as it was finalised. The browser's print (Save as PDF)
 * makes the PDF; the screen toolbar is not printed.
 */
export function ReportPrintPage() {
  const { reportId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const parent = params.get('version') === 'parent';
  const version = Number(params.get('v')) || undefined;
  const trpc = useTRPC();
  const report = useQuery(trpc.reports.get.queryOptions({ reportId, version }));
  const letterLanguage = letterLanguageFor(
    params.get('lang') ?? report.data?.familyLanguage ?? SOURCE_LANGUAGE,
  );
  const tr = letterTranslator(letterLanguage);
  useDocumentTitle(
    report.data
      ? parent
        ? tr.t('letter.documentTitle', {
            name: report.data.studentName,
            period: report.data.period.name,
          })
        : `${report.data.studentName} — ${report.data.period.name} progress report`
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
          {parent && (
            <label className="print-toolbar__language">
              Letter language
              <select
                value={letterLanguage}
                onChange={(e) => {
                  const next = new URLSearchParams(params);
                  next.set('lang', e.target.value);
                  setParams(next, { replace: true });
                }}
              >
                {letterLanguages.map((l) => (
                  <option key={l.code} value={l.code}>
                    {l.name}
                    {l.code === letterLanguageFor(r.familyLanguage) ? ' (family’s language)' : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="btn btn--primary" onClick={() => window.print()}>
            Print or save as PDF
          </button>
        </div>
      </div>
      {r.goals.length === 0 ? (
        <EmptyState title="No goals on this report" />
      ) : parent ? (
        <ParentLetter report={r} tr={tr} />
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

/** The full report, as printed alone or as one of a caseload's (each on its own pages). */
export function FullReport({ report: r }: { report: ReportView }) {
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
      {/* The graph the judgement stands on, as vectors (SVG) so print and PDF stay sharp. */}
      {g.graph && <GoalGraph goal={g.graph} variant="print" />}
      <p className="print-goal__narrative">{g.narrative}</p>
    </section>
  );
}

function ProgressMeter({
  level,
  name,
  tr,
}: {
  level: number | null;
  name: string;
  tr: LetterTranslator;
}) {
  if (level == null) return null;
  const share = Math.max(0, Math.min(1, level));
  const pct = Math.round(share * 100);
  return (
    <div className="print-meter">
      <div className="print-meter__track" aria-hidden="true">
        <div className="print-meter__fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="small">
        {pct === 0
          ? tr.t('letter.meterNone')
          : tr.t('letter.meter', { percent: tr.percent(pct / 100), name })}
      </p>
    </div>
  );
}

/**
 * The letter for the family, in their language: its frame, headings, statuses, explanations and
 * dates come from the message catalogue; the goals and the therapist's narrative are printed as
 * written (never machine translated), and the letter says so.
 */
function ParentLetter({ report: r, tr }: { report: ReportView; tr: LetterTranslator }) {
  const { t } = tr;
  const note = tr.language === SOURCE_LANGUAGE ? '' : t('letter.translationNote');
  return (
    <article
      className="print-doc print-doc--parent"
      aria-label={t('letter.aria')}
      lang={tr.language}
    >
      <LetterHeader report={r} tr={tr} />
      <p className="print-doc__lead">
        {t('letter.lead', {
          name: r.firstName,
          period: r.period.name,
          start: tr.date(r.period.startsOn),
          end: tr.date(r.period.endsOn),
        })}
        {r.providers.length > 0 &&
          ` ${t('letter.worksWith', { name: r.firstName, providers: tr.list(r.providers.map((p) => p.name)) })}`}
      </p>
      {note && (
        <p className="print-doc__translation" data-testid="translation-note">
          {note}
        </p>
      )}
      {r.goals.map((g) => (
        <section key={g.goalId} className="print-goal print-goal--parent">
          <h2 className="print-goal__title">{t(`domain.${g.domain}`)}</h2>
          <p className="print-goal__text" lang={SOURCE_LANGUAGE}>
            {g.text}
          </p>
          <p className={`parent-status parent-status--${g.statusCode}`}>
            {t(`status.${g.statusCode}`)}
          </p>
          <p>
            {parentSummaryKeys(g)
              .map((key) => t(key, { name: r.firstName, date: tr.date(g.targetDate) }))
              .join(' ')}
          </p>
          {/* The therapist's own words: the narrative as edited and saved, not the first draft. */}
          <h3 className="print-goal__notes">{t('letter.therapistNotes')}</h3>
          <p className="print-goal__narrative" data-testid="parent-narrative">
            {g.narrative}
          </p>
          {g.statusCode !== 'not_yet_introduced' && (
            <ProgressMeter level={g.summary.level} name={r.firstName} tr={tr} />
          )}
        </section>
      ))}
      <p className="print-doc__lead">{t('letter.closing', { name: r.firstName })}</p>
      <LetterSignature report={r} tr={tr} />
    </article>
  );
}

function LetterHeader({ report: r, tr }: { report: ReportView; tr: LetterTranslator }) {
  const { t } = tr;
  return (
    <header className="print-doc__header">
      <p className="print-doc__district">{r.districtName}</p>
      <h1 className="print-doc__title">{t('letter.title', { name: r.firstName })}</h1>
      {r.status === 'draft' && <p className="print-doc__draft">{t('letter.draftBanner')}</p>}
      {r.version > 1 && (
        <p className="print-doc__amended">
          {r.amendReason
            ? t('letter.amendsWithReason', {
                version: r.version,
                previous: r.version - 1,
                reason: r.amendReason,
              })
            : t('letter.amends', { version: r.version, previous: r.version - 1 })}
        </p>
      )}
      {!r.isLatest && (
        <p className="print-doc__draft">
          {t('letter.superseded', {
            version: Math.max(...r.versions.map((v) => v.version), r.version + 1),
          })}
        </p>
      )}
    </header>
  );
}

function LetterSignature({ report: r, tr }: { report: ReportView; tr: LetterTranslator }) {
  const { t } = tr;
  // Stored instants: the letter dates them by the district's calendar, as the screen does.
  const zone = useDistrictZone();
  const dayOf = (instant: string) => tr.date(dateIn(new Date(instant), zone));
  let text: string;
  if (r.status === 'final' && r.finalizedAt) {
    const date = dayOf(r.finalizedAt);
    text = !r.finalizedBy
      ? t('letter.finalised', { date })
      : r.version > 1
        ? t('letter.finalisedVersion', { date, by: r.finalizedBy, version: r.version })
        : t('letter.finalisedBy', { date, by: r.finalizedBy });
  } else {
    text = t('letter.draftPrepared', { date: dayOf(r.createdAt) });
  }
  return (
    <footer className="print-doc__footer">
      <p>{text}</p>
    </footer>
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
