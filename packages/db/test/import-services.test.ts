import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/client';
import { type ImportReport, importOneRoster } from '../src/queries/import-oneroster';
import { importServices } from '../src/queries/import-services';
import { testTargets } from '../src/testing';

// Services and goals CSV (issue 14) on real SQLite and Postgres: a provider learns their role
// from the service, a re-import changes nothing, a changed mandate amends the history from its
// date (not retroactively), a mapping file renames a district's columns, bad rows write nothing.

const NOW = new Date('2027-02-18T18:00:00Z');
const ACTOR = { id: null, label: 'cli:test' };

const ROSTER = {
  'manifest.csv':
    'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\nfile.classes,bulk\nfile.enrollments,bulk\n',
  'orgs.csv':
    'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd1,,,Lakeside Unified,district,,\ns1,,,Élan Elementary,school,,d1\n',
  'users.csv':
    'sourcedId,status,dateLastModified,enabledUser,givenName,familyName,email,grades,primaryOrgSourcedId\n' +
    'stu1,,,true,Zoë,Muñoz,,02,s1\n' +
    't1,,,true,Olive,Ortiz,olive@lakeside.test,,s1\n' +
    't2,,,true,Tess,Teacher,tess@lakeside.test,,s1\n',
  'roles.csv':
    'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId\n' +
    'r1,,,stu1,primary,student,,,s1\nr2,,,t1,primary,teacher,,,s1\nr3,,,t2,primary,teacher,,,s1\n',
  'classes.csv':
    'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classType,schoolSourcedId\nc1,,,Room 12,02,k1,homeroom,s1\n',
  'enrollments.csv':
    'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary\n' +
    'e1,,,c1,s1,t2,teacher,true\ne2,,,c1,s1,stu1,student,false\n',
};

const SERVICES_HEADER =
  'sourcedId,studentSourcedId,discipline,minutes,per,model,startDate,endDate,providerSourcedId';
const SERVICE = 'svc1,stu1,Occupational Therapy,60,week,pull-out,2026-09-01,2027-06-10,t1';
const GOALS =
  'sourcedId,studentSourcedId,discipline,domain,goalText,measurement,baseline,target,criterion,targetDate\n' +
  'g1,stu1,OT,handwriting,"Writes her name legibly, on lined paper",percent,20,80,3,2027-06-01\n';

const changed = (r: ImportReport) =>
  Object.values(r.counts).reduce(
    (n, c) => n + (c?.added ?? 0) + (c?.updated ?? 0) + (c?.deactivated ?? 0),
    0,
  );

const targets = await testTargets();

