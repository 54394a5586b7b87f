import { createHash } from 'node:crypto';
import {
  DistrictSettings,
  dateIn,
  disciplines,
  IEP_FILES,
  type ImportRowError,
  type Lined,
  type OneRosterBundle,
  type OneRosterDataFile,
  type RoleRow,
  readOneRoster,
  roles,
  type UserRow,
} from '@carryover/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { newId } from '../util';
import { recordAudit } from './audit';
import { bumpDataVersion } from './data-version';
import { refreshPlannerStatistics } from './maintenance';

// The OneRoster import (issue 14, README "Bringing your district in"). One function reads the
// bundle, compares it with the district and reports, per file, what would be added, updated,
// deactivated or left unchanged, with conflicts and row errors; when nothing is wrong and it
// is not a dry run, it applies everything in the same transaction. A row's `sourcedId` is kept
// in `source_key`, so the same files read again change nothing. Nothing is ever deleted: a
// `tobedeleted` person is deactivated (staff) or exits (a student's open services end today and
// the homeroom is cleared), and every session, goal and report stays.

export type SourceKind = 'district' | 'school' | 'staff' | 'student' | 'classroom' | 'period';

export interface FileCounts {
  added: number;
  updated: number;
  deactivated: number;
  unchanged: number;
  /** Rows with nothing in Carryover to become (courses, guardians, terms, other org types). */
  skipped: number;
}

export interface ImportConflict {
  file: string;
  line: number;
  sourcedId: string;
  reason: string;
}

export interface ImportFileInfo {
  name: string;
  sha256: string;
  bytes: number;
  mode?: string;
}

export interface ImportReport {
  kind: 'oneroster' | 'services';
  outcome: 'applied' | 'refused' | 'dry_run';
  districtId: string | null;
  createdDistrict: boolean;
  files: ImportFileInfo[];
  counts: Partial<Record<string, FileCounts>>;
  conflicts: ImportConflict[];
  errors: ImportRowError[];
  /** The `import_run` row (null when the database has no district to record it under). */
  runId: string | null;
}

export interface ImportProgress {
  /**
   * `read`, `compare`, `check` (the rows of `file`), then the writes — the roster's `schools`,
   * `staff`, `classrooms`, `students`; the services import's `write` (the new rows of `file`) —
   * and `done`.
   */
  step: string;
  done: number;
  total: number;
  /** The file whose rows are counted, when the step goes file by file. */
  file?: string;
}

export interface OneRosterImportOptions {
  /** File name → content (bytes as read, or text). */
  files: Readonly<Record<string, Uint8Array | string>>;
  /** The district to import into; on an empty database omit it (the district org makes one). */
  districtId?: string;
  actor: { id: string | null; label: string };
  dryRun: boolean;
  now: Date;
  onProgress?: (progress: ImportProgress) => void;
}

/** Thrown inside the transaction to roll a dry run or a refused import back. */
export class Rollback extends Error {}

const CHUNK = 400;

/** Rows between progress reports while checking (each one lets the event loop run). */
const TICK = 500;
type Tick = (file: string, done: number, total: number) => Promise<void>;

/**
 * Progress while rows are checked, file by file: a report every TICK rows and a turn of the
 * event loop (checking is plain CPU work; a server streaming the progress sends it meanwhile),
 * and each file's last report says all its rows are done.
 */
export function checkProgress(onProgress: ((p: ImportProgress) => void) | undefined): {
  tick: Tick;
  finish: () => void;
} {
  let last: { file: string; total: number } | null = null;
  const finish = () => {
    if (last && onProgress)
      onProgress({ step: 'check', file: last.file, done: last.total, total: last.total });
    last = null;
  };
  return {
    tick: async (file, done, total) => {
      if (!onProgress) return;
      if (last && last.file !== file) finish();
      last = { file, total };
      onProgress({ step: 'check', file, done, total });
      await new Promise((resolve) => setImmediate(resolve));
    },
    finish,
  };
}

export function emptyCounts(): FileCounts {
  return { added: 0, updated: 0, deactivated: 0, unchanged: 0, skipped: 0 };
}

/** Carryover's role for a OneRoster role; null for roles Carryover does not hold (guardians). */
function carryoverRole(
  role: RoleRow['role'],
): 'student' | 'admin' | 'coordinator' | 'teacher' | null {
  switch (role) {
    case 'student':
      return 'student';
    case 'administrator':
    case 'districtAdministrator':
    case 'systemAdministrator':
      return 'admin';
    case 'siteAdministrator':
    case 'principal':
      return 'coordinator';
    case 'teacher':
    case 'aide':
    case 'proctor':
    case 'counselor':
      return 'teacher';
    default:
      return null;
  }
}
const ROLE_RANK = { admin: 3, coordinator: 2, teacher: 1 } as const;

const firstGrade = (grades: string | undefined) =>
  (grades ?? '')
    .split(',')
    .map((g) => g.trim())
    .find((g) => g !== '') ?? '';

export function decodeFiles(files: OneRosterImportOptions['files']): {
  texts: Record<string, string>;
  info: ImportFileInfo[];
  errors: ImportRowError[];
} {
  const texts: Record<string, string> = {};
  const info: ImportFileInfo[] = [];
  const errors: ImportRowError[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const name of Object.keys(files).sort()) {
    const content = files[name] as Uint8Array | string;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    info.push({
      name,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.byteLength,
    });
    try {
      texts[name] = typeof content === 'string' ? content : decoder.decode(content);
    } catch {
      errors.push({
        file: name,
        line: 0,
        column: '',
        value: '',
        reason: 'the file is not UTF-8 text',
      });
    }
  }
  return { texts, info, errors };
}

interface StaffState {
  id: string;
  name: string;
  email: string;
  role: string;
  discipline: string | null;
  active: number;
  schools: Set<string>;
}
interface StudentState {
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  grade: string;
  school_id: string;
  homeroom_id: string | null;
  iep_start: string;
  iep_annual_review: string;
  iep_reevaluation: string;
  family_language: string;
}
interface ClassroomState {
  id: string;
  school_id: string;
  teacher_id: string | null;
  grade: string;
  name: string;
}

