import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { districtPredicateGaps } from '../src/district-predicate';
import type { Database } from '../src/schema';

// The checker behind the API's "every statement names its district" test: it must catch each
// way a statement can miss its district, or that test proves nothing.

const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});
const tenant = new Set(['student', 'service', 'staff_user', 'session_student', 'audit_event']);
const gaps = (q: { compile(): Parameters<typeof districtPredicateGaps>[0] }) =>
  districtPredicateGaps(q.compile(), tenant);

describe('districtPredicateGaps', () => {
  it('accepts a statement that compares each table’s district with a value or a joined table’s', () => {
    expect(
      gaps(
        db.selectFrom('student').select('id').where('district_id', '=', 'd').where('id', '=', 's'),
      ),
    ).toEqual([]);
    expect(
      gaps(
        db
          .selectFrom('service')
          .leftJoin('staff_user as provider', (j) =>
            j
              .onRef('provider.district_id', '=', 'service.district_id')
              .onRef('provider.id', '=', 'service.provider_id'),
          )
          .select('service.id')
          .where('service.district_id', '=', 'd'),
      ),
    ).toEqual([]);
    expect(gaps(db.selectFrom('district').select('name').where('id', '=', 'd'))).toEqual([]);
    expect(gaps(db.selectFrom('login_attempt').select('at').where('key', '=', 'k'))).toEqual([]);
    expect(
      gaps(db.insertInto('audit_event').values({ district_id: 'd', id: 'e' } as never)),
    ).toEqual([]);
  });

  it('names the table reference with no district predicate, wherever it is', () => {
    expect(gaps(db.selectFrom('student').select('id').where('id', '=', 's'))).toEqual(['student']);
    expect(
      gaps(
        db
          .selectFrom('service')
          .leftJoin('staff_user as provider', (j) =>
            j.onRef('provider.id', '=', 'service.provider_id'),
          )
          .select('service.id')
          .where('service.district_id', '=', 'd'),
      ),
    ).toEqual(['staff_user as provider']);
    expect(
      gaps(
        db
          .selectFrom('service')
          .select('id')
          .where('district_id', '=', 'd')
          .where(
            'student_id',
            'in',
            db.selectFrom('student').select('id').where('first_name', '=', 'Ava'),
          ),
      ),
    ).toEqual(['student']);
    expect(
      gaps(db.updateTable('session_student').set({ note: 'x' }).where('session_id', '=', 's')),
    ).toEqual(['session_student']);
    expect(gaps(db.deleteFrom('audit_event').where('id', '=', 'e'))).toEqual(['audit_event']);
    expect(gaps(db.insertInto('audit_event').values({ id: 'e' } as never))).toEqual([
      'insert into audit_event',
    ]);
  });

  it('does not count a district inside an OR, or a join that never meets a value', () => {
    expect(
      gaps(
        db
          .selectFrom('student')
          .select('id')
          .where((eb) => eb.or([eb('district_id', '=', 'd'), eb('id', '=', 's')])),
      ),
    ).toEqual(['student']);
    expect(
      gaps(
        db
          .selectFrom('service')
          .innerJoin('student', (j) => j.onRef('student.district_id', '=', 'service.district_id'))
          .select('service.id'),
      ),
    ).toEqual(['no district compared with a value']);
  });

  it('reads raw SQL by its text', () => {
    expect(
      districtPredicateGaps(sql`select * from student where id = ${'s'}`.compile(db), tenant),
    ).toEqual(['raw: select * from student where id = ?']);
    expect(
      districtPredicateGaps(
        sql`select * from student where district_id = ${'d'}`.compile(db),
        tenant,
      ),
    ).toEqual([]);
  });
});
