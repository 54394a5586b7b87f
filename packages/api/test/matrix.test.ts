import type { Connection } from '@carryover/db';
import { districtPredicateGaps, testTargets } from '@carryover/db/testing';
import { roles as allRoles, type Role } from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSsoSecretKey } from '../src/auth/sso';
import { appRouter, PUBLIC_PROCEDURES } from '../src/root';
import {
  A,
  addReportingPeriods,
  buildFixture,
  callerFor,
  emails,
  openTestDb,
  PERIODS,
  signIn,
} from './fixtures';
import {
  foreignSubject,
  type Helpers,
  missingSubject,
  type PolicyEntry,
  PUBLIC,
  policy,
  rowCounts,
  SOUTH3_ROUTINE,
  type Subject,
  subjects,
} from './matrix.policy';
import { addFixtureSchedule } from './schedule-fixture';

// Sign-in settings encrypt provider secrets under this process's key (the server's comes from a file).
setSsoSecretKey(Buffer.alloc(32, 7));

// Point 2 of the security issue: every procedure × every role, against one declared policy
// (test/matrix.policy.ts). A procedure without an entry fails here. A record out of the
// caller's scope, in another school or district, or a missing id answer alike: NOT_FOUND.
// And an error inside the access check denies.

const targets = await testTargets();

const emailOf: Record<Role, string> = {
  therapist: emails.slp,
  assistant: emails.slpa,
  teacher: emails.teacher,
  coordinator: emails.coordinator,
  admin: emails.admin,
};

type AnyCaller = Record<string, unknown>;
type Call = (input?: unknown) => Promise<unknown>;

function procedureAt(caller: unknown, path: string): Call {
  let node: unknown = caller;
  for (const part of path.split('.')) node = (node as AnyCaller)[part];
  return node as Call;
}

const paths = Object.keys(appRouter._def.procedures);
const entries = Object.entries(policy).filter(
  (e): e is [string, PolicyEntry] => e[1] !== PUBLIC && paths.includes(e[0]),
);
// Destructive entries last; deleting a student the very last of all.
const ordered = [
  ...entries.filter(([, e]) => !e.last),
  ...entries.filter(([p, e]) => e.last && p !== 'admin.deleteStudent'),
  ...entries.filter(([p]) => p === 'admin.deleteStudent'),
];

/**
 * The only statements that may touch a tenant table without naming a district, all about who
 * someone is before any district is known: the sign-in lookup and the admin's "is this email
 * taken" (emails are unique across districts), and the session a cookie's token hash names.
 * See "Sharding by district" in docs/architecture.md for where they go on a sharded Postgres.
 */
const PRE_DISTRICT: RegExp[] = [
  /^select .* from "staff_user" (.* )?where "(staff_user"\.")?email" = (\?|\$1)$/,
  /^select .* from "auth_session" .*where "auth_session"\."id" = (\?|\$1)$/,
];

async function outcome(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
    return { code: 'OK', message: '' };
  } catch (err) {
    if (err instanceof TRPCError) return { code: err.code, message: err.message };
    throw err;
  }
}

