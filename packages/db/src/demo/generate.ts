import type {
  CollaborationMode,
  Discipline,
  GoalDomain,
  GoalPhase,
  MeasurementType,
  ServiceModel,
  SessionModel,
} from '@carryover/domain';
import { instantAt, promptLevels } from '@carryover/domain';
import { systemClock } from '../clock';
import { demoClaimData, demoCredential, demoNpi } from './billing';
import {
  clock,
  type DemoClock,
  dayFromYmd,
  dayOf,
  demoClock,
  iso,
  isSchoolDay,
  type SchoolCalendar,
  schoolCalendar,
  weekday,
} from './calendar';
import {
  classroomRoutines,
  DELIVERED_NOTES,
  DOMAIN_ROUTINES,
  DOMAIN_WEIGHTS,
  GOAL_TEMPLATES,
  type GoalTemplate,
  MISSED_NOTES,
  MODEL_CHANGE_REASONS,
  PROMPT_WORDS,
} from './catalog';
import { classroomOffset, type PlantedEffects, plantedRoi, resolveEffects } from './effects';
import { FIRST_NAMES, LAST_NAMES, SCHOOL_NAMES } from './names';
import { draftFinalReportsInMemory } from './reports';
import { hash3, hashFloat, hashString, Rng } from './rng';
import { writeTouchBases } from './team';
import { MemorySink, type RowSink } from './writer';

export interface DemoOptions {
  /** Number of students; default 200. Schools, staff and classrooms scale with it. */
  students?: number;
  /** Default 20261127. Same options → same rows, ids included. */
  seed?: number;
  /**
   * The moment the demo is made at; default the system clock. Data runs from Aug 15 of the
   * school year of the district's today up to this moment: nothing later is written.
   */
  now?: Date;
  /**
   * Shorthand for `now` at 18:00 on this ISO date in the district's time zone, after the
   * school day (tests and simulations that want a fixed, whole day). `now` wins if both are set.
   */
  today?: string;
  /** The district's IANA time zone; default America/Chicago. Its days and times are local. */
  timeZone?: string;
  districtName?: string;
  /** Domain of every demo login; default 'demo.test'. Also makes ids unique per district. */
  emailDomain?: string;
  /** Stored verbatim on every demo login. */
  passwordHash: string;
  onProgress?: (p: { step: string; done: number; total: number }) => void;
  /**
   * Simulation only: replace parts of PLANTED_EFFECTS (e.g. plant a known push-in advantage or
   * none). Leave unset for the demo; the rows are then exactly those of PLANTED_EFFECTS.
   */
  effects?: Partial<PlantedEffects>;
  /**
   * Postgres: 'bulk' (default) loads through COPY and, when the generator's tables are all
   * empty (a fresh database), with their secondary indexes and foreign keys dropped for the
   * load and rebuilt after it (bulk.ts); otherwise as 'copy'. 'copy' keeps them up row by row;
   * 'insert' uses multi-row inserts. The last two are there to compare against.
   */
  postgresLoad?: 'bulk' | 'copy' | 'insert';
}

export interface DemoResult {
  districtId: string;
  counts: Record<string, number>;
  logins: { email: string; role: string; name: string }[];
  /** Sessions the seed voided after generating them (their data leaves every number). */
  voidedSessionIds?: string[];
  /** How the rows went in: batched inserts (SQLite, or asked for), COPY, or COPY in bulk mode. */
  load?: 'insert' | 'copy' | 'bulk';
}

export const DEMO_DEFAULTS = {
  students: 200,
  seed: 20261127,
  districtName: 'Riverbend Unified (demo)',
  emailDomain: 'demo.test',
  timeZone: 'America/Chicago',
} as const;

const GRADES = ['K', '1', '2', '3', '4', '5'] as const;
const CLASSROOMS_PER_GRADE = 2;
const MASTERY_RULE = JSON.stringify({
  consecutiveSessions: 3,
  minSettings: 2,
  requireClassroom: true,
});

/**
 * The same district as `seedDemoDistrict`, row for row, kept in memory instead of written to a
 * database: for simulation studies that generate hundreds of districts. Its finalised past
 * reports too, unless `reports` is false (the billing history is the seed's alone).
 */
export async function generateDemoRows(
  options: DemoOptions,
  { reports = true }: { reports?: boolean } = {},
): Promise<{ result: DemoResult; sink: MemorySink }> {
  const sink = new MemorySink();
  const resolved = resolveOptions(options);
  const result = await new Generator(resolved, sink).run();
  if (reports) {
    draftFinalReportsInMemory(sink, {
      districtId: result.districtId,
      clock: resolved.clock,
      seed: resolved.seed,
    });
    Object.assign(result.counts, sink.counts);
  }
  return { result, sink };
}

/** The options with their defaults filled in (shared with `seedDemoDistrict`). */
export function resolveOptions(options: DemoOptions): Resolved {
  const students = options.students ?? DEMO_DEFAULTS.students;
  if (!Number.isInteger(students) || students < 1)
    throw new Error(`students must be a positive integer, got ${students}`);
  const timeZone = options.timeZone ?? DEMO_DEFAULTS.timeZone;
  const now =
    options.now ??
    (options.today !== undefined
      ? instantAt(iso(dayOf(options.today)), 18 * 60, timeZone)
      : systemClock());
  const resolved: Resolved = {
    students,
    seed: (options.seed ?? DEMO_DEFAULTS.seed) | 0,
    clock: demoClock(now, timeZone),
    timeZone,
    districtName: options.districtName ?? DEMO_DEFAULTS.districtName,
    emailDomain: (options.emailDomain ?? DEMO_DEFAULTS.emailDomain).toLowerCase(),
    passwordHash: options.passwordHash,
    onProgress: options.onProgress ?? (() => {}),
    effects: resolveEffects(options.effects),
  };
  return resolved;
}

export interface Resolved {
  students: number;
  seed: number;
  clock: DemoClock;
  timeZone: string;
  districtName: string;
  emailDomain: string;
  passwordHash: string;
  onProgress: NonNullable<DemoOptions['onProgress']>;
  effects: PlantedEffects;
}