/** Everything of a district the import compares with, read once. */
async function loadState(db: Kysely<Database>, districtId: string | null) {
  const keys = new Map<SourceKind, Map<string, { local: string; status: string }>>();
  const localToKey = new Map<SourceKind, Map<string, string>>();
  for (const kind of ['district', 'school', 'staff', 'student', 'classroom', 'period'] as const) {
    keys.set(kind, new Map());
    localToKey.set(kind, new Map());
  }
  const state = {
    district: null as { id: string; name: string; settings: string } | null,
    keys,
    localToKey,
    schools: new Map<string, { id: string; name: string }>(),
    staff: new Map<string, StaffState>(),
    students: new Map<string, StudentState>(),
    classrooms: new Map<string, ClassroomState>(),
    periods: new Map<string, { id: string; name: string; starts_on: string; ends_on: string }>(),
  };
  if (!districtId) return state;
  state.district =
    (await db
      .selectFrom('district')
      .select(['id', 'name', 'settings'])
      .where('id', '=', districtId)
      .executeTakeFirst()) ?? null;
  for (const k of await db
    .selectFrom('source_key')
    .select(['kind', 'sourced_id', 'local_id', 'status'])
    .where('district_id', '=', districtId)
    .execute()) {
    keys.get(k.kind as SourceKind)?.set(k.sourced_id, { local: k.local_id, status: k.status });
    localToKey.get(k.kind as SourceKind)?.set(k.local_id, k.sourced_id);
  }
  for (const s of await db
    .selectFrom('school')
    .select(['id', 'name'])
    .where('district_id', '=', districtId)
    .execute())
    state.schools.set(s.id, s);
  for (const s of await db
    .selectFrom('staff_user')
    .select(['id', 'name', 'email', 'role', 'discipline', 'active'])
    .where('district_id', '=', districtId)
    .execute())
    state.staff.set(s.id, { ...s, schools: new Set() });
  for (const s of await db
    .selectFrom('staff_school')
    .select(['staff_id', 'school_id'])
    .where('district_id', '=', districtId)
    .execute())
    state.staff.get(s.staff_id)?.schools.add(s.school_id);
  for (const s of await db
    .selectFrom('student')
    .select([
      'id',
      'first_name',
      'last_name',
      'date_of_birth',
      'grade',
      'school_id',
      'homeroom_id',
      'iep_start',
      'iep_annual_review',
      'iep_reevaluation',
      'family_language',
    ])
    .where('district_id', '=', districtId)
    .execute())
    state.students.set(s.id, { ...s, family_language: s.family_language ?? 'en' });
  for (const c of await db
    .selectFrom('classroom')
    .select(['id', 'school_id', 'teacher_id', 'grade', 'name'])
    .where('district_id', '=', districtId)
    .execute())
    state.classrooms.set(c.id, c);
  for (const p of await db
    .selectFrom('reporting_period')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('district_id', '=', districtId)
    .execute())
    state.periods.set(p.id, p);
  return state;
}
type State = Awaited<ReturnType<typeof loadState>>;

/** What the import will write, built while comparing; applied only when nothing is wrong. */
class Plan {
  readonly counts: Record<string, FileCounts> = {};
  readonly conflicts: ImportConflict[] = [];
  readonly errors: ImportRowError[] = [];
  readonly newKeys: { kind: SourceKind; sourced_id: string; local_id: string; status: string }[] =
    [];
  readonly keyStatus: { kind: SourceKind; sourced_id: string; status: string }[] = [];
  createDistrict: { id: string; name: string } | null = null;
  districtName: string | null = null;
  readonly schoolsAdd: { id: string; name: string }[] = [];
  readonly schoolsUpdate: { id: string; name: string }[] = [];
  readonly periodsAdd: { id: string; name: string; starts_on: string; ends_on: string }[] = [];
  readonly periodsUpdate: { id: string; name: string; starts_on: string; ends_on: string }[] = [];
  readonly staffAdd: StaffState[] = [];
  readonly staffUpdate = new Map<string, StaffState>();
  readonly staffDeactivate = new Set<string>();
  readonly studentsAdd: StudentState[] = [];
  readonly studentsUpdate = new Map<string, StudentState>();
  readonly studentsExit = new Set<string>();
  readonly classroomsAdd: ClassroomState[] = [];
  readonly classroomsUpdate = new Map<string, ClassroomState>();
  /** Students whose record the import reads and changes (for the audit event). */
  readonly touchedStudents = new Set<string>();

  count(file: string): FileCounts {
    this.counts[file] ??= emptyCounts();
    return this.counts[file];
  }
  error(file: string, line: number, column: string, value: string, reason: string) {
    this.errors.push({ file, line, column, value, reason });
  }
  get changes(): number {
    let n = 0;
    for (const c of Object.values(this.counts)) n += c.added + c.updated + c.deactivated;
    return n;
  }
}

/** Finds the local row of a sourcedId: its key, or (an export of this district) its own id. */
function resolver(state: State, plan: Plan) {
  const planned = new Map<string, string>();
  const pendingKeys = new Map<string, Plan['newKeys'][number]>();
  const newKey = (entry: Plan['newKeys'][number]) => {
    plan.newKeys.push(entry);
    pendingKeys.set(`${entry.kind}\u0000${entry.sourced_id}`, entry);
  };
  const exists: Record<SourceKind, (id: string) => boolean> = {
    district: (id) => state.district?.id === id,
    school: (id) => state.schools.has(id),
    staff: (id) => state.staff.has(id),
    student: (id) => state.students.has(id),
    classroom: (id) => state.classrooms.has(id),
    period: (id) => state.periods.has(id),
  };
  const resolve = (kind: SourceKind, sid: string): string | undefined => {
    const key = state.keys.get(kind)?.get(sid);
    if (key) return key.local;
    const p = planned.get(`${kind}\u0000${sid}`);
    if (p) return p;
    // An id Carryover made, exported and read back: the same row; remember the key. A row
    // that already has another key is not matched by its id.
    if (exists[kind](sid) && !state.localToKey.get(kind)?.has(sid)) {
      planned.set(`${kind}\u0000${sid}`, sid);
      newKey({ kind, sourced_id: sid, local_id: sid, status: 'active' });
      return sid;
    }
    return undefined;
  };
  const add = (kind: SourceKind, sid: string, status = 'active'): string => {
    const id = newId();
    planned.set(`${kind}\u0000${sid}`, id);
    newKey({ kind, sourced_id: sid, local_id: id, status });
    return id;
  };
  const keyStatus = (kind: SourceKind, sid: string): string =>
    state.keys.get(kind)?.get(sid)?.status ?? 'active';
  const setKeyStatus = (kind: SourceKind, sid: string, status: string) => {
    const pending = pendingKeys.get(`${kind}\u0000${sid}`);
    if (pending) pending.status = status;
    else if (keyStatus(kind, sid) !== status)
      plan.keyStatus.push({ kind, sourced_id: sid, status });
  };
  return { resolve, add, keyStatus, setKeyStatus };
}

