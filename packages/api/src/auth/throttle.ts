import {
  countLoginFailures,
  type DB,
  deleteLoginAttempts,
  markLoginAttemptsOk,
  pruneLoginAttempts,
  recordLoginAttempt,
} from '@carryover/db';

/**
 * Sign-in throttling that an attacker cannot turn against a school. Failures are counted in a
 * 15-minute window under several keys, and an attempt is refused (429) once any is over:
 *
 * - account + address: 5. The everyday lockout of one guesser at one account.
 * - address: 200. A whole school signs in from one NAT address on Monday morning; this only
 *   stops one address from spraying guesses across many accounts.
 * - account, from any address: 50. Guessing spread over many addresses (a botnet).
 * - a device that completed a sign-in as this account before (its device cookie): 10, and
 *   then only this count applies. So guesses from elsewhere, however many, never lock the
 *   owner out on their own device; the cookie is unguessable, so an attacker cannot borrow it.
 *
 * The account's own successful sign-in clears the account-wide and account + address counts;
 * an address's count is not cleared by a success (one valid account must not buy unlimited
 * guesses at others). A malformed request counts against its address (and its account +
 * address, if it names an email).
 */
export const SIGN_IN_THROTTLE = {
  windowMinutes: 15,
  maxFailuresPerAccountAndAddress: 5,
  maxFailuresPerAddress: 200,
  maxFailuresPerAccount: 50,
  maxFailuresPerKnownDevice: 10,
  /** Attempts older than this are deleted. */
  keepHours: 24,
} as const;

export type ThrottleDecision =
  | { allowed: true; attemptIds: string[] }
  | {
      allowed: false;
      attemptIds: [];
      reason: 'account_address' | 'address' | 'account' | 'device';
    };

export interface SignInAttempt {
  email: string;
  ip: string;
  /** The hashed device cookie, when it belongs to this account. */
  knownDeviceId?: string | null;
}

const keysFor = ({ email, ip, knownDeviceId }: SignInAttempt) =>
  knownDeviceId
    ? [
        {
          key: `device:${knownDeviceId}`,
          max: SIGN_IN_THROTTLE.maxFailuresPerKnownDevice,
          clears: true,
          reason: 'device' as const,
        },
      ]
    : [
        {
          key: `pair:${email}|${ip}`,
          max: SIGN_IN_THROTTLE.maxFailuresPerAccountAndAddress,
          clears: true,
          reason: 'account_address' as const,
        },
        {
          key: `address:${ip}`,
          max: SIGN_IN_THROTTLE.maxFailuresPerAddress,
          clears: false,
          reason: 'address' as const,
        },
        {
          key: `account:${email}`,
          max: SIGN_IN_THROTTLE.maxFailuresPerAccount,
          clears: true,
          reason: 'account' as const,
        },
      ];

/**
 * Records the attempt first (as a failure) and only then counts, so concurrent attempts see
 * one another. A refused attempt is removed again: hammering does not extend the lockout.
 */
export async function beginSignInAttempt(
  db: DB,
  attempt: SignInAttempt,
  now: Date,
): Promise<ThrottleDecision> {
  const at = now.toISOString();
  // Pruning here (not only after a success) keeps a flood of failures from piling up.
  await pruneLoginAttempts(
    db,
    new Date(now.getTime() - SIGN_IN_THROTTLE.keepHours * 3_600_000).toISOString(),
  );
  const since = new Date(now.getTime() - SIGN_IN_THROTTLE.windowMinutes * 60_000).toISOString();
  const keys = keysFor(attempt);
  const ids: string[] = [];
  for (const k of keys) ids.push(await recordLoginAttempt(db, k.key, at));
  for (const k of keys) {
    const failures = await countLoginFailures(db, k.key, since, { afterLastSuccess: k.clears });
    if (failures > k.max) {
      await deleteLoginAttempts(db, ids);
      return { allowed: false, attemptIds: [], reason: k.reason };
    }
  }
  return { allowed: true, attemptIds: ids };
}

export async function signInSucceeded(db: DB, attemptIds: string[]): Promise<void> {
  await markLoginAttemptsOk(db, attemptIds);
}

/** A malformed sign-in request: one failure against its address (and account + address). */
export async function recordMalformedSignIn(
  db: DB,
  attempt: { email: string | null; ip: string },
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  await recordLoginAttempt(db, `address:${attempt.ip}`, at);
  if (attempt.email) await recordLoginAttempt(db, `pair:${attempt.email}|${attempt.ip}`, at);
}