for (const target of targets) {
  describe(`services and goals import (${target.dialect})`, () => {
    let conn: Connection;
    let districtId: string;
    beforeAll(async () => {
      conn = await target.open();
      const r = await importOneRoster(conn.db, {
        files: ROSTER,
        actor: ACTOR,
        dryRun: false,
        now: NOW,
      });
      expect(r.errors).toEqual([]);
      districtId = r.districtId as string;
    });
    afterAll(async () => {
      await conn?.close();
    });

    const run = (files: Record<string, string>, dryRun = false) =>
      importServices(conn.db, { files, districtId, actor: ACTOR, dryRun, now: NOW });

    it('adds services and goals; the provider becomes an OT; a re-import changes nothing', async () => {
      const files = { 'services.csv': `${SERVICES_HEADER}\n${SERVICE}\n`, 'goals.csv': GOALS };
      const dry = await run(files, true);
      expect(dry.errors).toEqual([]);
      expect(dry.outcome).toBe('dry_run');
      expect(await conn.db.selectFrom('service').selectAll().execute()).toEqual([]);
      const r = await run(files);
      expect(r.outcome).toBe('applied');
      expect(r.counts).toEqual({
        'services.csv': { added: 1, updated: 0, deactivated: 0, unchanged: 0, skipped: 0 },
        'goals.csv': { added: 1, updated: 0, deactivated: 0, unchanged: 0, skipped: 0 },
      });
      const olive = await conn.db
        .selectFrom('staff_user')
        .select(['role', 'discipline'])
        .where('district_id', '=', districtId)
        .where('email', '=', 'olive@lakeside.test')
        .executeTakeFirstOrThrow();
      expect(olive).toEqual({ role: 'therapist', discipline: 'OT' });
      const goal = await conn.db
        .selectFrom('goal')
        .innerJoin('goal_summary', (j) =>
          j
            .onRef('goal_summary.district_id', '=', 'goal.district_id')
            .onRef('goal_summary.goal_id', '=', 'goal.id'),
        )
        .select(['goal.text', 'goal.service_id', 'goal.current_model', 'goal.direction'])
        .where('goal.district_id', '=', districtId)
        .executeTakeFirstOrThrow();
      expect(goal).toMatchObject({
        text: 'Writes her name legibly, on lined paper',
        current_model: 'pull_out',
        direction: 'up',
      });
      const again = await run(files);
      expect(changed(again)).toBe(0);
    });

    it('a changed mandate amends the history from its date; the mapping file renames columns', async () => {
      const header = SERVICES_HEADER.replace('minutes', 'Minutes Per Week');
      const files = {
        'services.csv': `${header}\nsvc1,stu1,OT,90,week,pull-out,2027-01-11,2027-06-10,t1\n`,
        'mapping.csv': 'file,column,from\nservices.csv,minutes,Minutes Per Week\n',
      };
      const r = await run(files);
      expect(r.errors).toEqual([]);
      expect(r.counts['services.csv']).toMatchObject({ updated: 1 });
      const rows = await conn.db
        .selectFrom('service')
        .select(['minutes', 'start_date', 'end_date'])
        .where('district_id', '=', districtId)
        .orderBy('start_date')
        .execute();
      expect(rows).toEqual([
        { minutes: 60, start_date: '2026-09-01', end_date: '2027-01-10' },
        { minutes: 90, start_date: '2027-01-11', end_date: '2027-06-10' },
      ]);
      expect(changed(await run(files))).toBe(0);
      // The original file read again is the IEP before the amendment: the mandate changes back
      // from today, never before the amendment.
      const back = await run({ 'services.csv': `${SERVICES_HEADER}\n${SERVICE}\n` });
      expect(back.counts['services.csv']).toMatchObject({ updated: 1 });
      const after = await conn.db
        .selectFrom('service')
        .select(['minutes', 'start_date', 'end_date'])
        .where('district_id', '=', districtId)
        .orderBy('start_date')
        .execute();
      expect(after).toEqual([
        { minutes: 60, start_date: '2026-09-01', end_date: '2027-01-10' },
        { minutes: 90, start_date: '2027-01-11', end_date: '2027-02-17' },
        { minutes: 60, start_date: '2027-02-18', end_date: '2027-06-10' },
      ]);
    });

    it('refuses bad rows and writes nothing', async () => {
      const before = await conn.db.selectFrom('service').selectAll().orderBy('id').execute();
      const r = await run({
        'services.csv':
          `${SERVICES_HEADER}\nsvc2,stu1,Music,30,week,pull-out,2026-09-01,2027-06-10,t1\n` +
          'svc3,stu1,SLP,30,week,pull-out,2026-09-01,2026-08-01,t1\n' +
          'svc5,nobody,SLP,30,fortnight,pull-out,2026-09-01,2027-06-10,t1\n' +
          'svc4,stu1,SLP,30,week,pull-out,2026-09-01,2027-06-10,t1\n',
        'goals.csv':
          'sourcedId,studentSourcedId,discipline,domain,goalText,measurement,baseline,target,targetDate,routines\n' +
          'g2,stu1,OT,handwriting,Too short,percent,20,80,2027-06-01,Snack time\n',
      });
      expect(r.outcome).toBe('refused');
      expect(r.errors.map((e) => `${e.file}:${e.line}:${e.column}:${e.value}:${e.reason}`)).toEqual(
        [
          'services.csv:2:discipline:Music:must be OT, SLP or PT (or Occupational Therapy, Speech-Language Pathology, Physical Therapy)',
          'services.csv:3:endDate:2026-08-01:ends before it starts (2026-09-01)',
          'services.csv:4:per:fortnight:must be week or month',
          'services.csv:5:discipline:SLP:the provider is a OT therapist',
          "goals.csv:2:routines:Snack time:no routine of this name in the student's homeroom",
        ],
      );
      expect(await conn.db.selectFrom('service').selectAll().orderBy('id').execute()).toEqual(
        before,
      );
    });

    it('reads routines by class and name, links goals to them, and refuses bad routine rows', async () => {
      const HEADER = 'classSourcedId,name,weekdays,startTime,endTime';
      const bad = await run({
        'routines.csv':
          `${HEADER}\nc1,Writing,1;2;9,09:30,10:15\nnowhere,recess,1;2,10:00,10:20\n` +
          'c1,snack,1;2;3,11:00,10:30\nc1,juggling,1,08:00,08:30\nc1,writing,1,08:00,08:30\n',
      });
      expect(bad.outcome).toBe('refused');
      expect(bad.errors.map((e) => `${e.line}:${e.column}:${e.value}:${e.reason}`)).toEqual([
        '2:weekdays:1;2;9:write ISO weekday numbers, e.g. 1;2;3;4;5',
        '4:endTime:10:30:must be after startTime',
        expect.stringMatching(/^5:name:juggling:must be a routine Carryover knows: arrival, /),
        '6:name:writing:the class has this routine already on line 2',
        '3:classSourcedId:nowhere:no such class (import the roster first)',
      ]);
      expect(await conn.db.selectFrom('routine').selectAll().execute()).toEqual([]);

      const routines = `${HEADER}\nc1,Writing,1;2;3;4;5,09:30,10:15\n`;
      const goals =
        'sourcedId,studentSourcedId,discipline,domain,goalText,measurement,baseline,target,targetDate,routines,phase\n' +
        'g-r,stu1,OT,handwriting,"Copies a sentence from the board",percent,20,80,2027-06-01,Writing,mastered\n';
      const applied = await run({ 'routines.csv': routines, 'goals.csv': goals });
      expect(applied.errors).toEqual([]);
      expect(applied.counts['routines.csv']?.added).toBe(1);
      const goal = await conn.db
        .selectFrom('goal')
        .innerJoin('goal_routine', 'goal_routine.goal_id', 'goal.id')
        .innerJoin('routine', 'routine.id', 'goal_routine.routine_id')
        .select(['goal.phase', 'routine.name', 'routine.weekdays', 'routine.start_time'])
        .where('goal.text', '=', 'Copies a sentence from the board')
        .execute();
      expect(goal).toEqual([
        { phase: 'mastered', name: 'writing', weekdays: '1,2,3,4,5', start_time: '09:30' },
      ]);
      // Read again: nothing changes; new times update the routine in place.
      const again = await run({ 'routines.csv': routines, 'goals.csv': goals });
      expect(again.counts['routines.csv']).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
      expect(again.counts['goals.csv']).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
      const moved = await run({
        'routines.csv': `${HEADER}\nc1,writing,1;3;5,13:00,13:45\n`,
      });
      expect(moved.counts['routines.csv']).toMatchObject({ updated: 1 });
      expect(
        await conn.db
          .selectFrom('routine')
          .select(['weekdays', 'start_time', 'end_time'])
          .execute(),
      ).toEqual([{ weekdays: '1,3,5', start_time: '13:00', end_time: '13:45' }]);
    });
  });
}
