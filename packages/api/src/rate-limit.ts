import type { Role } from '@carryover/domain';

// The one per-user rate limiter. Every signed-in call spends a token of its cost class, declared
// on the procedure (`.meta({ cost })`; queries default to cheap reads, mutations to writes), so
// one user's batch of heavy reads cannot hold the server for everyone else. Buckets refill
// continuously; an empty bucket answers TOO_MANY_REQUESTS with the seconds until the next
// token (the Retry-After header). Signed-out calls are not limited here: sign-in has its own
// throttle (auth/throttle.ts) and the server bounds every body before it is parsed.

export type CostClass = 'cheapRead' | 'heavyRead' | 'write' | 'export';

/** A cost class, or one that depends on who asks (the caseload is heavy for a district-wide viewer). */
export type Cost = CostClass | ((role: Role) => CostClass);

export interface BucketLimit {
  /** Calls allowed at once, after a quiet spell. */
  burst: number;
  /** Calls per minute, sustained. */
  perMinute: number;
}

/**
 * Sized from the web app's own use: a page asks for a handful of reads at once, the coordinator's
 * caseload loads a page per scroll step, the outbox sends queued sessions in a burst after a
 * day offline, and exports are a few clicks.
 */
export const RATE_LIMITS: Readonly<Record<CostClass, BucketLimit>> = {
  cheapRead: { burst: 120, perMinute: 600 },
  heavyRead: { burst: 20, perMinute: 60 },
  write: { burst: 60, perMinute: 300 },
  export: { burst: 5, perMinute: 10 },
};

export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiterOptions {
  limits?: Readonly<Record<CostClass, BucketLimit>>;
  /**
   * Server processes sharing the load. The buckets live in each process's memory, so with N
   * processes each one allows 1/N of every limit: a user whose calls land on every process
   * still gets about the whole limit, never N times it.
   */
  processes?: number;
  /**
   * Every limit multiplied by this (default 1). For load tests that play many users through a
   * few demo accounts (the HTTP bench); a district tunes nothing here.
   */
  scale?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets idle long enough to be full again are forgotten past this many. */
const PRUNE_ABOVE = 10_000;

export class RateLimiter {
  readonly #limits: Record<CostClass, { burst: number; perMs: number }>;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions = {}) {
    const processes = Math.max(1, Math.floor(options.processes ?? 1));
    const scale = options.scale !== undefined && options.scale > 0 ? options.scale : 1;
    const limits = options.limits ?? RATE_LIMITS;
    this.#now = options.now ?? (() => performance.now());
    this.#limits = Object.fromEntries(
      Object.entries(limits).map(([cls, l]) => [
        cls,
        {
          burst: Math.max(1, (l.burst * scale) / processes),
          perMs: (l.perMinute * scale) / processes / 60_000,
        },
      ]),
    ) as Record<CostClass, { burst: number; perMs: number }>;
  }

  /** Spends one token of `cls` for `key` (a user id), or says when the next one comes. */
  take(key: string, cls: CostClass): RateVerdict {
    const limit = this.#limits[cls];
    const now = this.#now();
    const id = `${cls}\u0000${key}`;
    const bucket = this.#buckets.get(id) ?? { tokens: limit.burst, at: now };
    const tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * limit.perMs);
    if (tokens < 1) {
      this.#buckets.set(id, { tokens, at: now });
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limit.perMs / 1000)),
      };
    }
    this.#buckets.set(id, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > PRUNE_ABOVE) this.#prune(now);
    return { ok: true };
  }

  #prune(now: number): void {
    for (const [id, bucket] of this.#buckets) {
      const cls = id.slice(0, id.indexOf('\u0000')) as CostClass;
      const limit = this.#limits[cls];
      if (bucket.tokens + (now - bucket.at) * limit.perMs >= limit.burst) this.#buckets.delete(id);
    }
  }
}

/** What a call costs: its declared class, or by kind (queries read cheaply, mutations write). */
export function costOf(
  cost: Cost | undefined,
  type: 'query' | 'mutation' | 'subscription',
  role: Role,
): CostClass {
  if (typeof cost === 'function') return cost(role);
  return cost ?? (type === 'query' ? 'cheapRead' : 'write');
}

/** The caseload and lists like it: heavy for those who see a school or the whole district. */
export const heavyForDistrictViewers: Cost = (role) =>
  role === 'coordinator' || role === 'admin' ? 'heavyRead' : 'cheapRead';

/** Thrown by the rate limit; the error formatter and the server read `retryAfterSeconds`. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests: try again in ${retryAfterSeconds} s.`);
    this.name = 'RateLimited';
  }
}
