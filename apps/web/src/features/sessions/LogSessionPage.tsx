import { EmptyState, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useViewer } from '../../auth';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { ProbeForm } from './ProbeForm';
import { SessionForm } from './SessionForm';

// The quick-entry screen: made for a phone in one hand during a push-in session. Every entry
// goes to the device's outbox first and is sent from there (see offline/queue.ts).

export function LogSessionPage() {
  useDocumentTitle('Log session');
  const me = useViewer();
  const trpc = useTRPC();
  const context = useQuery(trpc.sessions.context.queryOptions());
  const isTeacher = me.data?.role === 'teacher';

  return (
    <>
      <PageHeader
        title="Log session"
        description={
          isTeacher
            ? 'Record a quick classroom probe for a student in your class.'
            : context.data?.supervisorName
              ? `Logged under your supervising therapist, ${context.data.supervisorName}, who co-signs.`
              : 'Tap in the data as you go. Entries are kept on this device until they are sent.'
        }
      />
      {context.isPending ? (
        <LoadingState label="Loading your students" rows={6} />
      ) : context.isError ? (
        <ErrorState
          title="Your students could not be loaded"
          message={userMessage(context.error)}
          onRetry={() => void context.refetch()}
          retrying={context.isFetching}
        />
      ) : context.data.students.length === 0 ? (
        <EmptyState title="No students to log for">
          <p>Students appear here once you serve them.</p>
        </EmptyState>
      ) : isTeacher ? (
        <ProbeForm context={context.data} />
      ) : (
        <SessionForm context={context.data} userId={me.data?.id ?? null} />
      )}
    </>
  );
}
