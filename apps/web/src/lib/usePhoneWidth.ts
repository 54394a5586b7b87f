import { useSyncExternalStore } from 'react';

/** Phone width: where tables become cards and the week grid a day list. */
export const PHONE_QUERY = '(max-width: 640px)';

export function usePhoneWidth(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const query = window.matchMedia(PHONE_QUERY);
      query.addEventListener('change', onChange);
      return () => query.removeEventListener('change', onChange);
    },
    () => window.matchMedia(PHONE_QUERY).matches,
  );
}
