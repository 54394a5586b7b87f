import type { SessionLogInput } from '@carryover/domain';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { httpStatus, userMessage } from '../lib/errors';

// The outbox for logged sessions. An entry is written to localStorage *before* any request, so
// a dropped network or a closed tab loses nothing; it leaves the outbox only once the server
// has answered. Each entry carries an idempotency key made here, once per session, so however
// often it is retried (this tab, another tab, after a reload) the server stores it once.

export interface OutboxEntry {
  key: string;
  /** Whose entry: only the person who logged it sends it. */
  userId: string;
  /** A short description for the list ("Tue 11 Mar, 10:00 · 2 students"). */
  label: string;
  input: SessionLogInput;
  queuedAt: string;
  attempts: number;
  /** The server refused it (not a network problem): kept for the user to read and discard. */
  rejected: string | null;
}

const STORAGE_KEY = 'carryover.outbox.v1';
const listeners = new Set<() => void>();

function readAll(): OutboxEntry[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as OutboxEntry[]) : [];
  } catch {
    return [];
  }
}

function writeAll(entries: OutboxEntry[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(entries));
  cache = null;
  for (const l of listeners) l();
}

let cache: { raw: string | null; entries: OutboxEntry[] } | null = null;
function snapshot(): OutboxEntry[] {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!cache || cache.raw !== raw) cache = { raw, entries: readAll() };
  return cache.entries;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab changed the outbox.
  const onStorage = (e: StorageEvent) => {
    if (e.key === STORAGE_KEY) listener();
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

export function enqueue(entry: Omit<OutboxEntry, 'attempts' | 'rejected' | 'queuedAt'>): void {
  const all = readAll();
  if (all.some((e) => e.key === entry.key)) return;
  writeAll([...all, { ...entry, attempts: 0, rejected: null, queuedAt: new Date().toISOString() }]);
}

export function discard(key: string): void {
  writeAll(readAll().filter((e) => e.key !== key));
}

function update(key: string, change: Partial<OutboxEntry>): void {
  writeAll(readAll().map((e) => (e.key === key ? { ...e, ...change } : e)));
}

/** A network failure or a server hiccup (retry later) vs a refusal (retrying will not help). */
function isTransient(error: unknown): boolean {
  const status = httpStatus(error);
  return status === null || status >= 500 || status === 429 || status === 408;
}

function useOnline(): boolean {
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
 */
export function useOutbox(
  userId: string | null,
  send: (input: SessionLogInput) => Promise<unknown>,
  onSent?: () => void,
) {
  const all = useSyncExternalStore(subscribe, snapshot);
  const entries = userId ? all.filter((e) => e.userId === userId) : [];
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
    for (const entry of readAll()) {
      if (entry.userId !== userId || entry.rejected) continue;
      try {
        await sendRef.current(entry.input);
        discard(entry.key);
        sent++;
      } catch (error) {
        if (isTransient(error)) {
          update(entry.key, { attempts: entry.attempts + 1 });
          break; // offline or server down: the rest would fail the same way
        }
        update(entry.key, { attempts: entry.attempts + 1, rejected: userMessage(error) });
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
    (entry: Omit<OutboxEntry, 'attempts' | 'rejected' | 'queuedAt'>) => {
      enqueue(entry);
      void flush();
    },
    [flush],
  );

  return { entries, online, sending, flush, add, discard };
}
