import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../src/client';
import { type DemoOptions, seedDemoDistrict } from '../src/demo';
import { testTargets } from '../src/testing';
import { everyRow } from './every-row';

// The bulk load (demo/bulk.ts): on a fresh Postgres the seed drops the generator's tables'
// secondary indexes and foreign keys, copies, and rebuilds them. It must end with exactly the
// schema a migration makes and exactly the rows the normal path writes, and a failure at any
// point must leave the database as it was.

const OPTIONS: DemoOptions = {
  students: 40,
  seed: 11,
  today: '2027-02-18',
  passwordHash: 'demo-hash',
};

/** Every index and constraint in the schema, by name, with its definition and state. */
async function schemaObjects(db: DB): Promise<string[]> {
  const indexes = await sql<{ line: string }>`
    select tablename || ' ' || indexname || ': ' || indexdef as line
    from pg_indexes where schemaname = current_schema()`.execute(db);
  const constraints = await sql<{ line: string }>`
    select t.relname || ' ' || c.conname || ' [' || c.contype::text || ']: '
      || pg_get_constraintdef(c.oid)
      || case when c.convalidated then '' else ' NOT VALIDATED' end
      || case when c.condeferrable then ' deferrable' else '' end
      || case when c.condeferred then ' deferred' else '' end as line
    from pg_constraint c join pg_class t on t.oid = c.conrelid
    where t.relnamespace = current_schema()::regnamespace`.execute(db);
  return [...indexes.rows, ...constraints.rows].map((r) => r.line).sort();
}

/**
 * A row's JSON with every object's keys in order, JSON text columns included: a fidelity
 * summary's `missed` reasons are keyed in the order the sessions come back, which the plan
 * (the fresh statistics, the index built after the load) decides; the figures are the same.
 */
function keysSorted(json: string): string {
  const sort = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith('{')) {
      try {
        return sort(JSON.parse(v));
      } catch {
        return v;
      }
    }
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([k, x]) => [k, sort(x)]),
      );
    return v;
  };
  return JSON.stringify(sort(JSON.parse(json)));
}

async function rowsLeft(db: DB): Promise<number> {
  const left = await sql<{ n: number }>`
    select (select count(*) from district) + (select count(*) from student)
      + (select count(*) from goal) + (select count(*) from observation) as n`.execute(db);
  return Number(left.rows[0]?.n);
}

const targets = await testTargets();

for (const target of targets.filter((t) => t.dialect === 'postgres')) {
  describe('the bulk demo seed on Postgres', () => {
    it('ends with the migrated schema and the rows of the insert path', async () => {
      const viaBulk = await target.open();
      const viaInsert = await target.open();
      try {
        const migrated = await schemaObjects(viaBulk.db);
        expect(migrated.some((l) => l.includes('FOREIGN KEY'))).toBe(true);
        const steps = new Map<string, number>();
        // The seed's one client takes one statement at a time (pg deprecates overlapping ones).
        const warnings: string[] = [];
        const onWarning = (w: Error) => warnings.push(w.message);
        process.on('warning', onWarning);
        const bulk = await seedDemoDistrict(viaBulk.db, {
          ...OPTIONS,
          onProgress: ({ step, total }) => steps.set(step, total),
        }).finally(() => process.off('warning', onWarning));
        expect(bulk.load).toBe('bulk');
        expect(warnings.filter((w) => w.includes('client.query()'))).toEqual([]);
        // It did take indexes and foreign keys off (and put back as many).
        expect(steps.get('indexes')).toBeGreaterThan(20);
        expect(steps.has('foreign keys')).toBe(true);
        const inserted = await seedDemoDistrict(viaInsert.db, {
          ...OPTIONS,
          postgresLoad: 'insert',
        });
        expect(inserted.load).toBe('insert');

        expect(await schemaObjects(viaBulk.db)).toEqual(migrated);
        expect(await schemaObjects(viaInsert.db)).toEqual(migrated);
        expect(bulk.counts).toEqual(inserted.counts);
        const a = await everyRow(viaBulk.db);
        const b = await everyRow(viaInsert.db);
        expect(Object.keys(a)).toEqual(Object.keys(b));
        for (const table of Object.keys(b))
          expect(a[table]?.map(keysSorted).sort(), table).toEqual(b[table]?.map(keysSorted).sort());
        expect(a.observation?.length).toBeGreaterThan(1000);
      } finally {
        await viaBulk.close();
        await viaInsert.close();
      }
    }, 180_000);

    // While copying (indexes gone), and while putting them back (some back, some not).
    for (const failAt of ['students', 'foreign keys'])
      it(`leaves the database as it was when the load fails at "${failAt}"`, async () => {
        const conn = await target.open();
        try {
          const migrated = await schemaObjects(conn.db);
          await expect(
            seedDemoDistrict(conn.db, {
              ...OPTIONS,
              onProgress: ({ step }) => {
                if (step === failAt) throw new Error('stop here');
              },
            }),
          ).rejects.toThrow('stop here');
          expect(await schemaObjects(conn.db)).toEqual(migrated);
          expect(await rowsLeft(conn.db)).toBe(0);
          // And a seed after it goes through, in bulk.
          expect((await seedDemoDistrict(conn.db, { ...OPTIONS, students: 10 })).load).toBe('bulk');
        } finally {
          await conn.close();
        }
      }, 120_000);
  });
}

for (const target of targets) {
  describe(`a demo seed into a database with a district (${target.dialect})`, () => {
    it('takes the normal path and keeps every index and constraint', async () => {
      const conn = await target.open();
      try {
        const first = await seedDemoDistrict(conn.db, { ...OPTIONS, students: 10 });
        expect(first.load).toBe(target.dialect === 'postgres' ? 'bulk' : 'insert');
        const before = target.dialect === 'postgres' ? await schemaObjects(conn.db) : [];
        const steps = new Set<string>();
        const second = await seedDemoDistrict(conn.db, {
          ...OPTIONS,
          students: 10,
          emailDomain: 'second.test',
          onProgress: ({ step }) => steps.add(step),
        });
        expect(second.load).toBe(target.dialect === 'postgres' ? 'copy' : 'insert');
        expect(steps.has('indexes')).toBe(false);
        if (target.dialect === 'postgres') expect(await schemaObjects(conn.db)).toEqual(before);
        const districts = await conn.db.selectFrom('district').select('id').execute();
        expect(districts).toHaveLength(2);
      } finally {
        await conn.close();
      }
    }, 120_000);
  });
}
