import { createHash } from 'node:crypto';
import {
  addDays,
  dateIn,
  disciplines,
  goalDomains,
  promptLevels,
  statusNeedsReason,
  wallTimeIn,
} from '@carryover/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, DB } from '../src/client';
import {
  DEMO_DEFAULTS,
  type DemoOptions,
  type DemoResult,
  generateDemoRows,
  PLANTED_EFFECTS,
  seedDemoDistrict,
} from '../src/demo';
import { testTargets } from '../src/testing';

const TODAY = '2027-02-18'; // a Thursday, mid-year
const BASE: DemoOptions = { students: 60, seed: 7, today: TODAY, passwordHash: 'demo-hash' };
const OTHER: DemoOptions = { ...BASE, seed: 8, emailDomain: 'other.test' };

const DOMAINS_OF: Record<string, readonly string[]> = {
  OT: [
    'fine_motor',
    'handwriting',
    'self_care',
    'sensory_regulation',
    'classroom_participation',
    'executive_function',
  ],
  SLP: [
    'articulation',
    'expressive_language',
    'receptive_language',
    'fluency',
    'social_communication',
  ],
  PT: ['gross_motor', 'mobility', 'classroom_participation'],
};

const ID_TABLES = [
  'school',
  'staff_user',
  'classroom',
  'routine',
  'student',
  'service',
  'goal',
  'goal_phase_change',
  'model_change',
  'push_in_plan',
  'therapy_session',
  'observation',
  'reporting_period',
] as const;

