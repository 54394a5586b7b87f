import { useRegisterSW } from 'virtual:pwa-register/react';
import { Button } from '@carryover/ui';
import { useEffect, useState } from 'react';

/**
 * The service worker registers a few seconds after start: installing it downloads the whole app
 * shell, which should not compete with the first page's own requests (sign-in, the caseload).
 */
export function ServiceWorker() {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setReady(true), 3000);
    return () => clearTimeout(timer);
  }, []);
  return ready ? <UpdatePrompt /> : null;
}

/**
 * Registers the service worker (which keeps the app shell for opening without signal) and, when
 * a new version has been deployed and downloaded, offers to switch to it. Nothing reloads on its
 * own: a half-filled form stays as it is until the user chooses.
 */
export function UpdatePrompt() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      // Look for a new version every hour while the app stays open.
      if (registration) setInterval(() => void registration.update(), 60 * 60 * 1000);
    },
  });
  if (!needRefresh) return null;
  return (
    <div className="update-prompt" role="alert">
      <span>A new version of Carryover is ready.</span>
      <Button size="small" onClick={() => void updateServiceWorker(true)}>
        Reload to update
      </Button>
      <Button variant="ghost" size="small" onClick={() => setNeedRefresh(false)}>
        Later
      </Button>
    </div>
  );
}
