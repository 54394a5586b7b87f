import { routineWords } from '@carryover/domain';
import { EmptyState, ErrorState, formatDate, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ActionItems } from '../../components/OpenActionItems';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { AsOf } from '../../offline/AsOf';
import { useTRPC } from '../../trpc';
import { CalendarFeed, ClassroomWeek, TodaySessions } from '../schedule';

/**
 * Home: everyone's open action items; for a teacher, today's push-in sessions in routine order
 * with the agreed roles and strategies, the students in their classes with therapy, and a quick
 * link to the classroom probe.
 */
export function HomePage() {
  useDocumentTitle('Home');
  const trpc = useTRPC();
  const home = useQuery(trpc.home.get.queryOptions());
  if (home.isPending) {
    return (
      <>
        <PageHeader title="Home" />
        <LoadingState label="Loading your day" rows={6} />
      </>
    );
  }
  if (home.isError) {
    return (
      <>
        <PageHeader title="Home" />
        <ErrorState
          title="Your day could not be loaded"
          message={userMessage(home.error)}
          onRetry={() => void home.refetch()}
          retrying={home.isFetching}
        />
      </>
    );
  }
  const h = home.data;
  const teacher = h.role === 'teacher';
  return (
    <>
      <PageHeader
        title="Home"
        description={formatDate(h.today)}
        actions={
          teacher ? (
            <Link className="btn btn--primary" to="/log-session">
              Classroom probe
            </Link>
          ) : undefined
        }
      />
      <AsOf updatedAt={home.dataUpdatedAt} />
      <div className="stack">
        {h.plansToAcknowledge > 0 && (
          <p className="form-alert" role="status">
            {h.plansToAcknowledge} push-in plan{h.plansToAcknowledge === 1 ? '' : 's'} for your
            class {h.plansToAcknowledge === 1 ? 'waits' : 'wait'} for you to acknowledge.{' '}
            <Link to="/plans">Review plans</Link>
          </p>
        )}
        {(h.role === 'therapist' || h.role === 'assistant') && <TodaySessions />}
        {(teacher || h.pushInsToday.length > 0) && (
          <section aria-labelledby="today-heading">
            <h2 id="today-heading">Push-in today</h2>
            {h.pushInsToday.length === 0 ? (
              <EmptyState title="No push-in sessions today">
                <p>Push-in plans for routines that meet today show here, in routine order.</p>
              </EmptyState>
            ) : (
              <ol className="stack home-pushins">
                {h.pushInsToday.map((p) => (
                  <li key={p.id} className="section-card">
                    <h3>
                      {p.startTime}–{p.endTime} · {routineWords(p.routineName)}{' '}
                      <span className="muted">
                        · {p.studentName} with {p.therapistName}
                        {p.therapistDiscipline ? ` (${p.therapistDiscipline})` : ''}
                      </span>
                    </h3>
                    <dl className="facts">
                      <div>
                        <dt>Therapist does</dt>
                        <dd>{p.therapistRole}</dd>
                      </div>
                      <div>
                        <dt>Teacher does</dt>
                        <dd>{p.teacherRole}</dd>
                      </div>
                      <div>
                        <dt>Strategies</dt>
                        <dd>{p.strategies}</dd>
                      </div>
                    </dl>
                    <p>
                      <Link to={`/plans/${encodeURIComponent(p.id)}`}>Open the plan</Link>
                      {p.reviewDue && <strong> · Review due {formatDate(p.reviewOn)}</strong>}
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </section>
        )}
        {teacher && <ClassroomWeek today={h.today} />}
        <ActionItems items={h.actionItems} />
        {teacher && (
          <section aria-labelledby="students-heading">
            <h2 id="students-heading">Your students with therapy</h2>
            {h.students.length === 0 ? (
              <EmptyState title="No students in your classes have therapy services" />
            ) : (
              <ul className="stack home-students">
                {h.students.map((s) => (
                  <li key={s.id} className="section-card">
                    <Link to={`/students/${encodeURIComponent(s.id)}`}>
                      <strong>{s.name}</strong>
                    </Link>{' '}
                    <span className="muted">· {s.classroom}</span>
                    <div className="small">
                      {s.services
                        .map(
                          (v) =>
                            `${v.discipline} ${v.minutes} min/${v.per} ${v.model.toLowerCase()} with ${v.provider}`,
                        )
                        .join(' · ')}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}
        {teacher && <CalendarFeed />}
      </div>
    </>
  );
}