async function rows<T>(db: DB, query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

async function count(db: DB, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  const [r] = await rows(db, query);
  return Number(r?.n ?? 0);
}

/** Hash of a table's rows for one district, in a stable order. */
async function contentHash(db: DB, table: string, districtId: string, orderBy: string) {
  const data = await rows<Record<string, unknown>>(
    db,
    sql`select * from ${sql.table(table)} where district_id = ${districtId} order by ${sql.raw(orderBy)}`,
  );
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

async function fingerprint(db: DB, districtId: string) {
  return {
    student: await contentHash(db, 'student', districtId, 'id'),
    goal: await contentHash(db, 'goal', districtId, 'id'),
    therapy_session: await contentHash(db, 'therapy_session', districtId, 'id'),
    session_student: await contentHash(db, 'session_student', districtId, 'session_id, student_id'),
    observation: await contentHash(db, 'observation', districtId, 'id'),
    progress_report: await contentHash(db, 'progress_report', districtId, 'id'),
    progress_report_goal: await contentHash(
      db,
      'progress_report_goal',
      districtId,
      'report_id, goal_id',
    ),
  };
}

/** Normalised score of an observation (0 = baseline, 1 = target), unclamped. */
function scoreOf(
  g: { measurement_type: string; baseline: number; target: number },
  o: Record<string, unknown>,
): number {
  let raw: number;
  switch (g.measurement_type) {
    case 'percent': {
      const c = Number(o.trials_correct);
      const total = c + Number(o.trials_prompted) + Number(o.trials_incorrect);
      raw = (100 * c) / total;
      break;
    }
    case 'prompt_level':
      raw = promptLevels.indexOf(o.prompt_level as (typeof promptLevels)[number]);
      break;
    case 'frequency':
      raw = Number(o.count);
      break;
    case 'duration':
      raw = Number(o.seconds);
      break;
    default:
      raw = Number(o.rubric_score);
  }
  return (raw - Number(g.baseline)) / (Number(g.target) - Number(g.baseline));
}

function slope(points: { x: number; y: number }[]): number {
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return num / den;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const targets = await testTargets();

for (const target of targets) {
  describe(`demo district on ${target.dialect}`, () => {
    let conn: Connection;
    let db: DB;
    let a: DemoResult;
    let b: DemoResult;
    const progress: string[] = [];

    beforeAll(async () => {
      conn = await target.open();
      db = conn.db;
      a = await seedDemoDistrict(db, { ...BASE, onProgress: (p) => progress.push(p.step) });
      b = await seedDemoDistrict(db, OTHER);
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('is deterministic: same seed, same rows; another seed, other rows', async () => {
      const again = await target.open();
      try {
        const r = await seedDemoDistrict(again.db, BASE);
        expect(r).toEqual(a);
        expect(await fingerprint(again.db, r.districtId)).toEqual(
          await fingerprint(db, a.districtId),
        );
      } finally {
        await again.close();
      }
      const other = await target.open();
      try {
        const r = await seedDemoDistrict(other.db, { ...BASE, seed: 9 });
        expect(r.districtId).not.toBe(a.districtId);
        const names = (d: DB, id: string) =>
          rows(
            d,
            sql`select first_name, last_name from student where district_id = ${id} order by id`,
          );
        expect(await names(other.db, r.districtId)).not.toEqual(await names(db, a.districtId));
      } finally {
        await other.close();
      }
      // Two fresh databases and two seeds: generous, on a machine shared with other suites.
    }, 120_000);

    it('reports progress and counts that match the database', async () => {
      expect(progress).toContain('staff');
      expect(progress).toContain('students');
      // The stages after the rows are in, in order, then the commit.
      const tail = ['final reports', 'billing history', 'goal summaries', 'schedules'];
      expect(
        progress.filter((step) => tail.includes(step) || step === 'fidelity summaries'),
      ).toEqual([...tail, 'fidelity summaries']);
      expect(progress.at(-1)).toBe('commit');
      for (const [table, n] of Object.entries(a.counts)) {
        const where = table === 'district' ? sql`id` : sql`district_id`;
        expect(
          await count(
            db,
            sql`select count(*) as n from ${sql.table(table)} where ${where} = ${a.districtId}`,
          ),
          table,
        ).toBe(n);
      }
      expect(a.counts.school).toBeGreaterThanOrEqual(3);
      expect(a.counts.student).toBe(60);
      expect(a.counts.observation).toBeGreaterThan(1000);
    });

    it('has the fixed demo logins with the right roles and real caseloads', async () => {
      const staff = await rows<{
        id: string;
        email: string;
        role: string;
        discipline: string | null;
        supervisor_id: string | null;
      }>(
        db,
        sql`select id, email, role, discipline, supervisor_id from staff_user where district_id = ${a.districtId}`,
      );
      const by = new Map(staff.map((s) => [s.email, s]));
      const expected: [string, string, string | null][] = [
        ['slp', 'therapist', 'SLP'],
        ['ot', 'therapist', 'OT'],
        ['pt', 'therapist', 'PT'],
        ['slpa', 'assistant', 'SLP'],
        ['teacher', 'teacher', null],
        ['coordinator', 'coordinator', null],
        ['admin', 'admin', null],
      ];
      for (const [local, role, discipline] of expected) {
        const s = by.get(`${local}@demo.test`);
        expect(s, local).toBeDefined();
        expect(s!.role).toBe(role);
        expect(s!.discipline).toBe(discipline);
      }
      expect(a.logins.map((l) => l.email)).toEqual(expected.map(([l]) => `${l}@demo.test`));
      const slp = by.get('slp@demo.test')!;
      const ot = by.get('ot@demo.test')!;
      expect(by.get('slpa@demo.test')!.supervisor_id).toBe(slp.id);
      expect(
        await count(
          db,
          sql`select count(*) as n from assistant_assignment where district_id = ${a.districtId} and assistant_id = ${by.get('slpa@demo.test')!.id}`,
        ),
      ).toBeGreaterThan(0);
      for (const t of [slp, ot]) {
        const caseload = await count(
          db,
          sql`select count(distinct student_id) as n from service where district_id = ${a.districtId} and provider_id = ${t.id}`,
        );
        expect(caseload).toBeGreaterThanOrEqual(8);
        expect(caseload).toBeLessThanOrEqual(25);
      }
      const teacher = by.get('teacher@demo.test')!;
      for (const t of [slp, ot]) {
        const inClass = await count(
          db,
          sql`select count(distinct st.id) as n from student st
              join classroom c on c.district_id = st.district_id and c.id = st.homeroom_id
              join service sv on sv.district_id = st.district_id and sv.student_id = st.id
              where st.district_id = ${a.districtId} and c.teacher_id = ${teacher.id} and sv.provider_id = ${t.id}`,
        );
        expect(inClass).toBeGreaterThanOrEqual(3);
      }
      const coordinatorSchools = await count(
        db,
        sql`select count(*) as n from staff_school ss join staff_user u on u.district_id = ss.district_id and u.id = ss.staff_id
            where ss.district_id = ${a.districtId} and u.email = 'coordinator@demo.test'`,
      );
      expect(coordinatorSchools).toBe(a.counts.school);
    });

    it('keeps staff, services and goals consistent', async () => {
      const d = a.districtId;
      // Assistants work under a therapist of their own discipline.
      expect(
        await count(
          db,
          sql`select count(*) as n from staff_user x left join staff_user s on s.district_id = x.district_id and s.id = x.supervisor_id
              where x.district_id = ${d} and x.role = 'assistant'
              and (s.id is null or s.role <> 'therapist' or s.discipline <> x.discipline)`,
        ),
      ).toBe(0);
      // Providers serve the student's school.
      expect(
        await count(
          db,
          sql`select count(*) as n from service sv join student st on st.district_id = sv.district_id and st.id = sv.student_id
              join staff_user p on p.district_id = sv.district_id and p.id = sv.provider_id
              where sv.district_id = ${d} and (p.discipline <> sv.discipline or p.role <> 'therapist' or not exists (
                select 1 from staff_school x where x.district_id = sv.district_id and x.staff_id = sv.provider_id and x.school_id = st.school_id))`,
        ),
      ).toBe(0);
      // Split services: per-model minutes sum to the mandate.
      const splits = await rows<{ id: string; minutes: number; total: number | null; n: number }>(
        db,
        sql`select sv.id, sv.minutes, sum(m.minutes) as total, count(m.model) as n from service sv
            left join service_model_minutes m on m.district_id = sv.district_id and m.service_id = sv.id
            where sv.district_id = ${d} and sv.model = 'split' group by sv.id, sv.minutes`,
      );
      expect(splits.length).toBeGreaterThan(0);
      for (const s of splits) {
        expect(Number(s.n)).toBeGreaterThanOrEqual(2);
        expect(Number(s.total)).toBe(Number(s.minutes));
      }
      // Goal domains fit their discipline, and the service's.
      const goals = await rows<{
        discipline: string;
        domain: string;
        sd: string;
        measurement_type: string;
        baseline: number;
        target: number;
        direction: string;
        rubric_max: number | null;
        current_model: string;
        mastery_rule: string;
      }>(
        db,
        sql`select g.discipline, g.domain, sv.discipline as sd, g.measurement_type, g.baseline, g.target, g.direction, g.rubric_max, g.current_model, g.mastery_rule
            from goal g join service sv on sv.district_id = g.district_id and sv.id = g.service_id where g.district_id = ${d}`,
      );
      for (const g of goals) {
        expect(disciplines).toContain(g.discipline);
        expect(goalDomains).toContain(g.domain);
        expect(DOMAINS_OF[g.discipline], `${g.discipline}/${g.domain}`).toContain(g.domain);
        expect(g.sd).toBe(g.discipline);
        expect(JSON.parse(g.mastery_rule)).toEqual({
          consecutiveSessions: 3,
          minSettings: 2,
          requireClassroom: true,
        });
        if (g.measurement_type === 'percent') {
          expect(g.baseline).toBeGreaterThanOrEqual(0);
          expect(g.target).toBeLessThanOrEqual(100);
        }
        if (g.measurement_type === 'prompt_level') expect(g.target).toBeLessThan(g.baseline);
        if (g.measurement_type === 'rubric') expect(g.rubric_max).toBe(4);
        expect(g.direction).toBe(g.target > g.baseline ? 'up' : 'down');
      }
      // Every student has 1–4 goals and 1–2 services.
      const perStudent = await rows<{ goals: number; services: number }>(
        db,
        sql`select (select count(*) from goal g where g.district_id = st.district_id and g.student_id = st.id) as goals,
                   (select count(*) from service s where s.district_id = st.district_id and s.student_id = st.id) as services
            from student st where st.district_id = ${d}`,
      );
      for (const p of perStudent) {
        expect(Number(p.goals)).toBeGreaterThanOrEqual(1);
        expect(Number(p.goals)).toBeLessThanOrEqual(4);
        expect(Number(p.services)).toBeGreaterThanOrEqual(1);
        expect(Number(p.services)).toBeLessThanOrEqual(2);
      }
    });

    it('records sessions only on past weekdays, by a provider who serves the student', async () => {
      const d = a.districtId;
      const dates = await rows<{ session_date: string }>(
        db,
        sql`select distinct session_date from therapy_session where district_id = ${d}`,
      );
      for (const { session_date } of dates) {
        expect(session_date <= TODAY).toBe(true);
        const wd = new Date(`${session_date}T00:00:00Z`).getUTCDay();
        expect(wd, session_date).not.toBe(0);
        expect(wd, session_date).not.toBe(6);
      }
      // Sessions in the current week (Mon–today).
      expect(dates.some((x) => x.session_date >= '2027-02-15')).toBe(true);
      expect(
        await count(
          db,
          sql`select count(*) as n from session_student ss
              join therapy_session ts on ts.district_id = ss.district_id and ts.id = ss.session_id
              where ss.district_id = ${d}
              and not exists (select 1 from service sv where sv.district_id = ss.district_id and sv.student_id = ss.student_id and sv.provider_id = ts.provider_id)
              and not exists (select 1 from assistant_assignment aa
                  join staff_user x on x.district_id = aa.district_id and x.id = aa.assistant_id
                  join service sv on sv.district_id = aa.district_id and sv.student_id = aa.student_id and sv.provider_id = x.supervisor_id
                  where aa.district_id = ss.district_id and aa.assistant_id = ts.provider_id and aa.student_id = ss.student_id)`,
        ),
      ).toBe(0);
      // Push-in happens in the student's homeroom, at one of its routines, on its weekday and time.
      const pushIn = await rows<{
        setting: string;
        session_date: string;
        start_time: string;
        r_classroom: string | null;
        homeroom: string;
        weekdays: string | null;
        r_start: string | null;
        collaboration_mode: string | null;
      }>(
        db,
        sql`select ts.setting, ts.session_date, ts.start_time, r.classroom_id as r_classroom, st.homeroom_id as homeroom,
                   r.weekdays, r.start_time as r_start, ts.collaboration_mode
            from therapy_session ts
            join session_student ss on ss.district_id = ts.district_id and ss.session_id = ts.id
            join student st on st.district_id = ss.district_id and st.id = ss.student_id
            left join routine r on r.district_id = ts.district_id and r.id = ts.routine_id
            where ts.district_id = ${d} and ts.model = 'push_in'`,
      );
      expect(pushIn.length).toBeGreaterThan(50);
      for (const p of pushIn) {
        expect(p.setting).toBe('classroom');
        expect(p.r_classroom).toBe(p.homeroom);
        const wd = new Date(`${p.session_date}T00:00:00Z`).getUTCDay();
        expect(p.weekdays!.split(',').map(Number)).toContain(wd);
        expect(p.start_time).toBe(p.r_start);
        expect(p.collaboration_mode).not.toBeNull();
      }
      expect(
        await count(
          db,
          sql`select count(*) as n from therapy_session where district_id = ${d} and model = 'pull_out' and setting <> 'therapy_room'`,
        ),
      ).toBe(0);
      const attendance = await rows<{ attendance: string; n: number }>(
        db,
        sql`select attendance, count(*) as n from session_student where district_id = ${d} group by attendance`,
      );
      const by = Object.fromEntries(attendance.map((x) => [x.attendance, Number(x.n)]));
      const total = Object.values(by).reduce((s, n) => s + n, 0);
      expect(by.delivered! / total).toBeGreaterThan(0.75);
      for (const k of ['makeup', 'student_absent_excused', 'provider_absent', 'school_closed'])
        expect(by[k], k).toBeGreaterThan(0);
      expect(
        await count(
          db,
          sql`select count(*) as n from therapy_session where district_id = ${d} and group_size > 1`,
        ),
      ).toBeGreaterThan(0);
    });

    it('records observations that fit their goal, student and session', async () => {
      const d = a.districtId;
      expect(
        await count(
          db,
          sql`select count(*) as n from observation o join goal g on g.district_id = o.district_id and g.id = o.goal_id
              where o.district_id = ${d} and g.student_id <> o.student_id`,
        ),
      ).toBe(0);
      expect(
        await count(
          db,
          sql`select count(*) as n from observation o
              left join session_student ss on ss.district_id = o.district_id and ss.session_id = o.session_id and ss.student_id = o.student_id
              left join therapy_session ts on ts.district_id = o.district_id and ts.id = o.session_id
              where o.district_id = ${d} and o.session_id is not null
              and (ss.session_id is null or ss.attendance not in ('delivered', 'makeup')
                   or ts.setting <> o.setting or ts.model <> o.model or ts.session_date <> o.observed_on)`,
        ),
      ).toBe(0);
      const obs = await rows<Record<string, unknown>>(
        db,
        sql`select o.*, g.measurement_type, g.rubric_max from observation o
            join goal g on g.district_id = o.district_id and g.id = o.goal_id where o.district_id = ${d}`,
      );
      let probes = 0;
      for (const o of obs) {
        expect(String(o.observed_on) <= TODAY).toBe(true);
        if (o.session_id === null) {
          probes++;
          expect(o.recorder_role).toBe('teacher');
          expect(o.setting).toBe('classroom');
        } else expect(['therapist', 'assistant']).toContain(o.recorder_role);
        const type = o.measurement_type;
        const trials = [o.trials_correct, o.trials_prompted, o.trials_incorrect];
        if (type === 'percent') expect(trials.map(Number).reduce((s, n) => s + n, 0)).toBe(10);
        else expect(trials).toEqual([null, null, null]);
        if (type === 'prompt_level') expect(promptLevels).toContain(o.prompt_level);
        expect(o.count === null).toBe(type !== 'frequency');
        expect(o.seconds === null).toBe(type !== 'duration');
        expect(o.rubric_score === null).toBe(type !== 'rubric');
        if (type === 'rubric') {
          expect(Number(o.rubric_score)).toBeGreaterThanOrEqual(0);
          expect(Number(o.rubric_score)).toBeLessThanOrEqual(Number(o.rubric_max));
        }
      }
      expect(probes).toBeGreaterThan(0);
      expect(
        await count(
          db,
          sql`select count(*) as n from observation where district_id = ${d} and recorder_role = 'assistant'`,
        ),
      ).toBeGreaterThan(0);
    });

    it('keeps model changes consistent with the goal and its observations', async () => {
      const d = a.districtId;
      const changes = await rows<{
        goal_id: string;
        from_model: string;
        to_model: string;
        changed_on: string;
        current_model: string;
      }>(
        db,
        sql`select mc.goal_id, mc.from_model, mc.to_model, mc.changed_on, g.current_model from model_change mc
            join goal g on g.district_id = mc.district_id and g.id = mc.goal_id where mc.district_id = ${d}`,
      );
      const goals = a.counts.goal!;
      expect(changes.length / goals).toBeGreaterThan(0.04);
      expect(changes.length / goals).toBeLessThan(0.3);
      const sessionModels = (m: string) => (m === 'split' ? ['push_in', 'pull_out'] : [m]);
      for (const c of changes) {
        expect(c.current_model).toBe(c.to_model);
        const obs = await rows<{ observed_on: string; model: string }>(
          db,
          sql`select observed_on, model from observation where district_id = ${d} and goal_id = ${c.goal_id} and session_id is not null`,
        );
        for (const o of obs)
          expect(sessionModels(o.observed_on < c.changed_on ? c.from_model : c.to_model)).toContain(
            o.model,
          );
      }
    });

    it('finalises each student’s report for every ended period, by their therapist, after the period', async () => {
      const d = a.districtId;
      const periods = await rows<{ id: string; ends_on: string }>(
        db,
        sql`select id, ends_on from reporting_period where district_id = ${d} order by starts_on`,
      );
      const ended = periods.filter((p) => p.ends_on < TODAY);
      expect(ended.length).toBe(2);
      const reports = await rows<{
        id: string;
        student_id: string;
        period_id: string;
        status: string;
        created_at: string;
        finalized_at: string;
        finalized_by: string;
        created_by: string;
      }>(db, sql`select * from progress_report where district_id = ${d}`);
      // Every student with a goal begun by a period's end has that period's final report; no
      // report for a period not yet over.
      for (const p of periods) {
        const due = await count(
          db,
          sql`select count(distinct student_id) as n from goal where district_id = ${d} and start_date <= ${p.ends_on}`,
        );
        const made = reports.filter((r) => r.period_id === p.id);
        expect(made.length, p.id).toBe(p.ends_on < TODAY ? due : 0);
      }
      const providers = await rows<{ student_id: string; provider_id: string }>(
        db,
        sql`select student_id, provider_id from service where district_id = ${d}`,
      );
      const { timeZone } = DEMO_DEFAULTS;
      for (const r of reports) {
        const period = ended.find((p) => p.id === r.period_id)!;
        expect(r.status).toBe('final');
        expect(
          providers.some((s) => s.student_id === r.student_id && s.provider_id === r.finalized_by),
        ).toBe(true);
        // In the district's days: after the period ended, within two school weeks, a weekday.
        const finalisedOn = dateIn(new Date(r.finalized_at), timeZone);
        expect(finalisedOn > period.ends_on).toBe(true);
        expect(finalisedOn <= addDays(period.ends_on, 14)).toBe(true);
        expect(new Date(`${finalisedOn}T12:00:00Z`).getUTCDay() % 6).not.toBe(0);
        expect(r.created_at <= r.finalized_at).toBe(true);
      }
      const lines = await rows<{
        report_id: string;
        status_code: string;
        gas_score: number;
        gas_computed: number;
        gas_override_reason: string | null;
        narrative: string;
      }>(db, sql`select * from progress_report_goal where district_id = ${d}`);
      expect(lines.length).toBeGreaterThanOrEqual(reports.length);
      // A changed score is rare, one step from the computed one, and always has its reason.
      const changed = lines.filter((l) => Number(l.gas_score) !== Number(l.gas_computed));
      expect(changed.length).toBeLessThan(lines.length * 0.1);
      for (const l of lines) {
        expect(l.gas_override_reason !== null).toBe(Number(l.gas_score) !== Number(l.gas_computed));
        expect(Math.abs(Number(l.gas_score) - Number(l.gas_computed))).toBeLessThanOrEqual(1);
        expect(statusNeedsReason(l.status_code as never, Number(l.gas_score))).toBe(false);
        expect(l.narrative.length).toBeGreaterThan(40);
      }
      // Every discipline on a report marked its lines ready, by that discipline's therapist.
      const unmarked = await count(
        db,
        sql`select count(*) as n from progress_report_goal l
            join goal g on g.district_id = l.district_id and g.id = l.goal_id
            where l.district_id = ${d} and not exists (select 1 from progress_report_ready r
              where r.district_id = l.district_id and r.report_id = l.report_id and r.discipline = g.discipline)`,
      );
      expect(unmarked).toBe(0);
    });

    it('writes touch-bases between district staff, about district students, with participant owners', async () => {
      const d = a.districtId;
      expect(a.counts.touch_base).toBeGreaterThanOrEqual(3);
      const q = (from: string, col: string, table: string) =>
        count(
          db,
          sql`select count(*) as n from ${sql.table(from)} x left join ${sql.table(table)} y on y.id = x.${sql.raw(col)} and y.district_id = x.district_id where x.district_id = ${d} and y.id is null`,
        );
      expect(await q('touch_base_participant', 'staff_id', 'staff_user')).toBe(0);
      expect(await q('touch_base_student', 'student_id', 'student')).toBe(0);
      // Each meeting: one therapist and the teacher of the discussed students' classroom.
      const meetings = await rows<{ id: string; therapists: number; teachers: number }>(
        db,
        sql`select p.touch_base_id as id,
              sum(case when s.role = 'therapist' then 1 else 0 end) as therapists,
              sum(case when s.role = 'teacher' then 1 else 0 end) as teachers
            from touch_base_participant p join staff_user s on s.id = p.staff_id
            where p.district_id = ${d} group by p.touch_base_id`,
      );
      expect(meetings).toHaveLength(a.counts.touch_base!);
      for (const m of meetings) expect([Number(m.therapists), Number(m.teachers)]).toEqual([1, 1]);
      expect(
        await count(
          db,
          sql`select count(*) as n from touch_base_student ts
              join student st on st.id = ts.student_id
              join classroom c on c.id = st.homeroom_id
              where ts.district_id = ${d} and not exists (select 1 from touch_base_participant p
                where p.touch_base_id = ts.touch_base_id and p.staff_id = c.teacher_id)`,
        ),
      ).toBe(0);
      // Action items are owned by participants of their meeting.
      expect(
        await count(
          db,
          sql`select count(*) as n from action_item ai where ai.district_id = ${d}
              and not exists (select 1 from touch_base_participant p
                where p.touch_base_id = ai.touch_base_id and p.staff_id = ai.owner_id)`,
        ),
      ).toBe(0);
      const open = await rows<{ email: string }>(
        db,
        sql`select distinct s.email from action_item ai join staff_user s on s.id = ai.owner_id
            where ai.district_id = ${d} and ai.done_on is null`,
      );
      for (const who of ['slp', 'ot', 'teacher'])
        expect(open.map((o) => o.email)).toContain(`${who}@demo.test`);
      expect(
        await count(
          db,
          sql`select count(*) as n from action_item where district_id = ${d} and done_on is not null`,
        ),
      ).toBeGreaterThan(0);
    });

    it('seeds a second district beside the first without sharing anything', async () => {
      expect(b.districtId).not.toBe(a.districtId);
      for (const table of ID_TABLES) {
        const ids = await rows<{ id: string; district_id: string }>(
          db,
          sql`select id, district_id from ${sql.table(table)} where district_id in (${a.districtId}, ${b.districtId})`,
        );
        const seen = new Set<string>();
        for (const r of ids) {
          expect(seen.has(r.id), `${table} ${r.id}`).toBe(false);
          seen.add(r.id);
        }
      }
      const emails = await rows<{ email: string }>(
        db,
        sql`select email from staff_user where district_id = ${b.districtId}`,
      );
      expect(emails.every((e) => e.email.endsWith('@other.test'))).toBe(true);
      // No row of B points at anything of A (composite keys would refuse it; check the data too).
      expect(
        await count(
          db,
          sql`select count(*) as n from observation o join goal g on g.id = o.goal_id where o.district_id = ${b.districtId} and g.district_id <> o.district_id`,
        ),
      ).toBe(0);
    });
  });
}

// The planted effects are a property of the generated rows, not of the database they land in
// (compare-db.test.ts shows the stored rows equal the generated ones), so this runs once, in
// memory, instead of seeding 300 students into every database.
describe('demo district rows', () => {
  // Pages tell people apart by name. The default demo's seeded draw named two Grade 2 teachers
  // at its first school Maya Mohamed; a larger district draws more such pairs.
  it.each([{}, { students: 3000, seed: 3 }])('give no two staff one full name (%o)', async (o) => {
    const { sink } = await generateDemoRows({ ...o, passwordHash: 'x' }, { reports: false });
    const names = (sink.tables.staff_user ?? []).map((s) => String(s.name));
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('show the planted effects', async () => {
    const { sink } = await generateDemoRows(
      { students: 300, seed: 11, today: '2027-03-04', passwordHash: 'x' },
      // Rates only: the reports' drafting would be most of the time.
      { reports: false },
    );
    const changed = new Set((sink.tables.model_change ?? []).map((mc) => mc.goal_id));
    const goals = new Map(
      (sink.tables.goal ?? [])
        .filter((g) => g.phase !== 'baseline' && !changed.has(g.id))
        .map((g) => [g.id, g]),
    );
    const obs = (sink.tables.observation ?? []) as unknown as Record<string, unknown>[];
    const t0 = Date.parse('2026-08-15');
    const points = new Map<string, { x: number; y: number }[]>();
    for (const o of obs) {
      const g = goals.get(String(o.goal_id));
      if (!g) continue;
      const key = `${g.id}|${o.setting}`;
      const list = points.get(key) ?? [];
      list.push({ x: (Date.parse(String(o.observed_on)) - t0) / 6048e5, y: scoreOf(g, o) });
      points.set(key, list);
    }
    /** Mean per-goal slope (score/week) for goals of these domains under a model, in a setting. */
    const roi = (domains: readonly string[], model: string, setting: string) => {
      const slopes: number[] = [];
      for (const g of goals.values()) {
        if (!domains.includes(g.domain) || g.current_model !== model) continue;
        const p = points.get(`${g.id}|${setting}`);
        if (!p || p.length < 5) continue;
        const xs = p.map((q) => q.x);
        if (Math.max(...xs) - Math.min(...xs) < 6) continue;
        slopes.push(slope(p));
      }
      return { mean: mean(slopes), n: slopes.length };
    };
    const { functional, articulation, other } = PLANTED_EFFECTS.domainGroups;
    const fPush = roi(functional, 'push_in', 'classroom');
    const fPull = roi(functional, 'pull_out', 'classroom');
    const aPull = roi(articulation, 'pull_out', 'therapy_room');
    // Push-in episodes are only observed in the classroom: compare episode ROIs.
    const aPush = roi(articulation, 'push_in', 'classroom');
    const oPush = roi(other, 'push_in', 'classroom');
    const oPull = roi(other, 'pull_out', 'classroom');
    console.info({ fPush, fPull, aPull, aPush, oPush, oPull });
    for (const x of [fPush, fPull, aPull, aPush]) expect(x.n).toBeGreaterThanOrEqual(8);
    // Push-in is planted 0.020/week faster in the classroom for functional goals.
    expect(fPush.mean - fPull.mean).toBeGreaterThan(0.008);
    // Pull-out is planted 0.020/week faster in the therapy room for articulation.
    expect(aPull.mean - aPush.mean).toBeGreaterThan(0.008);
    // Elsewhere push-in and pull-out grow alike.
    expect(Math.abs(oPush.mean - oPull.mean)).toBeLessThan(0.01);
  });
});

// Rows record what happened (a session, a signature, a probe) or what is planned (a target date,
// a review, a due date). Nothing that happened may lie after the moment the demo is made at, in
// the district's own time zone. A new date column must be sorted into one of these lists.
const HAPPENED_DATES = new Set([
  'session_date',
  'observed_on',
  'met_on',
  'changed_on',
  'done_on',
  'agreed_on',
  'date_of_birth',
  'iep_start',
]);
const PLANNED_DATES = new Set([
  'start_date',
  'end_date',
  'target_date',
  'review_on',
  'due_on',
  'iep_annual_review',
  'iep_reevaluation',
  'starts_on',
  'ends_on',
]);
const isTimestamp = (column: string) => column.endsWith('_at') || column === 'at';
const looksLikeDate = (column: string, value: unknown) =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !column.endsWith('_time');

describe('the demo never writes the future', () => {
  const cases = [
    // The hour the suite used to fail: Sunday evening in Chicago, Monday in UTC.
    { now: '2026-11-30T02:28:00Z', timeZone: 'America/Chicago' },
    // Mid-morning on a school day: some of today's sessions have happened, later ones not.
    { now: '2026-11-30T16:10:00Z', timeZone: 'America/Chicago' },
    // The first school morning after clocks went forward.
    { now: '2026-03-09T13:30:00Z', timeZone: 'America/Chicago' },
    { now: '2026-11-30T09:30:00Z', timeZone: 'Pacific/Honolulu' },
    { now: '2026-11-30T01:00:00Z', timeZone: 'Asia/Tokyo' },
  ];

  it.each(cases)('made at $now in $timeZone', async ({ now, timeZone }) => {
    const at = new Date(now);
    const { sink, result } = await generateDemoRows({
      students: 30,
      seed: 5,
      now: at,
      timeZone,
      passwordHash: 'x',
    });
    expect(result.counts.therapy_session).toBeGreaterThan(100);
    const today = dateIn(at, timeZone);
    const unsorted = new Set<string>();
    for (const [table, list] of Object.entries(sink.tables)) {
      for (const row of list as unknown as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          if (isTimestamp(column)) {
            expect(Date.parse(String(value)), `${table}.${column} = ${value}`).toBeLessThanOrEqual(
              at.getTime(),
            );
          } else if (HAPPENED_DATES.has(column)) {
            expect(String(value) <= today, `${table}.${column} = ${value}`).toBe(true);
          } else if (!PLANNED_DATES.has(column) && looksLikeDate(column, value)) {
            unsorted.add(`${table}.${column}`);
          }
        }
      }
    }
    expect([...unsorted], 'date columns sorted into neither list').toEqual([]);

    // Times are the district's wall clock: a session is created two minutes after it ends, on
    // its own date, unless that moment is now.
    const nowWall = wallTimeIn(at, timeZone);
    const sessions = sink.tables.therapy_session ?? [];
    for (const s of sessions) {
      const created = wallTimeIn(new Date(s.created_at), timeZone);
      expect(created.date).toBe(s.session_date);
      const [h, m] = s.end_time.split(':').map(Number) as [number, number];
      if (s.created_at !== at.toISOString()) expect(created.minutes).toBe(h * 60 + m + 2);
      if (s.session_date === today) expect(h * 60 + m).toBeLessThanOrEqual(nowWall.minutes);
    }
    const todays = sessions.filter((s) => s.session_date === today);
    if (now === '2026-11-30T16:10:00Z') {
      // 10:10 in Chicago: the morning's sessions are there, the afternoon's are not yet.
      expect(todays.length).toBeGreaterThan(0);
      expect(todays.every((s) => s.end_time <= '10:10')).toBe(true);
    }
  });
});