interface Staff {
  id: string;
  idx: number;
  name: string;
  email: string;
  role: string;
  discipline: Discipline | null;
  supervisor: Staff | null;
  schools: number[];
  caseload: number;
  assistants: Staff[];
  /** 15-minute slots 08:00–17:00 per weekday, to keep a provider's week free of clashes. */
  busy: Uint8Array;
}

interface Routine {
  id: string;
  name: string;
  weekdays: readonly number[];
  start: number;
  end: number;
}

interface Classroom {
  id: string;
  grade: string;
  teacher: Staff;
  routines: Routine[];
}

interface Student {
  id: string;
  idx: number;
  first: string;
  classroom: Classroom;
  mult: number;
}

interface Segment {
  model: ServiceModel;
  /** Half-open day range [from, to). */
  from: number;
  to: number;
}

interface Service {
  id: string;
  student: Student;
  discipline: Discipline;
  provider: Staff;
  assistant: Staff | null;
  minutes: number;
  split: { push_in: number; pull_out: number } | null;
  startDay: number;
  endDay: number;
  segments: Segment[];
  goals: Goal[];
  usedWeekdays: Set<number>;
}

interface Goal {
  id: string;
  service: Service;
  domain: GoalDomain;
  type: MeasurementType;
  baseline: number;
  target: number;
  rubricMax: number | null;
  routines: Routine[];
  startDay: number;
  effStart: number;
  l0: number;
  mult: number;
  phase: GoalPhase;
  /** Last day the goal is worked on when mastered. */
  masteryDay: number | null;
}

interface Member {
  service: Service;
  from: number;
  to: number;
}

interface Stream {
  provider: Staff;
  assistant: Staff | null;
  model: SessionModel;
  setting: 'therapy_room' | 'classroom';
  routine: Routine | null;
  weekday: number;
  start: number;
  len: number;
  members: Member[];
}

interface Makeup {
  stream: Stream;
  members: Member[];
}

/**
 * Where a goal begun last school year stands when this one starts: the weeks of school it
 * already had (up to early June) at a typical rate, less some summer loss. Without this the
 * demo's older goals would all sit far below their aim lines and read "at risk".
 */
function priorYearLevel(
  rng: Rng,
  e: PlantedEffects,
  startDay: number,
  yearStart: number,
  studentMult: number,
): number {
  const lastYearEnds = yearStart - SUMMER_BREAK_DAYS;
  const weeks = Math.max(0, lastYearEnds - startDay) / 7;
  const gained = weeks * TYPICAL_PRIOR_ROI * studentMult * rng.uniform(0.5, 0.9);
  return Math.min(0.6, gained) + rng.uniform(0, e.initialLevelMax);
}

const SUMMER_BREAK_DAYS = 70;
/** Teachers record classroom probes after dismissal, at 15:20. */
const TEACHER_PROBE_MINUTE = 15 * 60 + 20;
const TYPICAL_PRIOR_ROI = 0.03;

export class Generator {
  private readonly rng: Rng;
  private readonly cal: SchoolCalendar;
  private readonly prefix: string;
  private readonly districtId: string;
  private readonly counters = new Map<string, number>();
  private readonly emails = new Set<string>();
  private readonly staffNames = new Set<string>();
  private readonly nSchools: number;
  private readonly schoolIds: string[] = [];
  /** Therapists per school and discipline. */
  private readonly providersAt: Record<Discipline, Staff[]>[] = [];
  private readonly fixed = new Map<string, Staff>();
  private staffIdx = 0;
  private studentIdx = 0;
  private studentsDone = 0;

  constructor(
    private readonly o: Resolved,
    private readonly w: RowSink,
  ) {
    this.rng = new Rng(hash3(o.seed, 0xd15, 0));
    this.cal = schoolCalendar(o.clock, this.rng);
    // District-unique id prefix, so two demo districts in one database share no ids.
    this.prefix = hash3(hashString(o.emailDomain), o.seed, 0x1d).toString(36).padStart(7, '0');
    this.districtId = `demo_${this.prefix}`;
    this.nSchools = Math.max(3, Math.round(o.students / 70));
  }

