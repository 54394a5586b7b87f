import type { RouterOutputs } from '@carryover/api';
import {
  type ComparisonReport,
  comparisonSummary,
  DEFAULT_OUTCOME_FLOOR,
  type Difference,
  type Estimate,
  type OutcomesFilterInput as FilterInput,
  type GoalDomain,
  goalDomains,
  gradeBands,
  labels,
  type ModelComparison,
  type Outcome,
  OutcomesFilterInput,
  outcomeFloors,
  type ServiceModel,
  type StratumDimension,
  type StratumRow,
  serviceModels,
  strataCsv,
} from '@carryover/domain';
import {
  Button,
  EmptyState,
  ErrorState,
  EstimateChart,
  type EstimateGroup,
  formatDate,
  LoadingState,
  PageHeader,
  SegmentedControl,
  TableScroll,
} from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DisciplineFilter } from '../../components/Filters';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The coordinator's question — does push-in or pull-out work better, for which students and
// goals — answered with its uncertainty and its limits stated. Filters live in the URL so a
// view can be shared; any number links to the episodes behind it (?ep=…).

const FILTER_KEYS = ['schoolId', 'discipline', 'domain', 'gradeBand', 'from', 'to'] as const;
const OUTCOME_LABEL: Record<Outcome, string> = {
  all: 'All settings',
  therapy_room: 'Therapy room',
  classroom: 'Classroom (carryover)',
};
/** The settings the comparison is made in: like with like, never pooled. */
const STRATA_OUTCOMES = ['classroom', 'therapy_room'] as const;
const DIMENSION_LABEL: Record<StratumDimension, string> = {
  discipline_domain: 'Discipline × domain',
  grade_band: 'Grade band',
  school: 'School',
};

/** ROI: share of the baseline→target gap closed per week, shown in percentage points. */
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const gasFmt = (v: number) => (v > 0 ? '+' : '') + v.toFixed(2);
const interval = (low: number | null, high: number | null, f: (v: number) => string) =>
  low === null || high === null ? '' : `${f(low)} to ${f(high)}`;

function filtersFrom(params: URLSearchParams): FilterInput {
  const f: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  const floor = Number(params.get('floor'));
  f.minStudents = Number.isFinite(floor) && floor > 0 ? floor : DEFAULT_OUTCOME_FLOOR;
  return f as FilterInput;
}

function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function DifferenceText({ d, f }: { d: Difference; f: (v: number) => string }) {
  if (d.insufficient || d.estimate === null)
    return (
      <span className="stacked">
        <span className="outcomes-insufficient">Insufficient data</span>
        {d.note && <span className="muted small">{d.note}</span>}
      </span>
    );
  return (
    <span className="stacked">
      <span className={d.claimed ? 'outcomes-claimed' : undefined}>{f(d.estimate)}</span>
      <span className="muted small nowrap">
        {interval(d.low, d.high, f)} · {d.claimed ? 'interval excludes 0' : 'no clear difference'}
      </span>
    </span>
  );
}

/** About how long, in words: "about 12 s", "about 2 min". */
const roughly = (ms: number) =>
  ms < 90_000
    ? `about ${Math.max(1, Math.round(ms / 1000))} s`
    : `about ${Math.round(ms / 60_000)} min`;

/**
 * While the comparison is computed: its place in the worker's queue, polled each second. The
 * queue is fair across users, so the wait is mostly other people's comparisons ahead of it.
 */
function ComparisonWait({ filters }: { filters: FilterInput }) {
  const trpc = useTRPC();
  const status = useQuery({
    ...trpc.outcomes.queueStatus.queryOptions(filters),
    refetchInterval: 1000,
    gcTime: 0,
  });
  const s = status.data;
  if (!s || s.state === 'unknown' || s.state === 'ready') return null;
  return (
    <p className="outcomes-wait" role="status">
      {s.state === 'waiting'
        ? `Waiting for the comparison: ${s.ahead} ${s.ahead === 1 ? 'request' : 'requests'} ahead of yours` +
          (s.estimateMs === null ? '.' : `, ${roughly(s.estimateMs)}.`)
        : 'Computing the comparison' +
          (s.estimateMs === null ? '…' : ` (${roughly(s.estimateMs)} left)…`)}
    </p>
  );
}

