import { csvDocument, GOALS_COLUMNS, ROUTINES_COLUMNS, SERVICES_COLUMNS } from '@carryover/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema';

// `carryover export oneroster DIR` writes these beside the OneRoster files: the district's
// IEP services and goals in the format `import services` reads (domain/iep-csv.ts), and the
// classroom routines the goals link to. Students, staff and classes are named by the sourcedIds
// the roster export gives them (an import's sourcedId, else Carryover's own id); services and
// goals likewise. Every service is written, ended ones too, each with its own dates, so an
// amended mandate reads back as the same history. Importing this into the district it came
// from changes nothing; into an empty database (after the roster) it gives the same services,
// goals and routines.

export type IepExportFile = 'routines.csv' | 'services.csv' | 'goals.csv';

const byFirst = (a: string[], b: string[]) =>
  (a[0] as string) < (b[0] as string) ? -1 : a[0] === b[0] ? 0 : 1;

/** File name → CSV text. */
export async function exportServices(
  db: Kysely<Database>,
  districtId: string,
): Promise<Record<IepExportFile, string>> {
  const d = districtId;
  const keys = new Map<string, string>();
  for (const k of await db
    .selectFrom('source_key')
    .select(['kind', 'sourced_id', 'local_id'])
    .where('district_id', '=', d)
    .execute())
    keys.set(`${k.kind}\u0000${k.local_id}`, k.sourced_id);
  const sid = (kind: string, id: string) => keys.get(`${kind}\u0000${id}`) ?? id;

  const routines = await db
    .selectFrom('routine')
    .select(['id', 'classroom_id', 'name', 'weekdays', 'start_time', 'end_time'])
    .where('district_id', '=', d)
    .execute();
  const routineName = new Map(routines.map((r) => [r.id, r.name]));
  const routineRecords = routines.map((r) => [
    sid('classroom', r.classroom_id),
    r.name,
    r.weekdays.split(',').join(';'),
    r.start_time,
    r.end_time,
  ]);
  routineRecords.sort((a, b) => byFirst(a, b) || ((a[1] as string) < (b[1] as string) ? -1 : 1));

  const roleOf = new Map(
    (
      await db
        .selectFrom('staff_user')
        .select(['id', 'role'])
        .where('district_id', '=', d)
        .execute()
    ).map((s) => [s.id, s.role]),
  );
  const splits = new Map<string, string[]>();
  for (const m of await db
    .selectFrom('service_model_minutes')
    .select(['service_id', 'model', 'minutes'])
    .where('district_id', '=', d)
    .orderBy('service_id')
    .orderBy('model')
    .execute()) {
    const list = splits.get(m.service_id) ?? [];
    list.push(`${m.model}=${m.minutes}`);
    splits.set(m.service_id, list);
  }
  const services = await db
    .selectFrom('service')
    .select([
      'id',
      'student_id',
      'discipline',
      'provider_id',
      'minutes',
      'per',
      'model',
      'start_date',
      'end_date',
    ])
    .where('district_id', '=', d)
    .execute();
  const serviceRecords = services.map((s) => {
    const row: Record<(typeof SERVICES_COLUMNS)[number], string> = {
      sourcedId: sid('service', s.id),
      status: '',
      studentSourcedId: sid('student', s.student_id),
      discipline: s.discipline,
      minutes: String(s.minutes),
      per: s.per,
      model: s.model,
      minutesByModel: s.model === 'split' ? (splits.get(s.id) ?? []).join(';') : '',
      startDate: s.start_date,
      endDate: s.end_date,
      providerSourcedId: s.provider_id ? sid('staff', s.provider_id) : '',
      providerRole: s.provider_id && roleOf.get(s.provider_id) === 'assistant' ? 'assistant' : '',
    };
    return SERVICES_COLUMNS.map((c) => row[c]);
  });
  serviceRecords.sort(byFirst);

  const linked = new Map<string, string[]>();
  for (const l of await db
    .selectFrom('goal_routine')
    .select(['goal_id', 'routine_id'])
    .where('district_id', '=', d)
    .execute()) {
    const name = routineName.get(l.routine_id);
    if (!name) continue;
    const list = linked.get(l.goal_id) ?? [];
    list.push(name);
    linked.set(l.goal_id, list);
  }
  const goals = await db
    .selectFrom('goal')
    .select([
      'id',
      'student_id',
      'service_id',
      'discipline',
      'domain',
      'text',
      'measurement_type',
      'baseline',
      'target',
      'direction',
      'rubric_max',
      'mastery_rule',
      'start_date',
      'target_date',
      'phase',
    ])
    .where('district_id', '=', d)
    .execute();
  const goalRecords = goals.map((g) => {
    const rule = JSON.parse(g.mastery_rule) as { consecutiveSessions?: number };
    const row: Record<(typeof GOALS_COLUMNS)[number], string> = {
      sourcedId: sid('goal', g.id),
      status: '',
      studentSourcedId: sid('student', g.student_id),
      serviceSourcedId: g.service_id ? sid('service', g.service_id) : '',
      discipline: g.discipline,
      domain: g.domain,
      goalText: g.text,
      measurement: g.measurement_type,
      // Stated only where the type does not imply it (frequency, duration).
      direction:
        g.measurement_type === 'frequency' || g.measurement_type === 'duration' ? g.direction : '',
      baseline: String(g.baseline),
      target: String(g.target),
      rubricMax: g.rubric_max === null ? '' : String(g.rubric_max),
      criterion: String(rule.consecutiveSessions ?? 3),
      startDate: g.start_date,
      targetDate: g.target_date,
      routines: [...new Set(linked.get(g.id) ?? [])].sort().join(';'),
      phase: g.phase,
    };
    return GOALS_COLUMNS.map((c) => row[c]);
  });
  goalRecords.sort(byFirst);

  return {
    'routines.csv': csvDocument(ROUTINES_COLUMNS, routineRecords),
    'services.csv': csvDocument(SERVICES_COLUMNS, serviceRecords),
    'goals.csv': csvDocument(GOALS_COLUMNS, goalRecords),
  };
}
