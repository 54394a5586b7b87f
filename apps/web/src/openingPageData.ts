import { onlineManager, useIsRestoring, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { matchPath } from 'react-router';
import { caseloadListInput, nextCaseloadCursor, openingCaseloadView } from './lib/caseload';
import { useTRPC } from './trpc';

/**
 * Starts the opening page's own queries alongside `auth.me` instead of after it. A reload of
 * Caseload, Home or a student page used to wait for the session check, then for the page's
 * chunk, then for its data: three round trips before anything worth painting. The page later asks
 * with the same query key and finds the answer fetched or on its way. Only the first location
 * counts: a page opened by a click already has a session and asks at once.
 */
export function useOpeningPageData() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Not before what the device kept is restored: restoring marks every query stale (main.tsx),
  // and an answer that came back before that would be fetched again as the page mounts. `auth.me`
  // waits for the same moment.
  const isRestoring = useIsRestoring();
  const started = useRef(false);
  useEffect(() => {
    if (isRestoring || started.current) return;
    started.current = true;
    // Offline, the page reads what the device kept; a fetch would only wait for signal.
    if (!onlineManager.isOnline()) return;
    const path = window.location.pathname;
    // Caseload's largest paint is usually its open action items (`home.get`), above the rows.
    if (matchPath('/caseload', path) || matchPath('/home', path)) {
      void queryClient.prefetchQuery(trpc.home.get.queryOptions());
    }
    if (matchPath('/caseload', path)) {
      void queryClient.prefetchInfiniteQuery(
        trpc.caseload.list.infiniteQueryOptions(caseloadListInput(openingCaseloadView), {
          getNextPageParam: nextCaseloadCursor,
        }),
      );
      return;
    }
    const student = matchPath('/students/:studentId', path);
    if (student?.params.studentId) {
      void queryClient.prefetchQuery(
        trpc.student.get.queryOptions({ studentId: student.params.studentId }),
      );
    }
    // Once, for the location the app opened on (the client and proxy are the app's only ones).
  }, [isRestoring, queryClient, trpc]);
}
