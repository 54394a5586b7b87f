// Reads what the server said out of a tRPC client error without depending on the exact
// error-formatter types, so a change in the API's formatter cannot break the build.

function errorData(error: unknown): Record<string, unknown> | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = (error as { data: unknown }).data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null;
}

export function errorCode(error: unknown): string | null {
  const code = errorData(error)?.code;
  return typeof code === 'string' ? code : null;
}

export function httpStatus(error: unknown): number | null {
  const status = errorData(error)?.httpStatus;
  return typeof status === 'number' ? status : null;
}

/** Seconds the server asked to wait before trying again (a rate-limited call), if it did. */
export function retryAfterSeconds(error: unknown): number | null {
  const seconds = errorData(error)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : null;
}

/** `BAD_REQUEST` field errors: `{ email: ['Enter an email address'] }`. */
export function fieldErrors(error: unknown): Record<string, string[]> {
  const raw = errorData(error)?.fieldErrors;
  if (typeof raw !== 'object' || raw === null) return {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

/** A message fit to show a person; hides internals of unexpected server failures. */
export function userMessage(error: unknown, fallback = 'Something went wrong. Please try again.') {
  const code = errorCode(error);
  if (code === 'INTERNAL_SERVER_ERROR') {
    const id = errorData(error)?.errorId;
    return typeof id === 'string' ? `${fallback} (Reference: ${id})` : fallback;
  }
  if (code === 'BAD_REQUEST') {
    // The API's own message names fields ("Invalid input: goalId"); people read what is wrong.
    const raw = errorData(error)?.formErrors;
    const words = [
      ...(Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : []),
      ...Object.values(fieldErrors(error)).flat(),
    ];
    if (words.length > 0) return [...new Set(words)].join(' ');
  }
  if (error instanceof Error && error.message) {
    // fetch() failures surface as TypeErrors with browser-specific text.
    if (error.name === 'TypeError' || /fetch|network/i.test(error.message)) {
      return 'Could not reach the server. Check your connection and try again.';
    }
    return error.message;
  }
  return fallback;
}

/** What a stale save is told (the API's `data.conflict`): who changed the record, what, when. */
export interface EditConflict {
  /** The record's version now. */
  version: number;
  changedBy: string | null;
  changedAt: string | null;
  fieldWords: string[];
  /** "Changed by Ana Ruiz at 10:42: target, mastery rule. …" */
  message: string;
}

/** The conflict of a CONFLICT error from a save at an older version; null for anything else. */
export function editConflict(error: unknown): EditConflict | null {
  if (errorCode(error) !== 'CONFLICT') return null;
  const raw = errorData(error)?.conflict as Partial<EditConflict> | null | undefined;
  if (!raw || typeof raw.version !== 'number') return null;
  return {
    version: raw.version,
    changedBy: typeof raw.changedBy === 'string' ? raw.changedBy : null,
    changedAt: typeof raw.changedAt === 'string' ? raw.changedAt : null,
    fieldWords: Array.isArray(raw.fieldWords) ? raw.fieldWords.map(String) : [],
    message: error instanceof Error ? error.message : 'Someone else changed this record.',
  };
}

/**
 * A zod schema's issues as field errors, keyed by the path joined with dots
 * (`npi`, `codes.2.code`): a form checks with the API's own input schema before sending.
 */
export function issueErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.');
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}