/** A database on which every query touching the student table fails, as a broken scope query would. */
function brokenStudentQueries(conn: Connection) {
  return conn.db.withPlugin({
    transformQuery(args) {
      if (
        args.node.kind === 'SelectQueryNode' &&
        JSON.stringify(args.node).includes('"name":"student"')
      )
        throw new Error('scope query failed');
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
}

describe('the access policy', () => {
  it('has an entry for every procedure of the router, and none for procedures that are gone', () => {
    const missing = paths.filter((p) => !(p in policy));
    expect(missing, 'procedures without an entry in test/matrix.policy.ts').toEqual([]);
    expect(Object.keys(policy).filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('calls public exactly the public allow-list', () => {
    const pub = Object.entries(policy)
      .filter(([, e]) => e === PUBLIC)
      .map(([p]) => p);
    expect(pub.sort()).toEqual([...PUBLIC_PROCEDURES].sort());
  });

  it('names an access for every role, and an input wherever a role may call', () => {
    for (const [path, entry] of entries) {
      expect(Object.keys(entry.access).sort(), path).toEqual([...allRoles].sort());
      const procedure = appRouter._def.procedures[path as keyof typeof appRouter._def.procedures];
      const needsInput = (procedure as unknown as { _def: { inputs: unknown[] } })._def.inputs
        .length;
      if (needsInput && Object.values(entry.access).some((a) => a !== 'deny'))
        expect(entry.input, `${path} needs a sample input`).toBeDefined();
    }
  });
});

for (const target of targets) {
  describe(`role × scope matrix on ${target.dialect}`, () => {
    let conn: Connection;
    const tokens = {} as Record<Role, string>;
    let otToken = '';
    let n = 0;
    /** Every statement the API issues during the walk (sign-ins included), not the test's own. */
    const statements: Parameters<typeof districtPredicateGaps>[0][] = [];
    let capturing = false;
    const api = async <T>(work: () => Promise<T>): Promise<T> => {
      capturing = true;
      try {
        return await work();
      } finally {
        capturing = false;
      }
    };
    const callerOf = async (role: Role, db?: Connection['db']) =>
      (await callerFor(conn, { token: tokens[role], db })).caller;
    const unique = () => `${Date.now().toString(36)}${++n}`;
    const helpersFor = (role: Role): Helpers => ({
      role,
      unique,
      async sessionOf(subject: Subject, by: Role = role) {
        if (subject.kind !== 'in' || (by !== 'therapist' && by !== 'assistant'))
          return subject.sessionId;
        const logger = await callerOf(by);
        const input =
          (await policy['sessions.log']) !== PUBLIC &&
          (policy['sessions.log'] as PolicyEntry).input!(subject, helpersFor(by));
        const r = (await logger.sessions.log(input as never)) as { sessionId: string };
        return r.sessionId;
      },
      async planFor(subject: Subject) {
        if (subject.kind === 'foreign' || subject.kind === 'missing') return 'plan-guessed-1';
        // The SLP serves Ava and Cara; Ben's plan is his OT's.
        const therapist =
          subject.studentId === A.students.ben
            ? (await callerFor(conn, { token: otToken })).caller
            : await callerOf('therapist');
        const r = (await therapist.plans.save(
          (await (policy['plans.save'] as PolicyEntry).input!(
            subject,
            helpersFor('therapist'),
          )) as never,
        )) as { id: string };
        return r.id;
      },
      async actionItemFor(subject: Subject) {
        if (subject.kind === 'foreign' || subject.kind === 'missing') return 'ai-guessed-1';
        // The admin holds a meeting about the student: with the caller, who owns the item (in
        // scope), or alone (out of scope for the caller).
        const admin = await callerOf('admin');
        const ownerRole = subject.kind === 'in' ? role : 'admin';
        const owner = await conn.db
          .selectFrom('staff_user')
          .select('id')
          .where('email', '=', emailOf[ownerRole])
          .executeTakeFirstOrThrow();
        const meeting = await admin.team.create({
          metOn: '2026-03-12',
          studentIds: [subject.studentId],
          participantIds: [owner.id],
          actionItems: [
            { ownerId: owner.id, text: 'Send the visual schedule', dueOn: '2026-03-20' },
          ],
          scheduleAnyway: true,
        });
        const item = await conn.db
          .selectFrom('action_item')
          .select('id')
          .where('touch_base_id', '=', meeting.id)
          .executeTakeFirstOrThrow();
        return item.id;
      },
      async touchBaseFor(subject: Subject) {
        if (subject.kind === 'foreign' || subject.kind === 'missing') return 'tb-guessed-1';
        const itemId = await helpersFor(role).actionItemFor(subject);
        const item = await conn.db
          .selectFrom('action_item')
          .select('touch_base_id')
          .where('id', '=', itemId)
          .executeTakeFirstOrThrow();
        return item.touch_base_id;
      },
      async reportFor(subject: Subject) {
        if (subject.kind === 'foreign' || subject.kind === 'missing') return 'rpt-guessed-1';
        const admin = await callerOf('admin');
        const r = await admin.reports.generate({
          studentId: subject.studentId,
          periodId: PERIODS.q3.id,
        });
        return r.id;
      },
    });

    beforeAll(async () => {
      conn = await openTestDb(target, {
        log: (event) => {
          if (capturing) statements.push(event.query);
        },
      });
      await buildFixture(conn.db);
      await addReportingPeriods(conn.db);
      await addFixtureSchedule(conn.db);
      await conn.db
        .insertInto('routine')
        .values({
          district_id: A.district,
          id: SOUTH3_ROUTINE,
          classroom_id: A.classrooms.south3,
          name: 'morning_meeting',
          weekdays: '1,2,3,4,5',
          start_time: '08:30',
          end_time: '08:50',
        })
        .execute();
      for (const role of allRoles) tokens[role] = await api(() => signIn(conn, emailOf[role]));
      otToken = await signIn(conn, emails.ot);
    });
    afterAll(() => conn?.close());

    type Refusals = Record<string, { code: string; message: string }>;
    /** One role's cell of the matrix for one procedure; refusals are collected for comparison. */
    const checkRole = async (
      path: string,
      entry: PolicyEntry,
      role: Role,
      refusals: Refusals,
    ): Promise<void> => {
      const access = entry.access[role];
      const sample = async (s: Subject) => entry.input?.(s, helpersFor(role));
      const call = async (s: Subject) => {
        const input = await sample(s);
        return api(async () => outcome(procedureAt(await callerOf(role), path)(input)));
      };
      const mine = subjects[role];
      if (access === 'deny') {
        expect(await call(mine.in), `${role} on ${path}`).toMatchObject({
          code: 'FORBIDDEN',
        });
        return;
      }
      if (access === 'none') {
        for (const s of [mine.in, foreignSubject, missingSubject])
          expect(await call(s), `${role} on ${path}, ${s.kind} record`).toMatchObject({
            code: 'NOT_FOUND',
          });
        return;
      }
      if (access === 'scope') {
        const out = entry.outOf && role in entry.outOf ? entry.outOf[role] : mine.out;
        for (const s of [out, foreignSubject, missingSubject]) {
          if (!s) continue;
          const got = await call(s);
          expect(got, `${role} on ${path}, ${s.kind} record`).toEqual({
            code: 'NOT_FOUND',
            message: expect.any(String),
          });
          refusals[`${role}/${s.kind}`] = got;
        }
      }
      const ok = await call(mine.in);
      expect([...(entry.tolerate ?? []), 'OK'], `${role} on ${path}: ${ok.message}`).toContain(
        ok.code,
      );
    };

    const cells = (list: [string, PolicyEntry][]) => {
      for (const [path, entry] of list) {
        if (entry.last) {
          // The last entries hash passwords (two scrypts a role): one test per role keeps each
          // well inside its timeout on a busy machine.
          for (const role of allRoles)
            it(`${path}: ${role} ${entry.access[role]}`, () => checkRole(path, entry, role, {}));
          continue;
        }
        it(`${path}: ${allRoles.map((r) => `${r} ${entry.access[r]}`).join(', ')}`, async () => {
          const refusals: Refusals = {};
          for (const role of allRoles) await checkRole(path, entry, role, refusals);
          // Out of scope, another district, missing: one and the same answer.
          expect(new Set(Object.values(refusals).map((r) => r.message)).size).toBeLessThanOrEqual(
            1,
          );
        });
      }
    };

    cells(ordered.filter(([, e]) => !e.last));

    it('an error inside the access check denies: no scoped procedure succeeds or writes', async () => {
      const broken = brokenStudentQueries(conn);
      const scoped = entries.filter(
        ([p, e]) =>
          !e.last && !e.scopeOf && p !== 'reports.get' && Object.values(e.access).includes('scope'),
      );
      expect(scoped.length).toBeGreaterThan(5);
      // Inputs first (some log a session or make a report on the working database).
      const calls: [string, Role, unknown][] = [];
      for (const [path, entry] of scoped)
        for (const role of allRoles)
          if (entry.access[role] === 'scope')
            calls.push([path, role, await entry.input?.(subjects[role].in, helpersFor(role))]);
      const before = await rowCounts(conn);
      const codes: Record<string, string> = {};
      for (const [path, role, input] of calls) {
        const got = await api(async () =>
          outcome(procedureAt(await callerOf(role, broken), path)(input)),
        );
        codes[`${role} ${path}`] = got.code;
        // A scope check that throws denies (NOT_FOUND, scope.ts). Where a procedure's own check
        // reads other tables and a later query fails, the whole call fails: 500, nothing kept.
        expect(['NOT_FOUND', 'INTERNAL_SERVER_ERROR'], `${role} on ${path}`).toContain(got.code);
      }
      expect(Object.values(codes).filter((c) => c === 'NOT_FOUND').length).toBeGreaterThan(
        calls.length / 2,
      );
      const after = await rowCounts(conn);
      delete before.audit_event;
      delete after.audit_event;
      expect(after).toEqual(before);
    });

    cells(ordered.filter(([, e]) => e.last));

    // For a district-sharded Postgres (docs/architecture.md, "Sharding by district"): every
    // statement the walk above issued, each procedure for each role on every kind of record,
    // names its district on each tenant table it touches.
    it('every statement on a tenant table names its district', async () => {
      const tables = await conn.db.introspection.getTables();
      const tenant = new Set(
        tables.filter((t) => t.columns.some((c) => c.name === 'district_id')).map((t) => t.name),
      );
      expect(tenant.size).toBeGreaterThan(25);
      expect(statements.length).toBeGreaterThan(1000);
      const gaps = new Map<string, string[]>();
      const used = new Set<RegExp>();
      for (const q of statements) {
        const allowed = PRE_DISTRICT.find((pattern) => pattern.test(q.sql));
        if (allowed) {
          used.add(allowed);
          continue;
        }
        const found = districtPredicateGaps(q, tenant);
        if (found.length > 0) gaps.set(q.sql, found);
      }
      expect(Object.fromEntries(gaps)).toEqual({});
      // An allowance nothing needs any more goes, so the list cannot hide a new statement.
      expect(PRE_DISTRICT.filter((p) => !used.has(p))).toEqual([]);
    });
  });
}
