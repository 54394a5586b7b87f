import type { ClassroomProbeInput, SessionLogInput, SessionStudentRef } from '@carryover/domain';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { httpStatus, userMessage } from '../lib/errors';

// The outbox: everything a therapist or teacher records goes here first — sessions, classroom
// probes, action items ticked done, signatures and co-signatures. An entry is written to
// localStorage *before* any request, so a dropped network or a closed tab loses nothing; it
// leaves the outbox only once the server has answered. Each entry carries a key made here, once:
// for a session or a probe it is the idempotency key the server stores once, so however often it
// is retried (this tab, another tab, after a reload) the server stores it once; ticking done,
// signing and co-signing are the same on a second send (the server keeps the first).
// Each signed-in user has an outbox of their own (keyed by user id), and signing out removes it
// (after a warning while anything is unsent), so the next person on a shared device finds
// nothing of it.

/** What an entry asks the server to do, and with what. */
export type OutboxItem =
  | { kind: 'session'; input: SessionLogInput }
  | { kind: 'probe'; input: ClassroomProbeInput }
  | { kind: 'actionItemDone'; input: { actionItemId: string; done: true } }
  | { kind: 'sign'; input: SessionStudentRef }
  | { kind: 'cosign'; input: { sessionId: string } };
export type OutboxKind = OutboxItem['kind'];

export type OutboxEntry = OutboxItem & {
  key: string;
  /** Whose entry: only the person who recorded it sends it. */
  userId: string;
  /** A short description for the list ("Tue 11 Mar, 10:00 · 2 students"). */
  label: string;
  queuedAt: string;
  attempts: number;
  /** The server refused it (not a network problem): kept for the user to read and discard. */
  rejected: string | null;
  /** Why the last try did not get through (a network or server problem); it is retried. */
  lastError?: string | null;
};

/** What a caller hands to `add`: the item, its key and label. */
export type NewOutboxEntry = OutboxItem & { key: string; userId: string; label: string };

const STORAGE_PREFIX = 'carryover.outbox.v2.';
/** One outbox for every user, before outboxes were kept per user: split up on first read. */
const LEGACY_KEY = 'carryover.outbox.v1';
const storageKey = (userId: string) => `${STORAGE_PREFIX}${userId}`;
const listeners = new Set<() => void>();

function parse(raw: string | null): OutboxEntry[] {
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    // Entries from before the outbox carried other kinds are sessions.
    return Array.isArray(parsed)
      ? (parsed as OutboxEntry[]).map((e) =>
          e.kind ? e : ({ ...(e as object), kind: 'session' } as OutboxEntry),
        )
      : [];
  } catch {
    return [];
  }
}

function moveLegacyOutbox(): void {
  const legacy = localStorage.getItem(LEGACY_KEY);
  if (legacy === null) return;
  const byUser = new Map<string, OutboxEntry[]>();
  for (const e of parse(legacy)) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  for (const [userId, entries] of byUser)
    localStorage.setItem(storageKey(userId), JSON.stringify([...readAll(userId), ...entries]));
  localStorage.removeItem(LEGACY_KEY);
}

function readAll(userId: string): OutboxEntry[] {
  return parse(localStorage.getItem(storageKey(userId)));
}

function changed(): void {
  cache.clear();
  for (const l of listeners) l();
}

function writeAll(userId: string, entries: OutboxEntry[]): void {
  if (entries.length === 0) localStorage.removeItem(storageKey(userId));
  else localStorage.setItem(storageKey(userId), JSON.stringify(entries));
  changed();
}

const NOBODY: OutboxEntry[] = [];
const cache = new Map<string, { raw: string | null; entries: OutboxEntry[] }>();
function snapshot(userId: string | null): OutboxEntry[] {
  if (!userId) return NOBODY;
  const raw = localStorage.getItem(storageKey(userId));
  let hit = cache.get(userId);
  if (!hit || hit.raw !== raw) {
    hit = { raw, entries: parse(raw) };
    cache.set(userId, hit);
  }
  return hit.entries;
}

/** How many of the user's entries are still on this device (waiting or refused). */
export function unsentCount(userId: string): { total: number; sessions: number } {
  moveLegacyOutbox();
  const all = readAll(userId);
  return { total: all.length, sessions: all.filter((e) => e.kind === 'session').length };
}

