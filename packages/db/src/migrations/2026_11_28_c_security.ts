import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

// Frozen in time: never imports app code. Retention-aware audit chaining: an event's chain hash
// covers `link_hash`, a salted commitment to its student linkage (student_id, entity_id),
// instead of the linkage itself. Deleting a student clears the linkage and the salt of that
// student's earlier events (recording the deletion event's seq in `redacted_by_seq`), so the
// chain still verifies and the leftover commitment can no longer be tied to the student.
//
// Existing events are re-chained once, here, under the new formula — but only after their old
// chain verified: a trail that was already tampered with is refused, not laundered.

const GENESIS = '0'.repeat(64);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Row {
  district_id: string;
  id: string;
  seq: number;
  at: string;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  student_id: string | null;
  outcome: string;
  prev_hash: string;
  hash: string;
}

const oldHash = (r: Row, prev: string) =>
  sha256(
    prev +
      JSON.stringify([
        r.district_id,
        r.id,
        r.seq,
        r.at,
        r.actor_id,
        r.action,
        r.entity,
        r.entity_id,
        r.student_id,
        r.outcome,
      ]),
  );

const newHash = (r: Row, prev: string, linkHash: string) =>
  sha256(
    prev +
      JSON.stringify([
        r.district_id,
        r.id,
        r.seq,
        r.at,
        r.actor_id,
        r.action,
        r.entity,
        r.outcome,
        linkHash,
      ]),
  );

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_event').addColumn('link_salt', 'text').execute();
  await db.schema.alterTable('audit_event').addColumn('link_hash', 'text').execute();
  await db.schema.alterTable('audit_event').addColumn('redacted_by_seq', 'integer').execute();

  const districts: { district_id: string }[] = await db
    .selectFrom('audit_event')
    .select('district_id')
    .distinct()
    .execute();
  for (const { district_id } of districts) {
    const rows = (await db
      .selectFrom('audit_event')
      .selectAll()
      .where('district_id', '=', district_id)
      .orderBy('seq')
      .execute()) as Row[];
    let prevOld = GENESIS;
    let prevNew = GENESIS;
    for (const [i, raw] of rows.entries()) {
      const r = { ...raw, seq: Number(raw.seq) };
      if (r.seq !== i + 1 || r.prev_hash !== prevOld || oldHash(r, prevOld) !== r.hash) {
        throw new Error(
          `audit chain of district ${district_id} is broken at seq ${i + 1}; not re-chaining it`,
        );
      }
      prevOld = r.hash;
      const salt = randomBytes(32).toString('hex');
      const linkHash = sha256(JSON.stringify([salt, r.student_id, r.entity_id]));
      const hash = newHash(r, prevNew, linkHash);
      await db
        .updateTable('audit_event')
        .set({ link_salt: salt, link_hash: linkHash, prev_hash: prevNew, hash })
        .where('district_id', '=', district_id)
        .where('id', '=', r.id)
        .execute();
      prevNew = hash;
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  // The old formula's hashes are gone; going down leaves a chain the old code reports broken.
  await db.schema.alterTable('audit_event').dropColumn('redacted_by_seq').execute();
  await db.schema.alterTable('audit_event').dropColumn('link_hash').execute();
  await db.schema.alterTable('audit_event').dropColumn('link_salt').execute();
}
