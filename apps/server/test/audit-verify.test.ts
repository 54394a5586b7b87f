import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { A, as, buildFixture, emails, openTestDb } from '@carryover/api/testing';
import { auditHash, type Connection, setAuditKey, verifyAuditChain } from '@carryover/db';
import { testTargets } from '@carryover/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuditKey, verifyAuditTrail } from '../src/audit-key';

// Issue 12: the audit chain anchored outside the database. Every event carries an HMAC of its
// hash under a key the database never holds; `carryover audit verify` checks every district's
// chain and the anchor, and names the first bad seq. Someone who can write the database can
// edit a row and even recompute every hash after it — but not the HMACs.

const targets = await testTargets();
const serverDir = join(import.meta.dirname, '..');

function auditVerify(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'audit', 'verify'], {
      cwd: serverDir,
      env: { ...process.env, CARRYOVER_NOW: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('the audit key', () => {
  it('is made once, mode 0600, beside the data; AUDIT_HMAC_KEY wins over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carryover-key-'));
    try {
      const env = { DATABASE_URL: join(dir, 'data', 'carryover.sqlite') };
      expect(loadAuditKey({ create: false }, env)).toBeNull();
      const first = loadAuditKey({ create: true }, env)!;
      expect(first.created).toBe(true);
      expect(first.source).toBe(join(dir, 'data', 'audit-hmac.key'));
      expect(statSync(first.source).mode & 0o777).toBe(0o600);
      const again = loadAuditKey({ create: true }, env)!;
      expect(again.created).toBe(false);
      expect(again.key.equals(first.key)).toBe(true);
      const fromEnv = loadAuditKey({ create: true }, { ...env, AUDIT_HMAC_KEY: 'k'.repeat(40) })!;
      expect(fromEnv.source).toBe('AUDIT_HMAC_KEY');
      expect(() => loadAuditKey({ create: false }, { ...env, AUDIT_HMAC_KEY: 'short' })).toThrow(
        /at least 32/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const target of targets) {
  describe(`carryover audit verify on ${target.dialect}`, () => {
    let conn: Connection;
    const key = randomBytes(32).toString('hex');
    let env: Record<string, string>;

    beforeAll(async () => {
      conn = await openTestDb(target);
      await buildFixture(conn.db);
      // Events written by a process that holds the key, as the server does.
      setAuditKey(Buffer.from(key, 'utf8'));
      try {
        const admin = await as(conn, emails.admin);
        await admin.caseload.list();
        const slp = await as(conn, emails.slp);
        await slp.caseload.list();
        await slp.student.get({ studentId: A.students.ava }).catch(() => {});
      } finally {
        setAuditKey(null);
      }
      env = { DATABASE_URL: conn.location, AUDIT_HMAC_KEY: key };
    });
    afterAll(() => conn?.close());

    /** The command's own check, in this process: the CLI runs it the same way (tested once). */
    const verify = async (withKey = key) => {
      const lines: string[] = [];
      const code = await verifyAuditTrail(
        conn.db,
        { key: Buffer.from(withKey, 'utf8'), source: 'AUDIT_HMAC_KEY', created: false },
        (line) => lines.push(line),
      );
      return { code, out: lines.join('\n') };
    };

    const districtRows = () =>
      conn.db
        .selectFrom('audit_event')
        .selectAll()
        .where('district_id', '=', A.district)
        .orderBy('seq')
        .execute();

    it('as a command: exits 0 on an intact trail, 1 without the key or with another one', async () => {
      const ok = await auditVerify(env);
      expect(ok.out).toContain('Audit trail verified');
      expect(ok.code).toBe(0);
      const keyless = await auditVerify({
        DATABASE_URL: conn.location,
        AUDIT_HMAC_KEY: '',
        AUDIT_HMAC_KEY_FILE: join(tmpdir(), `no-such-key-${process.pid}`),
      });
      expect(keyless.code).toBe(1);
      expect(keyless.out).toContain('No audit key');
      const wrongKey = await verify('x'.repeat(64));
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.out).toMatch(/first bad seq 1 — HMAC anchor does not match/);
    }, 240_000);

    it('fails on a tampered row, naming its seq', async () => {
      const rows = await districtRows();
      const victim = rows[Math.floor(rows.length / 2)]!;
      await conn.db
        .updateTable('audit_event')
        .set({ action: 'nothing.to.see' })
        .where('district_id', '=', victim.district_id)
        .where('id', '=', victim.id)
        .execute();
      try {
        const result = await auditVerify(env);
        expect(result.code).toBe(1);
        expect(result.out).toContain(`first bad seq ${victim.seq} — hash does not match`);
        expect(result.out).toContain('Audit trail BROKEN in 1 district(s).');
      } finally {
        await conn.db
          .updateTable('audit_event')
          .set({ action: victim.action })
          .where('district_id', '=', victim.district_id)
          .where('id', '=', victim.id)
          .execute();
      }
      expect((await verify()).code).toBe(0);
    }, 240_000);

    it('fails on a trail re-chained without the key after an edit, though every hash matches', async () => {
      const rows = await districtRows();
      const victim = rows[Math.floor(rows.length / 2)]!;
      // Edit a row and recompute every hash from there on, as someone with write access could.
      let prev = rows[rows.indexOf(victim) - 1]?.hash ?? '0'.repeat(64);
      for (const row of rows.slice(rows.indexOf(victim))) {
        const edited = {
          ...row,
          seq: Number(row.seq),
          action: row.id === victim.id ? 'nothing.to.see' : row.action,
          prev_hash: prev,
        };
        const hash = auditHash(edited);
        await conn.db
          .updateTable('audit_event')
          .set({ action: edited.action, prev_hash: prev, hash })
          .where('district_id', '=', row.district_id)
          .where('id', '=', row.id)
          .execute();
        prev = hash;
      }
      // The chain alone no longer shows it…
      expect(await verifyAuditChain(conn.db, A.district)).toMatchObject({ ok: true });
      // …the anchor does.
      const result = await auditVerify(env);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`first bad seq ${victim.seq} — HMAC anchor does not match`);
    }, 120_000);
  });
}
