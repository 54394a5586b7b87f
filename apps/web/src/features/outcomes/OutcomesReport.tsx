import type { RouterOutputs } from '@carryover/api';
import {
  comparisonSummary,
  type Estimate,
  type GoalDomain,
  labels,
  type ModelComparison,
  type Outcome,
  type ServiceModel,
  type StratumDimension,
  type StratumRow,
  serviceModels,
} from '@carryover/domain';
import {
  ErrorState,
  EstimateChart,
  type EstimateGroup,
  formatDate,
  LoadingState,
  SegmentedControl,
  TableScroll,
} from '@carryover/ui';
import { Link } from 'react-router';
import { DistrictDate } from '../../components/DistrictDate';
import { DifferenceText } from './ComparisonText';
import {
  DIMENSION_LABEL,
  gasFmt,
  interval,
  OUTCOME_LABEL,
  pct,
  STRATA_OUTCOMES,
  stratumLabel,
} from './outcomeFormat';

// The comparison's answer: the headline difference, its strata and GAS tables, with the limits stated.

type ReportData = RouterOutputs['outcomes']['report'];

export function Report({
  data,
  groups,
  dimension,
  setDimension,
  strataSetting,
  setStrataSetting,
  schoolStrata,
  epLink,
  schoolName,
}: {
  data: ReportData;
  groups: EstimateGroup[];
  dimension: StratumDimension;
  setDimension: (d: StratumDimension) => void;
  strataSetting: (typeof STRATA_OUTCOMES)[number];
  setStrataSetting: (o: (typeof STRATA_OUTCOMES)[number]) => void;
  /** The strata by school, asked for on their own: null while they load. */
  schoolStrata: { rows: StratumRow[] | null; error: string | null; retry: () => void };
  epLink: (sel: { model?: ServiceModel; outcome?: Outcome; stratum?: StratumRow }) => string;
  schoolName: (id: string) => string;
}) {
  const r = data.report;
  const ws = r.withinStudent;
  const adj = r.adjusted.pushInMinusPullOut;
  const strata =
    dimension === 'school' ? schoolStrata.rows : r.strata.filter((s) => s.dimension === dimension);
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
          intervention data. Computed <DistrictDate at={data.computedAt} withTime /> in{' '}
          {(data.computeMs / 1000).toFixed(1)} s{data.cached ? ', kept since.' : '.'}
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
        <TableScroll label="Push-in against pull-out, by comparison">
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
        {strata === null ? (
          schoolStrata.error ? (
            <ErrorState
              title="The strata by school could not be loaded"
              message={schoolStrata.error}
              onRetry={schoolStrata.retry}
            />
          ) : (
            <LoadingState label="Loading the strata by school" rows={4} />
          )
        ) : (
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
        )}
      </section>
    </>
  );
}
