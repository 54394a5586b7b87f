import { useState } from 'react';
import { type EditConflict, editConflict } from './errors';

// One edit form's state under optimistic concurrency: the values and version it loaded (the
// base), the user's draft, and, after a save was refused because someone saved first, the
// server's newer version. "Reapply" rebases the user's own changes onto that version: each
// field the user changed keeps their value, every other field takes the newer one, so both
// people's intents hold. Every edit form of the app uses this, not a copy of it.

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The keys of `a` whose values differ in `b`. */
export function changedKeys<S extends object>(a: S, b: S): (keyof S)[] {
  return (Object.keys(a) as (keyof S)[]).filter((k) => !same(a[k], b[k]));
}

/** `mine`'s changes since `base`, applied over `theirs`. */
export function rebaseEdits<S extends object>(base: S, mine: S, theirs: S): S {
  const out = { ...theirs };
  for (const key of changedKeys(base, mine)) out[key] = mine[key];
  return out;
}

export interface VersionedForm<S> {
  draft: S;
  setDraft: (update: S | ((s: S) => S)) => void;
  /** The version to send with a save: the one the draft is based on. */
  version: number;
  /** Set after a save was refused as stale. */
  conflict: EditConflict | null;
  /** The newer server values once they have loaded (null until then). */
  theirs: S | null;
  /** The fields the other person changed, and those the user changed. */
  theirChanges: (keyof S)[];
  myChanges: (keyof S)[];
  /** Handles a save error; true when it was a stale save (reload the record then). */
  catchConflict: (error: unknown) => boolean;
  /** After a save landed at `version`. */
  saved: (version: number) => void;
  /** The draft rebased onto their version, and that version: save these. */
  reapply: () => { state: S; version: number } | null;
  /** Drops the user's changes and takes their version. */
  takeTheirs: () => void;
}

/**
 * `server` and `serverVersion` are the record as currently loaded (they change when it is
 * reloaded); the form keeps its own draft until the user saves, reapplies or takes theirs.
 */
export function useVersionedForm<S extends object>(
  server: S,
  serverVersion: number,
): VersionedForm<S> {
  const [base, setBase] = useState({ state: server, version: serverVersion });
  const [draft, setDraft] = useState<S>(server);
  const [conflict, setConflict] = useState<EditConflict | null>(null);
  const newer = conflict !== null && serverVersion >= conflict.version;
  const theirs = newer ? server : null;
  return {
    draft,
    setDraft,
    version: base.version,
    conflict,
    theirs,
    theirChanges: theirs ? changedKeys(base.state, theirs) : [],
    myChanges: changedKeys(base.state, draft),
    catchConflict(error) {
      const c = editConflict(error);
      if (c) setConflict(c);
      return c !== null;
    },
    saved(version) {
      setBase({ state: draft, version });
      setConflict(null);
    },
    reapply() {
      if (!theirs) return null;
      const state = rebaseEdits(base.state, draft, theirs);
      setBase({ state: theirs, version: serverVersion });
      setDraft(state);
      setConflict(null);
      return { state, version: serverVersion };
    },
    takeTheirs() {
      if (!theirs) return;
      setBase({ state: theirs, version: serverVersion });
      setDraft(theirs);
      setConflict(null);
    },
  };
}
