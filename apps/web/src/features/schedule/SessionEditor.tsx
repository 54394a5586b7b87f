import { labels, type MissedReason, missedReasons, type Weekday } from '@carryover/domain';
import { Button, Field, SegmentedControl } from '@carryover/ui';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { SelectField } from '../../components/SelectField';
import { clock, dayName, durationWords, minutesFromInput, shortDay, timeInputValue } from './time';
import type { GridDay, GridItem, Placement } from './WeekGrid';

// One planned session, edited by form: the keyboard's (and the phone's) way to move or resize
// it, and where the server's conflicts are shown with the reason that saving anyway needs.

export interface ShownConflict {
  kind: string;
  message: string;
}

const conflictTitles: Record<string, string> = {
  'therapist-double-booked': 'Therapist double-booked',
  'student-double-booked': 'Student double-booked',
  'protected-block': 'Protected block',
  'travel-too-short': 'Too little travel time',
  'group-over-cap': 'Group above its cap',
  'push-in-outside-routine': 'Push-in outside its routine',
  'outside-school-day': 'Outside the school day',
  'no-lunch': 'No lunch break',
  'school-closed': 'School closed',
  conflict: 'Conflict',
};

export function ConflictList({
  conflicts,
  title,
}: {
  conflicts: ShownConflict[];
  /** Default: the change being planned conflicts (announced at once). */
  title?: string;
}) {
  return (
    <div className="conflict-list" role={title ? undefined : 'alert'}>
      <h3>
        {title ??
          (conflicts.length === 1 ? 'This change conflicts' : `${conflicts.length} conflicts`)}
      </h3>
      <ul>
        {conflicts.map((c) => (
          <li key={`${c.kind}:${c.message}`}>
            <strong>{conflictTitles[c.kind] ?? c.kind}:</strong> {c.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface EditorProps {
  item: GridItem;
  days: GridDay[];
  /** The conflicts the session has as saved, and the reason it was kept anyway. */
  saved: { conflicts: ShownConflict[]; overrideReason: string | null };
  /** Where the session would go (a drag's drop, or the last try), when it differs from `item`. */
  draft: Placement | null;
  conflicts: ShownConflict[] | null;
  /** The rules are being checked for `draft`. */
  checking: boolean;
  saving: boolean;
  error: string | null;
  /** Field messages from the server (`fieldErrors`). */
  fieldErrors: Record<string, string[]>;
  logHref: string | null;
  onSave: (to: Placement, overrideReason: string | null) => void;
  onUndo: () => void;
  /** A change applies to the weekly series or to this week's occurrence only. */
  applyTo: 'series' | 'occurrence';
  /** Null when only one choice applies (an occurrence already moved). */
  onApplyTo: ((to: 'series' | 'occurrence') => void) | null;
  onCancelOccurrence: (reason: MissedReason, note: string) => void;
  cancelling: boolean;
  cancelError: string | null;
  cancelFieldErrors: Record<string, string[]>;
  /** Puts a cancelled or moved occurrence back as the series plans it. */
  onRestore: (() => void) | null;
  restoring: boolean;
  onClose: () => void;
}

export function SessionEditor({
  item,
  saved,
  days,
  draft,
  conflicts,
  checking,
  saving,
  error,
  fieldErrors,
  logHref,
  onSave,
  onUndo,
  applyTo,
  onApplyTo,
  onCancelOccurrence,
  cancelling,
  cancelError,
  cancelFieldErrors,
  onRestore,
  restoring,
  onClose,
}: EditorProps) {
  const shown = draft ?? item;
  const [day, setDay] = useState<Weekday>(shown.day);
  const [start, setStart] = useState(timeInputValue(shown.start));
  const [minutes, setMinutes] = useState(String(shown.end - shown.start));
  const [reason, setReason] = useState('');
  const [cancelReason, setCancelReason] = useState<MissedReason | ''>('');
  const [cancelNote, setCancelNote] = useState('');
  const [askCancel, setAskCancel] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const date = days.find((d) => d.day === item.day)?.date;

  const placement = (): Placement | null => {
    const errs: Record<string, string> = {};
    const startMinutes = minutesFromInput(start);
    const length = Number(minutes);
    if (startMinutes === null) errs.start = 'Enter a start time, like 08:30';
    if (!Number.isInteger(length) || length < 5 || length > 240)
      errs.minutes = 'Enter the length in minutes, from 5 to 240';
    if (conflicts && conflicts.length > 0 && reason.trim().length > 0 && reason.trim().length < 3)
      errs.reason = 'Say in a few words why this conflict is kept';
    setErrors(errs);
    if (startMinutes === null || errs.minutes) return null;
    return { day, start: startMinutes, end: startMinutes + length };
  };

  const save = (withReason: boolean) => {
    const to = placement();
    if (!to) return;
    if (withReason && reason.trim().length < 3) {
      setErrors({ reason: 'Saving over a conflict needs a reason (a few words, kept with it)' });
      return;
    }
    onSave(to, withReason ? reason.trim() : null);
  };

  // Opened from the grid or a phone's day list: bring the form into view and move focus to it,
  // so a keyboard or screen-reader user lands where the change is made.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, []);

  const fieldError = (name: string) => errors[name] ?? fieldErrors[name]?.join(' ');
  const headingId = `edit-${item.id}`;

  return (
    <section className="section-card session-editor" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {dayName(item.day)}
        {date ? ` ${shortDay(date)}` : ''} {clock(item.start)}–{clock(item.end)}
      </h2>
      <p className="muted">
        {item.model === 'push_in' ? 'Push-in' : 'Pull-out'} · {item.place} ·{' '}
        {durationWords(item.end - item.start)}
        <br />
        {item.students.join(', ')}
      </p>
      {!draft && saved.conflicts.length > 0 && (
        <>
          <ConflictList
            conflicts={saved.conflicts}
            title={saved.overrideReason ? 'Kept despite conflicts' : 'Conflicts as planned'}
          />
          {saved.overrideReason && (
            <p className="small">
              <strong>Reason:</strong> {saved.overrideReason}
            </p>
          )}
        </>
      )}
      {item.cancelled ? (
        <div className="stack">
          <p>
            <strong>Not this week:</strong> {item.cancelled}
          </p>
          <div className="button-row">
            {onRestore && (
              <Button variant="secondary" busy={restoring} onClick={onRestore}>
                Restore this week’s session
              </Button>
            )}
            <Button variant="ghost" onClick={onClose}>
              Close
            </Button>
          </div>
        </div>
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            save(false);
          }}
        >
          {draft && (
            <p className="small" role="status">
              Moving to{' '}
              <strong>
                {dayName(draft.day)} {clock(draft.start)}–{clock(draft.end)}
              </strong>
              {checking ? ': checking for conflicts…' : conflicts?.length ? '' : '.'}
            </p>
          )}
          {onApplyTo ? (
            <SegmentedControl
              legend="Change"
              options={[
                { value: 'series', label: 'Every week' },
                { value: 'occurrence', label: 'This week only' },
              ]}
              value={applyTo}
              onChange={onApplyTo}
            />
          ) : (
            <p className="small muted">Moved this week only; the change applies to this week.</p>
          )}
          {onApplyTo && applyTo === 'series' && (
            // A series edit applies from this week on (the server splits the series there).
            <p className="small muted">From this week on; earlier weeks keep what was planned.</p>
          )}
          <div className="session-editor__times">
            <SelectField
              label="Day"
              value={String(day)}
              onChange={(e) => setDay(Number(e.target.value) as Weekday)}
              error={fieldErrors.day}
            >
              {days.map((d) => (
                <option key={d.day} value={d.day}>
                  {dayName(d.day)} {shortDay(d.date)}
                  {d.closed ? ' (closed)' : ''}
                </option>
              ))}
            </SelectField>
            <Field
              label="Starts"
              type="time"
              step={300}
              value={start}
              onChange={(e) => setStart(e.target.value)}
              error={fieldError('start')}
            />
            <Field
              label="Minutes"
              type="number"
              inputMode="numeric"
              min={5}
              max={240}
              step={5}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
              error={fieldError('minutes') ?? fieldError('end')}
            />
          </div>
          {conflicts && conflicts.length > 0 && (
            <>
              <ConflictList conflicts={conflicts} />
              <Field
                label="Reason to save anyway"
                hint="Kept with the session, for whoever plans next."
                value={reason}
                maxLength={500}
                onChange={(e) => setReason(e.target.value)}
                error={fieldError('reason') ?? fieldError('overrideReason')}
              />
            </>
          )}
          {error && (
            <p className="form-alert" role="alert">
              {error}
            </p>
          )}
          <div className="button-row">
            {conflicts && conflicts.length > 0 ? (
              <Button variant="primary" busy={saving} onClick={() => save(true)}>
                Save anyway
              </Button>
            ) : (
              <Button type="submit" busy={saving}>
                Save
              </Button>
            )}
            {draft && (
              <Button variant="secondary" onClick={onUndo} disabled={saving}>
                Undo the move
              </Button>
            )}
            {!draft && onRestore && (
              <Button variant="secondary" busy={restoring} onClick={onRestore}>
                Back to the weekly time
              </Button>
            )}
            {logHref && (
              <Link className="btn btn--secondary" to={logHref}>
                Log
              </Link>
            )}
            <Button variant="ghost" onClick={onClose}>
              Close
            </Button>
          </div>
        </form>
      )}
      {!item.cancelled && (
        <div className="stack" style={{ marginTop: 'var(--space-4)' }}>
          {askCancel ? (
            <form
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                if (!cancelReason) {
                  setErrors({ cancelReason: 'Choose why this week’s session is missed' });
                  return;
                }
                if (cancelReason === 'other' && cancelNote.trim().length < 3) {
                  setErrors({ cancelNote: 'Say what the other reason is' });
                  return;
                }
                setErrors({});
                onCancelOccurrence(cancelReason, cancelNote.trim());
              }}
            >
              <SelectField
                label="Why is this week’s session cancelled?"
                value={cancelReason}
                onChange={(e) => setCancelReason(e.target.value as MissedReason)}
                error={errors.cancelReason ? [errors.cancelReason] : cancelFieldErrors.reason}
              >
                <option value="">Choose a reason</option>
                {missedReasons.map((r) => (
                  <option key={r} value={r}>
                    {labels.attendance[r]}
                  </option>
                ))}
              </SelectField>
              <Field
                label="Note (optional)"
                hint="The missed minutes are owed as a makeup where the policy says so."
                value={cancelNote}
                maxLength={500}
                onChange={(e) => setCancelNote(e.target.value)}
                error={errors.cancelNote ?? cancelFieldErrors.note}
              />
              {cancelError && (
                <p className="form-alert" role="alert">
                  {cancelError}
                </p>
              )}
              <div className="button-row">
                <Button type="submit" variant="secondary" busy={cancelling}>
                  Cancel this occurrence
                </Button>
                <Button variant="ghost" onClick={() => setAskCancel(false)}>
                  Keep it
                </Button>
              </div>
            </form>
          ) : (
            <div>
              <Button variant="secondary" onClick={() => setAskCancel(true)}>
                Cancel this week’s session…
              </Button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