async function planBundle(
  bundle: OneRosterBundle,
  state: State,
  plan: Plan,
  today: string,
  tick: Tick,
): Promise<void> {
  const { resolve, add, keyStatus, setKeyStatus } = resolver(state, plan);
  const mode = (file: OneRosterDataFile) => bundle.modes[file];

  // --- orgs: the district, its schools ----------------------------------------------------
  const orgType = new Map<string, string>();
  for (const { row } of bundle.orgs) orgType.set(row.sourcedId, row.type);
  const districtOrgs = bundle.orgs.filter((o) => o.row.type === 'district');
  if (districtOrgs.length > 1)
    for (const o of districtOrgs.slice(1))
      plan.error(
        'orgs.csv',
        o.line,
        'type',
        'district',
        'only one org of type district may be imported',
      );
  if (!state.district) {
    const org = districtOrgs[0];
    if (!org)
      plan.error(
        'orgs.csv',
        0,
        'type',
        '',
        'an empty database needs the district: an org of type district in orgs.csv',
      );
    else plan.createDistrict = { id: add('district', org.row.sourcedId), name: org.row.name };
  }
  const schoolLocal = (sid: string) => resolve('school', sid);
  const isSchoolRef = (sid: string) =>
    orgType.get(sid) === 'school' || (!orgType.has(sid) && schoolLocal(sid) !== undefined);
  const isOrgRef = (sid: string) =>
    orgType.has(sid) || schoolLocal(sid) !== undefined || resolve('district', sid) !== undefined;

  for (const [i, { line, row }] of bundle.orgs.entries()) {
    if (i % TICK === 0) await tick('orgs.csv', i, bundle.orgs.length);
    const c = plan.count('orgs.csv');
    if (row.type === 'district') {
      if (plan.createDistrict) {
        c.added++;
        continue;
      }
      const local = resolve('district', row.sourcedId);
      if (!local) {
        // The district already here, known by another key: this file's district is it.
        const district = state.district as NonNullable<State['district']>;
        if (state.localToKey.get('district')?.has(district.id))
          plan.conflicts.push({
            file: 'orgs.csv',
            line,
            sourcedId: row.sourcedId,
            reason: `this district was imported as ${state.localToKey.get('district')?.get(district.id)}; the org is left out`,
          });
        else
          plan.newKeys.push({
            kind: 'district',
            sourced_id: row.sourcedId,
            local_id: district.id,
            status: 'active',
          });
      }
      if (state.district && state.district.name !== row.name) {
        plan.districtName = row.name;
        c.updated++;
      } else c.unchanged++;
      continue;
    }
    if (row.type !== 'school') {
      c.skipped++;
      continue;
    }
    const local = schoolLocal(row.sourcedId);
    if (row.status === 'tobedeleted') {
      if (local)
        plan.conflicts.push({
          file: 'orgs.csv',
          line,
          sourcedId: row.sourcedId,
          reason:
            'a school is never removed (its students keep their history); move its students instead',
        });
      c.skipped++;
      continue;
    }
    if (!local) {
      plan.schoolsAdd.push({ id: add('school', row.sourcedId), name: row.name });
      c.added++;
    } else if (state.schools.get(local)?.name !== row.name) {
      plan.schoolsUpdate.push({ id: local, name: row.name });
      c.updated++;
    } else c.unchanged++;
  }

  // --- academicSessions: grading periods are the reporting periods ------------------------
  for (const [i, { line, row }] of bundle.academicSessions.entries()) {
    if (i % TICK === 0) await tick('academicSessions.csv', i, bundle.academicSessions.length);
    const c = plan.count('academicSessions.csv');
    if (row.startDate > row.endDate) {
      plan.error(
        'academicSessions.csv',
        line,
        'endDate',
        row.endDate,
        `ends before it starts (${row.startDate})`,
      );
      continue;
    }
    if (row.type !== 'gradingPeriod') {
      c.skipped++;
      continue;
    }
    const local = resolve('period', row.sourcedId);
    if (row.status === 'tobedeleted') {
      if (local)
        plan.conflicts.push({
          file: 'academicSessions.csv',
          line,
          sourcedId: row.sourcedId,
          reason: 'a reporting period is never removed: its progress reports stay',
        });
      c.skipped++;
      continue;
    }
    const next = { name: row.title, starts_on: row.startDate, ends_on: row.endDate };
    if (!local) {
      plan.periodsAdd.push({ id: add('period', row.sourcedId), ...next });
      c.added++;
      continue;
    }
    const now = state.periods.get(local);
    if (
      now &&
      now.name === next.name &&
      now.starts_on === next.starts_on &&
      now.ends_on === next.ends_on
    )
      c.unchanged++;
    else {
      plan.periodsUpdate.push({ id: local, ...next });
      c.updated++;
    }
  }

  // --- courses: checked, not kept ----------------------------------------------------------
  const courseIds = new Set(bundle.courses.map((c) => c.row.sourcedId));
  for (const [i, { line, row }] of bundle.courses.entries()) {
    if (i % TICK === 0) await tick('courses.csv', i, bundle.courses.length);
    if (!isOrgRef(row.orgSourcedId))
      plan.error(
        'courses.csv',
        line,
        'orgSourcedId',
        row.orgSourcedId,
        'no such org in orgs.csv or an earlier import',
      );
    else plan.count('courses.csv').skipped++;
  }

  // --- users with their roles and demographics ---------------------------------------------
  const userIds = new Set(bundle.users.map((u) => u.row.sourcedId));
  const known = (sid: string) =>
    userIds.has(sid) ||
    resolve('student', sid) !== undefined ||
    resolve('staff', sid) !== undefined;
  const rolesOf = new Map<string, Lined<RoleRow>[]>();
  for (const [i, r] of bundle.roles.entries()) {
    if (i % TICK === 0) await tick('roles.csv', i, bundle.roles.length);
    if (!known(r.row.userSourcedId)) {
      plan.error(
        'roles.csv',
        r.line,
        'userSourcedId',
        r.row.userSourcedId,
        'no such user in users.csv or an earlier import',
      );
      continue;
    }
    if (!isOrgRef(r.row.orgSourcedId)) {
      plan.error(
        'roles.csv',
        r.line,
        'orgSourcedId',
        r.row.orgSourcedId,
        'no such org in orgs.csv or an earlier import',
      );
      continue;
    }
    if (r.row.beginDate && r.row.endDate && r.row.beginDate > r.row.endDate) {
      plan.error(
        'roles.csv',
        r.line,
        'endDate',
        r.row.endDate,
        `ends before it begins (${r.row.beginDate})`,
      );
      continue;
    }
    const list = rolesOf.get(r.row.userSourcedId) ?? [];
    list.push(r);
    rolesOf.set(r.row.userSourcedId, list);
  }
  const birthDate = new Map<string, string>();
  for (const [i, { line, row }] of bundle.demographics.entries()) {
    if (i % TICK === 0) await tick('demographics.csv', i, bundle.demographics.length);
    if (!known(row.sourcedId)) {
      plan.error(
        'demographics.csv',
        line,
        'sourcedId',
        row.sourcedId,
        'no such user in users.csv or an earlier import',
      );
      continue;
    }
    if (row.birthDate && row.birthDate > today) {
      plan.error('demographics.csv', line, 'birthDate', row.birthDate, 'is after today');
      continue;
    }
    if (row.birthDate && row.status !== 'tobedeleted') birthDate.set(row.sourcedId, row.birthDate);
  }
  const rolesBulk = mode('roles.csv') === 'bulk';
  const seenUsers = new Set<string>();
  const usersFromRoles = new Set(rolesOf.keys());

  const userOutcome = new Map<string, keyof FileCounts>();
  const planUser = (line: number, row: UserRow | null, sid: string) => {
    const file = row ? 'users.csv' : 'roles.csv';
    const fileCounts = plan.count(file);
    // A person the roles file alone names is counted with the roles (below).
    const tally = (k: keyof FileCounts) => {
      if (row) fileCounts[k]++;
      userOutcome.set(sid, k);
    };
    const activeRoles = (rolesOf.get(sid) ?? []).filter((r) => r.row.status !== 'tobedeleted');
    const mapped = activeRoles
      .map((r) => ({ r, role: carryoverRole(r.row.role) }))
      .filter((m) => m.role !== null);
    const studentLocal = resolve('student', sid);
    const staffLocal = resolve('staff', sid);
    let kind: 'student' | 'staff' | null = studentLocal ? 'student' : staffLocal ? 'staff' : null;
    const saysStudent = mapped.some((m) => m.role === 'student');
    const saysStaff = mapped.some((m) => m.role !== 'student');
    if (kind === null) {
      if (saysStudent) kind = 'student';
      else if (saysStaff) kind = 'staff';
      else if (!rolesOf.has(sid) && row) {
        plan.error('users.csv', line, 'sourcedId', sid, 'the user has no role in roles.csv');
        return;
      } else {
        tally('skipped'); // guardians, parents, relatives: not Carryover's
        return;
      }
    } else if (
      (kind === 'student' && saysStaff && !saysStudent) ||
      (kind === 'staff' && saysStudent)
    ) {
      plan.conflicts.push({
        file,
        line,
        sourcedId: sid,
        reason: `a ${kind} in Carryover, but roles.csv gives ${mapped.map((m) => m.r.row.role).join(', ')}: left as they are`,
      });
      tally('unchanged');
      return;
    }
    const deleting = row?.status === 'tobedeleted';
    const schoolsOfRoles = (which: 'student' | 'staff') =>
      mapped
        .filter((m) => (which === 'student' ? m.role === 'student' : m.role !== 'student'))
        .map((m) => m.r.row.orgSourcedId)
        .filter(isSchoolRef)
        .map((s) => schoolLocal(s) as string);

    if (kind === 'student') {
      const now = studentLocal ? state.students.get(studentLocal) : undefined;
      if (deleting) {
        if (studentLocal && keyStatus('student', sid) !== 'tobedeleted') {
          plan.studentsExit.add(studentLocal);
          plan.touchedStudents.add(studentLocal);
          setKeyStatus('student', sid, 'tobedeleted');
          tally('deactivated');
        } else tally('unchanged');
        return;
      }
      let schoolId: string | undefined;
      if (row?.primaryOrgSourcedId) {
        if (!isOrgRef(row.primaryOrgSourcedId)) {
          plan.error(
            'users.csv',
            line,
            'primaryOrgSourcedId',
            row.primaryOrgSourcedId,
            'no such org in orgs.csv or an earlier import',
          );
          return;
        }
        if (isSchoolRef(row.primaryOrgSourcedId)) schoolId = schoolLocal(row.primaryOrgSourcedId);
      }
      schoolId ??= schoolsOfRoles('student')[0] ?? now?.school_id;
      if (!schoolId) {
        plan.error(
          file,
          line,
          'primaryOrgSourcedId',
          row?.primaryOrgSourcedId ?? '',
          'a student needs a school: primaryOrgSourcedId or a student role at a school',
        );
        return;
      }
      const meta = (k: 'iepStart' | 'iepAnnualReview' | 'iepReevaluation') =>
        row?.[`metadata.carryover.${k}`];
      const next: StudentState = {
        id: studentLocal ?? '',
        first_name: row?.givenName ?? now?.first_name ?? '',
        last_name: row?.familyName ?? now?.last_name ?? '',
        date_of_birth: birthDate.get(sid) ?? now?.date_of_birth ?? '',
        grade: row ? firstGrade(row.grades) || (now?.grade ?? '') : (now?.grade ?? ''),
        school_id: schoolId,
        homeroom_id: now?.homeroom_id ?? null,
        iep_start: meta('iepStart') ?? now?.iep_start ?? '',
        iep_annual_review: meta('iepAnnualReview') ?? now?.iep_annual_review ?? '',
        iep_reevaluation: meta('iepReevaluation') ?? now?.iep_reevaluation ?? '',
        // A roster that does not say keeps what the school recorded on the Students page.
        family_language: row?.['metadata.carryover.familyLanguage'] ?? now?.family_language ?? 'en',
      };
      const reactivating =
        studentLocal !== undefined && keyStatus('student', sid) === 'tobedeleted';
      if (!studentLocal) {
        next.id = add('student', sid);
        plan.studentsAdd.push(next);
        plan.touchedStudents.add(next.id);
        tally('added');
      } else if (now && (reactivating || differs(now, next))) {
        plan.studentsUpdate.set(studentLocal, next);
        plan.touchedStudents.add(studentLocal);
        if (reactivating) setKeyStatus('student', sid, 'active');
        tally('updated');
      } else tally('unchanged');
      return;
    }

    // staff
    const now = staffLocal ? state.staff.get(staffLocal) : undefined;
    if (deleting) {
      if (staffLocal && now?.active === 1) {
        plan.staffDeactivate.add(staffLocal);
        setKeyStatus('staff', sid, 'tobedeleted');
        tally('deactivated');
      } else tally('unchanged');
      return;
    }
    const email = row?.email?.toLowerCase() ?? now?.email;
    if (!email) {
      plan.error(file, line, 'email', '', 'staff need an email address: it is their sign-in name');
      return;
    }
    let schools = now?.schools ?? new Set<string>();
    if (rolesBulk || !now) schools = new Set(schoolsOfRoles('staff'));
    else {
      // A delta roles file: an active role adds its school, a deleted one takes it away.
      schools = new Set(schools);
      for (const r of rolesOf.get(sid) ?? [])
        if (isSchoolRef(r.row.orgSourcedId)) {
          const s = schoolLocal(r.row.orgSourcedId) as string;
          if (r.row.status === 'tobedeleted') schools.delete(s);
          else schools.add(s);
        }
    }
    const best = mapped
      .filter((m) => m.role !== 'student')
      .sort(
        (a, b) =>
          ROLE_RANK[b.role as keyof typeof ROLE_RANK] - ROLE_RANK[a.role as keyof typeof ROLE_RANK],
      )[0];
    const metaRole = row?.['metadata.carryover.role'];
    const metaDiscipline = row?.['metadata.carryover.discipline'];
    const role = (roles as readonly string[]).includes(metaRole ?? '')
      ? (metaRole as string)
      : (best?.role ?? 'teacher');
    const discipline =
      (role === 'therapist' || role === 'assistant') &&
      (disciplines as readonly string[]).includes(metaDiscipline ?? '')
        ? (metaDiscipline as string)
        : null;
    const next: StaffState = {
      id: staffLocal ?? '',
      name: row ? `${row.givenName} ${row.familyName}` : (now?.name ?? ''),
      email,
      // Role and discipline are set when a person first comes in; later syncs never change
      // them (the services file and the People page do), so a mapping stays fixed.
      role: now?.role ?? role,
      discipline: now ? now.discipline : discipline,
      active: row?.enabledUser === 'false' ? 0 : 1,
      schools,
    };
    if (!staffLocal) {
      next.id = add('staff', sid);
      plan.staffAdd.push(next);
      tally('added');
    } else if (now && (differs(now, next) || !sameSet(now.schools, next.schools))) {
      plan.staffUpdate.set(staffLocal, next);
      if (keyStatus('staff', sid) === 'tobedeleted' && next.active === 1)
        setKeyStatus('staff', sid, 'active');
      tally('updated');
    } else tally('unchanged');
  };

  for (const [i, { line, row }] of bundle.users.entries()) {
    if (i % TICK === 0) await tick('users.csv', i, bundle.users.length);
    seenUsers.add(row.sourcedId);
    planUser(line, row, row.sourcedId);
  }
  // A delta roles file can change a person the users file leaves out.
  for (const sid of usersFromRoles) {
    if (seenUsers.has(sid)) continue;
    const first = rolesOf.get(sid)?.[0];
    if (first) planUser(first.line, null, sid);
  }
  if (mode('users.csv') === 'bulk') {
    // A bulk file holds everyone: who was imported before and is missing now has left.
    for (const kind of ['staff', 'student'] as const)
      for (const [sid, key] of state.keys.get(kind) ?? [])
        if (!seenUsers.has(sid) && key.status !== 'tobedeleted') {
          const c = plan.count('users.csv');
          if (kind === 'staff') {
            if (state.staff.get(key.local)?.active === 1) plan.staffDeactivate.add(key.local);
          } else {
            plan.studentsExit.add(key.local);
            plan.touchedStudents.add(key.local);
          }
          setKeyStatus(kind, sid, 'tobedeleted');
          c.deactivated++;
        }
  }
  // Roles and demographics count with their person: added with a new one, changed with a changed one.
  for (const { row } of bundle.roles) {
    const c = plan.count('roles.csv');
    const outcome = userOutcome.get(row.userSourcedId) ?? 'unchanged';
    if (carryoverRole(row.role) === null) c.skipped++;
    else c[outcome]++;
  }
  for (const { row } of bundle.demographics) {
    const c = plan.count('demographics.csv');
    const local = resolve('student', row.sourcedId);
    const outcome = userOutcome.get(row.sourcedId);
    if (!local) c.skipped++;
    else if (outcome === 'added') c.added++;
    else if (row.birthDate && state.students.get(local)?.date_of_birth !== row.birthDate)
      c.updated++;
    else c.unchanged++;
  }
  // Email clashes within the file.
  const emails = new Map<string, string>();
  for (const s of [...plan.staffAdd, ...plan.staffUpdate.values()]) {
    const other = emails.get(s.email);
    if (other && other !== s.id)
      plan.error('users.csv', 0, 'email', s.email, 'two users have this email address');
    emails.set(s.email, s.id);
  }

  // --- classes -----------------------------------------------------------------------------
  const classType = new Map<string, string | undefined>();
  const classLocal = new Map<string, string>();
  const courseBulk = mode('courses.csv') === 'bulk';
  for (const [i, { line, row }] of bundle.classes.entries()) {
    if (i % TICK === 0) await tick('classes.csv', i, bundle.classes.length);
    const c = plan.count('classes.csv');
    classType.set(row.sourcedId, row.classType);
    if (!isSchoolRef(row.schoolSourcedId)) {
      plan.error(
        'classes.csv',
        line,
        'schoolSourcedId',
        row.schoolSourcedId,
        'no such school in orgs.csv or an earlier import',
      );
      continue;
    }
    if (courseBulk && !courseIds.has(row.courseSourcedId)) {
      plan.error(
        'classes.csv',
        line,
        'courseSourcedId',
        row.courseSourcedId,
        'no such course in courses.csv',
      );
      continue;
    }
    const local = resolve('classroom', row.sourcedId);
    const now = local ? state.classrooms.get(local) : undefined;
    if (row.status === 'tobedeleted') {
      if (local && keyStatus('classroom', row.sourcedId) !== 'tobedeleted') {
        // A classroom's routines, plans and sessions stay: it loses its teacher and students.
        plan.classroomsUpdate.set(local, { ...(now as ClassroomState), teacher_id: null });
        for (const s of state.students.values())
          if (s.homeroom_id === local) {
            const next = plan.studentsUpdate.get(s.id) ?? { ...s };
            next.homeroom_id = null;
            plan.studentsUpdate.set(s.id, next);
            plan.touchedStudents.add(s.id);
          }
        setKeyStatus('classroom', row.sourcedId, 'tobedeleted');
        c.deactivated++;
      } else c.unchanged++;
      continue;
    }
    const next: ClassroomState = {
      id: local ?? '',
      school_id: schoolLocal(row.schoolSourcedId) as string,
      teacher_id: now?.teacher_id ?? null,
      grade: firstGrade(row.grades) || (now?.grade ?? ''),
      name: row.title,
    };
    if (!local) {
      next.id = add('classroom', row.sourcedId);
      plan.classroomsAdd.push(next);
      classLocal.set(row.sourcedId, next.id);
      c.added++;
    } else {
      classLocal.set(row.sourcedId, local);
      if (now && differs(now, next)) {
        plan.classroomsUpdate.set(local, next);
        c.updated++;
      } else c.unchanged++;
    }
  }

  // --- enrollments: a classroom's teacher, a student's homeroom ------------------------------
  // Rows this import adds, by id (the enrollments look them up once per row).
  const addedClassroom = new Map(plan.classroomsAdd.map((c) => [c.id, c]));
  const addedStudent = new Map(plan.studentsAdd.map((st) => [st.id, st]));
  const classOf = (sid: string) => classLocal.get(sid) ?? resolve('classroom', sid);
  const classroomNow = (id: string) =>
    plan.classroomsUpdate.get(id) ?? addedClassroom.get(id) ?? state.classrooms.get(id);
  const studentNow = (id: string) =>
    plan.studentsUpdate.get(id) ?? addedStudent.get(id) ?? state.students.get(id);
  const teacherOf = new Map<string, { staff: string; primary: boolean }>();
  const homeroomOf = new Map<string, { classroom: string; homeroom: boolean }>();
  const cleared: {
    line: number;
    kind: 'teacher' | 'student';
    classroom: string;
    person: string;
  }[] = [];
  const enrollmentLines: {
    line: number;
    kind: 'teacher' | 'student';
    classroom: string;
    person: string;
  }[] = [];
  for (const [i, { line, row }] of bundle.enrollments.entries()) {
    if (i % TICK === 0) await tick('enrollments.csv', i, bundle.enrollments.length);
    const c = plan.count('enrollments.csv');
    const classroom = classOf(row.classSourcedId);
    if (!classroom) {
      plan.error(
        'enrollments.csv',
        line,
        'classSourcedId',
        row.classSourcedId,
        'no such class in classes.csv or an earlier import',
      );
      continue;
    }
    if (!isSchoolRef(row.schoolSourcedId)) {
      plan.error(
        'enrollments.csv',
        line,
        'schoolSourcedId',
        row.schoolSourcedId,
        'no such school in orgs.csv or an earlier import',
      );
      continue;
    }
    if (row.beginDate && row.endDate && row.beginDate > row.endDate) {
      plan.error(
        'enrollments.csv',
        line,
        'endDate',
        row.endDate,
        `ends before it begins (${row.beginDate})`,
      );
      continue;
    }
    if (row.role !== 'student' && row.role !== 'teacher') {
      c.skipped++;
      continue;
    }
    const person =
      row.role === 'teacher'
        ? resolve('staff', row.userSourcedId)
        : resolve('student', row.userSourcedId);
    if (!person) {
      if (!known(row.userSourcedId))
        plan.error(
          'enrollments.csv',
          line,
          'userSourcedId',
          row.userSourcedId,
          'no such user in users.csv or an earlier import',
        );
      else
        plan.conflicts.push({
          file: 'enrollments.csv',
          line,
          sourcedId: row.sourcedId,
          reason: `the user is not a ${row.role === 'teacher' ? 'staff member' : 'student'} in Carryover: left out`,
        });
      if (known(row.userSourcedId)) c.skipped++;
      continue;
    }
    const ended =
      row.status === 'tobedeleted' || (row.endDate !== undefined && row.endDate < today);
    const entry = { line, kind: row.role, classroom, person } as const;
    if (ended) {
      cleared.push(entry);
      continue;
    }
    enrollmentLines.push(entry);
    if (row.role === 'teacher') {
      const primary = row.primary !== 'false';
      const had = teacherOf.get(classroom);
      if (!had || (primary && !had.primary)) teacherOf.set(classroom, { staff: person, primary });
    } else {
      const homeroom = classType.get(row.classSourcedId) !== 'scheduled';
      const had = homeroomOf.get(person);
      if (had?.homeroom && homeroom && had.classroom !== classroom)
        plan.conflicts.push({
          file: 'enrollments.csv',
          line,
          sourcedId: row.sourcedId,
          reason: 'the student has two homerooms in this file: the first one is kept',
        });
      if (!had || (homeroom && !had.homeroom)) homeroomOf.set(person, { classroom, homeroom });
    }
  }
  const setTeacher = (classroom: string, teacher: string | null): boolean => {
    const now = classroomNow(classroom);
    if (!now || now.teacher_id === teacher) return false;
    const next = { ...now, teacher_id: teacher };
    const added = addedClassroom.get(classroom);
    if (added) added.teacher_id = teacher;
    else plan.classroomsUpdate.set(classroom, next);
    return true;
  };
  const setHomeroom = (student: string, classroom: string | null): boolean => {
    const now = studentNow(student);
    if (!now || now.homeroom_id === classroom) return false;
    if (plan.studentsExit.has(student)) return false;
    const added = addedStudent.get(student);
    if (added) added.homeroom_id = classroom;
    else plan.studentsUpdate.set(student, { ...now, homeroom_id: classroom });
    plan.touchedStudents.add(student);
    return true;
  };
  const enr = plan.count('enrollments.csv');
  for (const e of enrollmentLines) {
    const changed =
      e.kind === 'teacher'
        ? teacherOf.get(e.classroom)?.staff === e.person && setTeacher(e.classroom, e.person)
        : homeroomOf.get(e.person)?.classroom === e.classroom && setHomeroom(e.person, e.classroom);
    if (changed) enr.added++;
    else enr.unchanged++;
  }
  for (const e of cleared) {
    const changed =
      e.kind === 'teacher'
        ? classroomNow(e.classroom)?.teacher_id === e.person &&
          !teacherOf.has(e.classroom) &&
          setTeacher(e.classroom, null)
        : studentNow(e.person)?.homeroom_id === e.classroom &&
          !homeroomOf.has(e.person) &&
          setHomeroom(e.person, null);
    if (changed) enr.deactivated++;
    else enr.unchanged++;
  }
  if (mode('enrollments.csv') === 'bulk') {
    // Every classroom and student the source holds gets its teacher and homeroom from the
    // file: one it no longer lists loses it.
    for (const [, key] of state.keys.get('classroom') ?? [])
      if (!teacherOf.has(key.local) && setTeacher(key.local, null)) enr.deactivated++;
    for (const [, key] of state.keys.get('student') ?? [])
      if (!homeroomOf.has(key.local) && setHomeroom(key.local, null)) enr.deactivated++;
  }
}

