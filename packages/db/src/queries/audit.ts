import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { AuditEventStudentTable, AuditEventTable, Database } from '../schema';
import { newId, nowIso } from '../util';
import { isPostgres } from './dialect';

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
  /**
   * Every student the request read, when it read more than its one `studentId`: one event
   * names them all (rows of `audit_event_student`), instead of one event per student.
   */
  studentIds?: readonly string[];
}

/** `prev_hash` of the first event in a district. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The `entity` of the event a student's deletion leaves behind (see queries/retention). */
export const STUDENT_DELETION_ENTITY = 'student_deletion';

type AuditRow = Omit<AuditEventTable, 'hash' | 'redacted_by_seq' | 'mac'>;
type ChainedFields = Omit<AuditRow, 'link_salt' | 'student_id' | 'entity_id'>;

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

/** What the chain hash covers of an event's student list: its commitments, in order. */
export function auditStudentsDigest(linkHashes: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(linkHashes)).digest('hex');
}

/**
 * Canonical JSON of the chained fields: fixed key order, nulls explicit, no linkage. The
 * students digest is appended only when the event has one, so events written before it
 * existed (2026_11_30_g_audit_students) keep their hashes.
 */
function canonical(row: ChainedFields): string {
  const fields: unknown[] = [
    row.district_id,
    row.id,
    row.seq,
    row.at,
    row.actor_id,
    row.action,
    row.entity,
    row.outcome,
    row.link_hash,
  ];
  if (row.students_digest) fields.push(row.students_digest);
  return JSON.stringify(fields);
}

export function auditHash(row: ChainedFields): string {
  return createHash('sha256')
    .update(row.prev_hash + canonical(row))
    .digest('hex');
}

// The anchor outside the database. A chain alone shows an edited row only to someone who
// trusts the other rows: whoever can write the table can recompute every hash after an edit.
// Each event also carries a keyed HMAC of its hash, and the key lives outside the database
// (AUDIT_HMAC_KEY or a key file, see the server), so a re-chained trail no longer verifies.
let auditKey: Buffer | null = null;

/** The key events are MACed with from now on in this process; null writes events without one. */
export function setAuditKey(key: Buffer | null): void {
  auditKey = key;
}

export function auditMac(key: Buffer, districtId: string, seq: number, hash: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify([districtId, seq, hash]))
    .digest('hex');
}

function macMatches(key: Buffer, districtId: string, seq: number, hash: string, mac: string) {
  const expected = Buffer.from(auditMac(key, districtId, seq, hash), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
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
    else if (isPostgres(db)) await appendChainInOneStatement(db, districtId, list);
    else await db.transaction().execute((trx) => appendChain(trx, districtId, list));
  }
}

// Group commit. Under load a server process has many requests in flight; each read's audit
// event used to be its own write transaction, and on SQLite every one of them takes the
// database's single write lock, which the other server processes then wait for (SQLite's busy
// handler sleeps, blocking their event loops). Events asked for in the same turn of the event
// loop are appended in one transaction instead, and while that transaction is out, the events
// asked for meanwhile wait for it and then share the next one: one append in flight per
// database handle. On Postgres an append takes the district's lock, so appends that ran side by
// side each held a pooled connection while they queued for the lock.
// Each caller still waits for the commit, so no data leaves before its event is stored. A batch
// that fails is retried event by event, so one bad event refuses only its own request.

