import { onlineManager, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { matchPath } from 'react-router';
import { caseloadListInput, nextCaseloadCursor, openingCaseloadView } from './lib/caseload';
import { useTRPC } from './trpc';

/**
 * Starts the opening page's own query alongside `auth.me` instead of after it. A reload of
 * Caseload or a student page used to wait for the session check, then for the page's chunk, then
 * for its data: three round trips before anything worth painting. The page later asks with the
 * same query key and finds the answer fetched or on its way. Only the first location counts: a
 * page opened by a click already has a session and asks at once.
 */
export function useOpeningPageData() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    // Offline, the page reads what the device kept; a fetch would only wait for signal.
    if (!onlineManager.isOnline()) return;
    const path = window.location.pathname;
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
    // Both are the app's one client and proxy: this runs once, for the location it opened on.
  }, [queryClient, trpc]);
}