function differs<T extends object>(now: T, next: T): boolean {
  for (const k of Object.keys(next) as (keyof T)[]) {
    if (k === 'schools' || k === 'id') continue;
    if (now[k] !== next[k]) return true;
  }
  return false;
}
function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

async function insertChunks<T extends keyof Database>(
  trx: Kysely<Database>,
  table: T,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

async function applyPlan(
  trx: Kysely<Database>,
  plan: Plan,
  districtId: string,
  stamp: string,
  today: string,
  progress: (step: string, done: number, total: number) => void,
): Promise<void> {
  const d = districtId;
  if (plan.districtName)
    await trx
      .updateTable('district')
      .set({ name: plan.districtName })
      .where('id', '=', d)
      .execute();
  progress('schools', 0, 1);
  await insertChunks(
    trx,
    'school',
    plan.schoolsAdd.map((s) => ({ district_id: d, ...s })),
  );
  for (const s of plan.schoolsUpdate)
    await trx
      .updateTable('school')
      .set({ name: s.name })
      .where('district_id', '=', d)
      .where('id', '=', s.id)
      .execute();
  await insertChunks(
    trx,
    'reporting_period',
    plan.periodsAdd.map((p) => ({ district_id: d, ...p })),
  );
  for (const p of plan.periodsUpdate)
    await trx
      .updateTable('reporting_period')
      .set({ name: p.name, starts_on: p.starts_on, ends_on: p.ends_on })
      .where('district_id', '=', d)
      .where('id', '=', p.id)
      .execute();

  progress('staff', 0, 1);
  await insertChunks(
    trx,
    'staff_user',
    plan.staffAdd.map((s) => ({
      district_id: d,
      id: s.id,
      name: s.name,
      email: s.email,
      role: s.role,
      discipline: s.discipline,
      supervisor_id: null,
      // No password matches it: an admin sends a setup link, or the district signs in another way.
      password_hash: '!imported-no-password',
      active: s.active,
      created_at: stamp,
    })),
  );
  for (const s of plan.staffUpdate.values()) {
    await trx
      .updateTable('staff_user')
      .set({ name: s.name, email: s.email, active: s.active as 0 | 1 })
      .where('district_id', '=', d)
      .where('id', '=', s.id)
      .execute();
    await trx
      .deleteFrom('staff_school')
      .where('district_id', '=', d)
      .where('staff_id', '=', s.id)
      .execute();
  }
  await insertChunks(
    trx,
    'staff_school',
    [...plan.staffAdd, ...plan.staffUpdate.values()].flatMap((s) =>
      [...s.schools].map((school) => ({ district_id: d, staff_id: s.id, school_id: school })),
    ),
  );
  const signedOut = [
    ...plan.staffDeactivate,
    ...[...plan.staffUpdate.values()].filter((s) => s.active === 0).map((s) => s.id),
  ];
  for (const id of plan.staffDeactivate)
    await trx
      .updateTable('staff_user')
      .set({ active: 0 })
      .where('district_id', '=', d)
      .where('id', '=', id)
      .execute();
  for (const id of signedOut)
    for (const table of ['auth_session', 'known_device'] as const)
      await trx.deleteFrom(table).where('district_id', '=', d).where('user_id', '=', id).execute();

  progress('classrooms', 0, 1);
  await insertChunks(
    trx,
    'classroom',
    plan.classroomsAdd.map((c) => ({ district_id: d, ...c })),
  );
  for (const c of plan.classroomsUpdate.values())
    await trx
      .updateTable('classroom')
      .set({ school_id: c.school_id, teacher_id: c.teacher_id, grade: c.grade, name: c.name })
      .where('district_id', '=', d)
      .where('id', '=', c.id)
      .execute();

  const total = plan.studentsAdd.length + plan.studentsUpdate.size;
  progress('students', 0, total);
  for (let i = 0; i < plan.studentsAdd.length; i += CHUNK) {
    await insertChunks(
      trx,
      'student',
      plan.studentsAdd
        .slice(i, i + CHUNK)
        .map((s) => ({ district_id: d, ...s, created_at: stamp })),
    );
    progress('students', Math.min(i + CHUNK, plan.studentsAdd.length), total);
  }
  let done = plan.studentsAdd.length;
  for (const s of plan.studentsUpdate.values()) {
    const { id, ...fields } = s;
    await trx
      .updateTable('student')
      .set(fields)
      .where('district_id', '=', d)
      .where('id', '=', id)
      .execute();
    if (++done % CHUNK === 0) progress('students', done, total);
  }
  // A student who leaves keeps every record; their open services end today, their homeroom goes.
  for (const id of plan.studentsExit) {
    await trx
      .updateTable('service')
      .set({ end_date: today })
      .where('district_id', '=', d)
      .where('student_id', '=', id)
      .where('end_date', '>', today)
      .execute();
    await trx
      .updateTable('student')
      .set({ homeroom_id: null })
      .where('district_id', '=', d)
      .where('id', '=', id)
      .execute();
  }
  progress('students', total, total);

  await insertChunks(
    trx,
    'source_key',
    plan.newKeys.map((k) => ({ district_id: d, ...k, updated_at: stamp })),
  );
  for (const k of plan.keyStatus)
    await trx
      .updateTable('source_key')
      .set({ status: k.status, updated_at: stamp })
      .where('district_id', '=', d)
      .where('kind', '=', k.kind)
      .where('sourced_id', '=', k.sourced_id)
      .execute();
  if (plan.changes > 0) await bumpDataVersion(trx, d);
}

/** The district settings of a district an import creates (as `create-admin` makes them). */
function newDistrictSettings(today: string, timezone: string): string {
  const year = Number(today.slice(0, 4)) + (today.slice(5) > '06-30' ? 1 : 0);
  return JSON.stringify(
    DistrictSettings.parse({
      schoolYearStart: `${year - 1}-08-15`,
      schoolYearEnd: `${year}-06-10`,
      studentAbsenceOwed: 'unexcused_only',
      timezone,
    }),
  );
}

/**
 * Reads a OneRoster bundle against a district (or an empty database) and reports what it
 * changes; writes it, in one transaction, only when nothing is wrong and `dryRun` is false.
 * Every run is recorded in `import_run` and audited (one event naming the students it changed).
 */
export async function importOneRoster(
  db: Kysely<Database>,
  options: OneRosterImportOptions,
): Promise<ImportReport> {
  const progress = (step: string, done: number, total: number) =>
    options.onProgress?.({ step, done, total });
  const started = options.now.toISOString();
  const t0 = performance.now();
  progress('read', 0, 1);
  // A whole Carryover export also holds the services bundle: `import services` reads that.
  const decoded = decodeFiles(
    Object.fromEntries(
      Object.entries(options.files).filter(
        ([name]) => !(IEP_FILES as readonly string[]).includes(name),
      ),
    ),
  );
  const bundle = readOneRoster(decoded.texts);
  // The text is read: only the parsed rows are kept for the rest of the import.
  decoded.texts = {};
  for (const f of decoded.info)
    f.mode =
      bundle.modes[f.name as OneRosterDataFile] ??
      (f.name === 'manifest.csv' ? 'manifest' : undefined);
  progress('read', 1, 1);

  const report: ImportReport = {
    kind: 'oneroster',
    outcome: 'refused',
    districtId: options.districtId ?? null,
    createdDistrict: false,
    files: decoded.info,
    counts: {},
    conflicts: [],
    errors: [...decoded.errors, ...bundle.errors],
    runId: null,
  };

  try {
    await db.transaction().execute(async (trx) => {
      progress('compare', 0, 1);
      const state = await loadState(trx, options.districtId ?? null);
      if (options.districtId && !state.district)
        throw new Error(`no district ${options.districtId}`);
      const timezone = state.district
        ? DistrictSettings.parse(JSON.parse(state.district.settings)).timezone
        : 'America/Chicago';
      const today = dateIn(options.now, timezone);
      const plan = new Plan();
      const checking = checkProgress(options.onProgress);
      await planBundle(bundle, state, plan, today, checking.tick);
      checking.finish();
      // Emails are sign-in names, unique across districts.
      const wanted = [...plan.staffAdd, ...plan.staffUpdate.values()];
      for (let i = 0; i < wanted.length; i += CHUNK) {
        const chunk = wanted.slice(i, i + CHUNK);
        const taken = await trx
          .selectFrom('staff_user')
          .select(['id', 'email', 'district_id'])
          .where(
            'email',
            'in',
            chunk.map((s) => s.email),
          )
          .execute();
        for (const t of taken) {
          const mine = chunk.find((s) => s.email === t.email);
          if (mine && (t.id !== mine.id || t.district_id !== (state.district?.id ?? '')))
            plan.error(
              'users.csv',
              0,
              'email',
              t.email,
              'another account already signs in with this email',
            );
        }
      }
      progress('compare', 1, 1);
      report.counts = plan.counts;
      report.conflicts = plan.conflicts;
      report.errors.push(...plan.errors);
      if (report.errors.length > 0) throw new Rollback('refused');
      let districtId = state.district?.id;
      if (plan.createDistrict) {
        districtId = plan.createDistrict.id;
        await trx
          .insertInto('district')
          .values({
            id: districtId,
            name: plan.createDistrict.name,
            settings: newDistrictSettings(today, timezone),
            created_at: started,
          })
          .execute();
        report.createdDistrict = true;
      }
      report.districtId = districtId ?? null;
      if (!districtId) throw new Rollback('no district');
      if (options.dryRun) {
        report.outcome = 'dry_run';
        throw new Rollback('dry run');
      }
      await applyPlan(trx, plan, districtId, started, today, progress);
      report.outcome = 'applied';
      report.runId = await recordRun(
        trx,
        districtId,
        options,
        report,
        [...plan.touchedStudents],
        t0,
      );
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    if (report.createdDistrict) {
      report.createdDistrict = false;
      report.districtId = null;
    }
  }
  // Fresh statistics for what the import wrote: without them the next import (services after
  // the roster) and the pages plan as if the new rows were not there (7.5 min instead of
  // seconds for a 25,000-student services import into a new Postgres database).
  if (report.outcome === 'applied') await refreshPlannerStatistics(db);
  // A dry run or a refusal writes nothing but its own record (when there is a district).
  if (report.outcome !== 'applied' && report.districtId)
    report.runId = await db
      .transaction()
      .execute((trx) => recordRun(trx, report.districtId as string, options, report, [], t0));
  progress('done', 1, 1);
  return report;
}

export async function recordRun(
  trx: Kysely<Database>,
  districtId: string,
  options: Pick<OneRosterImportOptions, 'actor' | 'now'>,
  report: ImportReport,
  students: string[],
  t0: number,
): Promise<string> {
  const id = newId();
  // The run's clock: its start plus the time it took.
  const finished = new Date(options.now.getTime() + (performance.now() - t0)).toISOString();
  await trx
    .insertInto('import_run')
    .values({
      district_id: districtId,
      id,
      kind: report.kind,
      actor_id: options.actor.id,
      actor_label: options.actor.label,
      started_at: options.now.toISOString(),
      finished_at: finished,
      outcome: report.outcome,
      files: JSON.stringify(report.files),
      summary: JSON.stringify({
        counts: report.counts,
        conflicts: report.conflicts,
        errors: report.errors.length,
        createdDistrict: report.createdDistrict,
      }),
    })
    .execute();
  await recordAudit(trx, {
    districtId,
    actorId: options.actor.id,
    action: `import.${report.kind}.${report.outcome}`,
    entity: 'import_run',
    entityId: id,
    outcome: report.outcome === 'refused' ? 'denied' : 'ok',
    at: options.now.toISOString(),
    studentIds: students,
  });
  return id;
}

/** The district's import history, newest first. */
export async function listImportRuns(db: Kysely<Database>, districtId: string, limit = 50) {
  return db
    .selectFrom('import_run')
    .selectAll()
    .where('district_id', '=', districtId)
    .orderBy('started_at', 'desc')
    .limit(limit)
    .execute();
}
