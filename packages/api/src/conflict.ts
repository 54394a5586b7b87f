import {
  type DB,
  type Editor,
  type EditState,
  readEditState,
  StaleVersionError,
} from '@carryover/db';
import { wallTimeIn } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { type AuditTarget, recordDenied } from './audit';
import type { Context, Viewer } from './context';

// The one way an edit procedure saves at the version its form loaded: run the write in a
// transaction whose versioned UPDATE (updateAtVersion in @carryover/db) throws when someone
// saved first; then nothing is kept, the refusal is audited, and the caller gets CONFLICT
// (HTTP 409) naming who changed the record, which fields and when, in `data.conflict`.

type Ctx = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

/** What a stale save is told, in `error.data.conflict`. */
export interface EditConflict {
  /** The record's version now: the form reloads it and saves again with this one. */
  version: number;
  changedBy: string | null;
  changedAt: string | null;
  /** Column names the last edit changed, and the same in words. */
  fields: string[];
  fieldWords: string[];
}

const FIELD_WORDS: Record<string, string> = {
  current_model: 'service model',
  mastery_rule: 'mastery rule',
  measurement_type: 'measurement',
  rubric_max: 'rubric scale',
  status_code: 'status code',
  gas_score: 'goal-attainment score',
  gas_override_reason: 'score reason',
  status_reason: 'status reason',
  met_on: 'date',
  due_on: 'due date',
  done_on: 'done',
  acknowledged_at: 'acknowledgement',
  acknowledged_by: 'acknowledgement',
  start_time: 'start time',
  end_time: 'end time',
  session_date: 'date',
  late_entry_reason: 'late-entry reason',
  voided_at: 'void',
  void_reason: 'void reason',
  unit_rule: 'units rule',
  codes: 'code mapping',
};

function fieldWords(fields: readonly string[]): string[] {
  return [...new Set(fields.map((f) => FIELD_WORDS[f] ?? f.replace(/_/g, ' ')))];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "10:42" today, "2026-11-29 10:42" another day, in the district's time zone. */
function whenWords(ctx: Ctx, at: string | null): string | null {
  if (!at) return null;
  try {
    const zone = ctx.viewer.timezone;
    const then = wallTimeIn(new Date(at), zone);
    const today = wallTimeIn(ctx.now(), zone).date;
    const time = `${pad(Math.floor(then.minutes / 60))}:${pad(then.minutes % 60)}`;
    return then.date === today ? time : `${then.date} ${time}`;
  } catch {
    return at;
  }
}

export function editorOf(ctx: Ctx): Editor {
  return { by: ctx.viewer.id, at: ctx.now().toISOString() };
}

/** CONFLICT naming who changed the record, which fields and when (also for non-row records). */
export function conflictError(ctx: Ctx, state: EditState): TRPCError {
  const conflict: EditConflict = {
    version: state.version,
    changedBy: state.updatedByName,
    changedAt: state.updatedAt,
    fields: state.updatedFields,
    fieldWords: fieldWords(state.updatedFields),
  };
  const who = state.updatedByName ?? 'Someone';
  const when = whenWords(ctx, state.updatedAt);
  const what = conflict.fieldWords.length > 0 ? `: ${conflict.fieldWords.join(', ')}` : '';
  const message = `Changed by ${who}${when ? ` at ${when}` : ''}${what}. Your save was not applied: review their version and reapply your changes.`;
  return new TRPCError({
    code: 'CONFLICT',
    message,
    cause: Object.assign(new Error(message), { conflict }),
  });
}

/** The conflict a CONFLICT error carries, for the error formatter. */
export function conflictOf(cause: unknown): EditConflict | null {
  const c = (cause as { conflict?: unknown } | undefined)?.conflict;
  return typeof c === 'object' && c !== null ? (c as EditConflict) : null;
}

/**
 * Runs `write` in one transaction. If a versioned update in it finds the record changed since
 * the form loaded it, rolls everything back, audits the refusal (`audit`) and throws CONFLICT.
 * `onStale` runs first and may throw a more fitting refusal (a report finalised meanwhile).
 */
export async function writeAtVersion<T>(
  ctx: Ctx,
  audit: AuditTarget,
  write: (trx: DB) => Promise<T>,
  onStale?: () => Promise<void>,
): Promise<T> {
  try {
    return await ctx.db.transaction().execute(write);
  } catch (err) {
    if (!(err instanceof StaleVersionError)) throw err;
    await onStale?.();
    await recordDenied(ctx, audit);
    const state = await readEditState(ctx.db, err.table, err.key);
    if (!state)
      throw new TRPCError({ code: 'NOT_FOUND', message: 'This record no longer exists.' });
    throw conflictError(ctx, state);
  }
}
