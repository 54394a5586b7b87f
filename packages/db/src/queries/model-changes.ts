import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import { refreshComparisonDigests } from './comparison-digests';
import { bumpDataVersion } from './data-version';
import { refreshFidelitySummaries } from './fidelity-summaries';
import { nextVersion } from './versioned';

// Model changes (issue 7): a goal's or a service's delivery model, changed with a date and a
// reason. The history row is kept forever; the goal or service carries the model now in force.

export async function findServiceOfStudent(
  db: Kysely<Database>,
  districtId: string,
  studentId: string,
  serviceId: string,
) {
  return db
    .selectFrom('service')
    .selectAll()
    .where('district_id', '=', districtId)
    .where('student_id', '=', studentId)
    .where('id', '=', serviceId)
    .executeTakeFirst();
}

export interface ModelChangeRow {
  districtId: string;
  id: string;
  goalId: string | null;
  serviceId: string | null;
  fromModel: string;
  toModel: string;
  changedOn: string;
  reason: string;
  changedBy: string;
  createdAt: string;
}

export async function applyModelChange(
  trx: Kysely<Database>,
  change: ModelChangeRow,
  split: { model: string; minutes: number }[] | null,
): Promise<void> {
  const d = change.districtId;
  await trx
    .insertInto('model_change')
    .values({
      district_id: d,
      id: change.id,
      goal_id: change.goalId,
      service_id: change.serviceId,
      from_model: change.fromModel,
      to_model: change.toModel,
      changed_on: change.changedOn,
      reason: change.reason,
      changed_by: change.changedBy,
      created_at: change.createdAt,
    })
    .execute();
  if (change.goalId) {
    await trx
      .updateTable('goal')
      // The version moves on so a goal form loaded before this change cannot undo it.
      .set({
        current_model: change.toModel,
        ...nextVersion({ by: change.changedBy, at: change.createdAt }, ['current_model']),
      })
      .where('district_id', '=', d)
      .where('id', '=', change.goalId)
      .execute();
    await refreshComparisonDigests(trx, d, [change.goalId]);
  }
  if (change.serviceId) {
    await trx
      .updateTable('service')
      .set({ model: change.toModel })
      .where('district_id', '=', d)
      .where('id', '=', change.serviceId)
      .execute();
    await trx
      .deleteFrom('service_model_minutes')
      .where('district_id', '=', d)
      .where('service_id', '=', change.serviceId)
      .execute();
    const rows = (split ?? []).filter((s) => s.minutes > 0);
    if (rows.length > 0) {
      await trx
        .insertInto('service_model_minutes')
        .values(
          rows.map((s) => ({
            district_id: d,
            service_id: change.serviceId!,
            model: s.model,
            minutes: s.minutes,
          })),
        )
        .execute();
    }
    // The per-model mandate changed: the student's fidelity figures with it.
    const service = await trx
      .selectFrom('service')
      .select('student_id')
      .where('district_id', '=', d)
      .where('id', '=', change.serviceId)
      .executeTakeFirst();
    if (service) await refreshFidelitySummaries(trx, d, [service.student_id]);
  }
  // Last, after the goal and student locks above (data-version.ts says why).
  await bumpDataVersion(trx, d);
}
