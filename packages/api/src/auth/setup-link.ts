import { createSetupToken, type DB } from '@carryover/db';
import { SETUP_LINK_HOURS } from '@carryover/domain';
import { newSessionToken, sessionIdFor } from './session';

// One-time setup links: the way a first admin (or anyone an operator adds from the command
// line) gets an account without a default password. The link carries a random secret; only
// its hash is stored; it expires and works once (auth.completeSetup).

export { SETUP_LINK_HOURS };

/** A new link token `<district id>.<secret>` for the user, replacing any earlier one. */
export async function newSetupLinkToken(
  db: DB,
  user: { districtId: string; userId: string },
  now: Date,
): Promise<{ token: string; expiresAt: string }> {
  const secret = newSessionToken();
  const expiresAt = new Date(now.getTime() + SETUP_LINK_HOURS * 3_600_000).toISOString();
  await createSetupToken(db, {
    districtId: user.districtId,
    userId: user.userId,
    id: sessionIdFor(secret),
    now: now.toISOString(),
    expiresAt,
  });
  return { token: `${user.districtId}.${secret}`, expiresAt };
}
