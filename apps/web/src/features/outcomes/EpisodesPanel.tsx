import {
  type OutcomesFilterInput as FilterInput,
  type GoalDomain,
  labels,
  type StratumDimension,
  serviceModels,
} from '@carryover/domain';
import { ErrorState, formatDate, LoadingState } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import { OUTCOME_LABEL, pct } from './outcomeFormat';

// The episodes behind a number (?ep=…), one row each.

export function EpisodesPanel({
  filters,
  params,
}: {
  filters: FilterInput;
  params: URLSearchParams;
}) {
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
