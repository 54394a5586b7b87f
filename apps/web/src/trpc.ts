import type { AppRouter } from '@carryover/api';
import { onlineManager, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchStreamLink, httpLink, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { errorCode, httpStatus, retryAfterSeconds } from './lib/errors';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * Calls per batch request: half the server's cap (MAX_BATCH_CALLS in apps/server), which
 * refuses a larger batch whole. A page that asks for more sends several requests.
 */
const MAX_BATCH_ITEMS = 10;

export function makeTrpcClient() {
  // Same origin, so the session cookie goes along without `credentials` settings.
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // A streamed response has sent its headers before the procedure runs, so a mutation
        // that sets or clears the session cookie (sign-in, sign-out) must not be streamed.
        condition: (op) => op.type === 'mutation',
        true: httpLink({ url: '/trpc' }),
        false: splitLink({
          // The caseload's input can carry part of a student's name (its search): send it as
          // POST so the name stays out of URLs, browser history and proxy logs.
          condition: (op) => op.path === 'caseload.list',
          true: httpBatchStreamLink({
            url: '/trpc',
            methodOverride: 'POST',
            maxItems: MAX_BATCH_ITEMS,
          }),
          // Queries stream, so one slow query does not hold up the others in its batch.
          false: httpBatchStreamLink({ url: '/trpc', maxItems: MAX_BATCH_ITEMS }),
        }),
      }),
    ],
  });
}

/** tRPC's query key for `auth.me`, as a prefix usable outside React. */
const AUTH_ME_KEY = [['auth', 'me']];

export function makeQueryClient() {
  // TanStack Query assumes it is online until an 'offline' event: an app opened without signal
  // would then try, fail, retry and show an error over the answers kept on the device. Start
  // from what the browser knows, so those queries wait (paused) instead.
  if (typeof navigator !== 'undefined') onlineManager.setOnline(navigator.onLine);
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        // A session that expired mid-use: re-ask who is signed in, and the guard redirects.
        // Not while `auth.me` is being asked already (a page's data fetched alongside it as the
        // app opens): its answer is the one the guard needs, and asking again would cancel it.
        if (
          errorCode(error) === 'UNAUTHORIZED' &&
          queryClient.isFetching({ queryKey: AUTH_ME_KEY }) === 0
        ) {
          void queryClient.invalidateQueries({ queryKey: AUTH_ME_KEY });
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        // 4xx will not fix itself on retry, except a rate limit once its wait is over;
        // network blips and 5xx might.
        retry: (failureCount, error) => {
          const status = httpStatus(error);
          if (status === 429) return failureCount < 2 && (retryAfterSeconds(error) ?? 61) <= 60;
          if (status !== null && status >= 400 && status < 500) return false;
          return failureCount < 2;
        },
        retryDelay: (failureCount, error) => {
          const wait = retryAfterSeconds(error);
          return wait !== null ? wait * 1000 : Math.min(1000 * 2 ** failureCount, 30_000);
        },
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}