  private id(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${this.prefix}_${kind}${n}`;
  }

  async run(): Promise<DemoResult> {
    const { o, cal } = this;
    o.onProgress({ step: 'district', done: 0, total: 1 });
    const yearOf = (d: number) => Number(iso(d).slice(0, 4));
    this.w.push('district', {
      id: this.districtId,
      name: o.districtName,
      settings: JSON.stringify({
        schoolYearStart: iso(cal.yearStart),
        schoolYearEnd: iso(cal.yearEnd),
        studentAbsenceOwed: 'unexcused_only',
        timezone: o.timeZone,
        // The demo runs on its published password for a quick look on one's own machine: it
        // asks nobody for a second factor (anyone may enrol on the Account page). A district
        // made with `create-admin` requires it of admins and coordinators.
        mfaRequiredRoles: [],
      }),
      created_at: cal.stamp(cal.yearStart - 30, 9 * 60),
    });
    const span = cal.yearEnd + 1 - cal.yearStart;
    const label = `${yearOf(cal.yearStart)}–${String(yearOf(cal.yearEnd)).slice(2)}`;
    for (let q = 0; q < 4; q++) {
      this.w.push('reporting_period', {
        district_id: this.districtId,
        id: this.id('rp'),
        name: `Q${q + 1} ${label}`,
        starts_on: iso(cal.yearStart + Math.round((span * q) / 4)),
        ends_on: iso(cal.yearStart + Math.round((span * (q + 1)) / 4) - 1),
      });
    }
    for (let k = 0; k < this.nSchools; k++) {
      const id = this.id('sch');
      this.schoolIds.push(id);
      const base = SCHOOL_NAMES[k % SCHOOL_NAMES.length]!;
      const round = Math.floor(k / SCHOOL_NAMES.length);
      this.w.push('school', {
        district_id: this.districtId,
        id,
        name: `${base}${round ? ` ${round + 1}` : ''} Elementary`,
      });
    }
    o.onProgress({ step: 'district', done: 1, total: 1 });
    this.seedStaff();
    o.onProgress({ step: 'staff', done: 1, total: 1 });
    await this.w.flush();
    for (let k = 0; k < this.nSchools; k++) {
      await this.seedSchool(k);
      o.onProgress({ step: 'students', done: this.studentsDone, total: o.students });
    }
    await this.w.flush();
    return {
      districtId: this.districtId,
      counts: { ...this.w.counts },
      logins: ['slp', 'ot', 'pt', 'slpa', 'teacher', 'coordinator', 'admin'].map((k) => {
        const s = this.fixed.get(k)!;
        return { email: s.email, role: s.role, name: s.name };
      }),
    };
  }

  private newStaff(
    role: string,
    discipline: Discipline | null,
    supervisor: Staff | null,
    fixedLocal?: string,
  ): Staff {
    const first = this.rng.pick(FIRST_NAMES);
    const last = this.rng.pick(LAST_NAMES);
    let email: string;
    if (fixedLocal) email = `${fixedLocal}@${this.o.emailDomain}`;
    else {
      const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
      email = `${local}@${this.o.emailDomain}`;
      for (let n = 2; this.emails.has(email); n++) email = `${local}${n}@${this.o.emailDomain}`;
    }
    this.emails.add(email);
    // Two staff of one name would be told apart by nothing on a page (two Grade 2 teachers
    // called Maya Mohamed at one school, say); a middle initial tells them apart. It is not drawn
    // from the seeded stream, so the rest of the district stays as it was.
    let name = `${first} ${last}`;
    for (let i = 0; this.staffNames.has(name); i++) {
      const initial = String.fromCharCode(65 + ((this.staffIdx + i) % 26));
      name = `${first} ${initial}. ${last}${i < 26 ? '' : ` ${Math.floor(i / 26) + 1}`}`;
    }
    this.staffNames.add(name);
    const s: Staff = {
      id: this.id(role === 'therapist' ? 'th' : role === 'assistant' ? 'as' : role.slice(0, 3)),
      idx: this.staffIdx++,
      name,
      email,
      role,
      discipline,
      supervisor,
      schools: [],
      caseload: 0,
      assistants: [],
      busy: new Uint8Array(6 * 36),
    };
    if (fixedLocal) this.fixed.set(fixedLocal, s);
    this.w.push('staff_user', {
      district_id: this.districtId,
      id: s.id,
      name: s.name,
      email: s.email,
      role,
      discipline,
      supervisor_id: supervisor?.id ?? null,
      password_hash: this.o.passwordHash,
      active: 1,
      created_at: this.cal.stamp(this.cal.yearStart - 30, 9 * 60),
      // Every row names the same columns (the bulk writers take them from the first row).
      npi: role === 'therapist' || role === 'assistant' ? demoNpi(s.idx) : null,
      credential: demoCredential(role, discipline),
    });
    return s;
  }

  private seedStaff(): void {
    const S = this.nSchools;
    const nTher = Math.max(6, Math.round(this.o.students / 17));
    const nSlp = Math.max(1, Math.round(nTher * 0.5));
    const nOt = Math.max(1, Math.round(nTher * 0.33));
    const counts: Record<Discipline, number> = {
      SLP: nSlp,
      OT: nOt,
      PT: Math.max(1, nTher - nSlp - nOt),
    };
    for (let k = 0; k < S; k++) this.providersAt.push({ OT: [], SLP: [], PT: [] });
    const therapists: Record<Discipline, Staff[]> = { OT: [], SLP: [], PT: [] };
    const fixedLocal: Record<Discipline, string> = { SLP: 'slp', OT: 'ot', PT: 'pt' };
    for (const d of ['SLP', 'OT', 'PT'] as const) {
      const n = counts[d];
      for (let i = 0; i < n; i++) {
        const t = this.newStaff('therapist', d, null, i === 0 ? fixedLocal[d] : undefined);
        // Every school has at least one provider per discipline; a few providers travel.
        const schools = new Set<number>([i % S]);
        for (let k = i; k < S; k += n) schools.add(k);
        t.schools = [...schools].sort((a, b) => a - b);
        for (const k of t.schools) this.providersAt[k]![d].push(t);
        therapists[d].push(t);
      }
    }
    const assistants: Staff[] = [];
    const addAssistants = (d: Discipline, per: number, fixed?: string) => {
      const list = therapists[d];
      const n = Math.max(1, Math.ceil(list.length / per));
      for (let a = 0; a < n; a++) {
        const sup = list[(a * per) % list.length]!;
        const s = this.newStaff('assistant', d, sup, a === 0 ? fixed : undefined);
        s.schools = sup.schools;
        sup.assistants.push(s);
        assistants.push(s);
      }
    };
    addAssistants('SLP', 3, 'slpa'); // SLPAs
    addAssistants('OT', 4); // COTAs
    const coordinator = this.newStaff('coordinator', null, null, 'coordinator');
    this.newStaff('admin', null, null, 'admin');
    const serve = (s: Staff, schools: number[]) => {
      for (const k of schools)
        this.w.push('staff_school', {
          district_id: this.districtId,
          staff_id: s.id,
          school_id: this.schoolIds[k]!,
        });
    };
    for (const d of ['SLP', 'OT', 'PT'] as const)
      for (const t of therapists[d]) serve(t, t.schools);
    for (const a of assistants) serve(a, a.schools);
    serve(
      coordinator,
      this.schoolIds.map((_, k) => k),
    );
  }

  private async seedSchool(k: number): Promise<void> {
    const { o, cal } = this;
    const rng = new Rng(hash3(o.seed, 0x5c400, k));
    const schoolId = this.schoolIds[k]!;
    const classrooms: Classroom[] = [];
    let rotation = 0;
    for (const grade of GRADES) {
      for (let c = 0; c < CLASSROOMS_PER_GRADE; c++) {
        const teacher = this.newStaff(
          'teacher',
          null,
          null,
          k === 0 && grade === '2' && c === 0 ? 'teacher' : undefined,
        );
        const id = this.id('cls');
        const last = teacher.name.split(' ').slice(1).join(' ');
        this.w.push('classroom', {
          district_id: this.districtId,
          id,
          school_id: schoolId,
          teacher_id: teacher.id,
          grade,
          name: `Grade ${grade} · ${last}`,
        });
        const routines: Routine[] = [];
        for (const r of classroomRoutines(grade, rotation++)) {
          const rid = this.id('rt');
          routines.push({
            id: rid,
            name: r.name,
            weekdays: r.weekdays,
            start: minutesOf(r.start),
            end: minutesOf(r.end),
          });
          this.w.push('routine', {
            district_id: this.districtId,
            id: rid,
            classroom_id: id,
            name: r.name,
            weekdays: r.weekdays.join(','),
            start_time: r.start,
            end_time: r.end,
          });
        }
        classrooms.push({ id, grade, teacher, routines });
      }
    }

    const base = Math.floor(o.students / this.nSchools);
    const nStudents = base + (k < o.students % this.nSchools ? 1 : 0);
    const services: Service[] = [];
    const goals: Goal[] = [];
    const schoolYear = Number(iso(cal.yearStart).slice(0, 4));
    for (let i = 0; i < nStudents; i++) {
      const forced = k === 0 && i < 8;
      const grade = forced ? '2' : rng.pick(GRADES);
      const gi = GRADES.indexOf(grade);
      const classroom = forced
        ? classrooms[gi * CLASSROOMS_PER_GRADE]!
        : classrooms[gi * CLASSROOMS_PER_GRADE + rng.int(0, CLASSROOMS_PER_GRADE - 1)]!;
      const first = rng.pick(FIRST_NAMES);
      const sd = o.effects.studentMultiplierSdLog;
      const student: Student = {
        id: this.id('stu'),
        idx: this.studentIdx++,
        first,
        classroom,
        mult: Math.exp(sd * rng.normal() - (sd * sd) / 2),
      };
      const iepStart = cal.today - (forced ? rng.int(100, 340) : rng.int(7, 364));
      const annual = iepStart + 365;
      const reeval = iepStart + 365 * rng.int(1, 3) - rng.int(0, 20);
      this.w.push('student', {
        district_id: this.districtId,
        id: student.id,
        first_name: first,
        last_name: rng.pick(LAST_NAMES),
        date_of_birth: iso(dayFromYmd(schoolYear - 6 - gi, 9, 2) + rng.int(0, 364)),
        grade,
        school_id: schoolId,
        homeroom_id: classroom.id,
        iep_start: iso(iepStart),
        iep_annual_review: iso(annual),
        iep_reevaluation: iso(reeval),
        created_at: cal.stamp(Math.min(iepStart, cal.yearStart) - 20, 9 * 60),
        ...demoClaimData(o.seed, student.idx),
      });

      // Disciplines and (for the fixed demo logins) providers.
      const plan: { d: Discipline; provider?: Staff }[] = [];
      if (forced) {
        if (i <= 4) plan.push({ d: 'SLP', provider: this.fixed.get('slp')! });
        if (i >= 2 && i <= 6) plan.push({ d: 'OT', provider: this.fixed.get('ot')! });
        if (i === 7) plan.push({ d: 'PT', provider: this.fixed.get('pt')! });
      } else {
        const weights: [Discipline, number][] = [
          ['SLP', 50],
          ['OT', 33],
          ['PT', 17],
        ];
        const d1 = rng.weighted(weights);
        plan.push({ d: d1 });
        if (rng.chance(0.2)) plan.push({ d: rng.weighted(weights.filter(([d]) => d !== d1)) });
      }
      const goalCounts =
        plan.length === 1
          ? [
              rng.weighted([
                [1, 15],
                [2, 35],
                [3, 35],
                [4, 15],
              ] as const),
            ]
          : plan.map(() => rng.int(1, 2));
      plan.forEach((p, si) => {
        const provider =
          p.provider ??
          this.providersAt[k]![p.d].reduce((a, b) => (b.caseload < a.caseload ? b : a));
        provider.caseload++;
        const svc = this.makeService(
          rng,
          student,
          p.d,
          provider,
          iepStart,
          annual,
          goalCounts[si]!,
          forced,
        );
        services.push(svc);
        goals.push(...svc.goals);
      });
      this.studentsDone++;
    }

    const streams = this.buildStreams(rng, services);
    this.writePushInPlans(rng, streams);
    await this.w.maybeFlush();
    await this.simulate(rng, streams, goals);
    writeTouchBases({
      w: this.w,
      rng,
      districtId: this.districtId,
      id: (k) => this.id(k),
      cal,
      streams,
    });
  }

  private makeService(
    rng: Rng,
    student: Student,
    d: Discipline,
    provider: Staff,
    iepStart: number,
    annual: number,
    nGoals: number,
    forced: boolean,
  ): Service {
    const { cal } = this;
    // Goal domains first: the service model is chosen with them in mind (not at random).
    const domains: GoalDomain[] = [];
    const pool = [...DOMAIN_WEIGHTS[d]];
    while (domains.length < nGoals && pool.length) {
      const dom = rng.weighted(pool);
      domains.push(dom);
      pool.splice(
        pool.findIndex(([x]) => x === dom),
        1,
      );
    }
    const functional = domains.some((x) => x === 'self_care' || x === 'classroom_participation');
    const artic = domains.includes('articulation');
    let model: ServiceModel = rng.weighted<ServiceModel>(
      functional
        ? [
            ['push_in', 40],
            ['pull_out', 27],
            ['split', 23],
            ['consult', 10],
          ]
        : artic
          ? [
              ['pull_out', 55],
              ['split', 20],
              ['push_in', 18],
              ['consult', 7],
            ]
          : [
              ['pull_out', 45],
              ['push_in', 25],
              ['split', 20],
              ['consult', 10],
            ],
    );
    if (forced && model === 'consult') model = 'pull_out';
    const minutes =
      model === 'consult'
        ? rng.pick([20, 30])
        : model === 'split'
          ? rng.pick([40, 60, 60, 90])
          : rng.pick([20, 30, 30, 30, 40, 45, 60, 60, 90]);
    const svc: Service = {
      id: this.id('svc'),
      student,
      discipline: d,
      provider,
      assistant: null,
      minutes,
      split: null,
      startDay: iepStart,
      endDay: annual,
      segments: [{ model, from: iepStart, to: annual }],
      goals: [],
      usedWeekdays: new Set(),
    };
    // Model change mid-year: enough data on both sides to compare episodes.
    const from = Math.max(iepStart, cal.yearStart);
    const canChange =
      (model === 'pull_out' || model === 'push_in') && cal.lastDay - from >= 70 && rng.chance(0.24);
    let changeDay: number | null = null;
    let finalModel = model;
    if (canChange) {
      changeDay = rng.int(from + 35, cal.lastDay - 28);
      while (weekday(changeDay) !== 1) changeDay++;
      finalModel =
        model === 'push_in' ? 'pull_out' : rng.chance(0.3) && minutes >= 40 ? 'split' : 'push_in';
      svc.segments = [
        { model, from: iepStart, to: changeDay },
        { model: finalModel, from: changeDay, to: annual },
      ];
    }
    if (finalModel === 'split' || model === 'split') {
      const push = minutes === 90 ? 30 : Math.round(minutes / 10) * 5;
      svc.split = { push_in: push, pull_out: minutes - push };
    }
    const assistP = provider === this.fixed.get('slp') ? 0.5 : 0.35;
    if (provider.assistants.length && finalModel !== 'consult' && rng.chance(assistP)) {
      svc.assistant = rng.pick(provider.assistants);
      this.w.push('assistant_assignment', {
        district_id: this.districtId,
        assistant_id: svc.assistant.id,
        student_id: student.id,
      });
    }
    this.w.push('service', {
      district_id: this.districtId,
      id: svc.id,
      student_id: student.id,
      discipline: d,
      provider_id: provider.id,
      minutes,
      per: 'week',
      model: finalModel,
      start_date: iso(iepStart),
      end_date: iso(annual - 1),
    });
    if (finalModel === 'split' && svc.split)
      for (const m of ['push_in', 'pull_out'] as const)
        this.w.push('service_model_minutes', {
          district_id: this.districtId,
          service_id: svc.id,
          model: m,
          minutes: svc.split[m],
        });

    for (const domain of domains) svc.goals.push(this.makeGoal(rng, svc, domain));
    if (changeDay !== null) {
      const key = `${model}_${finalModel}` as keyof typeof MODEL_CHANGE_REASONS;
      const routine = svc.goals[0]!.routines[0]!;
      const reason = MODEL_CHANGE_REASONS[key].replace('{R}', label(routine.name));
      const row = (goalId: string | null, serviceId: string | null) => ({
        district_id: this.districtId,
        id: this.id('mc'),
        goal_id: goalId,
        service_id: serviceId,
        from_model: model,
        to_model: finalModel,
        changed_on: iso(changeDay),
        reason,
        changed_by: provider.id,
        created_at: cal.stamp(changeDay, 15 * 60 + 30),
      });
      // One row per goal (outcomes are attributed per goal) and one for the service mandate.
      for (const g of svc.goals) this.w.push('model_change', row(g.id, null));
      this.w.push('model_change', row(null, svc.id));
    }
    return svc;
  }

  private makeGoal(rng: Rng, svc: Service, domain: GoalDomain): Goal {
    const { cal } = this;
    const tmpl: GoalTemplate = rng.pick(GOAL_TEMPLATES[domain]);
    const between = ([a, b]: readonly [number, number]) =>
      tmpl.type === 'percent' ? rng.int(a / 5, b / 5) * 5 : rng.int(a, b);
    let baseline = between(tmpl.baseline);
    const target = between(tmpl.target);
    if (tmpl.type === 'duration' && tmpl.baseline[0] >= 60)
      baseline = rng.int(tmpl.baseline[0] / 30, tmpl.baseline[1] / 30) * 30;
    const word = (v: number) => (tmpl.type === 'prompt_level' ? PROMPT_WORDS[v]! : String(v));
    const text = tmpl.text
      .replaceAll('{F}', svc.student.first)
      .replaceAll('{B}', word(baseline))
      .replaceAll('{T}', word(target));
    const names = tmpl.routines ?? DOMAIN_ROUTINES[domain];
    let candidates = svc.student.classroom.routines.filter((r) => names.includes(r.name));
    if (candidates.length === 0)
      candidates = svc.student.classroom.routines.filter((r) =>
        DOMAIN_ROUTINES[domain].includes(r.name),
      );
    if (candidates.length === 0)
      candidates = svc.student.classroom.routines.filter((r) => r.name === 'morning_meeting');
    const routines = rng.shuffle([...candidates]).slice(0, rng.chance(0.4) ? 2 : 1);
    const e = this.o.effects;
    const sd = e.goalMultiplierSdLog;
    const g: Goal = {
      id: this.id('goal'),
      service: svc,
      domain,
      type: tmpl.type,
      baseline,
      target,
      rubricMax: tmpl.rubricMax ?? null,
      routines,
      startDay: svc.startDay,
      effStart: Math.max(svc.startDay, cal.yearStart),
      l0:
        e.initialLevelMin !== undefined
          ? rng.uniform(e.initialLevelMin, e.initialLevelMax)
          : svc.startDay < cal.yearStart
            ? priorYearLevel(rng, e, svc.startDay, cal.yearStart, svc.student.mult)
            : 0,
      mult: svc.student.mult * Math.exp(sd * rng.normal() - (sd * sd) / 2),
      phase: svc.startDay > cal.lastDay - 21 ? 'baseline' : 'intervention',
      masteryDay: null,
    };
    if (g.phase === 'intervention') {
      for (let day = g.effStart; day <= cal.lastDay; day += 7) {
        if (latent(e, g, day, 'therapy_room') >= 1.05 && latent(e, g, day, 'classroom') >= 1.05) {
          if (day + 14 <= cal.lastDay) {
            g.phase = 'mastered';
            g.masteryDay = day + 14;
          }
          break;
        }
      }
    }
    const segs = svc.segments;
    this.w.push('goal', {
      district_id: this.districtId,
      id: g.id,
      student_id: svc.student.id,
      service_id: svc.id,
      discipline: svc.discipline,
      domain,
      text,
      measurement_type: tmpl.type,
      baseline,
      target,
      direction: tmpl.direction,
      rubric_max: g.rubricMax,
      mastery_rule: MASTERY_RULE,
      start_date: iso(g.startDay),
      target_date: iso(svc.endDay - 1),
      phase: g.phase,
      current_model: segs[segs.length - 1]!.model,
      created_at: cal.stamp(g.startDay, 8 * 60),
    });
    for (const r of routines)
      this.w.push('goal_routine', {
        district_id: this.districtId,
        goal_id: g.id,
        routine_id: r.id,
      });
    const phaseRow = (phase: GoalPhase, day: number) =>
      this.w.push('goal_phase_change', {
        district_id: this.districtId,
        id: this.id('gpc'),
        goal_id: g.id,
        phase,
        changed_on: iso(day),
        changed_by: svc.provider.id,
      });
    phaseRow(g.phase === 'baseline' ? 'baseline' : 'intervention', g.startDay);
    if (g.masteryDay !== null) phaseRow('mastered', g.masteryDay);
    return g;
  }

  /** Weekly session slots: pull-out (some as groups), push-in at a linked routine, consult. */
  private buildStreams(rng: Rng, services: Service[]): Stream[] {
    const { cal } = this;
    const streams: Stream[] = [];
    const pullOut = new Map<Staff, { member: Member; len: number }[]>();
    for (const svc of services) {
      for (const seg of svc.segments) {
        const from = Math.max(seg.from, cal.yearStart);
        const to = Math.min(seg.to, cal.lastDay + 1);
        if (from >= to) continue;
        const member: Member = { service: svc, from, to };
        let pushMin = 0;
        let pullMin = 0;
        if (seg.model === 'push_in') pushMin = svc.minutes;
        else if (seg.model === 'pull_out') pullMin = svc.minutes;
        else if (seg.model === 'split' && svc.split) {
          pushMin = svc.split.push_in;
          pullMin = svc.split.pull_out;
        }
        if (seg.model === 'consult')
          streams.push(this.classroomStream(rng, member, 'consult', svc.minutes));
        for (const len of sessionLengths(pushMin))
          streams.push(this.classroomStream(rng, member, 'push_in', len));
        for (const len of sessionLengths(pullMin)) {
          const list = pullOut.get(svc.provider) ?? [];
          list.push({ member, len });
          pullOut.set(svc.provider, list);
        }
      }
    }
    for (const [provider, specs] of pullOut) {
      rng.shuffle(specs);
      const taken = new Set<number>();
      specs.forEach((spec, i) => {
        if (taken.has(i)) return;
        taken.add(i);
        const members = [spec.member];
        if (!spec.member.service.assistant && rng.chance(0.4)) {
          const want = rng.chance(0.5) ? 1 : 2;
          for (let j = i + 1; j < specs.length && members.length <= want; j++) {
            const other = specs[j]!;
            if (taken.has(j) || other.len !== spec.len || other.member.service.assistant) continue;
            if (members.some((m) => m.service.student === other.member.service.student)) continue;
            taken.add(j);
            members.push(other.member);
          }
        }
        let wd = 1;
        let start = 8 * 60 + 30;
        for (let attempt = 0; attempt < 25; attempt++) {
          wd = rng.int(1, 5);
          start = 8 * 60 + 30 + 15 * rng.int(0, 24);
          if (attempt < 12 && members.some((m) => m.service.usedWeekdays.has(wd))) continue;
          if (isFree(provider, wd, start, spec.len)) break;
        }
        occupy(provider, wd, start, spec.len);
        for (const m of members) m.service.usedWeekdays.add(wd);
        streams.push({
          provider,
          assistant: members.length === 1 ? spec.member.service.assistant : null,
          model: 'pull_out',
          setting: 'therapy_room',
          routine: null,
          weekday: wd,
          start,
          len: spec.len,
          members,
        });
      });
    }
    return streams;
  }

  /** Push-in and consult happen in the homeroom, at a routine one of the goals is linked to. */
  private classroomStream(rng: Rng, member: Member, model: SessionModel, len: number): Stream {
    const svc = member.service;
    const options: { r: Routine; wd: number }[] = [];
    const seen = new Set<Routine>();
    for (const g of svc.goals)
      for (const r of g.routines) {
        if (seen.has(r)) continue;
        seen.add(r);
        for (const wd of r.weekdays) options.push({ r, wd });
      }
    rng.shuffle(options);
    const pick =
      options.find(
        (x) => !svc.usedWeekdays.has(x.wd) && isFree(svc.provider, x.wd, x.r.start, len),
      ) ??
      options.find((x) => !svc.usedWeekdays.has(x.wd)) ??
      options[0]!;
    svc.usedWeekdays.add(pick.wd);
    occupy(svc.provider, pick.wd, pick.r.start, len);
    return {
      provider: svc.provider,
      assistant: model === 'consult' ? null : svc.assistant,
      model,
      setting: 'classroom',
      routine: pick.r,
      weekday: pick.wd,
      start: pick.r.start,
      len,
      members: [member],
    };
  }

  private writePushInPlans(rng: Rng, streams: Stream[]): void {
    const { cal } = this;
    const seen = new Set<string>();
    for (const s of streams) {
      if (s.model !== 'push_in' || !s.routine) continue;
      const m = s.members[0]!;
      const key = `${m.service.id}:${m.from}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const agreed = Math.max(m.from - 3, cal.yearStart);
      const teacher = m.service.student.classroom.teacher;
      const routine = label(s.routine.name);
      this.w.push('push_in_plan', {
        district_id: this.districtId,
        id: this.id('pip'),
        student_id: m.service.student.id,
        classroom_id: m.service.student.classroom.id,
        therapist_id: m.service.provider.id,
        routine_id: s.routine.id,
        therapist_role: rng.pick([
          `Works beside ${m.service.student.first} during ${routine}, cues and fades prompts, takes data.`,
          `Leads a small group within ${routine} and models the strategy for the team.`,
        ]),
        teacher_role: rng.pick([
          'Runs the lesson as usual; uses the same cue card between visits.',
          'Co-teaches the activity; prompts with the agreed visual support on non-therapy days.',
        ]),
        strategies: rng.pick([
          'Visual schedule, first/then board, wait time before prompting.',
          'Least-to-most prompting, specific praise, peer model.',
          'Self-monitoring checklist, movement break before seat work.',
        ]),
        activities: `Practise the goal within ${routine} using the class materials.`,
        agreed_on: iso(agreed),
        review_on: iso(agreed + 90),
        // A plan agreed this afternoon is not acknowledged yet.
        acknowledged_at: cal.stampIfPast(Math.min(agreed + 1, cal.today), 15 * 60 + 30),
        acknowledged_by: teacher.id,
        created_at: cal.stamp(agreed, 15 * 60),
      });
    }
  }

  private async simulate(rng: Rng, streams: Stream[], goals: Goal[]): Promise<void> {
    const { cal } = this;
    const byWeekday: Stream[][] = [[], [], [], [], [], []];
    for (const s of streams) byWeekday[s.weekday]!.push(s);
    const makeups = new Map<number, Makeup[]>();
    for (let day = cal.yearStart; day <= cal.lastDay; day++) {
      if (!isSchoolDay(cal, day)) continue;
      const wd = weekday(day);
      const closed = cal.closures.has(day);
      for (const s of byWeekday[wd]!) {
        const members = s.members.filter((m) => m.from <= day && day < m.to);
        if (members.length === 0) continue;
        const week = Math.floor((day - cal.yearStart) / 7);
        const byAssistant = s.assistant !== null && week % 2 === 0;
        this.session(rng, s, day, members, byAssistant ? s.assistant! : s.provider, false, makeups);
      }
      const due = makeups.get(day);
      if (due) {
        makeups.delete(day);
        for (const m of due)
          this.session(rng, m.stream, day, m.members, m.stream.provider, true, makeups);
      }
      if (!closed) this.teacherProbes(rng, goals, day);
      await this.w.maybeFlush();
    }
  }

  private session(
    rng: Rng,
    s: Stream,
    day: number,
    members: Member[],
    provider: Staff,
    makeup: boolean,
    makeups: Map<number, Makeup[]>,
  ): void {
    const { cal, o } = this;
    const closed = cal.closures.has(day);
    const providerAbsent = !makeup && !closed && hashFloat(o.seed, provider.idx, day) < 0.03;
    const start = makeup && !s.routine ? 14 * 60 + 15 : s.start;
    const end = start + s.len;
    // Today's sessions exist only once they have ended.
    if (!cal.isPast(day, end)) return;
    const id = this.id('ses');
    const isAssistant = provider.role === 'assistant';
    const recent = day > cal.lastDay - 3;
    const signed = rng.chance(recent ? 0.5 : 0.96);
    const signDay = Math.min(day + (rng.chance(0.75) ? 0 : rng.int(1, 2)), cal.today);
    const signMinute = signDay === day ? end + rng.int(5, 90) : rng.int(15 * 60, 17 * 60);
    // A signature, like a co-signature, exists only once its moment has come.
    const signedAt = signed ? cal.stampIfPast(signDay, signMinute) : null;
    const cosignedAt =
      isAssistant && signedAt !== null && rng.chance(0.85)
        ? cal.stampIfPast(Math.min(signDay + 1, cal.today), 16 * 60)
        : null;
    const collab: CollaborationMode | null =
      s.model === 'push_in'
        ? rng.weighted<CollaborationMode>([
            ['therapist_leads', 30],
            ['therapist_assists', 30],
            ['co_teach', 25],
            ['observe_coach', 15],
          ])
        : s.model === 'consult'
          ? 'observe_coach'
          : null;
    this.w.push('therapy_session', {
      district_id: this.districtId,
      id,
      session_date: iso(day),
      start_time: clock(start),
      end_time: clock(end),
      minutes: s.len,
      provider_id: provider.id,
      model: s.model,
      setting: s.setting,
      routine_id: s.routine?.id ?? null,
      collaboration_mode: collab,
      group_size: members.length,
      idempotency_key: null,
      created_by: provider.id,
      cosigned_by: cosignedAt ? provider.supervisor!.id : null,
      cosigned_at: cosignedAt,
      created_at: cal.stamp(day, end + 2),
    });
    const owed: Member[] = [];
    for (const m of members) {
      const student = m.service.student;
      let attendance: string;
      if (makeup) attendance = 'makeup';
      else if (closed) attendance = 'school_closed';
      else if (providerAbsent) attendance = 'provider_absent';
      else {
        const a = hashFloat(o.seed, 0x100000 + student.idx, day);
        const b = rng.float();
        attendance =
          a < 0.04
            ? 'student_absent_excused'
            : a < 0.055
              ? 'student_absent_unexcused'
              : b < 0.01
                ? 'student_unavailable'
                : b < 0.016
                  ? 'refused'
                  : b < 0.019
                    ? 'other'
                    : 'delivered';
      }
      const present = attendance === 'delivered' || attendance === 'makeup';
      let note: string;
      if (present) {
        note = rng
          .pick(DELIVERED_NOTES[s.model]!)
          .replaceAll('{F}', student.first)
          .replaceAll('{R}', s.routine ? label(s.routine.name) : 'class');
        if (makeup) note = `Makeup session. ${note}`;
      } else note = MISSED_NOTES[attendance]!;
      this.w.push('session_student', {
        district_id: this.districtId,
        session_id: id,
        student_id: student.id,
        service_id: m.service.id,
        attendance,
        note,
        signed_at: signedAt,
        signed_by: signedAt ? provider.id : null,
      });
      if (present) this.observeSession(rng, s, id, day, m, provider, end);
      else if (
        (attendance === 'provider_absent' && rng.chance(0.85)) ||
        (attendance === 'school_closed' && rng.chance(0.5)) ||
        (attendance === 'student_absent_unexcused' && rng.chance(0.4))
      )
        owed.push(m);
    }
    if (owed.length) {
      for (let d = day + 1; d <= Math.min(day + 10, cal.lastDay); d++) {
        if (!isSchoolDay(cal, d) || cal.closures.has(d)) continue;
        if (s.routine && !s.routine.weekdays.includes(weekday(d))) continue;
        if (owed.some((m) => d >= m.to)) break;
        const list = makeups.get(d) ?? [];
        list.push({ stream: s, members: owed });
        makeups.set(d, list);
        break;
      }
    }
  }

  private observeSession(
    rng: Rng,
    s: Stream,
    sessionId: string,
    day: number,
    m: Member,
    provider: Staff,
    end: number,
  ): void {
    for (const g of m.service.goals) {
      if (day < g.startDay || (g.masteryDay !== null && day > g.masteryDay)) continue;
      const p =
        s.model === 'push_in'
          ? s.routine && g.routines.includes(s.routine)
            ? 0.95
            : 0.5
          : s.model === 'pull_out'
            ? 0.85
            : 0.5;
      if (!rng.chance(p)) continue;
      this.observation(rng, g, day, s.setting, s.model, sessionId, provider.id, provider.role, end);
    }
  }

  /** A teacher's classroom probe: generalisation data outside therapy sessions. */
  private teacherProbes(rng: Rng, goals: Goal[], day: number): void {
    if (!this.cal.isPast(day, TEACHER_PROBE_MINUTE + 5)) return;
    for (const g of goals) {
      if (day < g.effStart || day >= g.service.endDay) continue;
      if (g.masteryDay !== null && day > g.masteryDay) continue;
      if (!rng.chance(0.07)) continue;
      const teacher = g.service.student.classroom.teacher;
      const model = modelAt(g.service, day);
      this.observation(
        rng,
        g,
        day,
        'classroom',
        model,
        null,
        teacher.id,
        'teacher',
        TEACHER_PROBE_MINUTE,
      );
    }
  }

  private observation(
    rng: Rng,
    g: Goal,
    day: number,
    setting: 'therapy_room' | 'classroom',
    model: ServiceModel,
    sessionId: string | null,
    recordedBy: string,
    recorderRole: string,
    at: number,
  ): void {
    const e = this.o.effects;
    const score = latent(e, g, day, setting) + e.observationNoiseSd * rng.normal();
    const raw = g.baseline + score * (g.target - g.baseline);
    let trialsCorrect: number | null = null;
    let trialsPrompted: number | null = null;
    let trialsIncorrect: number | null = null;
    let promptLevel: string | null = null;
    let count: number | null = null;
    let seconds: number | null = null;
    let rubricScore: number | null = null;
    switch (g.type) {
      case 'percent': {
        const p = Math.min(1, Math.max(0, raw / 100));
        trialsCorrect = rng.binomial(10, p);
        const rest = 10 - trialsCorrect;
        trialsPrompted = rng.binomial(rest, 0.5);
        trialsIncorrect = rest - trialsPrompted;
        if (trialsPrompted > 0) promptLevel = rng.pick(['gestural', 'verbal', 'visual', 'model']);
        break;
      }
      case 'prompt_level':
        promptLevel = promptLevels[rng.stochasticRound(Math.min(6, Math.max(0, raw)))]!;
        break;
      case 'frequency':
        count = rng.stochasticRound(Math.max(0, raw));
        break;
      case 'duration':
        seconds = Math.max(0, Math.round(raw));
        break;
      case 'rubric':
        rubricScore = rng.stochasticRound(Math.min(g.rubricMax ?? 4, Math.max(0, raw)));
        break;
    }
    this.w.push('observation', {
      district_id: this.districtId,
      id: this.id('obs'),
      session_id: sessionId,
      student_id: g.service.student.id,
      goal_id: g.id,
      observed_on: iso(day),
      setting,
      model,
      trials_correct: trialsCorrect,
      trials_prompted: trialsPrompted,
      trials_incorrect: trialsIncorrect,
      prompt_level: promptLevel,
      count,
      seconds,
      rubric_score: rubricScore,
      recorded_by: recordedBy,
      recorder_role: recorderRole,
      created_at: this.cal.stamp(day, at + 5),
    });
  }
}

