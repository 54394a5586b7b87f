import {
  CARRYOVER_USER_EXTENSIONS,
  csvDocument,
  ONEROSTER_COLUMNS,
  type OneRosterDataFile,
  type OneRosterFile,
  oneRosterManifest,
} from '@carryover/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import type { SourceKind } from './import-oneroster';

// `carryover export oneroster DIR`: a district as OneRoster 1.2 CSV, every file bulk. Rows an
// import brought in keep their sourcedId; rows made in Carryover use their own id, which an
// import of this export recognises, so importing it back changes nothing. What OneRoster has
// no field for (a staff member's Carryover role and discipline, a student's IEP dates) goes in
// `metadata.carryover.*` columns (CARRYOVER_USER_EXTENSIONS).

const OUT_ROLE: Record<string, string> = {
  admin: 'districtAdministrator',
  coordinator: 'siteAdministrator',
  teacher: 'teacher',
  therapist: 'teacher',
  assistant: 'aide',
};

/** File name → CSV text, written through the shared CSV writer. */
export async function exportOneRoster(
  db: Kysely<Database>,
  districtId: string,
): Promise<Record<OneRosterFile, string>> {
  const d = districtId;
  const district = await db
    .selectFrom('district')
    .select(['id', 'name'])
    .where('id', '=', d)
    .executeTakeFirstOrThrow();
  const keys = new Map<string, { sid: string; status: string }>();
  for (const k of await db
    .selectFrom('source_key')
    .select(['kind', 'sourced_id', 'local_id', 'status'])
    .where('district_id', '=', d)
    .execute())
    keys.set(`${k.kind}\u0000${k.local_id}`, { sid: k.sourced_id, status: k.status });
  const sid = (kind: SourceKind, id: string) => keys.get(`${kind}\u0000${id}`)?.sid ?? id;
  const status = (kind: SourceKind, id: string) =>
    keys.get(`${kind}\u0000${id}`)?.status === 'tobedeleted' ? 'tobedeleted' : '';

  const schools = await db
    .selectFrom('school')
    .select(['id', 'name'])
    .where('district_id', '=', d)
    .orderBy('id')
    .execute();
  const periods = await db
    .selectFrom('reporting_period')
    .select(['id', 'name', 'starts_on', 'ends_on'])
    .where('district_id', '=', d)
    .orderBy('starts_on')
    .orderBy('id')
    .execute();
  const staff = await db
    .selectFrom('staff_user')
    .select(['id', 'name', 'email', 'role', 'discipline', 'active'])
    .where('district_id', '=', d)
    .orderBy('id')
    .execute();
  const staffSchools = await db
    .selectFrom('staff_school')
    .select(['staff_id', 'school_id'])
    .where('district_id', '=', d)
    .orderBy('staff_id')
    .orderBy('school_id')
    .execute();
  const classrooms = await db
    .selectFrom('classroom')
    .select(['id', 'school_id', 'teacher_id', 'grade', 'name'])
    .where('district_id', '=', d)
    .orderBy('id')
    .execute();
  const students = await db
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
    .where('district_id', '=', d)
    .orderBy('id')
    .execute();

  const districtSid = sid('district', district.id);
  const table = (
    file: OneRosterFile,
    rows: Record<string, string>[],
    extra: readonly string[] = [],
  ) => {
    const columns = [...ONEROSTER_COLUMNS[file], ...extra];
    // In sourcedId order, so the same district exports the same files wherever its ids came from.
    const sorted = [...rows].sort((a, b) =>
      (a.sourcedId as string) < (b.sourcedId as string) ? -1 : a.sourcedId === b.sourcedId ? 0 : 1,
    );
    return csvDocument(
      columns,
      sorted.map((r) => columns.map((c) => r[c] ?? '')),
    );
  };

  const orgs = [
    { sourcedId: districtSid, name: district.name, type: 'district' },
    ...schools.map((s) => ({
      sourcedId: sid('school', s.id),
      name: s.name,
      type: 'school',
      parentSourcedId: districtSid,
    })),
  ];
  const courses = schools.map((s) => ({
    sourcedId: `homeroom-${sid('school', s.id)}`,
    title: 'Homeroom',
    orgSourcedId: sid('school', s.id),
  }));
  const sessions = periods.map((p) => ({
    sourcedId: sid('period', p.id),
    title: p.name,
    type: 'gradingPeriod',
    startDate: p.starts_on,
    endDate: p.ends_on,
    schoolYear: p.ends_on.slice(0, 4),
  }));
  const users: Record<string, string>[] = [];
  const roleRows: Record<string, string>[] = [];
  const schoolsOf = new Map<string, string[]>();
  for (const s of staffSchools) {
    const list = schoolsOf.get(s.staff_id) ?? [];
    list.push(s.school_id);
    schoolsOf.set(s.staff_id, list);
  }
  for (const s of staff) {
    const userSid = sid('staff', s.id);
    const [given, ...family] = s.name.split(' ');
    users.push({
      sourcedId: userSid,
      status: status('staff', s.id),
      enabledUser: s.active === 1 ? 'true' : 'false',
      username: s.email,
      givenName: given ?? s.name,
      familyName: family.join(' ') || (given ?? s.name),
      email: s.email,
      'metadata.carryover.role': s.role,
      'metadata.carryover.discipline': s.discipline ?? '',
    });
    const orgsOf = (schoolsOf.get(s.id) ?? []).map((id) => sid('school', id)).sort();
    const at = orgsOf.length > 0 ? orgsOf : [districtSid];
    for (const [i, org] of at.entries())
      roleRows.push({
        sourcedId: `${userSid}-${org}`,
        userSourcedId: userSid,
        roleType: i === 0 ? 'primary' : 'secondary',
        role: OUT_ROLE[s.role] ?? 'teacher',
        orgSourcedId: org,
      });
  }
  const demographics: Record<string, string>[] = [];
  for (const s of students) {
    const userSid = sid('student', s.id);
    const schoolSid = sid('school', s.school_id);
    users.push({
      sourcedId: userSid,
      status: status('student', s.id),
      enabledUser: 'true',
      givenName: s.first_name,
      familyName: s.last_name,
      grades: s.grade,
      primaryOrgSourcedId: schoolSid,
      'metadata.carryover.iepStart': s.iep_start,
      'metadata.carryover.iepAnnualReview': s.iep_annual_review,
      'metadata.carryover.iepReevaluation': s.iep_reevaluation,
      'metadata.carryover.familyLanguage': s.family_language ?? 'en',
    });
    roleRows.push({
      sourcedId: `${userSid}-${schoolSid}`,
      userSourcedId: userSid,
      roleType: 'primary',
      role: 'student',
      orgSourcedId: schoolSid,
    });
    if (s.date_of_birth) demographics.push({ sourcedId: userSid, birthDate: s.date_of_birth });
  }
  const classes = classrooms.map((c) => ({
    sourcedId: sid('classroom', c.id),
    status: status('classroom', c.id),
    title: c.name,
    grades: c.grade,
    courseSourcedId: `homeroom-${sid('school', c.school_id)}`,
    classType: 'homeroom',
    schoolSourcedId: sid('school', c.school_id),
  }));
  const schoolOfClass = new Map(classrooms.map((c) => [c.id, sid('school', c.school_id)]));
  const enrollments: Record<string, string>[] = [];
  for (const c of classrooms)
    if (c.teacher_id) {
      const classSid = sid('classroom', c.id);
      const userSid = sid('staff', c.teacher_id);
      enrollments.push({
        sourcedId: `${classSid}-${userSid}`,
        classSourcedId: classSid,
        schoolSourcedId: schoolOfClass.get(c.id) as string,
        userSourcedId: userSid,
        role: 'teacher',
        primary: 'true',
      });
    }
  for (const s of students)
    if (s.homeroom_id) {
      const classSid = sid('classroom', s.homeroom_id);
      const userSid = sid('student', s.id);
      enrollments.push({
        sourcedId: `${classSid}-${userSid}`,
        classSourcedId: classSid,
        schoolSourcedId: schoolOfClass.get(s.homeroom_id) as string,
        userSourcedId: userSid,
        role: 'student',
        primary: 'false',
      });
    }

  const present: OneRosterDataFile[] = [
    'orgs.csv',
    'academicSessions.csv',
    'users.csv',
    'roles.csv',
    'classes.csv',
    'courses.csv',
    'enrollments.csv',
    'demographics.csv',
  ];
  return {
    'manifest.csv': csvDocument(
      ONEROSTER_COLUMNS['manifest.csv'],
      oneRosterManifest(present, 'Carryover'),
    ),
    'orgs.csv': table('orgs.csv', orgs),
    'academicSessions.csv': table('academicSessions.csv', sessions),
    'users.csv': table('users.csv', users, CARRYOVER_USER_EXTENSIONS),
    'roles.csv': table('roles.csv', roleRows),
    'classes.csv': table('classes.csv', classes),
    'courses.csv': table('courses.csv', courses),
    'enrollments.csv': table('enrollments.csv', enrollments),
    'demographics.csv': table('demographics.csv', demographics),
  };
}
