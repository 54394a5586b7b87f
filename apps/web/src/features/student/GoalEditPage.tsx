import { EmptyState, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { useDistrictToday, useViewer } from '../../auth';
import { errorCode, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { GoalForm } from './GoalForm';
import { blank, fromGoal } from './goalFormState';

/** Create or edit one goal; start from the goal bank. */
export function GoalEditPage() {
  const { studentId = '', goalId } = useParams();
  const trpc = useTRPC();
  const context = useQuery(trpc.goals.formContext.queryOptions({ studentId }));
  const goal = useQuery({
    ...trpc.goals.get.queryOptions({ studentId, goalId: goalId ?? '' }),
    enabled: !!goalId,
  });
  const me = useViewer();
  const today = useDistrictToday();
  const title = goalId ? 'Edit goal' : 'New goal';
  useDocumentTitle(title);
  const back = <Link to={`/students/${encodeURIComponent(studentId)}`}>← Student</Link>;

  const failed = context.error ?? goal.error;
  if (failed) {
    const code = errorCode(failed);
    return (
      <>
        <PageHeader eyebrow={back} title={title} />
        {code === 'NOT_FOUND' || code === 'BAD_REQUEST' ? (
          <EmptyState title="This goal or student isn't one you can see" />
        ) : (
          <ErrorState title="The goal could not be loaded" message={userMessage(failed)} />
        )}
      </>
    );
  }
  if (!context.data || (goalId && !goal.data) || me.isPending) {
    return (
      <>
        <PageHeader eyebrow={back} title={title} />
        <LoadingState label="Loading goal" rows={8} />
      </>
    );
  }
  const initial = goal.data
    ? fromGoal(goal.data, today)
    : blank(me.data?.discipline ?? context.data.disciplines[0] ?? 'OT', today);
  return (
    <>
      <PageHeader eyebrow={back} title={title} description={context.data.studentName} />
      <GoalForm
        key={goal.data?.id ?? 'new'}
        context={context.data}
        initial={initial}
        goalId={goalId ?? null}
        original={goal.data ?? null}
      />
    </>
  );
}