function modelAt(svc: Service, day: number): ServiceModel {
  for (const seg of svc.segments) if (day >= seg.from && day < seg.to) return seg.model;
  return svc.segments[svc.segments.length - 1]!.model;
}

/** The planted truth for a goal on a day (PLANTED_EFFECTS), before noise. */
function latent(
  e: PlantedEffects,
  g: Goal,
  day: number,
  setting: 'therapy_room' | 'classroom',
): number {
  let growth = 0;
  if (g.phase !== 'baseline') {
    for (const seg of g.service.segments) {
      const a = Math.max(seg.from, g.effStart);
      const b = Math.min(seg.to, day);
      if (b > a) growth += (plantedRoi(g.domain, seg.model, setting, e) * (b - a)) / 7;
    }
  }
  let level = g.l0 + g.mult * growth;
  if (setting === 'classroom') level -= classroomOffset(modelAt(g.service, day), e);
  return Math.min(e.latentCap, level);
}

/** Weekly minutes as sessions: 60 → 2 × 30, 90 → 3 × 30, 40 → 2 × 20. */
function sessionLengths(minutes: number): number[] {
  if (minutes <= 0) return [];
  if (minutes <= 30 || minutes === 45) return [minutes];
  if (minutes === 40) return [20, 20];
  const n = Math.ceil(minutes / 30);
  const len = Math.round(minutes / n / 5) * 5;
  return Array.from({ length: n }, () => len);
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function slot(wd: number, minute: number): number {
  return wd * 36 + Math.floor((minute - 8 * 60) / 15);
}

function isFree(s: Staff, wd: number, start: number, len: number): boolean {
  for (let m = start; m < start + len; m += 15) if (s.busy[slot(wd, m)]) return false;
  return true;
}

function occupy(s: Staff, wd: number, start: number, len: number): void {
  for (let m = start; m < start + len; m += 15) {
    const i = slot(wd, m);
    if (i >= 0 && i < s.busy.length) s.busy[i] = 1;
  }
}

function label(routineName: string): string {
  return routineName.replaceAll('_', ' ');
}
