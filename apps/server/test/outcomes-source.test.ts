import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildFixture, emails, NOW, openTestDb, PASSWORD } from '@carryover/api/testing';
import type { Connection } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index';

// The server wraps its database in a plugin (a turn of the event loop after each query). The
// Outcomes comparison must still read that database from its worker, by the connection's URL or
// file: once the wrapped Postgres connection lost its URL, every request's comparison loaded the
// district's observations on the main thread (40 s and 3.3 GB at 25,000 students, against 16 s
// from the worker).

for (const target of await testTargets()) {
  describe(`Outcomes over HTTP on ${target.dialect}`, () => {
    let conn: Connection;
    let server: Server;
    let base: string;
    const lines: string[] = [];
    const log = {
      info: (line: string) => lines.push(line),
      warn: (line: string) => lines.push(line),
      error: (line: string) => lines.push(line),
    };

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      server = createServer({ conn, webDistDir: null, log, now: () => NOW });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await conn?.close();
    });

    it('computes a comparison from the database itself, not from rows read by the request', async () => {
      const signIn = await fetch(`${base}/trpc/auth.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: emails.coordinator, password: PASSWORD }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      // A floor of its own per database: the process's comparison cache is keyed by scope, and
      // both databases hold the same fixture district.
      const input = { minStudents: target.dialect === 'postgres' ? 30 : 20 };
      const res = await fetch(
        `${base}/trpc/outcomes.report?input=${encodeURIComponent(JSON.stringify(input))}`,
        {
          headers: { cookie },
        },
      );
      expect(res.status).toBe(200);
      const jobs = lines.filter((l) => l.startsWith('outcomes job'));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toContain(
        `from ${target.dialect === 'postgres' ? 'Postgres' : 'SQLite'} digests`,
      );
      expect(lines.some((l) => l.includes('no database URL'))).toBe(false);
    }, 60_000);
  });
}
