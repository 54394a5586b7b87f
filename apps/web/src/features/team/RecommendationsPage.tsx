import { labels } from '@carryover/domain';
import { EmptyState, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { RecommendationCard } from '../../components/ModelChangePanel';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

/** Every recommendation across the caseload, each with its evidence, to accept or dismiss. */
export function RecommendationsPage() {
  useDocumentTitle('Recommendations');
  const trpc = useTRPC();
  const list = useQuery(trpc.recommendations.list.queryOptions());
  return (
    <>
      <PageHeader
        title="Recommendations"
        description="Rules that read each goal's data and suggest a model change. Each shows its evidence; nothing changes until you accept."
      />
      {list.isPending ? (
        <LoadingState label="Reading the data" rows={5} />
      ) : list.isError ? (
        <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState title="No recommendations right now">
          <p>When the data suggests switching or splitting a model, it shows here.</p>
        </EmptyState>
      ) : (
        <ul className="stack plain-list">
          {list.data.map((g) => (
            <li key={g.goalId} className="section-card">
              <h2 className="plan-card__title">
                <Link to={`/students/${encodeURIComponent(g.studentId)}`}>{g.studentName}</Link>{' '}
                <span className="muted">
                  · {labels.domain[g.domain]} · {g.discipline} · now {labels.model[g.currentModel]}
                </span>
              </h2>
              <p className="small">{g.goalText}</p>
              {g.recommendations.map((r) => (
                <RecommendationCard
                  key={r.rule}
                  rec={r}
                  about={`${g.studentName}'s ${labels.domain[g.domain].toLowerCase()} goal`}
                  studentId={g.studentId}
                  goalId={g.goalId}
                  readOnlyReason={g.readOnlyReason}
                />
              ))}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
