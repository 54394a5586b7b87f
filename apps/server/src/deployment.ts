import { verifyPassword } from '@carryover/api/passwords';
import type { DB, Dialect } from '@carryover/db';

// What separates a demo on one's own machine from a deployment others can reach. The demo
// district (every account's password published in the README) is only for the former.

export const DEMO_PASSWORD = 'carryover-demo';

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface Exposure {
  host: string;
  dialect: Dialect;
  env: NodeJS.ProcessEnv;
}

/**
 * Why this server counts as reachable by others, or null for a local demo: listening beyond
 * loopback, or behind a proxy (TRUST_PROXY, PUBLIC_URL), which forwards other people to it.
 */
export function reachableBecause({ host, env }: Omit<Exposure, 'dialect'>): string | null {
  if (!isLoopback(host)) return `it listens on ${host}`;
  if (env.TRUST_PROXY && env.TRUST_PROXY !== '0') return 'TRUST_PROXY says a proxy forwards to it';
  if (env.PUBLIC_URL) return 'PUBLIC_URL says it is served to others';
  return null;
}

/**
 * `start` fills the demo district into an empty database only for a local demo: SQLite (a
 * Postgres server is a real deployment's database) on loopback with no proxy in front.
 */
export function seedsDemo(exposure: Exposure): boolean {
  return exposure.dialect === 'sqlite' && reachableBecause(exposure) === null;
}

/**
 * The emails of active accounts whose password is the demo password. Each distinct hash is
 * checked once (the demo seed gives every account the same hash), two at a time: scrypt is slow
 * on purpose, and start-up pays it once per account of a real district.
 */
export async function accountsWithDemoPassword(db: DB): Promise<string[]> {
  const accounts = await db
    .selectFrom('staff_user')
    .select(['email', 'password_hash'])
    .where('active', '=', 1)
    .orderBy('email')
    .execute();
  const hashes = [...new Set(accounts.map((a) => a.password_hash))];
  const demo = new Set<string>();
  for (let i = 0; i < hashes.length; i += 2) {
    const pair = hashes.slice(i, i + 2);
    const matches = await Promise.all(pair.map((h) => verifyPassword(DEMO_PASSWORD, h)));
    pair.forEach((h, j) => {
      if (matches[j]) demo.add(h);
    });
  }
  return accounts.filter((a) => demo.has(a.password_hash)).map((a) => a.email);
}

/** The refusal a reachable server prints while demo passwords exist: what is wrong, and the fix. */
export function demoPasswordRefusal(why: string, emails: readonly string[]): string {
  const shown = emails.slice(0, 3).join(', ') + (emails.length > 3 ? ', …' : '');
  return [
    `Refusing to serve: ${why}, and ${emails.length} account(s) still have the published demo password (${shown}).`,
    'Fix one of these:',
    '  - a real deployment: start from an empty database (a new DATABASE_URL, or `carryover reset --yes`),',
    '    then create the first admin with `carryover create-admin`, who sets their own password;',
    '  - a demo on this machine only: serve on loopback (HOST=127.0.0.1, the default) without TRUST_PROXY/PUBLIC_URL.',
  ].join('\n');
}