interface PendingAudit {
  event: AuditInput;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface AuditQueue {
  pending: PendingAudit[];
  /** A flush is scheduled for the next turn of the event loop. */
  scheduled: boolean;
  /** A batch is being appended; what is asked for meanwhile goes in the next one. */
  flushing: boolean;
}

const queues = new WeakMap<Kysely<Database>, AuditQueue>();

/**
 * Appends one event, sharing a transaction with the other events asked for on `db` in the same
 * turn of the event loop, or while the previous batch was being appended; resolves once it is
 * committed. Inside a transaction it appends at once, in that transaction.
 */
export function recordAuditGrouped(db: Kysely<Database>, event: AuditInput): Promise<void> {
  if (db.isTransaction) return recordAuditMany(db, [event]);
  return new Promise<void>((resolve, reject) => {
    let queue = queues.get(db);
    if (!queue) {
      queue = { pending: [], scheduled: false, flushing: false };
      queues.set(db, queue);
    }
    queue.pending.push({ event, resolve, reject });
    scheduleAuditFlush(db, queue);
  });
}

function scheduleAuditFlush(db: Kysely<Database>, queue: AuditQueue): void {
  if (queue.scheduled || queue.flushing || queue.pending.length === 0) return;
  queue.scheduled = true;
  setImmediate(() => {
    queue.scheduled = false;
    const batch = queue.pending;
    queue.pending = [];
    queue.flushing = true;
    void flushAuditBatch(db, batch).finally(() => {
      queue.flushing = false;
      scheduleAuditFlush(db, queue);
    });
  });
}

async function flushAuditBatch(db: Kysely<Database>, batch: readonly PendingAudit[]) {
  try {
    await recordAuditMany(
      db,
      batch.map((p) => p.event),
    );
    for (const p of batch) p.resolve();
  } catch (err) {
    if (batch.length === 1) {
      (batch[0] as PendingAudit).reject(err);
      return;
    }
    for (const p of batch) {
      await recordAuditMany(db, [p.event]).then(p.resolve, p.reject);
    }
  }
}

/** The newest event of a district's chain as an appender saw it; seq 0 before the first. */
interface ChainHead {
  seq: number;
  hash: string;
}

const GENESIS_HEAD: ChainHead = { seq: 0, hash: AUDIT_GENESIS_HASH };

/** The rows that append `events` after `head`, each hashed onto the one before. */
function chainRows(
  districtId: string,
  events: readonly AuditInput[],
  head: ChainHead,
): { rows: AuditEventTable[]; students: AuditEventStudentTable[]; last: ChainHead } {
  let seq = head.seq;
  let prev = head.hash;
  const students: AuditEventStudentTable[] = [];
  const rows: AuditEventTable[] = events.map((e) => {
    seq += 1;
    // Every salt of the event from one draw of random bytes: a page of 50 students is one call
    // into the CSPRNG, not 51.
    const ids = e.studentIds ?? [];
    const random = randomBytes(32 * (ids.length + 1)).toString('hex');
    const saltAt = (i: number) => random.slice(64 * i, 64 * (i + 1));
    const linkSalt = saltAt(0);
    const listed = ids.map((studentId, position) => {
      const salt = saltAt(position + 1);
      const link_hash = auditLinkHash(salt, studentId, null);
      return {
        district_id: districtId,
        seq,
        position,
        student_id: studentId,
        link_salt: salt,
        link_hash,
        redacted_by_seq: null,
      };
    });
    students.push(...listed);
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
      students_digest:
        listed.length > 0 ? auditStudentsDigest(listed.map((l) => l.link_hash)) : null,
    };
    const hash = auditHash(row);
    prev = hash;
    const mac = auditKey ? auditMac(auditKey, districtId, seq, hash) : null;
    return { ...row, hash, redacted_by_seq: null, mac };
  });
  return { rows, students, last: { seq, hash: prev } };
}

