import { Button, Field, formatDate } from '@carryover/ui';
import { useState } from 'react';

// "Subscribe in your calendar app": a secret link to an iCalendar feed of the user's planned
// sessions (student initials only). The link is shown once, when it is made; the server keeps
// only its hash, so a lost link is revoked and made again.

export interface FeedStatus {
  active: boolean;
  createdAt: string | null;
  lastUsedAt: string | null;
}

export function CalendarFeedPanel({
  status,
  link,
  creating,
  revoking,
  error,
  onCreate,
  onRevoke,
}: {
  status: FeedStatus | undefined;
  /** The new link, right after it was made (never again). */
  link: string | null;
  creating: boolean;
  revoking: boolean;
  error: string | null;
  onCreate: () => void;
  onRevoke: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // Clipboard refused (an insecure page, a denied permission): the link stays selectable.
      setCopied(false);
    }
  };
  return (
    <section className="section-card stack" aria-labelledby="feed-heading">
      <h2 id="feed-heading">Subscribe in your calendar app</h2>
      <p className="small">
        Your planned sessions as a calendar feed (Google Calendar, Outlook, Apple Calendar). It
        names students by their initials only. Anyone with the link can read it: keep it to
        yourself, and revoke it if it is shared by mistake.
      </p>
      {link ? (
        <div className="stack">
          <p role="status">
            <strong>Your feed link.</strong> Copy it now: it is shown only once.
          </p>
          <div className="feed-link">
            <Field
              label="Calendar feed link"
              readOnly
              value={link}
              onFocus={(e) => e.currentTarget.select()}
            />
            <Button variant="secondary" size="small" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy link'}
            </Button>
          </div>
        </div>
      ) : status?.active ? (
        <p>
          A feed link is active
          {status.createdAt ? `, made ${formatDate(status.createdAt.slice(0, 10))}` : ''}
          {status.lastUsedAt
            ? `; last read ${formatDate(status.lastUsedAt.slice(0, 10))}`
            : '; not read yet'}
          .
        </p>
      ) : (
        <p className="muted">No feed link yet.</p>
      )}
      {error && (
        <p className="form-alert" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <Button
          variant={status?.active ? 'secondary' : 'primary'}
          busy={creating}
          onClick={onCreate}
        >
          {status?.active ? 'Make a new link' : 'Create a feed link'}
        </Button>
        {status?.active && (
          <Button variant="ghost" busy={revoking} onClick={onRevoke}>
            Revoke the link
          </Button>
        )}
      </div>
    </section>
  );
}
