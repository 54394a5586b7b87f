import { Button } from '@carryover/ui';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { errorCode } from '../lib/errors';
import { useTRPCClient } from '../trpc';
import { type OutboxEntry, useOutbox } from './queue';

// One outbox for the whole app, sent from the app shell: whatever page is open (or none of the
// pages that record), what waits is sent as soon as there is signal.

type Client = ReturnType<typeof useTRPCClient>;

async function send(client: Client, entry: OutboxEntry): Promise<unknown> {
  switch (entry.kind) {
    case 'session':
      return client.sessions.log.mutate(entry.input);
    case 'probe':
      return client.sessions.probe.mutate(entry.input);
    case 'actionItemDone':
      return client.team.setActionItemDone.mutate(entry.input);
    case 'sign':
    case 'cosign':
      try {
        return entry.kind === 'sign'
          ? await client.sessions.sign.mutate(entry.input)
          : await client.sessions.cosign.mutate(entry.input);
      } catch (error) {
        // Only the note's author signs it and only the supervisor co-signs: "already signed"
        // means an earlier send of this entry landed and its answer was lost.
        if (errorCode(error) === 'CONFLICT') return null;
        throw error;
      }
  }
}

type Outbox = ReturnType<typeof useOutbox> & { userId: string };
const OutboxContext = createContext<Outbox | null>(null);

export function OutboxProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const outbox = useOutbox(
    userId,
    (entry) => send(client, entry),
    // What was sent shows up in the caseload, the student pages, Home and the recent sessions.
    () => void queryClient.invalidateQueries(),
  );
  return <OutboxContext value={{ ...outbox, userId }}>{children}</OutboxContext>;
}

/** The signed-in user's outbox (inside the app shell). */
export function useSharedOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error('useSharedOutbox outside OutboxProvider');
  return outbox;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The line under the navigation on every page: online or offline, how many entries wait to be
 * sent, and what could not be sent, with a retry (or, for a refusal, a discard).
 */
export function NetworkStatus() {
  const outbox = useSharedOutbox();
  const waiting = outbox.entries.filter((e) => !e.rejected);
  const rejected = outbox.entries.filter((e) => e.rejected);
  const failing = waiting.find((e) => e.lastError);
  const tone = !outbox.online ? 'offline' : failing || rejected.length > 0 ? 'error' : 'online';
  let text: string;
  if (!outbox.online)
    text =
      waiting.length > 0
        ? `Offline · ${plural(waiting.length, 'entry', 'entries')} waiting to send`
        : 'Offline · showing what is kept on this device; new entries wait here';
  else if (failing) text = `Could not send: ${failing.lastError}`;
  else if (waiting.length > 0)
    text = outbox.sending
      ? `Sending ${plural(waiting.length, 'entry', 'entries')}…`
      : `${waiting.length} waiting to send`;
  else text = 'Online';

  return (
    <div className={`net-status net-status--${tone}`}>
      <p className="net-status__line" role="status" data-testid="net-status">
        <span className="net-status__dot" aria-hidden="true" />
        <span>{text}</span>
        {outbox.online && waiting.length > 0 && !outbox.sending && (
          <Button variant="secondary" size="small" onClick={() => void outbox.flush()}>
            {failing ? 'Retry' : 'Send now'}
          </Button>
        )}
      </p>
      {rejected.map((e) => (
        <div key={e.key} className="form-alert net-status__rejected" role="alert">
          <span>
            Could not send {e.label}: {e.rejected}
          </span>
          <Button variant="secondary" size="small" onClick={() => outbox.discard(e.key)}>
            Discard
          </Button>
        </div>
      ))}
    </div>
  );
}
