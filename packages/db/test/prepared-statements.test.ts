import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connection, planCacheMode } from '../src/client';
import { MAX_PREPARED_PER_CONNECTION, PLAN_EACH_RUN } from '../src/prepared-statements';
import { refreshPlannerStatistics } from '../src/queries/maintenance';
import { scopedStudentIds } from '../src/queries/scope';
import { openTestPostgres, testTargets } from '../src/testing';

// Postgres runs the server's statements as named, prepared statements (prepared-statements.ts):
// planning them anew cost more than running them at district scale. One connection here
// (poolSize 1), so what it prepared is what pg_prepared_statements lists.

const hasPostgres = (await testTargets()).some((t) => t.dialect === 'postgres');

describe.runIf(hasPostgres)('prepared statements on Postgres', () => {
  let conn: Connection | undefined;
  afterEach(async () => {
    await conn?.close();
    conn = undefined;
  });

  const prepared = async (c: Connection) =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(c.db)
    ).rows.map((r) => r.statement);

  const schools = (c: Connection, id: string) =>
    c.db
      .selectFrom('school')
      .selectAll()
      .where('district_id', '=', 'd1')
      .where('id', '=', id)
      .execute();

  const seed = async (c: Connection) => {
    await c.db
      .insertInto('district')
      .values({ id: 'd1', name: 'One', settings: '{}', created_at: '2026-01-01' })
      .execute();
    await c.db
      .insertInto('school')
      .values(
        Array.from({ length: 5 }, (_, i) => ({ district_id: 'd1', id: `s${i}`, name: `S${i}` })),
      )
      .execute();
  };

  it('prepares each statement text once per connection and runs it with new parameters', async () => {
    conn = await openTestPostgres({ poolSize: 1 });
    await seed(conn);
    for (let i = 0; i < 8; i++)
      expect(await schools(conn, `s${i % 5}`)).toEqual([
        { district_id: 'd1', id: `s${i % 5}`, name: `S${i % 5}` },
      ]);
    const statements = await prepared(conn);
    const select = statements.filter((s) => s.startsWith('select * from "school"'));
    expect(select).toHaveLength(1);
    // BEGIN, COMMIT and other utility statements are not planned, so not prepared.
    await conn.db.transaction().execute(async (trx) => {
      await trx.selectFrom('school').select('id').where('district_id', '=', 'd1').execute();
    });
    expect((await prepared(conn)).some((s) => /^(begin|commit)/i.test(s))).toBe(false);
  });

  it('plans each run for its values in force_custom_plan mode', async () => {
    conn = await openTestPostgres({ poolSize: 1, planCacheMode: 'force_custom_plan' });
    const mode = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(conn.db);
    expect(mode.rows).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
    await seed(conn);
    for (let i = 0; i < 8; i++) await schools(conn, 's1');
    const plans = await sql<{ generic_plans: number; custom_plans: number }>`
      select generic_plans, custom_plans from pg_prepared_statements
      where statement like 'select * from "school"%'`.execute(conn.db);
    expect(plans.rows).toEqual([{ generic_plans: 0, custom_plans: 8 }]);
  });

  it("runs a coordinator's or admin's scope unnamed, so it is planned for its values every time", async () => {
    conn = await openTestPostgres({ poolSize: 1 });
    const mode = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(conn.db);
    expect(mode.rows).toEqual([{ plan_cache_mode: 'auto' }]);
    await seed(conn);
    const today = '2026-09-01';
    for (let i = 0; i < 8; i++)
      for (const role of ['coordinator', 'admin', 'therapist'])
        await scopedStudentIds(conn.db, { id: 'u1', districtId: 'd1', role }, today).execute();
    const statements = await prepared(conn);
    // The therapist's scope (a caseload of a few dozen) keeps its prepared statement and, in
    // auto mode, a generic plan; the marked scopes were never prepared.
    expect(statements.filter((s) => s.includes('"service"."provider_id"'))).toHaveLength(1);
    expect(statements.filter((s) => s.includes(PLAN_EACH_RUN))).toEqual([]);
    expect(statements.filter((s) => s.includes('from "student"'))).toHaveLength(1);
  });

  it('in auto mode keeps a generic plan, and re-plans it when the table grows and is analysed', async () => {
    conn = await openTestPostgres({ poolSize: 1, planCacheMode: 'auto' });
    await seed(conn);
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    for (let i = 0; i < 8; i++) await schools(conn, 's1');
    const statement = (
      await sql<{ name: string; generic_plans: number; custom_plans: number }>`
        select name, generic_plans, custom_plans from pg_prepared_statements
        where statement like 'select * from "school"%'`.execute(conn.db)
    ).rows[0]!;
    // Five runs planned for their values, then the one generic plan: planning is skipped.
    expect(statement).toMatchObject({ custom_plans: 5, generic_plans: 3 });
    const scan = async () => {
      const plan = await sql<{ 'QUERY PLAN': string }>`explain (costs off) execute ${sql.raw(
        statement.name,
      )}('d1', 's1')`.execute(conn!.db);
      return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    // Five schools fit one page: reading it beats an index.
    expect(await scan()).toMatch(/Seq Scan on school/);
    await sql`insert into school (district_id, id, name)
      select 'd1', 'x' || g, 'X' || g from generate_series(1, 20000) g`.execute(conn.db);
    await refreshPlannerStatistics(conn.db, { afterBulkLoad: true });
    // The new statistics invalidated the kept plan (without them it stays a sequential scan of
    // 20,000 rows): the statement is planned again, and looks the school up by its key.
    expect(await scan()).toMatch(/Index Scan using school_pk on school/);
  });

  it('answers with the new columns after a table changes under a prepared statement', async () => {
    conn = await openTestPostgres({ poolSize: 1 });
    await seed(conn);
    for (let i = 0; i < 6; i++) await schools(conn, 's1');
    await sql`alter table school add column motto text`.execute(conn.db);
    await sql`update school set motto = 'Onward' where id = 's1'`.execute(conn.db);
    expect(await schools(conn, 's1')).toEqual([
      { district_id: 'd1', id: 's1', name: 'S1', motto: 'Onward' },
    ]);
  });

  it('prepares at most its limit per connection; the rest run unnamed', async () => {
    conn = await openTestPostgres({ poolSize: 1 });
    await seed(conn);
    // Each literal gives a different statement text.
    for (let n = 1; n <= MAX_PREPARED_PER_CONNECTION + 20; n++)
      expect(
        (await sql<{ n: number }>`select ${sql.lit(n)}::int as n`.execute(conn.db)).rows,
      ).toEqual([{ n }]);
    expect((await prepared(conn)).length).toBe(MAX_PREPARED_PER_CONNECTION);
  });

  it('prepares nothing when switched off', async () => {
    conn = await openTestPostgres({ poolSize: 1, preparedStatements: false });
    await seed(conn);
    for (let i = 0; i < 3; i++) await schools(conn, 's2');
    expect(await prepared(conn)).toEqual([]);
  });
});

describe('plan cache mode', () => {
  it("is Postgres's own auto unless DATABASE_PLAN_CACHE_MODE names another mode, and refuses a typo", () => {
    expect(planCacheMode(undefined)).toBe('auto');
    expect(planCacheMode('')).toBe('auto');
    expect(planCacheMode('force_custom_plan')).toBe('force_custom_plan');
    expect(() => planCacheMode('force_custom')).toThrow(/DATABASE_PLAN_CACHE_MODE must be one of/);
  });
});
