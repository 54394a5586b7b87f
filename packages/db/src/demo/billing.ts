import {
  billingDecision,
  billingSettingsOf,
  billingStatus,
  exportLineKind,
  instantAt,
} from '@carryover/domain';
import type { Kysely } from 'kysely';
import { insertBillingExport, insertBillingExportLines } from '../queries/billing';
import { loadBillingRows } from '../queries/sessions';
import type { Database } from '../schema';
import { type DemoClock, dayOf, iso } from './calendar';
import { hashFloat } from './rng';

// The demo's billing history: the coordinator recorded a billing export on the 5th of each of
// the last two months for the month before it (what an export of the app would have held then),
// and one of the fixed SLP's sessions in the last export was voided afterwards, so the next
// export reverses it. Claim data (Medicaid IDs, diagnoses, NPIs) is set on the rows as they
// are generated; this runs once they are all written.

/** Above this many students the seed skips the history (the benches' large districts). */
const HISTORY_MAX_STUDENTS = 2_000;

/** A valid NPI (Luhn over 80840 + the first nine digits), deterministic per staff member. */
export function demoNpi(idx: number): string {
  const base = `1${String(100_000_00 + ((idx * 7_919) % 90_000_000)).padStart(8, '0')}`;
  const digits = `80840${base}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}

const CREDENTIALS: Record<string, Record<string, string>> = {
  therapist: { SLP: 'CCC-SLP', OT: 'OTR/L', PT: 'PT, DPT' },
  assistant: { SLP: 'SLPA', OT: 'COTA/L', PT: 'PTA' },
};

export function demoCredential(role: string, discipline: string | null): string | null {
  return discipline ? (CREDENTIALS[role]?.[discipline] ?? null) : null;
}

const DIAGNOSES = ['F80.0', 'F80.1', 'F80.2', 'F82', 'F84.0', 'F88', 'R27.8', 'G80.9'];

/** A student's Medicaid ID (about one in twelve has none on file) and IEP diagnosis. */
export function demoClaimData(
  seed: number,
  idx: number,
): { medicaid_id: string | null; diagnosis_icd10: string } {
  const noId = hashFloat(seed, 0x300000 + idx, 1) < 0.08;
  const id = String(Math.floor(hashFloat(seed, 0x300000 + idx, 2) * 1e9)).padStart(9, '0');
  const dx = DIAGNOSES[Math.floor(hashFloat(seed, 0x300000 + idx, 3) * DIAGNOSES.length)]!;
  return { medicaid_id: noId ? null : `MA${id}`, diagnosis_icd10: dx };
}

function firstOfMonth(date: string, back: number): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const t = new Date(Date.UTC(y, m - 1 - back, 1));
  return t.toISOString().slice(0, 10);
}

function lastOfMonth(first: string): string {
  const [y, m] = first.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** Seeds the export history and the void after it; returns the sessions it voided. */
export async function seedBillingHistory(
  trx: Kysely<Database>,
  districtId: string,
  clock: DemoClock,
  timeZone: string,
  students: number,
  emailDomain: string,
): Promise<string[]> {
  if (students > HISTORY_MAX_STUDENTS) return [];
  const today = iso(clock.today);
  const staff = await trx
    .selectFrom('staff_user')
    .select(['id', 'email', 'role'])
    .where('district_id', '=', districtId)
    .where('email', 'in', [`coordinator@${emailDomain}`, `slp@${emailDomain}`])
    .execute();
  const maker = staff.find((s) => s.role === 'coordinator');
  const slp = staff.find((s) => s.email.startsWith('slp@'));
  if (!maker) return [];
  const settings = billingSettingsOf(
    (
      await trx
        .selectFrom('district')
        .select('settings')
        .where('id', '=', districtId)
        .executeTakeFirstOrThrow()
    ).settings,
  );
  const viewer = { id: maker.id, districtId, role: 'admin' };
  let lastExport: { at: string; sessionIds: string[] } | null = null;
  for (const back of [2, 1]) {
    const from = firstOfMonth(today, back);
    const to = lastOfMonth(from);
    const madeOn = `${firstOfMonth(today, back - 1).slice(0, 8)}05`;
    const at = instantAt(madeOn, 15 * 60, timeZone);
    if (dayOf(madeOn) > clock.today || !clock.isPast(dayOf(madeOn), 15 * 60)) continue;
    const { rows } = await loadBillingRows(trx, viewer, madeOn, { from, to });
    const exportId = `${districtId}-bx-${from.slice(0, 7)}`;
    const lines = [];
    const slpSessions: string[] = [];
    for (const r of rows) {
      // As the export saw it then: what was signed and co-signed by that moment.
      const then = (stamp: string | null) => (stamp && stamp <= at.toISOString() ? stamp : null);
      const decision = billingDecision(
        {
          date: r.session_date,
          today: madeOn,
          minutes: Number(r.minutes),
          attendance: r.attendance,
          voidedAt: null,
          voidReason: null,
          signedAt: then(r.signed_at),
          needsCosign: r.author_role === 'assistant',
          cosignedAt: then(r.cosigned_at),
          medicaidId: r.medicaid_id ?? null,
          dateOfBirth: r.date_of_birth,
          diagnosisIcd10: r.diagnosis_icd10 ?? null,
          providerNpi: r.provider_npi ?? null,
          providerCredential: r.provider_credential ?? null,
          discipline: r.service_discipline ?? r.provider_discipline ?? '',
          groupSize: Number(r.group_size),
          model: r.model,
        },
        settings,
      );
      const kind = exportLineKind(billingStatus(decision, null, null, timeZone));
      if (!kind) continue;
      lines.push({
        sessionId: r.session_id,
        studentId: r.student_id,
        sessionVersion: Number(r.version),
        kind,
        code: decision.code?.code ?? null,
        units: decision.units,
      });
      if (slp && r.provider_id === slp.id && r.created_by === slp.id && Number(r.group_size) === 1)
        slpSessions.push(r.session_id);
    }
    await insertBillingExport(trx, {
      districtId,
      id: exportId,
      createdBy: maker.id,
      createdAt: at.toISOString(),
      filters: { from, to },
    });
    await insertBillingExportLines(trx, districtId, exportId, lines);
    lastExport = { at: at.toISOString(), sessionIds: slpSessions };
  }
  // One session billed in the last export turned out to be logged for the wrong day.
  const voided = lastExport?.sessionIds[0];
  if (!voided || !slp || !lastExport) return [];
  const voidAt = new Date(Date.parse(lastExport.at) + 24 * 3_600_000);
  if (!clock.isPast(dayOf(voidAt.toISOString().slice(0, 10)), 16 * 60)) return [];
  await trx
    .updateTable('therapy_session')
    .set({
      voided_at: voidAt.toISOString(),
      voided_by: slp.id,
      void_reason: 'Logged on the wrong day; the session was re-entered on its own date.',
      version: 2,
      updated_by: slp.id,
      updated_at: voidAt.toISOString(),
      updated_fields: 'voided_at,void_reason',
    })
    .where('district_id', '=', districtId)
    .where('id', '=', voided)
    .execute();
  // Its points leave the numbers with it, as `voidSession` does (summaries are rebuilt after).
  await trx
    .updateTable('observation')
    .set({ voided_at: voidAt.toISOString() })
    .where('district_id', '=', districtId)
    .where('session_id', '=', voided)
    .execute();
  return [voided];
}
