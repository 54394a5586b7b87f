import { EmptyState, formatDate } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useSharedOutbox } from '../offline/OutboxProvider';
import { newIdempotencyKey } from '../offline/queue';
import { useTRPC } from '../trpc';

type Item = { id: string; text: string; dueOn: string; overdue: boolean };

/**
 * The viewer's open touch-base action items, from the same `home.get` query the Home page uses
 * (React Query shares the cache, so Home and Caseload do not fetch twice). Renders nothing while
 * loading, on error, or when there are none: on the caseload an empty box would only be noise,
 * and Home shows its own empty state through `ActionItems`.
 */
export function OpenActionItems() {
  const trpc = useTRPC();
  const home = useQuery(trpc.home.get.queryOptions());
  const items = home.data?.actionItems ?? [];
  if (items.length === 0) return null;
  return (
    <div style={{ marginBottom: 'var(--space-4)' }}>
      <ActionItems items={items} className="section-card" />
    </div>
  );
}

/** The list of open action items with a "done" checkbox each; an empty state when there are none. */
export function ActionItems({ items: all, className }: { items: Item[]; className?: string }) {
  // Ticking done waits in the outbox like a session, so it works offline; an item ticked and not
  // yet sent is already off the list.
  const outbox = useSharedOutbox();
  const ticked = new Set(
    outbox.entries.flatMap((e) => (e.kind === 'actionItemDone' ? [e.input.actionItemId] : [])),
  );
  const items = all.filter((a) => !ticked.has(a.id));
  const done = (a: Item) =>
    outbox.add({
      kind: 'actionItemDone',
      key: newIdempotencyKey(),
      userId: outbox.userId,
      label: `"${a.text}" ticked done`,
      input: { actionItemId: a.id, done: true },
    });
  return (
    <section aria-labelledby="actions-heading" className={className}>
      <h2 id="actions-heading">Your open action items</h2>
      {items.length === 0 ? (
        <EmptyState title="No open action items">
          <p>
            Action items from <Link to="/team">touch-base meetings</Link> that you own show here.
          </p>
        </EmptyState>
      ) : (
        <ul className="stack action-items">
          {items.map((a) => (
            <li key={a.id} className="action-item">
              <label className="checkbox">
                <input type="checkbox" onChange={() => done(a)} /> {a.text}
              </label>
              <span className={a.overdue ? 'behind small' : 'muted small'}>
                {a.overdue ? 'Overdue · ' : 'Due '}
                {formatDate(a.dueOn)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
