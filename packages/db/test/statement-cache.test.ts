import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Connection, sqliteHandleOf } from '../src/client';
import { openTestSqlite } from '../src/testing';

// SQLite keeps each connection's prepared statements (client.ts, `withStatementCache`): a page
// runs the same statements on every request, and preparing one cost as much as running it.

describe('prepared statements on SQLite', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openTestSqlite();
    await conn.db
      .insertInto('district')
      .values({ id: 'd1', name: 'One', settings: '{}', created_at: '2026-01-01' })
      .execute();
    await conn.db
      .insertInto('school')
      .values(Array.from({ length: 5 }, (_, i) => ({ district_id: 'd1', id: `s${i}`, name: 'S' })))
      .execute();
  });
  afterEach(() => conn?.close());

  const schools = () =>
    conn.db.selectFrom('school').select('id').where('district_id', '=', 'd1').orderBy('id');

  it('prepares a statement once and runs it again with new parameters', async () => {
    const handle = sqliteHandleOf(conn.db)!;
    const prepare = handle.prepare.bind(handle);
    const prepared: string[] = [];
    handle.prepare = ((text: string) => {
      prepared.push(text);
      return prepare(text);
    }) as typeof handle.prepare;
    try {
      for (let i = 0; i < 3; i++) expect(await schools().execute()).toHaveLength(5);
      const one = await conn.db
        .selectFrom('school')
        .select('id')
        .where('district_id', '=', 'd1')
        .where('id', '=', 's3')
        .execute();
      const other = await conn.db
        .selectFrom('school')
        .select('id')
        .where('district_id', '=', 'd1')
        .where('id', '=', 's4')
        .execute();
      expect([one, other]).toEqual([[{ id: 's3' }], [{ id: 's4' }]]);
      expect(prepared.filter((t) => t.startsWith('select'))).toHaveLength(2);
    } finally {
      handle.prepare = prepare as typeof handle.prepare;
    }
  });
});
