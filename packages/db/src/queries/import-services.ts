import {
  addDays,
  DistrictSettings,
  dateIn,
  GOAL_FIELD_COLUMNS,
  GoalFields,
  goalDirection,
  IEP_FILES,
  type IepBundle,
  readIepBundle,
} from '@carryover/domain';
import type { Kysely } from 'kysely';
import type { Database, Goal } from '../schema';
import { newId } from '../util';
import { bumpDataVersion } from './data-version';
import { refreshGoalSummaries, writeNewGoalSummaries } from './goal-summaries';
import {
  checkProgress,
  decodeFiles,
  emptyCounts,
  type FileCounts,
  type ImportProgress,
  type ImportReport,
  Rollback,
  recordRun,
} from './import-oneroster';
import { refreshPlannerStatistics } from './maintenance';

// The IEP services and goals import (issue 14, README "Bringing your district in"): services.csv
// and goals.csv (domain/iep-csv.ts), with the same dry run, all-or-nothing apply, record and
// audit as the OneRoster import. A service's provider teaches Carryover their role: a person the
// roster brought in as staff becomes a therapist (or an assistant) of the service's discipline.
// A changed mandate amends the service's history: the old row ends the day before the change
// takes effect and a new row carries the new minutes from then, so the fidelity report's
// mandated minutes change from that date and not before. Nothing is deleted: a `tobedeleted`
// service ends today, a `tobedeleted` goal is discontinued.

export interface ServicesImportOptions {
  files: Readonly<Record<string, Uint8Array | string>>;
  districtId: string;
  actor: { id: string | null; label: string };
  dryRun: boolean;
  now: Date;
  onProgress?: (progress: ImportProgress) => void;
}

interface ServiceRow {
  id: string;
  student_id: string;
  discipline: string;
  /** Null while the service waits for a provider (the Students page lists it). */
  provider_id: string | null;
  minutes: number;
  per: 'week' | 'month';
  model: string;
  start_date: string;
  end_date: string;
}

const MASTERY = { minSettings: 2, requireClassroom: true };

const RELEASED_GOAL = Object.freeze({ line: 0, row: {} }) as unknown as IepBundle['goals'][number];

const RELEASED_INSERT = Object.freeze({ row: {}, routines: [] }) as unknown as {
  row: Record<string, unknown>;
  routines: string[];
};

/** Rows between progress reports while checking (each one lets the event loop run). */
const TICK = 500;

