// Must stay the first import: it configures zod before any schema is built.
import './zod-jitless';
import '@carryover/ui/styles.css';
import { PersistQueryClientProvider } from '@tanstack/react-query-persist-client';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { keepKeptQueries, persistOptions } from './offline/persist';
import { ServiceWorker } from './offline/UpdatePrompt';
import { makeQueryClient, makeTrpcClient, TRPCProvider } from './trpc';

function Providers({ children }: { children: React.ReactNode }) {
  const [queryClient] = useState(() => {
    const client = makeQueryClient();
    keepKeptQueries(client);
    return client;
  });
  const [trpcClient] = useState(makeTrpcClient);
  // The signed-in user's caseload, goals and today's plan come back from this device first
  // (offline/persist.ts), so the app opens with them without signal. Once restored they count
  // as stale: with signal, what is on screen is fetched again (another tab or device may have
  // changed it: a period finalised elsewhere, a student transferred); offline they stay as kept.
  return (
    <PersistQueryClientProvider
      client={queryClient}
      persistOptions={persistOptions}
      onSuccess={() => void queryClient.invalidateQueries()}
    >
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </PersistQueryClientProvider>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <Providers>
      <BrowserRouter>
        <App />
      </BrowserRouter>
      <ServiceWorker />
    </Providers>
  </StrictMode>,
);
