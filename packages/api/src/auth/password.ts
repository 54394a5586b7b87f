import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

// Passwords are hashed with scrypt (memory-hard) and stored as `scrypt$N$r$p$salt$hash`
// (salt and hash base64url), so the cost can be raised later without breaking old hashes.

export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, saltBytes: 32, keyBytes: 64 } as const;

/** scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly that, so leave headroom. */
const maxmemFor = (N: number, r: number) => 2 * 128 * N * r;

/** How many scrypt derivations this process has run: lets tests prove every refusal pays one. */
export const scryptRuns = { count: 0 };

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions) {
  scryptRuns.count++;
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyBytes, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** The lowest cost `verifyPassword` accepts: a stored hash names its own N. */
export const SCRYPT_MIN_N = 2 ** 10;

/**
 * A new hash at the current cost. `N` lower than `SCRYPT_PARAMS.N` (never below `SCRYPT_MIN_N`)
 * is for test fixtures' users, who sign in hundreds of times per run through the same check.
 */
export async function hashPassword(
  password: string,
  { N }: { N: number } = SCRYPT_PARAMS,
): Promise<string> {
  if (!Number.isInteger(Math.log2(N)) || N < SCRYPT_MIN_N || N > SCRYPT_PARAMS.N)
    throw new RangeError(`scrypt N must be a power of two from 2^10 to 2^15, not ${N}`);
  const { r, p, saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, { N, r, p, maxmem: maxmemFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check; false (never a throw) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a corrupted row from asking for gigabytes of memory.
  if (!Number.isInteger(Math.log2(N)) || N < SCRYPT_MIN_N || N > 2 ** 20) return false;
  if (!(r >= 1 && r <= 32 && p >= 1 && p <= 16)) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 16 || expected.length < 32) return false;
  const actual = await derive(password, salt, expected.length, {
    N,
    r,
    p,
    maxmem: maxmemFor(N, r),
  });
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * A real hash of a random password, made once. Sign-in checks an unknown email against it so
 * that a missing account takes as long to refuse as a wrong password.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}
