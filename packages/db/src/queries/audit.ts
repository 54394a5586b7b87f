import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { AuditEventTable, Database } from '../schema';
import { newId, nowIso } from '../util';

// The audit trail is append-only and tamper-evident: each district's events are numbered from 1
// and every row's hash covers the previous row's hash plus its own fields, so an edited or
// deleted row breaks every hash after it. Appends are serialised per district. The one
// permitted change is retention's removal of a deleted student's linkage (below).

export type AuditOutcome = AuditEventTable['outcome'];

export interface AuditInput {
  districtId: string;
  actorId: string | null;
  /** What was done, e.g. the procedure path `student.get`. */
  action: string;
  /** The kind of record, e.g. `student`. */
  entity: string;
  entityId?: string | null;
  studentId?: string | null;
  outcome: AuditOutcome;
  /** Defaults to now. */
  at?: string;
}

/** `prev_hash` of the first event in a district. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The `entity` of the event a student's deletion leaves behind (see queries/retention). */
export const STUDENT_DELETION_ENTITY = 'student_deletion';

type AuditRow = Omit<AuditEventTable, 'hash' | 'redacted_by_seq'>;

// Retention-aware chaining. The chain hash covers every field except the student linkage
// (student_id, entity_id); it covers `link_hash` = sha256(link_salt, student_id, entity_id)
// instead. While the salt is kept, the linkage is as tamper-evident as any field. When a
// student is deleted, their events lose student_id, entity_id and the salt (and record the
// deletion event's seq): the chain still verifies, and the remaining commitment, a hash of a
// random 256-bit salt, cannot be matched to the deleted student's id any more. The
// alternative, re-chaining after a deletion, would let anyone who can write the table rewrite
// history and re-chain too; this way no hash is ever recomputed after it is written.

export function auditLinkHash(salt: string, studentId: string | null, entityId: string | null) {
  return createHash('sha256')
    .update(JSON.stringify([salt, studentId, entityId]))
    .digest('hex');
}

/** Canonical JSON of the chained fields: fixed key order, nulls explicit, no linkage. */
function canonical(row: Omit<AuditRow, 'link_salt' | 'student_id' | 'entity_id'>): string {
  return JSON.stringify([
    row.district_id,
    row.id,
    row.seq,
    row.at,
    row.actor_id,
    row.action,
    row.entity,
    row.outcome,
    row.link_hash,
  ]);
}

export function auditHash(row: Omit<AuditRow, 'link_salt' | 'student_id' | 'entity_id'>): string {
  return createHash('sha256')
    .update(row.prev_hash + canonical(row))
    .digest('hex');
}

const INSERT_CHUNK = 500;

export async function recordAudit(db: Kysely<Database>, event: AuditInput): Promise<void> {
  await recordAuditMany(db, [event]);
}

/** Appends events in order; one transaction per district (or the caller's transaction). */
export async function recordAuditMany(
  db: Kysely<Database>,
  events: readonly AuditInput[],
): Promise<void> {
  const byDistrict = new Map<string, AuditInput[]>();
  for (const e of events) {
    const list = byDistrict.get(e.districtId) ?? [];
    list.push(e);
    byDistrict.set(e.districtId, list);
  }
  for (const [districtId, list] of byDistrict) {
    if (db.isTransaction) await appendChain(db, districtId, list);
    else await db.transaction().execute((trx) => appendChain(trx, districtId, list));
  }
}

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

async function appendChain(
  trx: Kysely<Database>,
  districtId: string,
  events: readonly AuditInput[],
): Promise<void> {
  // Two appends, in this process or another server process, must not both read the same
  // chain head. SQLite: every transaction begins IMMEDIATE (client.ts), so this read already
  // holds the database's one write lock. Postgres: a per-district lock, held to commit; the
  // head read after it sees the previous holder's commit (read committed). The unique
  // (district_id, seq) key is the last line of defence either way.
  if (isPostgres(trx)) {
    await sql`select pg_advisory_xact_lock(hashtext(${districtId}))`.execute(trx);
  }
  const head = await trx
    .selectFrom('audit_event')
    .select(['seq', 'hash'])
    .where('district_id', '=', districtId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? AUDIT_GENESIS_HASH;
  const rows: AuditEventTable[] = events.map((e) => {
    seq += 1;
    const linkSalt = randomBytes(32).toString('hex');
    const row: AuditRow = {
      district_id: districtId,
      id: newId(),
      seq,
      at: e.at ?? nowIso(),
      actor_id: e.actorId,
      action: e.action,
      entity: e.entity,
      entity_id: e.entityId ?? null,
      student_id: e.studentId ?? null,
      outcome: e.outcome,
      prev_hash: prev,
      link_salt: linkSalt,
      link_hash: auditLinkHash(linkSalt, e.studentId ?? null, e.entityId ?? null),
    };
    const hash = auditHash(row);
    prev = hash;
    return { ...row, hash, redacted_by_seq: null };
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('audit_event')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
}

export type AuditChainResult = { ok: true; count: number } | { ok: false; brokenAtSeq: number };

const VERIFY_PAGE = 1000;

/**
 * Recomputes the district's chain from seq 1. Reports the first event whose position, link,
 * hash or linkage commitment does not match, or whose linkage was removed without a recorded
 * student deletion after it. (Removing only the newest rows is not detectable from the chain
 * alone; that needs the head hash kept somewhere else.)
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  districtId: string,
): Promise<AuditChainResult> {
  let expectedSeq = 1;
  let prev = AUDIT_GENESIS_HASH;
  const deletions = new Set<number>();
  /** Redacted event seq → the deletion seq it names; checked once the whole chain is read. */
  const redactions: [number, number][] = [];
  for (;;) {
    const page = await db
      .selectFrom('audit_event')
      .selectAll()
      .where('district_id', '=', districtId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute();
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return { ok: false, brokenAtSeq: expectedSeq };
      if (row.prev_hash !== prev || auditHash({ ...row, seq }) !== row.hash || !row.link_hash) {
        return { ok: false, brokenAtSeq: seq };
      }
      if (row.link_salt !== null) {
        const link = auditLinkHash(row.link_salt, row.student_id, row.entity_id);
        if (link !== row.link_hash || row.redacted_by_seq !== null)
          return { ok: false, brokenAtSeq: seq };
      } else {
        // Redacted: no linkage left, and a later student deletion must account for it.
        const by = row.redacted_by_seq === null ? null : Number(row.redacted_by_seq);
        if (by === null || by <= seq || row.student_id !== null || row.entity_id !== null)
          return { ok: false, brokenAtSeq: seq };
        redactions.push([seq, by]);
      }
      if (row.entity === STUDENT_DELETION_ENTITY && row.outcome === 'ok') deletions.add(seq);
      prev = row.hash;
      expectedSeq += 1;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  for (const [seq, by] of redactions)
    if (!deletions.has(by)) return { ok: false, brokenAtSeq: seq };
  return { ok: true, count: expectedSeq - 1 };
}
