import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, DB } from '../src/client';
import { seedDemoDistrict } from '../src/demo';
import { exportOneRoster } from '../src/queries/export-oneroster';
import { exportServices } from '../src/queries/export-services';
import { rebuildGoalSummaries } from '../src/queries/goal-summaries';
import { type ImportReport, importOneRoster } from '../src/queries/import-oneroster';
import { importServices } from '../src/queries/import-services';
import { testTargets } from '../src/testing';

// The OneRoster import (issue 14) on real SQLite and Postgres: the round trip on the demo
// district, an export read into an empty database, bulk then delta, and bad input that writes
// nothing and reports every error.

const NOW = new Date('2027-02-18T18:00:00Z');
const ACTOR = { id: null, label: 'cli:test' };
const TABLES = [
  'district',
  'school',
  'staff_user',
  'staff_school',
  'classroom',
  'student',
  'reporting_period',
  'service',
  'service_model_minutes',
  'routine',
  'goal',
  'goal_routine',
] as const;

async function snapshot(db: DB): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(db);
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    out[t] = createHash('sha256').update(lines.join('\n')).digest('hex');
  }
  return out;
}

/** How many services, split minutes, goals (by phase), routines and goal links a district has. */
async function serviceCounts(db: DB, districtId: string) {
  const count = async (
    table: 'service' | 'service_model_minutes' | 'goal' | 'routine' | 'goal_routine',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('district_id', '=', districtId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const phases = await db
    .selectFrom('goal')
    .select(['phase', (eb) => eb.fn.countAll().as('n')])
    .where('district_id', '=', districtId)
    .groupBy('phase')
    .orderBy('phase')
    .execute();
  return {
    services: await count('service'),
    splits: await count('service_model_minutes'),
    goals: await count('goal'),
    routines: await count('routine'),
    links: await count('goal_routine'),
    phases: phases.map((p) => `${p.phase}:${Number(p.n)}`),
  };
}

const changed = (r: ImportReport) =>
  Object.values(r.counts).reduce(
    (n, c) => n + (c?.added ?? 0) + (c?.updated ?? 0) + (c?.deactivated ?? 0),
    0,
  );

const targets = await testTargets();

for (const target of targets) {
  describe(`OneRoster import (${target.dialect})`, () => {
    let conn: Connection;
    let empty: Connection;
    let districtId: string;
    let files: Record<string, string>;
    let iep: Record<string, string>;

    beforeAll(async () => {
      conn = await target.open();
      empty = await target.open();
      const seeded = await seedDemoDistrict(conn.db, {
        students: 40,
        seed: 3,
        today: '2027-02-18',
        passwordHash: 'demo-hash',
      });
      districtId = seeded.districtId;
      files = await exportOneRoster(conn.db, districtId);
      iep = await exportServices(conn.db, districtId);
    }, 60_000);
    afterAll(async () => {
      await conn?.close();
      await empty?.close();
    });

    it('reads its own export back and changes nothing (the round trip on the demo district)', async () => {
      const before = await snapshot(conn.db);
      const dry = await importOneRoster(conn.db, {
        files,
        districtId,
        actor: ACTOR,
        dryRun: true,
        now: NOW,
      });
      expect(dry.errors).toEqual([]);
      expect(dry.outcome).toBe('dry_run');
      expect(changed(dry)).toBe(0);
      expect(dry.counts['users.csv']?.unchanged).toBeGreaterThan(40);
      const applied = await importOneRoster(conn.db, {
        files,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(applied.outcome).toBe('applied');
      expect(changed(applied)).toBe(0);
      expect(await snapshot(conn.db)).toEqual(before);
      expect(await exportOneRoster(conn.db, districtId)).toEqual(files);

      // The services, goals and routines export reads back unchanged too.
      const iepDry = await importServices(conn.db, {
        files: iep,
        districtId,
        actor: ACTOR,
        dryRun: true,
        now: NOW,
      });
      expect(iepDry.errors).toEqual([]);
      expect(changed(iepDry)).toBe(0);
      expect(iepDry.counts['goals.csv']?.unchanged).toBeGreaterThan(40);
      const iepApplied = await importServices(conn.db, {
        files: iep,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(iepApplied.outcome).toBe('applied');
      expect(changed(iepApplied)).toBe(0);
      expect(await snapshot(conn.db)).toEqual(before);
      expect(await exportServices(conn.db, districtId)).toEqual(iep);
      const runs = await conn.db
        .selectFrom('import_run')
        .select(['outcome', 'files', 'actor_label'])
        .where('district_id', '=', districtId)
        .where('kind', '=', 'oneroster')
        .orderBy('started_at')
        .execute();
      expect(runs.map((r) => r.outcome).sort()).toEqual(['applied', 'dry_run']);
      const hashes = JSON.parse(runs[0]?.files as string) as { name: string; sha256: string }[];
      expect(hashes.find((f) => f.name === 'users.csv')?.sha256).toBe(
        createHash('sha256')
          .update(files['users.csv'] as string)
          .digest('hex'),
      );
      const audits = await conn.db
        .selectFrom('audit_event')
        .select('action')
        .where('district_id', '=', districtId)
        .where('entity', '=', 'import_run')
        .execute();
      expect(audits.map((a) => a.action).sort()).toEqual([
        'import.oneroster.applied',
        'import.oneroster.dry_run',
        'import.services.applied',
        'import.services.dry_run',
      ]);
    });

    it('an empty database refuses a bundle without a district org, and stays empty', async () => {
      const orgs = (files['orgs.csv'] as string)
        .split('\r\n')
        .filter((l) => !l.includes('"district"'))
        .join('\r\n');
      const report = await importOneRoster(empty.db, {
        files: { ...files, 'orgs.csv': orgs },
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(report.outcome).toBe('refused');
      expect(report.errors).toContainEqual({
        file: 'orgs.csv',
        line: 0,
        column: 'type',
        value: '',
        reason: 'an empty database needs the district: an org of type district in orgs.csv',
      });
      expect(await empty.db.selectFrom('district').selectAll().execute()).toEqual([]);
      expect(await empty.db.selectFrom('student').selectAll().execute()).toEqual([]);
      // A dry run on the empty database says what it would add and writes nothing either.
      const dry = await importOneRoster(empty.db, { files, actor: ACTOR, dryRun: true, now: NOW });
      expect(dry.outcome).toBe('dry_run');
      expect(dry.counts['users.csv']?.added).toBeGreaterThan(40);
      expect(await empty.db.selectFrom('district').selectAll().execute()).toEqual([]);
    });

    it('fills an empty database from the export, the district from its district org; a re-import changes nothing', async () => {
      const first = await importOneRoster(empty.db, {
        files,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(first.errors).toEqual([]);
      expect(first.createdDistrict).toBe(true);
      expect(first.counts['users.csv']?.added).toBeGreaterThan(40);
      const newDistrict = first.districtId as string;
      const district = await empty.db.selectFrom('district').selectAll().executeTakeFirstOrThrow();
      expect(district.id).toBe(newDistrict);
      expect(await exportOneRoster(empty.db, newDistrict)).toEqual(files);
      const roles = await empty.db
        .selectFrom('staff_user')
        .select(['email', 'role', 'discipline'])
        .where('email', '=', 'ot@demo.test')
        .executeTakeFirstOrThrow();
      expect(roles).toEqual({ email: 'ot@demo.test', role: 'therapist', discipline: 'OT' });
      const before = await snapshot(empty.db);
      const again = await importOneRoster(empty.db, {
        files,
        districtId: newDistrict,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(again.errors).toEqual([]);
      expect(changed(again)).toBe(0);
      expect(await snapshot(empty.db)).toEqual(before);

      // Then the services, goals and routines: the same as the demo's, and a re-import changes nothing.
      const services = await importServices(empty.db, {
        files: iep,
        districtId: newDistrict,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(services.errors).toEqual([]);
      expect(services.outcome).toBe('applied');
      const source = await serviceCounts(conn.db, districtId);
      expect(source.goals).toBeGreaterThan(40);
      expect(source.splits).toBeGreaterThan(0);
      expect(await serviceCounts(empty.db, newDistrict)).toEqual(source);
      expect(services.counts['services.csv']?.added).toBe(source.services);
      expect(services.counts['goals.csv']?.added).toBe(source.goals);
      expect(await exportServices(empty.db, newDistrict)).toEqual(iep);
      // The new goals' summaries, written from the rows in hand, are what a rebuild computes.
      const summaries = () =>
        empty.db
          .selectFrom('goal_summary')
          .select(['goal_id', 'student_id', 'point_count', 'summary'])
          .where('district_id', '=', newDistrict)
          .orderBy('goal_id')
          .execute();
      const written = await summaries();
      expect(written).toHaveLength(source.goals);
      await rebuildGoalSummaries(empty.db, newDistrict);
      expect(await summaries()).toEqual(written);
      const withServices = await snapshot(empty.db);
      const iepAgain = await importServices(empty.db, {
        files: iep,
        districtId: newDistrict,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(iepAgain.errors).toEqual([]);
      expect(changed(iepAgain)).toBe(0);
      expect(await snapshot(empty.db)).toEqual(withServices);
    }, 60_000);

    it('applies a delta: only its changes; tobedeleted deactivates and ends, history stays', async () => {
      const student = await conn.db
        .selectFrom('student')
        .innerJoin('service', (j) =>
          j
            .onRef('service.district_id', '=', 'student.district_id')
            .onRef('service.student_id', '=', 'student.id'),
        )
        .select(['student.id', 'student.homeroom_id', 'student.school_id'])
        .where('student.district_id', '=', districtId)
        .where('service.end_date', '>', '2027-02-18')
        .orderBy('student.id')
        .executeTakeFirstOrThrow();
      const renamed = await conn.db
        .selectFrom('student')
        .select(['id', 'homeroom_id'])
        .where('district_id', '=', districtId)
        .where('id', '<>', student.id)
        .where('homeroom_id', 'is not', null)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const teacher = await conn.db
        .selectFrom('staff_user')
        .select(['id', 'email'])
        .where('district_id', '=', districtId)
        .where('role', '=', 'teacher')
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const sessionsBefore = await conn.db
        .selectFrom('session_student')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('district_id', '=', districtId)
        .where('student_id', '=', student.id)
        .executeTakeFirstOrThrow();
      const manifest = files['manifest.csv']
        ?.replace('"file.users","bulk"', '"file.users","delta"')
        .replace('"file.enrollments","bulk"', '"file.enrollments","delta"')
        .replace(
          /"file\.(orgs|academicSessions|roles|classes|courses|demographics)","bulk"/g,
          '"file.$1","absent"',
        ) as string;
      const stamp = '2027-02-18T17:00:00Z';
      const users = [
        'sourcedId,status,dateLastModified,givenName,familyName,grades,primaryOrgSourcedId,email,enabledUser',
        `${student.id},tobedeleted,${stamp},Gone,Away,,,,`,
        `${renamed.id},active,${stamp},Zoë,"Muñoz, Jr.",03,${student.school_id},,true`,
        `${teacher.id},tobedeleted,${stamp},T,T,,,${teacher.email},false`,
      ].join('\r\n');
      const enrollments = [
        'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role',
        `e1,tobedeleted,${stamp},${renamed.homeroom_id},${student.school_id},${renamed.id},student`,
      ].join('\r\n');
      const delta = {
        'manifest.csv': manifest,
        'users.csv': users,
        'enrollments.csv': enrollments,
      };
      const report = await importOneRoster(conn.db, {
        files: delta,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(report.errors).toEqual([]);
      expect(report.counts['users.csv']).toEqual({
        added: 0,
        updated: 1,
        deactivated: 2,
        unchanged: 0,
        skipped: 0,
      });
      expect(report.counts['enrollments.csv']).toMatchObject({ deactivated: 1 });

      const gone = await conn.db
        .selectFrom('student')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('id', '=', student.id)
        .executeTakeFirstOrThrow();
      expect(gone.homeroom_id).toBeNull();
      const open = await conn.db
        .selectFrom('service')
        .select('end_date')
        .where('district_id', '=', districtId)
        .where('student_id', '=', student.id)
        .execute();
      expect(open.every((s) => s.end_date <= '2027-02-18')).toBe(true);
      const sessionsAfter = await conn.db
        .selectFrom('session_student')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('district_id', '=', districtId)
        .where('student_id', '=', student.id)
        .executeTakeFirstOrThrow();
      expect(Number(sessionsAfter.n)).toBe(Number(sessionsBefore.n));
      const zoe = await conn.db
        .selectFrom('student')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('id', '=', renamed.id)
        .executeTakeFirstOrThrow();
      expect([zoe.first_name, zoe.last_name, zoe.grade, zoe.homeroom_id]).toEqual([
        'Zoë',
        'Muñoz, Jr.',
        '03',
        null,
      ]);
      const t = await conn.db
        .selectFrom('staff_user')
        .select('active')
        .where('district_id', '=', districtId)
        .where('id', '=', teacher.id)
        .executeTakeFirstOrThrow();
      expect(t.active).toBe(0);

      // The same delta again changes nothing.
      const again = await importOneRoster(conn.db, {
        files: delta,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(changed(again)).toBe(0);
    });

    it("reads a family's language from metadata.carryover.familyLanguage, keeps it when a roster leaves it out, and refuses one that is not a language tag", async () => {
      const kid = await conn.db
        .selectFrom('student')
        .select(['id', 'first_name', 'last_name', 'grade', 'school_id', 'family_language'])
        .where('district_id', '=', districtId)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(kid.family_language).toBe('en');
      const manifest = files['manifest.csv']
        ?.replace('"file.users","bulk"', '"file.users","delta"')
        .replace(
          /"file\.(orgs|academicSessions|roles|classes|courses|demographics|enrollments)","bulk"/g,
          '"file.$1","absent"',
        ) as string;
      const stamp = '2027-02-18T17:00:00Z';
      const header =
        'sourcedId,status,dateLastModified,givenName,familyName,grades,primaryOrgSourcedId,metadata.carryover.familyLanguage';
      const row = (language: string) =>
        `${kid.id},active,${stamp},${kid.first_name},${kid.last_name},${kid.grade},${kid.school_id},${language}`;
      const language = async () =>
        (
          await conn.db
            .selectFrom('student')
            .select('family_language')
            .where('district_id', '=', districtId)
            .where('id', '=', kid.id)
            .executeTakeFirstOrThrow()
        ).family_language;
      const run = (users: string) =>
        importOneRoster(conn.db, {
          files: { 'manifest.csv': manifest, 'users.csv': users },
          districtId,
          actor: ACTOR,
          dryRun: false,
          now: NOW,
        });

      const spanish = await run([header, row('es')].join('\r\n'));
      expect(spanish.errors).toEqual([]);
      expect(spanish.counts['users.csv']).toMatchObject({ updated: 1 });
      expect(await language()).toBe('es');
      // A roster without the column (another system's) keeps what the school recorded.
      const silent = await run(
        [header.replace(',metadata.carryover.familyLanguage', ''), row('').replace(/,$/, '')].join(
          '\r\n',
        ),
      );
      expect(silent.errors).toEqual([]);
      expect(changed(silent)).toBe(0);
      expect(await language()).toBe('es');
      // "Spanish" is not a language tag: refused, nothing written.
      const refused = await run([header, row('Spanish')].join('\r\n'));
      expect(refused.outcome).toBe('refused');
      expect(refused.errors).toContainEqual(
        expect.objectContaining({
          file: 'users.csv',
          line: 2,
          column: 'metadata.carryover.familyLanguage',
          value: 'Spanish',
          reason: 'must be a language tag such as en or es',
        }),
      );
      expect(await language()).toBe('es');
      // The export carries it, so the round trip keeps it.
      const exported = await exportOneRoster(conn.db, districtId);
      expect(exported['users.csv']).toContain('metadata.carryover.familyLanguage');
      expect(exported['users.csv']).toMatch(new RegExp(`"${kid.id}",.*"es"`));
    });

    it('refuses bad input: nothing written, every error reported with file, line, column, value', async () => {
      const before = await snapshot(conn.db);
      const bad = { ...files };
      const users = bad['users.csv'] as string;
      const firstStudent = users.split('\r\n').find((l) => l.includes(',"true","",')) as string;
      expect(firstStudent).toBeDefined();
      const studentSid = JSON.parse(`[${firstStudent.split(',')[0]}]`)[0] as string;
      // An impossible date, a dangling school, a duplicate sourcedId and a wrong header.
      bad['academicSessions.csv'] = (bad['academicSessions.csv'] as string).replace(
        /"\d{4}-\d{2}-\d{2}"/,
        '"2026-02-30"',
      );
      bad['users.csv'] = `${users.trimEnd()}\r\n${firstStudent}\r\n`;
      const classLines = (bad['classes.csv'] as string).split('\r\n');
      const cells = (classLines[1] as string).split(',');
      cells[9] = '"nowhere"';
      classLines[1] = cells.join(',');
      bad['classes.csv'] = classLines.join('\r\n');
      bad['courses.csv'] = (bad['courses.csv'] as string).replace('"title"', '"name"');
      const report = await importOneRoster(conn.db, {
        files: bad,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(report.outcome).toBe('refused');
      const summary = report.errors.map((e) => `${e.file}:${e.line}:${e.column}:${e.reason}`);
      expect(summary).toContain(
        'academicSessions.csv:2:startDate:must be a real date written YYYY-MM-DD',
      );
      expect(summary).toContain('courses.csv:1:title:the header has no title column');
      expect(summary).toContain(
        'classes.csv:2:schoolSourcedId:no such school in orgs.csv or an earlier import',
      );
      const duplicate = report.errors.find(
        (e) => e.column === 'sourcedId' && e.file === 'users.csv',
      );
      expect(duplicate).toMatchObject({ value: studentSid });
      expect(duplicate?.reason).toMatch(/^duplicate sourcedId: line \d+ has it too$/);
      expect(await snapshot(conn.db)).toEqual(before);
      const run = await conn.db
        .selectFrom('import_run')
        .select(['outcome', 'summary'])
        .where('id', '=', report.runId as string)
        .executeTakeFirstOrThrow();
      expect(run.outcome).toBe('refused');
      expect(JSON.parse(run.summary).errors).toBe(report.errors.length);

      // Wrong text: not UTF-8, refused too.
      const latin1 = {
        ...files,
        'orgs.csv': new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xe9, 0xff]),
      };
      const r2 = await importOneRoster(conn.db, {
        files: latin1,
        districtId,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(r2.errors[0]).toMatchObject({
        file: 'orgs.csv',
        reason: 'the file is not UTF-8 text',
      });
      expect(await snapshot(conn.db)).toEqual(before);
    });
  });
}
