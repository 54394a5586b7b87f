import {
  DEFAULT_OUTCOME_FLOOR,
  type OutcomesFilterInput as FilterInput,
  type GoalDomain,
  goalDomains,
  gradeBands,
  labels,
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
  type EstimateGroup,
  formatDate,
  LoadingState,
  PageHeader,
} from '@carryover/ui';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { DistrictDate } from '../../components/DistrictDate';
import { DisciplineFilter } from '../../components/Filters';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { ComparisonWait } from './ComparisonText';
import { EpisodesPanel } from './EpisodesPanel';
import { Report } from './OutcomesReport';
import {
  download,
  filtersFrom,
  OUTCOME_LABEL,
  STRATA_OUTCOMES,
  strataOfOneComputation,
} from './outcomeFormat';

// The coordinator's question — does push-in or pull-out work better, for which students and
// goals — answered with its uncertainty and its limits stated. Filters live in the URL so a
// view can be shared; any number links to the episodes behind it (?ep=…).

/** Figures computed before the latest records (or yesterday), while fresh ones are computed. */
function StaleNotice({
  computedAt,
  refreshing,
  filters,
}: {
  computedAt: string;
  refreshing: boolean;
  filters: FilterInput;
}) {
  return (
    <div className="outcomes-stale" role="status">
      <p>
        These figures were computed <DistrictDate at={computedAt} withTime />, before the latest
        records.{' '}
        {refreshing
          ? 'Fresh figures are being computed; this page shows them when they are ready.'
          : 'Fresh figures could not be computed; they are tried again after the next change to the records.'}
      </p>
      {refreshing && <ComparisonWait filters={filters} />}
    </div>
  );
}

export function OutcomesPage() {
  useDocumentTitle('Outcomes');
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const parsed = OutcomesFilterInput.safeParse(filters);
  const fieldErrors = parsed.success ? {} : parsed.error.flatten().fieldErrors;
  const reportOptions = trpc.outcomes.report.queryOptions(filters);
  const report = useQuery({
    ...reportOptions,
    enabled: parsed.success,
    // Stale figures are shown at once while fresh ones are computed: ask again until they are.
    refetchInterval: (query) => (query.state.data?.refreshing ? 3000 : false),
  });
  const [dimension, setDimension] = useState<StratumDimension>('discipline_domain');
  const [strataSetting, setStrataSetting] = useState<(typeof STRATA_OUTCOMES)[number]>('classroom');
  const queryClient = useQueryClient();
  const schoolStrataOptions = trpc.outcomes.schoolStrata.queryOptions(filters);
  // The report opens without its strata by school (hundreds of rows in a large district): they
  // load when the coordinator stratifies by school, or exports the strata.
  const schoolStrata = useQuery({
    ...schoolStrataOptions,
    enabled: parsed.success && dimension === 'school' && (report.data?.schoolStrata ?? 0) > 0,
  });
  // Fresh figures replace stale ones: the school strata read with the old ones go with them.
  const computedAt = report.data?.computedAt;
  const shownComputedAt = useRef(computedAt);
  useEffect(() => {
    if (shownComputedAt.current && computedAt && shownComputedAt.current !== computedAt)
      void queryClient.invalidateQueries(trpc.outcomes.schoolStrata.queryFilter());
    shownComputedAt.current = computedAt;
  }, [computedAt, queryClient, trpc]);
  const [exporting, setExporting] = useState<'idle' | 'busy' | 'failed'>('idle');

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
          r && r.strata.length + data!.schoolStrata > 0 ? (
            <Button
              variant="secondary"
              disabled={exporting === 'busy'}
              onClick={async () => {
                setExporting('busy');
                try {
                  const { report: shown, bySchool } = await strataOfOneComputation(
                    data!,
                    () => queryClient.fetchQuery({ ...reportOptions, staleTime: 0 }),
                    (fresh) =>
                      queryClient.fetchQuery(
                        fresh ? { ...schoolStrataOptions, staleTime: 0 } : schoolStrataOptions,
                      ),
                  );
                  const all = { ...shown.report, strata: [...shown.report.strata, ...bySchool] };
                  download(`outcomes-strata_${shown.asOf}.csv`, strataCsv(all, schoolName));
                  setExporting('idle');
                } catch {
                  setExporting('failed');
                }
              }}
            >
              {exporting === 'busy'
                ? 'Preparing the CSV…'
                : exporting === 'failed'
                  ? 'Export failed — try again'
                  : 'Export strata CSV'}
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
        <>
          {data!.stale && (
            <StaleNotice
              computedAt={data!.computedAt}
              refreshing={data!.refreshing}
              filters={filters}
            />
          )}
          <Report
            data={data!}
            groups={groups}
            dimension={dimension}
            setDimension={setDimension}
            strataSetting={strataSetting}
            setStrataSetting={setStrataSetting}
            schoolStrata={{
              rows: data!.schoolStrata === 0 ? [] : (schoolStrata.data?.strata ?? null),
              error: schoolStrata.isError ? userMessage(schoolStrata.error) : null,
              retry: () => void schoolStrata.refetch(),
            }}
            epLink={epLink}
            schoolName={schoolName}
          />
        </>
      )}
      {parsed.success && params.get('ep') && <EpisodesPanel filters={filters} params={params} />}
    </div>
  );
}