export function OutcomesPage() {
  useDocumentTitle('Outcomes');
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const parsed = OutcomesFilterInput.safeParse(filters);
  const fieldErrors = parsed.success ? {} : parsed.error.flatten().fieldErrors;
  const report = useQuery({
    ...trpc.outcomes.report.queryOptions(filters),
    enabled: parsed.success,
  });
  const [dimension, setDimension] = useState<StratumDimension>('discipline_domain');
  const [strataSetting, setStrataSetting] = useState<(typeof STRATA_OUTCOMES)[number]>('classroom');

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('ep');
    setParams(next, { replace: true });
  };
  const epLink = (sel: { model?: ServiceModel; outcome?: Outcome; stratum?: StratumRow }) => {
    const next = new URLSearchParams(params);
    next.set('ep', sel.model ?? 'any');
    next.set('out', sel.outcome ?? 'all');
    if (sel.stratum) {
      next.set('dim', sel.stratum.dimension);
      next.set('key', sel.stratum.key);
    } else {
      next.delete('dim');
      next.delete('key');
    }
    return `?${next.toString()}#episodes`;
  };

  const data = report.data;
  const r = data?.report;
  const schoolName = (id: string) => data?.schools.find((s) => s.id === id)?.name ?? id;
  const groups: EstimateGroup[] = r
    ? STRATA_OUTCOMES.map((o) => {
        const c = o === 'therapy_room' ? r.therapyRoom : r.classroom;
        return {
          id: o,
          label: OUTCOME_LABEL[o],
          rows: serviceModels.map((m) => ({
            model: m,
            estimate: c.byModel[m].estimate,
            low: c.byModel[m].low,
            high: c.byModel[m].high,
            support: `${c.byModel[m].students} students · ${c.byModel[m].therapists} therapists · ${c.byModel[m].n} episodes`,
          })),
        };
      })
    : [];

  return (
    <div className="outcomes-page">
      <PageHeader
        title="Outcomes"
        description={
          <p>
            Push-in, pull-out, consult and split compared on the rate of improvement of model
            episodes and on goal-attainment scores
            {data ? ` · data to ${formatDate(data.asOf)}` : ''}.
          </p>
        }
        actions={
          r && r.strata.length > 0 ? (
            <Button
              variant="secondary"
              onClick={() =>
                download(`outcomes-strata_${data!.asOf}.csv`, strataCsv(r, schoolName))
              }
            >
              Export strata CSV
            </Button>
          ) : null
        }
      />
      <search className="outcomes-filters" aria-label="Filter the comparison">
        <label>
          School
          <select value={filters.schoolId ?? ''} onChange={(e) => set('schoolId', e.target.value)}>
            <option value="">All my schools</option>
            {data?.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <DisciplineFilter value={filters.discipline ?? ''} onChange={(d) => set('discipline', d)} />
        <label>
          Goal domain
          <select value={filters.domain ?? ''} onChange={(e) => set('domain', e.target.value)}>
            <option value="">All domains</option>
            {goalDomains.map((d) => (
              <option key={d} value={d}>
                {labels.domain[d as GoalDomain] ?? d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Grade band
          <select
            value={filters.gradeBand ?? ''}
            onChange={(e) => set('gradeBand', e.target.value)}
          >
            <option value="">All grades</option>
            {gradeBands.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={filters.from ?? ''}
            onChange={(e) => set('from', e.target.value)}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={filters.to ?? ''}
            onChange={(e) => set('to', e.target.value)}
            aria-invalid={fieldErrors.to ? true : undefined}
            aria-describedby={fieldErrors.to ? 'outcomes-to-error' : undefined}
          />
        </label>
        <label>
          Insufficient below
          <select
            value={String(filters.minStudents ?? DEFAULT_OUTCOME_FLOOR)}
            onChange={(e) => set('floor', e.target.value)}
          >
            {outcomeFloors.map((n) => (
              <option key={n} value={n}>
                {n} students
              </option>
            ))}
          </select>
        </label>
      </search>
      {!parsed.success && (
        <div className="form-alert" role="alert">
          {Object.entries(fieldErrors).map(([k, msgs]) => (
            <p key={k} id={`outcomes-${k}-error`}>
              {msgs?.[0]}
            </p>
          ))}
        </div>
      )}
      {!parsed.success ? null : report.isPending ? (
        <>
          <ComparisonWait filters={filters} />
          <LoadingState label="Comparing models — a large district takes a few seconds" rows={6} />
        </>
      ) : report.isError ? (
        <ErrorState
          title="The comparison could not be computed"
          message={userMessage(report.error)}
          onRetry={() => void report.refetch()}
          retrying={report.isFetching}
        />
      ) : !r || r.counts.episodes === 0 ? (
        <EmptyState title="No model episodes for these filters">
          <p>
            An episode needs at least {r?.method.minObservations ?? 5} data points over four weeks
            under one model. Widen the filters or the dates.
          </p>
        </EmptyState>
      ) : (
        <Report
          data={data!}
          groups={groups}
          dimension={dimension}
          setDimension={setDimension}
          strataSetting={strataSetting}
          setStrataSetting={setStrataSetting}
          epLink={epLink}
          schoolName={schoolName}
        />
      )}
      {parsed.success && params.get('ep') && <EpisodesPanel filters={filters} params={params} />}
    </div>
  );
}

type ReportData = RouterOutputs['outcomes']['report'];

function Report({
  data,
  groups,
  dimension,
  setDimension,
  strataSetting,
  setStrataSetting,
  epLink,
  schoolName,
}: {
  data: ReportData;
  groups: EstimateGroup[];
  dimension: StratumDimension;
  setDimension: (d: StratumDimension) => void;
  strataSetting: (typeof STRATA_OUTCOMES)[number];
  setStrataSetting: (o: (typeof STRATA_OUTCOMES)[number]) => void;
  epLink: (sel: { model?: ServiceModel; outcome?: Outcome; stratum?: StratumRow }) => string;
  schoolName: (id: string) => string;
}) {
  const r = data.report;
  const ws = r.withinStudent;
  const adj = r.adjusted.pushInMinusPullOut;
  const strata = r.strata.filter((s) => s.dimension === dimension);
  const EstimateCell = ({
    e,
    model,
    outcome,
    f,
  }: {
    e: Estimate;
    model: ServiceModel;
    outcome: Outcome;
    f: (v: number) => string;
  }) =>
    e.insufficient || e.estimate === null ? (
      <span className="stacked">
        <span className="outcomes-insufficient">Insufficient data</span>
        <Link className="small" to={epLink({ model, outcome })}>
          {e.students} students
        </Link>
      </span>
    ) : (
      <span className="stacked">
        <Link to={epLink({ model, outcome })}>{f(e.estimate)}</Link>
        <span className="muted small nowrap">
          {interval(e.low, e.high, f)} · {e.students} students,{' '}
          {/* GAS credits goal-periods by time under a model: a fractional count. */}
          {Number.isInteger(e.n) ? e.n : e.n.toFixed(1)}
        </span>
      </span>
    );
  const comparisonRows = (c: ModelComparison, outcome: Outcome, f: (v: number) => string) => (
    <>
      {serviceModels.map((m) => (
        <td key={m} className="num">
          <EstimateCell e={c.byModel[m]} model={m} outcome={outcome} f={f} />
        </td>
      ))}
      <td className="num">
        <DifferenceText d={c.pushInMinusPullOut} f={f} />
      </td>
    </>
  );
  const modelHeaders = (
    <>
      {serviceModels.map((m) => (
        <th key={m} scope="col" className="num">
          {labels.model[m]}
        </th>
      ))}
      <th scope="col" className="num">
        Push-in − pull-out
      </th>
    </>
  );

  const models = ['push_in', 'pull_out', 'consult', 'split'] as const;
  const share = (v: number) => `${Math.round(v * 100)}%`;
  const mixText = (mix: Record<string, number>, label: (k: string) => string) =>
    Object.entries(mix)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${label(k)} ${share(v)}`)
      .join(', ') || '—';
  const balanceRows: [string, (m: ServiceModel) => string][] = [
    [
      'Episodes · students · therapists',
      (m) => `${r.models[m].episodes} · ${r.models[m].students} · ${r.models[m].therapists}`,
    ],
    [
      'Setting mix of the points (classroom / therapy room)',
      (m) =>
        r.models[m].points
          ? `${share(r.models[m].settingMix.classroom)} / ${share(r.models[m].settingMix.therapy_room)}`
          : '—',
    ],
    [
      'Episodes with a classroom rate',
      (m) => (r.models[m].episodes ? share(r.models[m].classroomRateShare) : '—'),
    ],
    [
      'Episodes with a therapy-room rate',
      (m) => (r.models[m].episodes ? share(r.models[m].roomRateShare) : '—'),
    ],
    [
      'Baseline level (mean classroom score, first weeks)',
      (m) => (r.models[m].baselineLevel === null ? '—' : share(r.models[m].baselineLevel!)),
    ],
    ['Domains', (m) => mixText(r.models[m].domainMix, (k) => labels.domain[k as GoalDomain] ?? k)],
    ['Disciplines', (m) => mixText(r.models[m].disciplineMix, (k) => k)],
    ['Grade bands', (m) => mixText(r.models[m].gradeBandMix, (k) => k)],
    [
      'Points at or above target (ceiling)',
      (m) => (r.models[m].points ? share(r.models[m].ceilingShare) : '—'),
    ],
    [
      'Episodes ended by a switch after a stall',
      (m) => (r.models[m].episodes ? share(r.models[m].stalledSwitchShare) : '—'),
    ],
    [
      'Minutes delivered per week (a mediator, not adjusted for)',
      (m) =>
        r.models[m].minutesPerWeek === null
          ? '—'
          : Math.round(r.models[m].minutesPerWeek!).toString(),
    ],
  ];

  return (
    <>
      <section className="outcomes-summary" aria-labelledby="summary-h">
        <h2 id="summary-h">In short</h2>
        {comparisonSummary(r).map((sentence) => (
          <p key={sentence}>{sentence}</p>
        ))}
      </section>
      <section className="outcomes-warning" role="note" aria-labelledby="confounders-h">
        <h2 id="confounders-h">Confounders in these data</h2>
        {r.confounders.length === 0 ? (
          <p>{r.warning}</p>
        ) : (
          <>
            <p>
              Models are not assigned at random. Push-in and pull-out episodes here differ in ways
              that can make one model look better without causing it:
            </p>
            <ul className="outcomes-flags">
              {r.confounders.map((f) => (
                <li key={f.key}>{f.text}</li>
              ))}
            </ul>
          </>
        )}
      </section>
      <details className="outcomes-method">
        <summary>How this is computed</summary>
        <p>
          <strong>Rates.</strong> An episode is a span in which one goal was served under one model;
          its rate of improvement is the least-squares slope of its scores per week, as a share of
          the way from baseline to target. Around each switch, non-overlap of all pairs (NAP)
          compares the points after it with those before.
        </p>
        <p>
          <strong>Estimand.</strong> {r.estimand}
        </p>
        <p>
          <strong>Rates need enough data.</strong> An episode needs {r.method.minObservations}{' '}
          points over at least {r.method.minWeeks} weeks; a setting&apos;s rate needs{' '}
          {r.method.minSettingObservations} points in that setting over at least {r.method.minWeeks}{' '}
          weeks. <strong>Insufficient data</strong> below {r.method.minStudents} students under a
          model (you can choose the floor above); no push-in − pull-out difference is given when
          fewer than {r.method.minTherapists} therapists deliver either model.
        </p>
        <p>
          <strong>Intervals.</strong> {Math.round(r.method.level * 100)}%, {r.method.interval},{' '}
          {r.method.replicates} replicates: students and therapists are both resampled, because a
          therapist&apos;s students share that therapist&apos;s skill and habits. They describe what
          a district with similar students and therapists could show, and assume the episodes are
          otherwise comparable — read the confounders above.
        </p>
        <p>
          <strong>Assumptions.</strong> Models are not assigned at random, so the figures describe
          the episodes as they were served, not what a model would cause. Within a setting, push-in
          and pull-out episodes are taken to be comparable apart from the differences flagged above;
          a rate is a straight line within its episode, and a score at the target cannot rise.
          Goal-attainment scores are compared within a setting too (below).
        </p>
        <p>
          {r.counts.students} students, {r.counts.goals} goals, {r.counts.episodes} episodes,{' '}
          {r.counts.therapists} therapists counted;{' '}
          {Object.values(r.counts.excludedEpisodes).reduce((s, n) => s + n, 0)} episodes excluded
          (too few points, too short, no spread); {r.counts.goalsWithoutData} goals without
          intervention data.{' '}
          {data.cached ? 'From the cache.' : `Computed in ${(data.computeMs / 1000).toFixed(1)} s.`}
        </p>
      </details>

      <section className="outcomes-card" aria-labelledby="roi-h">
        <h2 id="roi-h">Rate of improvement within each setting</h2>
        <p className="muted small">
          Classroom data compared with classroom data, therapy-room data with therapy-room data: a
          setting where skills show faster cannot pass for a better model. Rates are the share of
          the baseline-to-target gap closed per week.
        </p>
        <table className="data-table data-table--compact outcomes-headline">
          <thead>
            <tr>
              <th scope="col">Setting of the data</th>
              {modelHeaders}
            </tr>
          </thead>
          <tbody>
            {STRATA_OUTCOMES.map((o) => (
              <tr key={o}>
                <th scope="row">{OUTCOME_LABEL[o]}</th>
                {comparisonRows(o === 'therapy_room' ? r.therapyRoom : r.classroom, o, pct)}
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <strong>Adjusted</strong> (classroom rate after the first {r.method.baselineDays} days,
          holding {r.adjusted.covariates.join(', ')} fixed, {r.adjusted.episodes} push-in and
          pull-out episodes): push-in − pull-out{' '}
          {adj.estimate === null ? (
            <span className="outcomes-insufficient">
              not available — {r.adjusted.unavailable ?? 'no interval'}
            </span>
          ) : (
            <>
              <strong>{pct(adj.estimate)}</strong>{' '}
              <span className="muted">
                ({interval(adj.low, adj.high, pct)}
                {adj.claimed ? ', interval excludes 0' : ', no clear difference'})
              </span>
            </>
          )}
          . Minutes delivered are not adjusted for: a model can change them, so they are part of its
          effect; they are shown below.
        </p>
        <details>
          <summary>All settings pooled (not a comparison)</summary>
          <p className="muted small">
            Each model&apos;s points pooled across settings, in that model&apos;s own setting mix.
            Push-in data are mostly classroom data and pull-out data mostly therapy-room data, so
            this row differs between models by setting alone; it is shown for reference only.
          </p>
          <table className="data-table data-table--compact">
            <tbody>
              <tr>
                <th scope="row">{OUTCOME_LABEL.all}</th>
                {comparisonRows(r.roi, 'all', pct)}
              </tr>
            </tbody>
          </table>
        </details>
      </section>

      <EstimateChart
        title="Rate of improvement by model, with 95% intervals"
        groups={groups}
        axisLabel="Share of the baseline-to-target gap closed per week"
        format={pct}
      />

      <section className="outcomes-card" aria-labelledby="balance-h">
        <h2 id="balance-h">Who each model served, and how it was measured</h2>
        <TableScroll label="Who each model served">
          <table className="data-table data-table--compact outcomes-balance">
            <thead>
              <tr>
                <th scope="col">Balance</th>
                {models.map((m) => (
                  <th key={m} scope="col" className="num">
                    {labels.model[m]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {balanceRows.map(([label, f]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {models.map((m) => (
                    <td key={m} className="num">
                      {f(m)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <section className="outcomes-card" aria-labelledby="within-h">
        <h2 id="within-h">Within-student evidence</h2>
        <p className="muted small">
          The same goal before and after a switch between push-in and pull-out, and a student&apos;s
          push-in and pull-out goals in the same domain. Still not an experiment: a switch made
          because progress had stalled is followed by faster progress from regression to the mean
          alone, whichever model comes next.
        </p>
        <TableScroll label="Within-student evidence">
          <table className="data-table data-table--compact">
            <thead>
              <tr>
                <th scope="col">Comparison</th>
                <th scope="col" className="num">
                  Goals / students
                </th>
                <th scope="col" className="num">
                  Push-in − pull-out
                </th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Goals that switched between push-in and pull-out</th>
                <td className="num">
                  {ws.switchedGoals.goals} / {ws.switchedGoals.students}
                </td>
                <td className="num">
                  <DifferenceText d={ws.switchedGoals.difference} f={pct} />
                </td>
              </tr>
              <tr>
                <th scope="row">Students served both ways in the same domain</th>
                <td className="num">— / {ws.bothWays.students}</td>
                <td className="num">
                  <DifferenceText d={ws.bothWays.difference} f={pct} />
                </td>
              </tr>
            </tbody>
          </table>
        </TableScroll>
        {ws.switchedGoals.switches > 0 && (
          <p className="outcomes-caveat" role="note">
            <strong>Regression to the mean.</strong> {ws.switchedGoals.afterStall} of{' '}
            {ws.switchedGoals.switches} switches followed a stalled episode and{' '}
            {ws.switchedGoals.afterRecommendation} followed a recommendation to change. Progress
            after such a switch looks better even when the model made no difference.
          </p>
        )}
        {ws.byDirection.length > 0 && (
          <>
            <table className="data-table data-table--compact">
              <caption>Around each switch: change in rate and non-overlap (NAP)</caption>
              <thead>
                <tr>
                  <th scope="col">Switch</th>
                  <th scope="col" className="num">
                    Goals
                  </th>
                  <th scope="col" className="num">
                    After a stall
                  </th>
                  <th scope="col" className="num">
                    Mean change in rate
                  </th>
                  <th scope="col" className="num">
                    Median NAP (all / classroom)
                  </th>
                </tr>
              </thead>
              <tbody>
                {ws.byDirection.map((d) => (
                  <tr key={`${d.from}-${d.to}`}>
                    <th scope="row">
                      {labels.model[d.from]} → {labels.model[d.to]}
                    </th>
                    <td className="num">{d.goals}</td>
                    <td className="num">{d.afterStall}</td>
                    <td className="num">{pct(d.meanRoiChange)}</td>
                    <td className="num">
                      {d.medianNap.toFixed(2)} /{' '}
                      {d.medianNapClassroom === null ? '—' : d.medianNapClassroom.toFixed(2)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small" role="note">
              <strong>NAP and growth.</strong> NAP compares the scores after a switch with those
              before it; a goal that is simply growing scores above 0.5 whatever the models. Read
              one direction beside the opposite one, never against 0.5.
            </p>
          </>
        )}
      </section>

      <section className="outcomes-card" aria-labelledby="gas-h">
        <h2 id="gas-h">Goal-attainment score at reporting periods</h2>
        <p className="muted small">
          Measured in each setting apart: for every goal and finalised period, how far that
          setting&apos;s last three points sit from the aim line (the median, each point held to the
          aim line on its own date), banded like the report&apos;s score (within 10 points 0; 10 to
          25 points ±1; more ±2). A setting with no point in the period scores nothing. Classroom
          scores are compared with classroom scores, so push-in goals, measured in the classroom,
          are not set against therapy-room levels. A period&apos;s score is credited to each model
          in proportion to the days of the period the goal spent under it.
        </p>
        {r.gas.periods.length === 0 ? (
          <p className="muted">No finalised progress reports in these filters yet.</p>
        ) : (
          <>
            <table className="data-table data-table--compact">
              <caption className="visually-hidden">
                Goal-attainment score per setting, all periods
              </caption>
              <thead>
                <tr>
                  <th scope="col">Measured in</th>
                  {modelHeaders}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Classroom</th>
                  {comparisonRows(r.gas.bySetting.classroom, 'classroom', gasFmt)}
                </tr>
                <tr>
                  <th scope="row">Therapy room</th>
                  {comparisonRows(r.gas.bySetting.therapy_room, 'therapy_room', gasFmt)}
                </tr>
              </tbody>
            </table>
            <h3>As reported</h3>
            <p className="muted small">
              The scores on the progress reports take the level from the last three points in any
              setting. Classroom levels usually sit below therapy-room ones, so these favour the
              model measured in the therapy room: read them as reported, and compare models on the
              rows above.
            </p>
            <table className="data-table data-table--compact">
              <caption className="visually-hidden">
                Goal-attainment score as reported, per period
              </caption>
              <thead>
                <tr>
                  <th scope="col">Period ending</th>
                  {modelHeaders}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">All periods</th>
                  {comparisonRows(r.gas.pooled, 'all', gasFmt)}
                </tr>
                {r.gas.periods.map((p) => (
                  <tr key={p.periodId}>
                    <th scope="row">{formatDate(p.periodEnd)}</th>
                    {comparisonRows(p.comparison, 'all', gasFmt)}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <section className="outcomes-card" aria-labelledby="strata-h">
        <h2 id="strata-h">Strata</h2>
        <SegmentedControl
          legend="Stratify by"
          options={(['discipline_domain', 'grade_band', 'school'] as const).map((d) => ({
            value: d,
            label: DIMENSION_LABEL[d],
          }))}
          value={dimension}
          onChange={setDimension}
          columns={3}
        />
        <SegmentedControl
          legend="Setting of the data"
          options={STRATA_OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABEL[o] }))}
          value={strataSetting}
          onChange={setStrataSetting}
          columns={2}
        />
        <p className="muted small">
          Many strata are compared at once, so some would show a difference by chance: a difference
          is claimed only after the {r.method.strataCorrection}. Intervals here:{' '}
          {r.method.strataInterval}. A stratum holds few therapists, so a real difference is often
          not claimed: read the interval, and an absent claim as no evidence either way.
        </p>
        <table className="data-table data-table--compact outcomes-strata">
          <caption className="visually-hidden">Strata by {DIMENSION_LABEL[dimension]}</caption>
          <thead>
            <tr>
              <th scope="col">{DIMENSION_LABEL[dimension]}</th>
              <th scope="col" className="num">
                Students
              </th>
              <th scope="col" className="num">
                Goals
              </th>
              <th scope="col" className="num">
                Episodes
              </th>
              {modelHeaders}
            </tr>
          </thead>
          <tbody>
            {strata.map((s) => {
              const c = s.outcomes[strataSetting];
              return (
                <tr key={s.key}>
                  <th scope="row">{stratumLabel(s.dimension, s.key, schoolName)}</th>
                  <td className="num">{s.students}</td>
                  <td className="num">{s.goals}</td>
                  <td className="num">
                    <Link to={epLink({ stratum: s })}>{s.episodes}</Link>
                  </td>
                  {c ? (
                    <>
                      {serviceModels.map((m) => (
                        <td key={m} className="num">
                          {c.byModel[m].estimate === null ? (
                            <Link
                              className="outcomes-insufficient"
                              to={epLink({ model: m, stratum: s, outcome: strataSetting })}
                            >
                              Insufficient data
                            </Link>
                          ) : (
                            <span className="stacked">
                              <Link to={epLink({ model: m, stratum: s, outcome: strataSetting })}>
                                {pct(c.byModel[m].estimate!)}
                              </Link>
                              <span className="muted small nowrap">
                                {interval(c.byModel[m].low, c.byModel[m].high, pct)}
                              </span>
                            </span>
                          )}
                        </td>
                      ))}
                      <td className="num">
                        <DifferenceText d={c.pushInMinusPullOut} f={pct} />
                      </td>
                    </>
                  ) : (
                    <td colSpan={serviceModels.length + 1} className="outcomes-insufficient">
                      Insufficient data
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </>
  );
}

function EpisodesPanel({ filters, params }: { filters: FilterInput; params: URLSearchParams }) {
  const trpc = useTRPC();
  const ep = params.get('ep');
  const model = serviceModels.find((m) => m === ep);
  const outcome =
    (['all', 'therapy_room', 'classroom'] as const).find((o) => o === params.get('out')) ?? 'all';
  const dim = params.get('dim') as StratumDimension | null;
  const key = params.get('key');
  const input = {
    filters,
    model,
    outcome,
    ...(dim && key ? { stratum: { dimension: dim, key } } : {}),
  };
  const q = useQuery(trpc.outcomes.episodes.queryOptions(input));
  const title = `Episodes behind the figure: ${model ? labels.model[model] : 'every model'}${dim && key ? `, ${key}` : ''}, ${OUTCOME_LABEL[outcome].toLowerCase()}`;
  return (
    <section className="outcomes-card" id="episodes" aria-labelledby="episodes-h">
      <h2 id="episodes-h">{title}</h2>
      {q.isPending ? (
        <LoadingState label="Loading episodes" rows={4} />
      ) : q.isError ? (
        <ErrorState
          title="Episodes could not be loaded"
          message={userMessage(q.error)}
          onRetry={() => void q.refetch()}
          retrying={q.isFetching}
        />
      ) : q.data.total === 0 ? (
        <p className="muted">No counted episodes here.</p>
      ) : (
        <>
          <p className="muted small">
            {q.data.total} episodes
            {q.data.total > q.data.episodes.length
              ? `; the first ${q.data.episodes.length} shown`
              : ''}
            .
          </p>
          <table className="data-table data-table--compact">
            <thead>
              <tr>
                <th scope="col">Student</th>
                <th scope="col">Goal</th>
                <th scope="col">Model</th>
                <th scope="col">Dates</th>
                <th scope="col" className="num">
                  Points
                </th>
                <th scope="col" className="num">
                  Rate (all / room / classroom)
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.episodes.map((e) => (
                <tr key={`${e.goalId}/${e.from}`}>
                  <th scope="row">
                    <Link to={`/students/${encodeURIComponent(e.studentId)}`}>{e.studentName}</Link>
                    <span className="muted small"> {e.schoolName}</span>
                  </th>
                  <td>
                    {e.discipline} · {labels.domain[e.domain as GoalDomain] ?? e.domain}
                  </td>
                  <td>{labels.model[e.model]}</td>
                  <td className="nowrap">
                    {formatDate(e.from)} – {formatDate(e.to)}
                  </td>
                  <td className="num">{e.points}</td>
                  <td className="num nowrap">
                    {pct(e.roi)} / {e.roomRoi === null ? '—' : pct(e.roomRoi)} /{' '}
                    {e.classroomRoi === null ? '—' : pct(e.classroomRoi)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** A stratum's name as people say it: the school's name, "OT · Self-care", a grade band. */
function stratumLabel(dimension: string, key: string, schoolName: (id: string) => string): string {
  if (dimension === 'school') return schoolName(key);
  if (dimension === 'discipline_domain') {
    const [discipline, domain] = key.split(' · ');
    return `${discipline} · ${labels.domain[domain as GoalDomain] ?? domain}`;
  }
  return key;
}
