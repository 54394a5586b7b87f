import {
  countLoginFailures,
  type DB,
  deleteLoginAttempts,
  markLoginAttemptsOk,
  pruneLoginAttempts,
  recordLoginAttempt,
} from '@carryover/db';

/**
 * Sign-in throttling: after 5 failed attempts on one account, or 20 from one address, within
 * 15 minutes, further attempts are refused (429) until the window has passed. An account's
 * own successful sign-in clears its count; an address's count is not cleared by a success
 * (one valid account must not buy unlimited guesses at others from the same address).
 */
export const SIGN_IN_THROTTLE = {
  windowMinutes: 15,
  maxFailuresPerAccount: 5,
  maxFailuresPerAddress: 20,
  /** Attempts older than this are deleted. */
  keepHours: 24,
} as const;

export type ThrottleDecision =
  | { allowed: true; attemptIds: string[] }
  | { allowed: false; attemptIds: [] };

/**
 * Records the attempt first (as a failure) and only then counts, so concurrent attempts see
 * one another. A refused attempt is removed again: hammering does not extend the lockout.
 */
export async function beginSignInAttempt(
  db: DB,
  email: string,
  ip: string,
  now: Date,
): Promise<ThrottleDecision> {
  const at = now.toISOString();
  // Pruning here (not only after a success) keeps a flood of failures from piling up.
  await pruneLoginAttempts(
    db,
    new Date(now.getTime() - SIGN_IN_THROTTLE.keepHours * 3_600_000).toISOString(),
  );
  const since = new Date(now.getTime() - SIGN_IN_THROTTLE.windowMinutes * 60_000).toISOString();
  const accountKey = `account:${email}`;
  const addressKey = `address:${ip}`;
  const ids = [
    await recordLoginAttempt(db, accountKey, at),
    await recordLoginAttempt(db, addressKey, at),
  ];
  const account = await countLoginFailures(db, accountKey, since, { afterLastSuccess: true });
  const address = await countLoginFailures(db, addressKey, since);
  if (
    account > SIGN_IN_THROTTLE.maxFailuresPerAccount ||
    address > SIGN_IN_THROTTLE.maxFailuresPerAddress
  ) {
    await deleteLoginAttempts(db, ids);
    return { allowed: false, attemptIds: [] };
  }
  return { allowed: true, attemptIds: ids };
}

export async function signInSucceeded(db: DB, attemptIds: string[]): Promise<void> {
  await markLoginAttemptsOk(db, attemptIds);
}
