import type { Query, QueryClient } from '@tanstack/react-query';
import type { PersistedClient, Persister } from '@tanstack/react-query-persist-client';
import { createStore, del, get, set } from 'idb-keyval';

// What the signed-in user may read without signal: their caseload, their students' goals (the
// session form's context lists every student they serve with their goals, and a student page
// they opened), today's plan, planned sessions and open action items (Home), and their recent sessions. TanStack
// Query keeps these answers in IndexedDB on this device, and puts them back in the cache when the
// app opens, so a page opened offline shows them marked "as of …". Nothing else is stored: only
// answers the server gave this user (so nothing outside their scope), only from these queries.
// They are removed at sign-out, when the server says the session is over, and at the session's
// absolute expiry (12 hours after sign-in), whether or not the device is online then.

/** tRPC paths whose answers are kept on the device. */
const KEPT = new Set([
  'auth.me',
  'caseload.list',
  'student.get',
  'home.get',
  'sessions.context',
  'sessions.recent',
  'schedule.today',
]);

/** Kept answers live as long as a session may: past that they are removed anyway. */
export const KEPT_FOR_MS = 12 * 60 * 60 * 1000;

const store = () => createStore('carryover-offline', 'query-cache');
const KEY = 'cache';

/** tRPC's query key is `[['caseload', 'list'], { input, type }]`. */
export function pathOf(queryKey: readonly unknown[]): string | null {
  const head = queryKey[0];
  return Array.isArray(head) ? head.join('.') : null;
}

function keptQuery(query: Query): boolean {
  if (query.state.status !== 'success' || query.state.data == null) return false;
  const path = pathOf(query.queryKey);
  if (!path || !KEPT.has(path)) return false;
  // A caseload search carries part of a student's name: only the plain list is kept.
  const input = (query.queryKey[1] as { input?: { search?: unknown } } | undefined)?.input;
  return !(path === 'caseload.list' && input?.search);
}

/** The signed-in user's session end, from the kept `auth.me` answer. */
function sessionEnd(client: PersistedClient): number | null {
  const me = client.clientState.queries.find((q) => pathOf(q.queryKey) === 'auth.me');
  const at = (me?.state.data as { sessionExpiresAt?: string | null } | null)?.sessionExpiresAt;
  return at ? Date.parse(at) : null;
}

let pending: ReturnType<typeof setTimeout> | null = null;
let latest: PersistedClient | null = null;
/** Bumped by `forget`: a write that started before it must not bring the data back. */
let generation = 0;

/** IndexedDB, written at most twice a second (the cache changes on every fetch). */
export const persister: Persister = {
  persistClient(client) {
    latest = client;
    if (pending) return;
    const at = generation;
    pending = setTimeout(() => {
      pending = null;
      const value = latest;
      latest = null;
      if (value && at === generation) void set(KEY, value, store()).catch(() => {});
    }, 500);
  },
  async restoreClient() {
    const client = await get<PersistedClient>(KEY, store()).catch(() => undefined);
    if (!client) return undefined;
    const end = sessionEnd(client);
    if (end === null || end <= Date.now()) {
      await del(KEY, store()).catch(() => {});
      return undefined;
    }
    return client;
  },
  async removeClient() {
    await forgetStored();
  },
};

async function forgetStored(): Promise<void> {
  generation++;
  if (pending) clearTimeout(pending);
  pending = null;
  latest = null;
  await del(KEY, store()).catch(() => {});
}

export const persistOptions = {
  persister,
  maxAge: KEPT_FOR_MS,
  // A new shape of kept data (a release that changes what is stored) starts afresh.
  buster: 'v1',
  dehydrateOptions: { shouldDehydrateQuery: keptQuery },
};

/** Kept queries must outlive the default five minutes unused, or they drop out of the store. */
export function keepKeptQueries(queryClient: QueryClient): void {
  for (const path of KEPT) queryClient.setQueryDefaults([path.split('.')], { gcTime: KEPT_FOR_MS });
}

/**
 * Removes everything of the user from memory and from this device, leaving "nobody signed in"
 * (their outbox is the caller's business: it warns first, and keeps it at expiry).
 */
export async function forgetDeviceData(
  queryClient: QueryClient,
  meKey: readonly unknown[],
): Promise<void> {
  queryClient.removeQueries({ predicate: (q) => pathOf(q.queryKey) !== 'auth.me' });
  queryClient.setQueryData(meKey, null);
  await forgetStored();
}
