import type { Weekday } from '@carryover/domain';
import { Button, EmptyState } from '@carryover/ui';
import { useEffect, useState } from 'react';
import { clock, dayName, durationWords } from './time';

// Auto-schedule's answer, to accept whole or in part: each placement with the reasons it is
// where it is, and each service that could not be placed with the constraint that binds it.

export interface ProposedSession {
  key: string;
  day: Weekday;
  start: number;
  end: number;
  model: 'push_in' | 'pull_out';
  place: string;
  students: string[];
  explanations: string[];
}

export interface UnplacedShown {
  key: string;
  message: string;
  minutesShort: number;
}

/** While the solver runs: an indeterminate bar and the seconds so far. */
export function SolverProgress({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <div role="status" className="stack">
      <progress className="proposal-progress" aria-label="Planning the week" />
      <p>
        Planning the week… {seconds > 0 ? `${seconds} s` : ''}
        <span className="muted small"> (the solver weighs every routine, block and group)</span>
      </p>
    </div>
  );
}

export function ProposalPanel({
  sessions,
  unplaced,
  accepting,
  error,
  onAccept,
  onDiscard,
}: {
  sessions: ProposedSession[];
  unplaced: UnplacedShown[];
  accepting: boolean;
  error: string | null;
  /** The keys to accept; every key means "accept all". */
  onAccept: (keys: string[]) => void;
  onDiscard: () => void;
}) {
  const [checked, setChecked] = useState<Set<string>>(() => new Set(sessions.map((s) => s.key)));
  const toggle = (key: string) =>
    setChecked((c) => {
      const next = new Set(c);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const minutes = sessions.reduce((sum, s) => sum + (s.end - s.start), 0);

  return (
    <section className="stack" aria-labelledby="proposal-heading">
      <h3 id="proposal-heading">Proposed week</h3>
      <p>
        {sessions.length} session{sessions.length === 1 ? '' : 's'}, {durationWords(minutes)} in
        all.{' '}
        {unplaced.length > 0
          ? `${unplaced.length} service${unplaced.length === 1 ? '' : 's'} could not be fully placed.`
          : 'Every service is placed.'}
      </p>
      {sessions.length === 0 ? (
        <EmptyState title="Nothing to place">
          <p>No services of these students need a session this week.</p>
        </EmptyState>
      ) : (
        <ul className="proposal-list" aria-label="Proposed sessions">
          {sessions.map((s) => {
            const id = `proposal-${s.key}`;
            return (
              <li key={s.key}>
                <input
                  id={id}
                  type="checkbox"
                  checked={checked.has(s.key)}
                  onChange={() => toggle(s.key)}
                />
                <label htmlFor={id}>
                  <strong>
                    {dayName(s.day)} {clock(s.start)}–{clock(s.end)}
                  </strong>{' '}
                  · {s.model === 'push_in' ? 'Push-in' : 'Pull-out'} · {s.place} ·{' '}
                  {s.students.join(', ')}
                  {s.explanations.map((e) => (
                    <p key={e} className="small muted">
                      {e}
                    </p>
                  ))}
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {unplaced.length > 0 && (
        <div>
          <h4>Could not be placed</h4>
          <ul>
            {unplaced.map((u) => (
              <li key={u.key}>
                {u.message} <span className="muted">({u.minutesShort} min short)</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p className="form-alert" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <Button
          busy={accepting}
          disabled={sessions.length === 0}
          onClick={() => onAccept(sessions.map((s) => s.key))}
        >
          Accept all
        </Button>
        <Button
          variant="secondary"
          busy={accepting}
          disabled={checked.size === 0 || checked.size === sessions.length}
          onClick={() => onAccept(sessions.filter((s) => checked.has(s.key)).map((s) => s.key))}
        >
          Accept the {checked.size} checked
        </Button>
        <Button variant="ghost" onClick={onDiscard} disabled={accepting}>
          Discard
        </Button>
      </div>
    </section>
  );
}
