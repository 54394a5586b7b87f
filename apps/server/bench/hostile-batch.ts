// The availability measurement of issue 12: one user's hostile tRPC batch against a running
// server, and how long the server stops answering anyone else meanwhile. A probe asks a cheap
// question (`auth.me`, signed out: no database work) every 10 ms from this process, which
// does nothing else while the batch runs; its slowest answer is the longest stall the batch
// caused. Over HTTP only, so it measures any build of the server (main's, this branch's).

const PASSWORD = 'carryover-demo';

export interface HostileBatchResult {
  /** What the batch got back: HTTP status, and per call ok / error code counts. */
  status: number;
  outcomes: Record<string, number>;
  batchMs: number;
  /** The slowest probe answer while the batch ran (and one probe interval after). */
  longestStallMs: number;
  probes: number;
  failedProbes: number;
}

export async function signInOverHttp(baseUrl: string, email: string): Promise<string> {
  const res = await fetch(`${baseUrl}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!res.ok || !cookie) throw new Error(`sign-in of ${email} failed: ${res.status}`);
  return cookie;
}

/**
 * `count` calls of `path` with `input`, as POST (the web app's method override): in one batch,
 * or split into batches of `perBatch` sent all at once (what a batch cap leaves an attacker).
 */
export async function hostileBatch(
  baseUrl: string,
  cookie: string,
  path: string,
  count: number,
  input: unknown = {},
  perBatch = count,
): Promise<HostileBatchResult> {
  let probing = true;
  let longest = 0;
  let probes = 0;
  const failures: string[] = [];
  const probe = (async () => {
    while (probing) {
      const started = performance.now();
      // A keep-alive socket the server just closed resets at once; that is not a stall, and
      // the time until then still counts.
      const answered = await fetch(`${baseUrl}/trpc/auth.me`)
        .then((r) => r.arrayBuffer())
        .then(
          () => true,
          (err: unknown) => {
            failures.push(String((err as { cause?: unknown }).cause ?? err));
            return false;
          },
        );
      longest = Math.max(longest, performance.now() - started);
      if (answered) probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const sizes: number[] = [];
  for (let left = count; left > 0; left -= perBatch) sizes.push(Math.min(perBatch, left));
  const started = performance.now();
  const answers = await Promise.all(
    sizes.map(async (size) => {
      const paths = Array.from({ length: size }, () => path).join(',');
      const inputs = Object.fromEntries(Array.from({ length: size }, (_, i) => [i, input]));
      const res = await fetch(`${baseUrl}/trpc/${paths}?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(inputs),
      });
      return { status: res.status, text: await res.text() };
    }),
  );
  const batchMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 50));
  probing = false;
  await probe;
  const outcomes: Record<string, number> = {};
  for (const { status, text } of answers) {
    let items: unknown[];
    try {
      const body = JSON.parse(text) as unknown;
      items = Array.isArray(body) ? body : [body];
    } catch {
      items = [null];
    }
    for (const item of items) {
      const error = (item as { error?: { message?: string; data?: { code?: string } } } | null)
        ?.error;
      const code = error
        ? (error.data?.code ?? `HTTP ${status}: ${error.message}`)
        : (item as { result?: unknown } | null)?.result
          ? 'ok'
          : 'unreadable';
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
  }
  return {
    status: Math.max(...answers.map((a) => a.status)),
    outcomes,
    batchMs: Math.round(batchMs),
    longestStallMs: Math.round(longest),
    probes,
    failedProbes: failures.length,
  };
}

// Run alone against a server that is already up: BASE_URL=http://127.0.0.1:3000 tsx bench/hostile-batch.ts
// (PER_BATCH=20 splits each user's calls into batches at the server's cap, sent at once).
if (process.argv[1]?.endsWith('hostile-batch.ts')) {
  const baseUrl = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
  const perBatch = process.env.PER_BATCH ? Number(process.env.PER_BATCH) : undefined;
  const runs: [string, string, number][] = [
    ['coordinator@demo.test', 'caseload.list', 50],
    ['teacher@demo.test', 'caseload.list', 40],
  ];
  for (const [email, path, count] of runs) {
    const cookie = await signInOverHttp(baseUrl, email);
    const r = await hostileBatch(baseUrl, cookie, path, count, {}, perBatch ?? count);
    console.log(`${email} × ${count} ${path}: ${JSON.stringify(r)}`);
  }
}
