import type { Connection } from '@carryover/db';
import { appRouter } from '../src/root';
import { createCallerFactory, createContextInner } from '../src/trpc';

// A therapist's two busiest pages, called the way a request calls them (a fresh context per
// call, session resolved from the cookie's token): shared by the bench and the measuring script.

const createCaller = createCallerFactory(appRouter);
const silent = { info() {}, warn() {}, error() {} };

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
  const now = options.now ?? (() => new Date());
  const today = now().toISOString().slice(0, 10);
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
  await (await caller(null)).auth.signIn({ email: therapist.email, password: options.password });
  const token = cookies.at(-1) ?? null;
  return {
    therapistId: therapist.id,
    services: therapist.services,
    studentId: student.student_id,
    caseloadList: async () => (await (await caller(token)).caseload.list()).length,
    studentGet: async () => (await caller(token)).student.get({ studentId: student.student_id }),
  };
}
