import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import { CalendarFeedPanel } from './CalendarFeedPanel';

/** The signed-in user's calendar feed: its status, a new secret link, revoking it. */
export function CalendarFeed() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.schedule.feed.status.queryOptions());
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.schedule.feed.status.queryKey() });
  const create = useMutation(trpc.schedule.feed.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(
    trpc.schedule.feed.revoke.mutationOptions({
      onSuccess: () => {
        create.reset();
        void refresh();
      },
    }),
  );
  const made = create.data;
  // The server answers a path when it does not know its public address: make it absolute here.
  const link = made ? new URL(made.url, window.location.origin).toString() : null;
  const error = create.isError
    ? userMessage(create.error)
    : revoke.isError
      ? userMessage(revoke.error)
      : status.isError
        ? userMessage(status.error)
        : null;
  return (
    <CalendarFeedPanel
      status={status.data}
      link={link}
      creating={create.isPending}
      revoking={revoke.isPending}
      error={error}
      onCreate={() => create.mutate()}
      onRevoke={() => revoke.mutate()}
    />
  );
}