/** Removes the user's outbox from this device: at sign-out, once the user has agreed. */
export function clearOutbox(userId: string): void {
  moveLegacyOutbox();
  localStorage.removeItem(storageKey(userId));
  changed();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab changed an outbox.
  const onStorage = (e: StorageEvent) => {
    if (e.key === null || e.key.startsWith(STORAGE_PREFIX)) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function enqueue(entry: NewOutboxEntry): void {
  const all = readAll(entry.userId);
  if (all.some((e) => e.key === entry.key)) return;
  writeAll(entry.userId, [
    ...all,
    { ...entry, attempts: 0, rejected: null, lastError: null, queuedAt: new Date().toISOString() },
  ]);
}

export function discard(userId: string, key: string): void {
  writeAll(
    userId,
    readAll(userId).filter((e) => e.key !== key),
  );
}

function update(
  userId: string,
  key: string,
  change: Pick<Partial<OutboxEntry>, 'attempts' | 'rejected' | 'lastError'>,
): void {
  writeAll(
    userId,
    readAll(userId).map((e) => (e.key === key ? { ...e, ...change } : e)),
  );
}

/** A network failure or a server hiccup (retry later) vs a refusal (retrying will not help). */
function isTransient(error: unknown): boolean {
  const status = httpStatus(error);
  return status === null || status >= 500 || status === 429 || status === 408;
}

export function useOnline(): boolean {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener('online', cb);
      window.addEventListener('offline', cb);
      return () => {
        window.removeEventListener('online', cb);
        window.removeEventListener('offline', cb);
      };
    },
    () => navigator.onLine,
  );
}

const RETRY_MS = 15_000;

/**
 * The signed-in user's outbox and a sender. Flushes on mount (page load), on the `online`
 * event, after each enqueue and every 15 s while anything is waiting. One flush at a time per
 * browser (Web Locks where available, else per tab); the idempotency key covers the rest.
 * Entries are sent in the order they were made (a signature after the session it signs).
 */
export function useOutbox(
  userId: string | null,
  send: (entry: OutboxEntry) => Promise<unknown>,
  onSent?: () => void,
) {
  useEffect(moveLegacyOutbox, []);
  const entries = useSyncExternalStore(subscribe, () => snapshot(userId));
  const online = useOnline();
  const [sending, setSending] = useState(false);
  const busy = useRef(false);
  const sendRef = useRef(send);
  sendRef.current = send;
  const onSentRef = useRef(onSent);
  onSentRef.current = onSent;

  const flushOnce = useCallback(async () => {
    if (!userId) return;
    let sent = 0;
    for (const entry of readAll(userId)) {
      if (entry.rejected) continue;
      try {
        await sendRef.current(entry);
        discard(userId, entry.key);
        sent++;
      } catch (error) {
        if (isTransient(error)) {
          update(userId, entry.key, {
            attempts: entry.attempts + 1,
            lastError: navigator.onLine ? userMessage(error) : null,
          });
          break; // offline or server down: the rest would fail the same way
        }
        update(userId, entry.key, { attempts: entry.attempts + 1, rejected: userMessage(error) });
      }
    }
    if (sent > 0) onSentRef.current?.();
  }, [userId]);

  const flush = useCallback(async () => {
    if (busy.current || !userId || !navigator.onLine) return;
    busy.current = true;
    setSending(true);
    try {
      if (navigator.locks?.request) {
        await navigator.locks.request('carryover-outbox', flushOnce);
      } else {
        await flushOnce();
      }
    } finally {
      busy.current = false;
      setSending(false);
    }
  }, [userId, flushOnce]);

  useEffect(() => {
    void flush();
    const onOnline = () => void flush();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [flush]);

  const waiting = entries.filter((e) => !e.rejected).length;
  useEffect(() => {
    if (waiting === 0) return;
    const id = setInterval(() => void flush(), RETRY_MS);
    return () => clearInterval(id);
  }, [waiting, flush]);

  const add = useCallback(
    (entry: NewOutboxEntry) => {
      enqueue(entry);
      void flush();
    },
    [flush],
  );

  const discardEntry = useCallback(
    (key: string) => {
      if (userId) discard(userId, key);
    },
    [userId],
  );

  return { entries, online, sending, flush, add, discard: discardEntry };
}
