import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { type Connection, systemClock } from '@carryover/db';
import { dateIn } from '@carryover/domain';
import { appRouter } from '../src/root';
import { createCallerFactory, createContextInner } from '../src/trpc';

// Calling procedures the way a request calls them (a fresh context per call, the session
// resolved from the cookie's token), and a therapist's two busiest pages: shared by the bench
// and the measuring scripts.

const createCaller = createCallerFactory(appRouter);
const silent = { info() {}, warn() {}, error() {} };

/** Signs `email` in once; each call of the result is a caller with a fresh request context. */
export async function signedInCaller(
  conn: Connection,
  email: string,
  password: string,
  now: () => Date = systemClock,
) {
  const cookies: string[] = [];
  const caller = async (sessionToken: string | null) =>
    createCaller(
      await createContextInner({
        db: conn.db,
        dialect: conn.dialect,
        sessionToken,
        ip: '203.0.113.7',
        now,
        log: silent,
        setCookie: (token) => cookies.push(token),
        clearCookie: () => {},
      }),
    );
  await (await caller(null)).auth.signIn({ email, password });
  const token = cookies.at(-1) ?? null;
  return () => caller(token);
}

/**
 * Runs `call` once to warm up, then `runs` times, and prints the median, min and max wall time
 * and the median CPU time of this process: on a shared, busy machine wall time mostly measures
 * the neighbours, CPU time the work.
 */
export async function printMedian(
  label: string,
  call: () => Promise<unknown>,
  runs: number,
  digits = 1,
): Promise<void> {
  await call();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await call();
    const used = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  times.sort((a, b) => a - b);
  console.log(
    `${label}: median ${median(times).toFixed(digits)} ms (min ${times[0]?.toFixed(digits)}, max ${times.at(-1)?.toFixed(digits)}, n=${runs}); CPU median ${median(cpu).toFixed(digits)} ms`,
  );
}

export interface RequestPaths {
  /** The therapist with the most current services, and their student with the most data. */
  therapistId: string;
  services: number;
  studentId: string;
  caseloadList(): Promise<number>;
  studentGet(): Promise<unknown>;
}

export async function busiestTherapistPaths(
  conn: Connection,
  options: { password: string; now?: () => Date },
): Promise<RequestPaths> {
  const now = options.now ?? systemClock;
  const today = dateIn(now(), 'UTC');
  const therapist = await conn.db
    .selectFrom('service')
    .innerJoin('staff_user', (j) =>
      j
        .onRef('staff_user.district_id', '=', 'service.district_id')
        .onRef('staff_user.id', '=', 'service.provider_id'),
    )
    .select(['staff_user.district_id', 'staff_user.id', 'staff_user.email'])
    .select((eb) => eb.fn.countAll<number>().as('services'))
    .where('staff_user.role', '=', 'therapist')
    .where('service.end_date', '>=', today)
    .groupBy(['staff_user.district_id', 'staff_user.id', 'staff_user.email'])
    .orderBy('services', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const student = await conn.db
    .selectFrom('observation')
    .innerJoin('service', (j) =>
      j
        .onRef('service.district_id', '=', 'observation.district_id')
        .onRef('service.student_id', '=', 'observation.student_id'),
    )
    .select('observation.student_id')
    .select((eb) => eb.fn.countAll<number>().as('observations'))
    .where('service.district_id', '=', therapist.district_id)
    .where('service.provider_id', '=', therapist.id)
    .where('service.end_date', '>=', today)
    .groupBy('observation.student_id')
    .orderBy('observations', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();

  const as = await signedInCaller(conn, therapist.email, options.password, now);
  return {
    therapistId: therapist.id,
    services: therapist.services,
    studentId: student.student_id,
    caseloadList: async () => (await (await as()).caseload.list()).items.length,
    studentGet: async () => (await as()).student.get({ studentId: student.student_id }),
  };
}

/**
 * With PROFILE naming a file, starts a V8 CPU profile of what runs next; the returned function
 * stops it and writes the file (open it in Chrome's DevTools). Without PROFILE, does nothing.
 */
export async function profileIfAsked(): Promise<() => Promise<void>> {
  const file = process.env.PROFILE;
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
