import { Button } from '@carryover/ui';
import { userMessage } from '../lib/errors';
import type { VersionedForm } from '../lib/useVersionedForm';

/**
 * Shown when a save was refused because someone saved first: who changed what and when, their
 * values of the fields they changed, and the choice to reapply one's own changes on top of
 * their version (saved at once) or to take theirs.
 */
export function ConflictBanner<S extends object>({
  form,
  labels,
  show = (value) => (value === null || value === '' ? '—' : String(value)),
  onReapply,
  busy = false,
}: {
  form: VersionedForm<S>;
  /** Words for the form's fields; fields without a label are not listed. */
  labels: Partial<Record<keyof S, string>>;
  show?: (value: unknown, key: keyof S) => string;
  /** Saves the reapplied draft at their version. */
  onReapply: (state: S, version: number) => void;
  busy?: boolean;
}) {
  const { conflict, theirs } = form;
  if (!conflict) return null;
  const listed = (keys: (keyof S)[]) => keys.filter((k) => labels[k] !== undefined);
  const theirKeys = listed(form.theirChanges);
  const mine = listed(form.myChanges);
  return (
    <section
      className="form-alert conflict-banner"
      role="alert"
      aria-label="Changed by someone else"
    >
      <div className="stack">
        <p>
          <strong>{conflict.message}</strong>
        </p>
        {theirs === null ? (
          <p className="small">Loading their version…</p>
        ) : (
          <>
            {theirKeys.length > 0 && (
              <dl className="facts conflict-banner__theirs">
                {theirKeys.map((k) => (
                  <div key={String(k)}>
                    <dt>{labels[k]} now</dt>
                    <dd>{show(theirs[k], k)}</dd>
                  </div>
                ))}
              </dl>
            )}
            <p className="small">
              {mine.length > 0
                ? `Your changes: ${mine.map((k) => labels[k]).join(', ')}. Reapplying saves them on top of their version; where you both changed a field, yours is kept.`
                : 'You have no changes of your own to reapply.'}
            </p>
            <span className="recommendation__actions">
              <Button
                size="small"
                busy={busy}
                disabled={form.myChanges.length === 0}
                onClick={() => {
                  const next = form.reapply();
                  if (next) onReapply(next.state, next.version);
                }}
              >
                Reapply my changes
              </Button>
              <Button variant="secondary" size="small" onClick={form.takeTheirs}>
                Use their version
              </Button>
            </span>
          </>
        )}
      </div>
    </section>
  );
}

/**
 * The foot of a small versioned edit form: a form-level error (when no field or conflict
 * explains the failure), then Save and Cancel.
 */
export function VersionedFormActions({
  save,
  hasFieldErrors,
  conflict,
  saveLabel,
  onCancel,
}: {
  save: { isError: boolean; error: unknown; isPending: boolean };
  hasFieldErrors: boolean;
  conflict: unknown;
  saveLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      {save.isError && !hasFieldErrors && !conflict && (
        <p className="form-alert">{userMessage(save.error)}</p>
      )}
      <span className="recommendation__actions">
        <Button type="submit" size="small" busy={save.isPending}>
          {saveLabel}
        </Button>
        <Button variant="ghost" size="small" onClick={onCancel}>
          Cancel
        </Button>
      </span>
    </>
  );
}