export async function importServices(
  db: Kysely<Database>,
  options: ServicesImportOptions,
): Promise<ImportReport> {
  const t0 = performance.now();
  const progress = (step: string, done: number, total: number, file?: string) =>
    options.onProgress?.({ step, done, total, ...(file ? { file } : {}) });
  const d = options.districtId;
  const decoded = decodeFiles(
    Object.fromEntries(
      Object.entries(options.files).filter(([name]) =>
        (IEP_FILES as readonly string[]).includes(name),
      ),
    ),
  );
  const bundle = readIepBundle(decoded.texts);
  // The text is read: only the parsed rows are kept for the rest of the import.
  decoded.texts = {};
  const report: ImportReport = {
    kind: 'services',
    outcome: 'refused',
    districtId: d,
    createdDistrict: false,
    files: decoded.info,
    counts: {},
    conflicts: [],
    errors: [...decoded.errors, ...bundle.errors],
    runId: null,
  };
  const touched = new Set<string>();
  progress('read', 1, 1);
  const checking = checkProgress(options.onProgress);
  const tick = checking.tick;
  try {
    await db.transaction().execute(async (trx) => {
      const district = await trx
        .selectFrom('district')
        .select('settings')
        .where('id', '=', d)
        .executeTakeFirstOrThrow();
      const today = dateIn(
        options.now,
        DistrictSettings.parse(JSON.parse(district.settings)).timezone,
      );
      const stamp = options.now.toISOString();
      const keys = new Map<string, { local: string; status: string }>();
      const keyedLocals = new Set<string>();
      for (const k of await trx
        .selectFrom('source_key')
        .select(['kind', 'sourced_id', 'local_id', 'status'])
        .where('district_id', '=', d)
        .execute()) {
        keys.set(`${k.kind}\u0000${k.sourced_id}`, { local: k.local_id, status: k.status });
        keyedLocals.add(`${k.kind}\u0000${k.local_id}`);
      }
      const students = new Map(
        (
          await trx
            .selectFrom('student')
            .select(['id', 'homeroom_id'])
            .where('district_id', '=', d)
            .execute()
        ).map((s) => [s.id, s]),
      );
      const staff = new Map(
        (
          await trx
            .selectFrom('staff_user')
            .select(['id', 'role', 'discipline', 'active'])
            .where('district_id', '=', d)
            .execute()
        ).map((s) => [s.id, { ...s }]),
      );
      const services = new Map<string, ServiceRow>(
        (
          await trx
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
            .execute()
        ).map((s) => [s.id, s]),
      );
      const endings = new Set(
        [...services.values()].map(
          (s) => `${s.student_id}\u0000${s.discipline}\u0000${s.end_date}`,
        ),
      );
      const splits = new Map<string, string>();
      for (const m of await trx
        .selectFrom('service_model_minutes')
        .select(['service_id', 'model', 'minutes'])
        .where('district_id', '=', d)
        .orderBy('service_id')
        .orderBy('model')
        .execute())
        splits.set(m.service_id, `${splits.get(m.service_id) ?? ''}${m.model}=${m.minutes};`);
      const resolve = (kind: string, sid: string, exists: (id: string) => boolean) => {
        const key = keys.get(`${kind}\u0000${sid}`);
        if (key) return key.local;
        if (exists(sid) && !keyedLocals.has(`${kind}\u0000${sid}`)) return sid;
        return undefined;
      };
      const newKeys: { kind: string; sourced_id: string; local_id: string; status: string }[] = [];
      const movedKeys: { sourced_id: string; local_id: string; status: string }[] = [];
      const keyFor = (kind: string, sid: string, local: string) => {
        if (!keys.has(`${kind}\u0000${sid}`))
          newKeys.push({ kind, sourced_id: sid, local_id: local, status: 'active' });
      };

      const c = (file: string): FileCounts => {
        report.counts[file] ??= emptyCounts();
        return report.counts[file] as FileCounts;
      };

      // --- routines: by class and name, so goals can link them ------------------------------
      const routinesOf = new Map<string, Map<string, string>>();
      const routineRows = new Map<
        string,
        { weekdays: string; start_time: string; end_time: string }
      >();
      for (const r of await trx
        .selectFrom('routine')
        .select(['id', 'classroom_id', 'name', 'weekdays', 'start_time', 'end_time'])
        .where('district_id', '=', d)
        .execute()) {
        const m = routinesOf.get(r.classroom_id) ?? new Map<string, string>();
        m.set(r.name.trim().toLowerCase(), r.id);
        routinesOf.set(r.classroom_id, m);
        routineRows.set(r.id, r);
      }
      const classrooms = new Set(
        (await trx.selectFrom('classroom').select('id').where('district_id', '=', d).execute()).map(
          (r) => r.id,
        ),
      );
      const routineInserts: {
        id: string;
        classroom_id: string;
        name: string;
        weekdays: string;
        start_time: string;
        end_time: string;
      }[] = [];
      const routineUpdates: {
        id: string;
        weekdays: string;
        start_time: string;
        end_time: string;
      }[] = [];
      for (const [i, { line, row }] of bundle.routines.entries()) {
        if (i % TICK === 0) await tick('routines.csv', i, bundle.routines.length);
        const counts = c('routines.csv');
        const classroom = resolve('classroom', row.classSourcedId, (id) => classrooms.has(id));
        if (!classroom) {
          report.errors.push({
            file: 'routines.csv',
            line,
            column: 'classSourcedId',
            value: row.classSourcedId,
            reason: 'no such class (import the roster first)',
          });
          continue;
        }
        const next = {
          weekdays: row.weekdays.join(','),
          start_time: row.startTime,
          end_time: row.endTime,
        };
        const existing = routinesOf.get(classroom)?.get(row.name);
        if (!existing) {
          const id = newId();
          routineInserts.push({ id, classroom_id: classroom, name: row.name, ...next });
          const m = routinesOf.get(classroom) ?? new Map<string, string>();
          m.set(row.name, id);
          routinesOf.set(classroom, m);
          counts.added++;
          continue;
        }
        const now = routineRows.get(existing);
        if (
          now &&
          now.weekdays === next.weekdays &&
          now.start_time === next.start_time &&
          now.end_time === next.end_time
        ) {
          counts.unchanged++;
          continue;
        }
        routineUpdates.push({ id: existing, ...next });
        counts.updated++;
      }

      // --- services ---------------------------------------------------------------------
      const inserts: (ServiceRow & { split: { model: string; minutes: number }[] })[] = [];
      const ends: { id: string; end_date: string }[] = [];
      const inPlace: (ServiceRow & { split: { model: string; minutes: number }[] | null })[] = [];
      const roleChanges = new Map<string, { role: string; discipline: string }>();
      const serviceOfSid = new Map<string, ServiceRow>();
      for (const [i, { line, row }] of bundle.services.entries()) {
        if (i % TICK === 0) await tick('services.csv', i, bundle.services.length);
        const counts = c('services.csv');
        const student = resolve('student', row.studentSourcedId, (id) => students.has(id));
        if (!student) {
          report.errors.push({
            file: 'services.csv',
            line,
            column: 'studentSourcedId',
            value: row.studentSourcedId,
            reason: 'no such student (import the roster first)',
          });
          continue;
        }
        const providerSid = row.providerSourcedId;
        const provider = providerSid ? resolve('staff', providerSid, (id) => staff.has(id)) : null;
        const who = provider ? staff.get(provider) : undefined;
        if (providerSid && (!provider || !who)) {
          report.errors.push({
            file: 'services.csv',
            line,
            column: 'providerSourcedId',
            value: providerSid,
            reason: 'no such staff member (import the roster first)',
          });
          continue;
        }
        // No provider yet: the coordinator's "Needs a provider" list shows the service.
        if (provider && who) {
          if (who.active !== 1) {
            report.errors.push({
              file: 'services.csv',
              line,
              column: 'providerSourcedId',
              value: providerSid ?? '',
              reason: 'the provider is deactivated',
            });
            continue;
          }
          const planned = roleChanges.get(provider);
          const role = planned?.role ?? who.role;
          const discipline = planned?.discipline ?? who.discipline;
          if (role === 'therapist' || role === 'assistant') {
            if (discipline !== row.discipline) {
              report.errors.push({
                file: 'services.csv',
                line,
                column: 'discipline',
                value: row.discipline,
                reason: `the provider is a ${discipline ?? 'therapist without a discipline'} ${role}`,
              });
              continue;
            }
          } else if (role === 'teacher') {
            // The roster knows them as staff; the service says what they are.
            roleChanges.set(provider, {
              role: row.providerRole ?? 'therapist',
              discipline: row.discipline,
            });
          } else {
            report.errors.push({
              file: 'services.csv',
              line,
              column: 'providerSourcedId',
              value: providerSid ?? '',
              reason: `a ${role} cannot provide a service`,
            });
            continue;
          }
        }
        const split = row.model === 'split' ? (row.minutesByModel ?? []) : [];
        const local = resolve('service', row.sourcedId, (id) => services.has(id));
        const now = local ? services.get(local) : undefined;
        if (row.status === 'tobedeleted') {
          if (now && now.end_date > today) {
            ends.push({ id: now.id, end_date: today });
            touched.add(now.student_id);
            counts.deactivated++;
          } else counts.unchanged++;
          if (now && local) keyFor('service', row.sourcedId, local);
          continue;
        }
        const next: ServiceRow = {
          id: local ?? newId(),
          student_id: student,
          discipline: row.discipline,
          provider_id: provider ?? null,
          minutes: row.minutes,
          per: row.per,
          model: row.model,
          start_date: row.startDate,
          end_date: row.endDate,
        };
        if (!now) {
          inserts.push({ ...next, split });
          keyFor('service', row.sourcedId, next.id);
          serviceOfSid.set(row.sourcedId, next);
          touched.add(student);
          counts.added++;
          continue;
        }
        keyFor('service', row.sourcedId, now.id);
        serviceOfSid.set(row.sourcedId, now);
        const splitText = split
          .map((p) => `${p.model}=${p.minutes};`)
          .sort()
          .join('');
        const mandateChanged =
          now.minutes !== next.minutes ||
          now.per !== next.per ||
          now.model !== next.model ||
          now.provider_id !== next.provider_id ||
          now.discipline !== next.discipline ||
          (splits.get(now.id) ?? '') !== splitText;
        if (now.student_id !== student) {
          report.errors.push({
            file: 'services.csv',
            line,
            column: 'studentSourcedId',
            value: row.studentSourcedId,
            reason: 'the service belongs to another student',
          });
          continue;
        }
        // After an amendment the current row starts later than the IEP's service: that is
        // still the same start.
        const amendedFrom = endings.has(
          `${now.student_id}\u0000${now.discipline}\u0000${addDays(now.start_date, -1)}`,
        );
        if (next.start_date < now.start_date && amendedFrom) next.start_date = now.start_date;
        if (
          !mandateChanged &&
          now.start_date === next.start_date &&
          now.end_date === next.end_date
        ) {
          counts.unchanged++;
          continue;
        }
        counts.updated++;
        touched.add(student);
        const effective = next.start_date > now.start_date ? next.start_date : today;
        if (!mandateChanged || effective <= now.start_date) {
          // Dates only, or a service not begun yet: the row itself changes.
          inPlace.push({ ...next, id: now.id, split: mandateChanged ? split : null });
          continue;
        }
        // An amendment: the old mandate ends the day before, the new one starts then.
        const replacement = { ...next, id: newId(), start_date: effective, split };
        ends.push({ id: now.id, end_date: addDays(effective, -1) });
        inserts.push(replacement);
        movedKeys.push({ sourced_id: row.sourcedId, local_id: replacement.id, status: 'active' });
        serviceOfSid.set(row.sourcedId, replacement);
      }

      // --- goals --------------------------------------------------------------------------
      const goals = new Map(
        (
          await trx
            .selectFrom('goal')
            .select([
              'id',
              'student_id',
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
              'version',
            ])
            .where('district_id', '=', d)
            .execute()
        ).map((g) => [g.id, g]),
      );
      const servicesOfStudent = new Map<string, ServiceRow[]>();
      for (const s of [...services.values(), ...inserts]) {
        const list = servicesOfStudent.get(s.student_id) ?? [];
        list.push(s);
        servicesOfStudent.set(s.student_id, list);
      }
      const goalInserts: { row: Record<string, unknown>; routines: string[] }[] = [];
      const goalUpdates: {
        id: string;
        values: Record<string, unknown>;
        fields: string[];
        routines: string[] | null;
      }[] = [];
      for (let i = 0; i < bundle.goals.length; i++) {
        if (i % TICK === 0) await tick('goals.csv', i, bundle.goals.length);
        const { line, row } = bundle.goals[i] as (typeof bundle.goals)[number];
        // Tens of thousands of goals: each read row goes once its insert or update is planned.
        bundle.goals[i] = RELEASED_GOAL;
        const counts = c('goals.csv');
        const student = resolve('student', row.studentSourcedId, (id) => students.has(id));
        if (!student) {
          report.errors.push({
            file: 'goals.csv',
            line,
            column: 'studentSourcedId',
            value: row.studentSourcedId,
            reason: 'no such student (import the roster first)',
          });
          continue;
        }
        let service: ServiceRow | undefined;
        if (row.serviceSourcedId) {
          service =
            serviceOfSid.get(row.serviceSourcedId) ??
            services.get(resolve('service', row.serviceSourcedId, (id) => services.has(id)) ?? '');
          if (!service || service.student_id !== student) {
            report.errors.push({
              file: 'goals.csv',
              line,
              column: 'serviceSourcedId',
              value: row.serviceSourcedId,
              reason: 'no such service of this student',
            });
            continue;
          }
        } else
          service = (servicesOfStudent.get(student) ?? [])
            .filter((s) => s.discipline === row.discipline)
            .sort((a, b) => (a.start_date < b.start_date ? 1 : -1))[0];
        const homeroom = students.get(student)?.homeroom_id;
        const routineIds: string[] = [];
        let routinesOk = true;
        for (const name of (row.routines ?? '')
          .split(';')
          .map((n) => n.trim())
          .filter(Boolean)) {
          const rid = homeroom ? routinesOf.get(homeroom)?.get(name.toLowerCase()) : undefined;
          if (!rid) {
            report.errors.push({
              file: 'goals.csv',
              line,
              column: 'routines',
              value: name,
              reason: "no routine of this name in the student's homeroom",
            });
            routinesOk = false;
          } else routineIds.push(rid);
        }
        if (!routinesOk) continue;
        const local = resolve('goal', row.sourcedId, (id) => goals.has(id));
        const now = local ? goals.get(local) : undefined;
        if (row.status === 'tobedeleted') {
          if (now && now.phase !== 'discontinued') {
            goalUpdates.push({
              id: now.id,
              values: { phase: 'discontinued' },
              fields: ['phase'],
              routines: null,
            });
            touched.add(student);
            counts.deactivated++;
          } else counts.unchanged++;
          if (local) keyFor('goal', row.sourcedId, local);
          continue;
        }
        const fields = GoalFields.safeParse({
          discipline: row.discipline,
          domain: row.domain,
          text: row.goalText,
          measurementType: row.measurement,
          baseline: row.baseline,
          target: row.target,
          direction: row.direction ?? null,
          rubricMax: row.rubricMax ?? null,
          masteryRule: { consecutiveSessions: row.criterion ?? 3, ...MASTERY },
          startDate: row.startDate ?? now?.start_date ?? service?.start_date ?? today,
          targetDate: row.targetDate,
          phase: now?.phase ?? row.phase ?? 'intervention',
          currentModel: service?.model ?? 'pull_out',
          routineIds,
        });
        if (!fields.success) {
          for (const issue of fields.error.issues) {
            const field = String(issue.path[0] ?? '');
            const column = GOAL_FIELD_COLUMNS[field] ?? field;
            report.errors.push({
              file: 'goals.csv',
              line,
              column,
              value: String((row as Record<string, unknown>)[column] ?? ''),
              reason: issue.message,
            });
          }
          continue;
        }
        const g = fields.data;
        const values = {
          discipline: g.discipline,
          domain: g.domain,
          text: g.text,
          measurement_type: g.measurementType,
          baseline: g.baseline,
          target: g.target,
          direction: goalDirection(g),
          rubric_max: g.rubricMax ?? null,
          mastery_rule: JSON.stringify(g.masteryRule),
          start_date: g.startDate,
          target_date: g.targetDate,
        };
        if (!now) {
          const id = newId();
          goalInserts.push({
            row: {
              district_id: d,
              id,
              student_id: student,
              service_id: service?.id ?? null,
              ...values,
              phase: g.phase,
              current_model: g.currentModel,
              created_at: stamp,
            },
            routines: routineIds,
          });
          keyFor('goal', row.sourcedId, id);
          touched.add(student);
          counts.added++;
          continue;
        }
        keyFor('goal', row.sourcedId, now.id);
        const changed = (Object.keys(values) as (keyof typeof values)[]).filter(
          (k) => String(now[k] ?? '') !== String(values[k] ?? ''),
        );
        if (changed.length === 0) {
          counts.unchanged++;
          continue;
        }
        goalUpdates.push({ id: now.id, values, fields: changed, routines: routineIds });
        touched.add(student);
        counts.updated++;
      }

      checking.finish();
      if (report.errors.length > 0) throw new Rollback('refused');
      if (options.dryRun) {
        report.outcome = 'dry_run';
        throw new Rollback('dry run');
      }

      // --- apply -------------------------------------------------------------------------
      progress('write', 0, routineInserts.length, 'routines.csv');
      for (let i = 0; i < routineInserts.length; i += 400)
        await trx
          .insertInto('routine')
          .values(routineInserts.slice(i, i + 400).map((r) => ({ district_id: d, ...r })))
          .execute();
      for (const r of routineUpdates)
        await trx
          .updateTable('routine')
          .set((eb) => ({
            weekdays: r.weekdays,
            start_time: r.start_time,
            end_time: r.end_time,
            version: eb('version', '+', 1),
            updated_by: options.actor.id,
            updated_at: stamp,
            updated_fields: 'weekdays,start_time,end_time',
          }))
          .where('district_id', '=', d)
          .where('id', '=', r.id)
          .execute();
      progress('write', routineInserts.length, routineInserts.length, 'routines.csv');
      progress('write', 0, inserts.length, 'services.csv');
      for (const [id, r] of roleChanges)
        await trx
          .updateTable('staff_user')
          .set({ role: r.role, discipline: r.discipline })
          .where('district_id', '=', d)
          .where('id', '=', id)
          .execute();
      for (const e of ends)
        await trx
          .updateTable('service')
          .set({ end_date: e.end_date })
          .where('district_id', '=', d)
          .where('id', '=', e.id)
          .execute();
      for (const s of inPlace) {
        const { id, split, ...values } = s;
        await trx
          .updateTable('service')
          .set(values)
          .where('district_id', '=', d)
          .where('id', '=', id)
          .execute();
        if (split) {
          await trx
            .deleteFrom('service_model_minutes')
            .where('district_id', '=', d)
            .where('service_id', '=', id)
            .execute();
          for (const p of split)
            await trx
              .insertInto('service_model_minutes')
              .values({ district_id: d, service_id: id, ...p })
              .execute();
        }
      }
      for (let i = 0; i < inserts.length; i += 400) {
        const chunk = inserts.slice(i, i + 400);
        await trx
          .insertInto('service')
          .values(chunk.map(({ split: _split, ...s }) => ({ district_id: d, ...s })))
          .execute();
        const splitRows = chunk.flatMap((s) =>
          s.split.map((p) => ({ district_id: d, service_id: s.id, ...p })),
        );
        if (splitRows.length > 0)
          await trx.insertInto('service_model_minutes').values(splitRows).execute();
        progress('write', Math.min(i + 400, inserts.length), inserts.length, 'services.csv');
      }
      progress('write', 0, goalInserts.length, 'goals.csv');
      for (let i = 0; i < goalInserts.length; i += 200) {
        const chunk = goalInserts.slice(i, i + 200);
        await trx
          .insertInto('goal')
          .values(chunk.map((g) => g.row) as never)
          .execute();
        await trx
          .insertInto('goal_phase_change')
          .values(
            chunk.map((g) => ({
              district_id: d,
              id: newId(),
              goal_id: g.row.id as string,
              phase: g.row.phase as string,
              changed_on: g.row.start_date as string,
              changed_by: null,
            })),
          )
          .execute();
        const links = chunk.flatMap((g) =>
          g.routines.map((r) => ({ district_id: d, goal_id: g.row.id as string, routine_id: r })),
        );
        if (links.length > 0) await trx.insertInto('goal_routine').values(links).execute();
        await writeNewGoalSummaries(
          trx,
          chunk.map(
            (g) =>
              ({
                ...g.row,
                version: 1,
                updated_by: null,
                updated_at: null,
                updated_fields: null,
              }) as Goal,
          ),
        );
        // Tens of thousands of goals: each planned row goes once it is written.
        goalInserts.fill(RELEASED_INSERT, i, i + 200);
        progress('write', Math.min(i + 200, goalInserts.length), goalInserts.length, 'goals.csv');
      }
      for (const u of goalUpdates) {
        await trx
          .updateTable('goal')
          .set((eb) => ({
            ...u.values,
            version: eb('version', '+', 1),
            updated_by: options.actor.id,
            updated_at: stamp,
            updated_fields: u.fields.join(','),
          }))
          .where('district_id', '=', d)
          .where('id', '=', u.id)
          .execute();
        if (u.routines) {
          await trx
            .deleteFrom('goal_routine')
            .where('district_id', '=', d)
            .where('goal_id', '=', u.id)
            .execute();
          if (u.routines.length > 0)
            await trx
              .insertInto('goal_routine')
              .values(
                [...new Set(u.routines)].map((r) => ({
                  district_id: d,
                  goal_id: u.id,
                  routine_id: r,
                })),
              )
              .execute();
        }
      }
      await refreshGoalSummaries(
        trx,
        d,
        goalUpdates.map((u) => u.id),
      );
      for (let i = 0; i < newKeys.length; i += 400)
        await trx
          .insertInto('source_key')
          .values(
            newKeys.slice(i, i + 400).map((k) => ({ district_id: d, ...k, updated_at: stamp })),
          )
          .execute();
      for (const k of movedKeys)
        await trx
          .updateTable('source_key')
          .set({ local_id: k.local_id, status: k.status, updated_at: stamp })
          .where('district_id', '=', d)
          .where('kind', '=', 'service')
          .where('sourced_id', '=', k.sourced_id)
          .execute();
      if (
        touched.size > 0 ||
        roleChanges.size > 0 ||
        routineInserts.length + routineUpdates.length > 0
      )
        await bumpDataVersion(trx, d);
      report.outcome = 'applied';
      report.runId = await recordRun(trx, d, options, report, [...touched], t0);
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  // Fresh statistics for what the import wrote: without them the next import (services after
  // the roster) and the pages plan as if the new rows were not there (7.5 min instead of
  // seconds for a 25,000-student services import into a new Postgres database).
  if (report.outcome === 'applied') await refreshPlannerStatistics(db);
  if (report.outcome !== 'applied')
    report.runId = await db
      .transaction()
      .execute((trx) => recordRun(trx, d, options, report, [], t0));
  progress('done', 1, 1);
  return report;
}
