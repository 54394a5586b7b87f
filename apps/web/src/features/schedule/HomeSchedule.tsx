import { formatDate, LoadingState } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import { clock, dayName, durationWords, minutesFromInput } from './time';
import { logHref, notHappening, placeOf, studentShort, weekdayIndex } from './view';
import './schedule.css';

// What Home shows of the schedule: a therapist's planned sessions today, each a step from Log
// session; a teacher's push-in sessions coming to their classrooms this week.

function changedWords(changedBy: string | null, changedAt: string | null): string {
  if (!changedAt) return 'Not changed since it was planned';
  const when = new Date(changedAt);
  const time = when.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
  return `Changed by ${changedBy ?? 'someone'} on ${formatDate(changedAt.slice(0, 10))} at ${time}`;
}

/** Today's planned sessions of the signed-in therapist or assistant. */
export function TodaySessions() {
  const trpc = useTRPC();
  const today = useQuery(trpc.schedule.today.queryOptions());
  return (
    <section aria-labelledby="planned-today-heading">
      <h2 id="planned-today-heading">Planned today</h2>
      {today.isPending ? (
        <LoadingState label="Loading today’s sessions" rows={2} />
      ) : !today.data ? (
        <p className="form-alert" role="alert">
          Today’s sessions could not be loaded: {userMessage(today.error)}
        </p>
      ) : today.data.occurrences.length === 0 ? (
        <p className="muted">
          Nothing planned today. <Link to="/schedule">Open your schedule</Link>
        </p>
      ) : (
        <ol className="day-list">
          {today.data.occurrences.map((o) => {
            const off = notHappening(o);
            const start = minutesFromInput(o.startTime) ?? 0;
            const end = minutesFromInput(o.endTime) ?? 0;
            return (
              <li
                key={o.key}
                className={`section-card planned-card${off ? ' planned-card--cancelled' : ''}`}
              >
                <h3>
                  {clock(start)}–{clock(end)} · {placeOf(o)}{' '}
                  <span className="muted">· {durationWords(o.minutes)}</span>
                </h3>
                <p>
                  {o.model === 'push_in' ? 'Push-in' : 'Pull-out'} with{' '}
                  {o.students.map(studentShort).join(', ')}
                </p>
                {off && (
                  <p>
                    <strong>Not taking place:</strong> {off}
                  </p>
                )}
                {o.prefill && (
                  <div className="planned-card__actions">
                    <Link
                      className="btn btn--primary btn--small"
                      to={logHref(o.prefill)}
                      aria-label={`Log the ${clock(start)} session with ${o.students.map(studentShort).join(', ')}`}
                    >
                      Log
                    </Link>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** The push-in sessions coming to a teacher's classrooms this week, with who last changed each. */
export function ClassroomWeek({ today }: { today: string }) {
  const trpc = useTRPC();
  const week = useQuery(trpc.schedule.classroomWeek.queryOptions({ weekOf: today }));
  return (
    <section aria-labelledby="classroom-week-heading">
      <h2 id="classroom-week-heading">Push-in this week</h2>
      {week.isPending ? (
        <LoadingState label="Loading this week’s push-in sessions" rows={3} />
      ) : !week.data ? (
        <p className="form-alert" role="alert">
          This week’s push-in sessions could not be loaded: {userMessage(week.error)}
        </p>
      ) : week.data.classrooms.every((c) => c.sessions.length === 0) ? (
        <p className="muted">No push-in sessions are planned in your classrooms this week.</p>
      ) : (
        <div className="stack">
          {week.data.classrooms
            .filter((c) => c.sessions.length > 0)
            .map((c) => (
              <div key={c.id} className="stack">
                <h3>
                  {c.name} <span className="muted small">· {c.schoolName}</span>
                </h3>
                <ul className="day-list">
                  {c.sessions.map((s) => {
                    const off = notHappening(s);
                    const start = minutesFromInput(s.startTime) ?? 0;
                    return (
                      <li
                        key={s.key}
                        className={`section-card planned-card${off ? ' planned-card--cancelled' : ''}`}
                      >
                        <h4>
                          {dayName(weekdayIndex(s.date))} {formatDate(s.date)}, {clock(start)} ·{' '}
                          {placeOf({ ...s, classroom: null })} · {durationWords(s.minutes)}
                        </h4>
                        <p>
                          {s.providerName}
                          {s.providerDiscipline ? ` (${s.providerDiscipline})` : ''} with{' '}
                          {s.students.map(studentShort).join(', ')}
                        </p>
                        {off && (
                          <p>
                            <strong>Not taking place:</strong> {off}
                          </p>
                        )}
                        {s.status === 'moved' && (
                          <p>
                            <strong>Moved this week</strong> from {formatDate(s.originalDate)}
                          </p>
                        )}
                        <p className="small muted">{changedWords(s.changedBy, s.changedAt)}</p>
                      </li>
                    );
                  })}
                </ul>
              </div>
            ))}
        </div>
      )}
    </section>
  );
}