async function readChainHead(db: Kysely<Database>, districtId: string): Promise<ChainHead> {
  const head = await db
    .selectFrom('audit_event')
    .select(['seq', 'hash'])
    .where('district_id', '=', districtId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return head ? { seq: Number(head.seq), hash: head.hash } : GENESIS_HEAD;
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
  const { rows, students } = chainRows(districtId, events, await readChainHead(trx, districtId));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('audit_event')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  for (let i = 0; i < students.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('audit_event_student')
      .values(students.slice(i, i + INSERT_CHUNK))
      .execute();
  }
}

// One statement per append on Postgres, outside a caller's transaction. The locked append above
// is six round trips (begin, lock, head, two inserts, commit), and every audited read waits for
// them. Here a handle remembers the head it last saw per district, hashes the events onto it,
// and sends one autocommit statement that takes the district's lock, appends only if that head
// is still the newest event, and otherwise answers the newest head, to hash onto and try again.
// The chain cannot fork or gap: a row is inserted only when its predecessor is there with the
// hash it was chained to, and the unique (district_id, seq) key refuses a seq another appender
// committed after this statement's snapshot. The lock keeps a locked append's head read valid
// until it commits (so a write's transaction never loses its events' seqs to this path).

const knownHeads = new WeakMap<Kysely<Database>, Map<string, ChainHead>>();

/** Statements tried before falling back to the locked transaction, which cannot lose a race. */
const ONE_STATEMENT_ATTEMPTS = 4;

/** Every column of a table, once: a column added to the table's type must be added here. */
const columnsOf = <T>(all: Record<keyof T, true>) => Object.keys(all) as (keyof T & string)[];

const AUDIT_EVENT_COLUMNS = columnsOf<AuditEventTable>({
  district_id: true,
  id: true,
  seq: true,
  at: true,
  actor_id: true,
  action: true,
  entity: true,
  entity_id: true,
  student_id: true,
  outcome: true,
  prev_hash: true,
  hash: true,
  link_salt: true,
  link_hash: true,
  redacted_by_seq: true,
  students_digest: true,
  mac: true,
});

const AUDIT_EVENT_STUDENT_COLUMNS = columnsOf<AuditEventStudentTable>({
  district_id: true,
  seq: true,
  position: true,
  student_id: true,
  link_salt: true,
  link_hash: true,
  redacted_by_seq: true,
});

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === '23505';

async function appendChainInOneStatement(
  db: Kysely<Database>,
  districtId: string,
  events: readonly AuditInput[],
): Promise<void> {
  let heads = knownHeads.get(db);
  if (!heads) {
    heads = new Map();
    knownHeads.set(db, heads);
  }
  let head = heads.get(districtId) ?? (await readChainHead(db, districtId));
  for (let attempt = 0; attempt < ONE_STATEMENT_ATTEMPTS; attempt++) {
    const { rows, students, last } = chainRows(districtId, events, head);
    let answer: { appended: number | string; head_seq: number | null; head_hash: string | null };
    try {
      answer = (await appendIfHead(db, districtId, head, rows, students)).rows[0] as typeof answer;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another appender committed this seq after the statement began: start from the newest.
      head = await readChainHead(db, districtId);
      continue;
    }
    if (Number(answer.appended) === rows.length) {
      heads.set(districtId, last);
      return;
    }
    head =
      answer.head_seq === null
        ? GENESIS_HEAD
        : { seq: Number(answer.head_seq), hash: answer.head_hash as string };
  }
  heads.delete(districtId);
  await db.transaction().execute((trx) => appendChain(trx, districtId, events));
}

function appendIfHead(
  db: Kysely<Database>,
  districtId: string,
  head: ChainHead,
  rows: readonly AuditEventTable[],
  students: readonly AuditEventStudentTable[],
) {
  const columns = (names: readonly string[]) => sql.join(names.map((c) => sql.ref(c)));
  const eventColumns = columns(AUDIT_EVENT_COLUMNS);
  const studentColumns = columns(AUDIT_EVENT_STUDENT_COLUMNS);
  // The rows travel as one JSON parameter each, typed by the tables' own row types.
  return sql<{ appended: number | string; head_seq: number | null; head_hash: string | null }>`
    with chain_lock as materialized (
      select pg_advisory_xact_lock(hashtext(${districtId})) as locked
    ),
    head as materialized (
      select seq, hash from ${sql.table('audit_event')}
      where ${sql.ref('district_id')} = ${districtId}
      order by seq desc
      limit 1
    ),
    appended as (
      insert into ${sql.table('audit_event')} (${eventColumns})
      select ${eventColumns}
      from chain_lock, json_populate_recordset(null::audit_event, ${JSON.stringify(rows)}::json)
      where coalesce((select seq from head), 0) = ${head.seq}::integer
        and coalesce((select hash from head), ${AUDIT_GENESIS_HASH}) = ${head.hash}
      returning seq
    ),
    listed as (
      insert into ${sql.table('audit_event_student')} (${studentColumns})
      select ${studentColumns}
      from json_populate_recordset(null::audit_event_student, ${JSON.stringify(students)}::json)
      where exists (select 1 from appended)
    )
    select
      (select count(*) from appended) as appended,
      (select seq from head) as head_seq,
      (select hash from head) as head_hash
  `.execute(db);
}

function studentListMatches(
  digest: string | null,
  students: readonly AuditEventStudentTable[],
): boolean {
  if (digest === null) return students.length === 0;
  if (students.some((s, i) => Number(s.position) !== i)) return false;
  return auditStudentsDigest(students.map((s) => s.link_hash)) === digest;
}

export type AuditChainResult =
  | { ok: true; count: number }
  | { ok: false; brokenAtSeq: number; reason: string };

export interface VerifyAuditOptions {
  /** The anchor key: every event must then carry a matching HMAC. */
  key?: Buffer | null;
}

const VERIFY_PAGE = 1000;

/**
 * Recomputes the district's chain from seq 1. Reports the first event whose position, link,
 * hash, linkage commitment, student list or (given the key) HMAC does not match, or whose
 * linkage was removed without a recorded student deletion after it. (Removing only the
 * newest rows is not detectable from the chain alone; that needs the head kept elsewhere.)
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  districtId: string,
  options: VerifyAuditOptions = {},
): Promise<AuditChainResult> {
  const key = options.key ?? null;
  let expectedSeq = 1;
  let prev = AUDIT_GENESIS_HASH;
  const deletions = new Set<number>();
  /** Redacted event seq → the deletion seq it names; checked once the whole chain is read. */
  const redactions: [number, number][] = [];
  const broken = (seq: number, reason: string): AuditChainResult => ({
    ok: false,
    brokenAtSeq: seq,
    reason,
  });
  /** A redacted linkage: nothing left of it, and a later deletion must account for it. */
  const redactionProblem = (seq: number, by: number | null, ...linkage: (string | null)[]) => {
    if (by === null || by <= seq || linkage.some((v) => v !== null)) return true;
    redactions.push([seq, by]);
    return false;
  };
  for (;;) {
    const page = await db
      .selectFrom('audit_event')
      .selectAll()
      .where('district_id', '=', districtId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute();
    const last = page.at(-1);
    const listed = new Map<number, AuditEventStudentTable[]>();
    if (last) {
      const rows = await db
        .selectFrom('audit_event_student')
        .selectAll()
        .where('district_id', '=', districtId)
        .where('seq', '>=', expectedSeq)
        .where('seq', '<=', Number(last.seq))
        .orderBy('seq')
        .orderBy('position')
        .execute();
      for (const r of rows) {
        const list = listed.get(Number(r.seq)) ?? [];
        list.push(r);
        listed.set(Number(r.seq), list);
      }
    }
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return broken(expectedSeq, 'missing event');
      if (row.prev_hash !== prev || auditHash({ ...row, seq }) !== row.hash || !row.link_hash) {
        return broken(seq, 'hash does not match');
      }
      if (key && (!row.mac || !macMatches(key, districtId, seq, row.hash, row.mac)))
        return broken(seq, 'HMAC anchor does not match');
      if (row.link_salt !== null) {
        const link = auditLinkHash(row.link_salt, row.student_id, row.entity_id);
        if (link !== row.link_hash || row.redacted_by_seq !== null)
          return broken(seq, 'student linkage does not match');
      } else {
        const by = row.redacted_by_seq === null ? null : Number(row.redacted_by_seq);
        if (redactionProblem(seq, by, row.student_id, row.entity_id))
          return broken(seq, 'student linkage removed without a deletion');
      }
      const students = listed.get(seq) ?? [];
      if (!studentListMatches(row.students_digest, students))
        return broken(seq, 'student list does not match');
      for (const s of students) {
        if (s.link_salt !== null) {
          if (
            auditLinkHash(s.link_salt, s.student_id, null) !== s.link_hash ||
            s.redacted_by_seq !== null
          )
            return broken(seq, 'student list does not match');
        } else {
          const by = s.redacted_by_seq === null ? null : Number(s.redacted_by_seq);
          if (redactionProblem(seq, by, s.student_id))
            return broken(seq, 'student linkage removed without a deletion');
        }
      }
      if (row.entity === STUDENT_DELETION_ENTITY && row.outcome === 'ok') deletions.add(seq);
      prev = row.hash;
      expectedSeq += 1;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  for (const [seq, by] of redactions)
    if (!deletions.has(by)) return broken(seq, 'student linkage removed without a deletion');
  return { ok: true, count: expectedSeq - 1 };
}

/**
 * Gives every event of the district that has no HMAC yet one under `key`, once its chain
 * verifies: for a trail written before the key existed (the key file is made on first start).
 * Never called otherwise, or an attacker could clear HMACs and have the server remake them.
 */
export async function anchorAuditTrail(
  db: Kysely<Database>,
  districtId: string,
  key: Buffer,
): Promise<AuditChainResult> {
  const verdict = await verifyAuditChain(db, districtId);
  if (!verdict.ok) return verdict;
  for (;;) {
    const page = await db
      .selectFrom('audit_event')
      .select(['seq', 'hash'])
      .where('district_id', '=', districtId)
      .where('mac', 'is', null)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute();
    for (const row of page) {
      await db
        .updateTable('audit_event')
        .set({ mac: auditMac(key, districtId, Number(row.seq), row.hash) })
        .where('district_id', '=', districtId)
        .where('seq', '=', row.seq)
        .execute();
    }
    if (page.length < VERIFY_PAGE) break;
  }
  return verdict;
}
