import {
  type BillingKey,
  type DB,
  insertBillingExport,
  insertBillingExportLines,
  loadBillingRows,
  loadDistrictSettings,
  type NewBillingExportLine,
  newId,
  writeTransaction,
} from '@carryover/db';
import {
  BILLING_CSV_HEADER,
  type BillingExportFilters,
  BillingExportInput,
  type BillingRow,
  type BillingSettings,
  billingCsvLines,
  billingDecision,
  billingSettingsOf,
  billingStatus,
  csvRecords,
  exportLineKind,
  levelOfAssistance,
  type PriorExport,
  promptLevels,
  type Role,
} from '@carryover/domain';
import { TRPCError } from '@trpc/server';
import { recordDenied, recordStudentReads } from '../audit';
import { assertStudentInScope } from '../scope';
import { type Context, todayFor, type Viewer, zoneFor } from '../trpc';

// Whole-scope CSV exports as chunks: the tRPC procedures join them (small scopes), the server's
// /export routes stream them to the browser a batch at a time (a coordinator's whole district).

export const CSV_EXPORT_ROLES: Role[] = ['therapist', 'assistant', 'coordinator', 'admin'];

/** Rows (billing) per batch of a streamed export. */
export const BILLING_BATCH = 2_000;

/** The billing export's fields (period, school, therapist, student, record). */
export const BillingCsvInput = BillingExportInput;

export interface CsvExport {
  filename: string;
  /** The file's text, header first; each batch is read and audited only when pulled. */
  chunks: AsyncGenerator<string>;
}

export async function collectChunks(chunks: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.join('');
}

type ExportContext = Pick<Context, 'db' | 'now' | 'log'> & { viewer: Viewer };

/** Only they record an export in the history (what goes to Medicaid); others preview. */
export const BILLING_RECORD_ROLES: Role[] = ['coordinator', 'admin'];

/**
 * Refuses a billing export the viewer may not make (audited): recording it without a
 * biller's role (FORBIDDEN), or naming a student out of scope (NOT_FOUND).
 */
export async function checkBillingExport(
  ctx: ExportContext,
  input: BillingExportFilters,
  action: string,
): Promise<void> {
  if (input.record && !BILLING_RECORD_ROLES.includes(ctx.viewer.role)) {
    await recordDenied(ctx, { action, entity: 'procedure', entityId: action });
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Only coordinators and admins record a billing export; download a preview instead.',
    });
  }
  if (input.studentId) await assertStudentInScope(ctx, input.studentId, action);
}

type Loaded = Awaited<ReturnType<typeof loadBillingRows>>;

/** The CSV rows of a batch, with each row's export line (for a recorded export). */
function billingRowsOf(
  loaded: Loaded,
  settings: BillingSettings,
  today: string,
  timeZone: string,
  record: boolean,
): { rows: BillingRow[]; lines: NewBillingExportLine[] } {
  const { rows, data, exported, amended } = loaded;
  const dataOf = new Map<string, typeof data>();
  for (const d of data) {
    const key = `${d.session_id}/${d.student_id}`;
    dataOf.set(key, [...(dataOf.get(key) ?? []), d]);
  }
  // Ordered by export time: the last one seen is the latest.
  const priorOf = new Map<string, PriorExport>();
  for (const e of exported)
    priorOf.set(`${e.session_id}/${e.student_id}`, {
      exportedAt: e.created_at,
      kind: e.kind as PriorExport['kind'],
    });
  const amendedAt = new Map(
    amended.map((a) => [`${a.session_id}/${a.student_id}`, String(a.last_at)]),
  );
  const out: BillingRow[] = [];
  const lines: NewBillingExportLine[] = [];
  for (const r of rows) {
    const key = `${r.session_id}/${r.student_id}`;
    const discipline = r.service_discipline ?? r.provider_discipline ?? '';
    const decision = billingDecision(
      {
        date: r.session_date,
        today,
        minutes: Number(r.minutes),
        attendance: r.attendance,
        voidedAt: r.voided_at ?? null,
        voidReason: r.void_reason ?? null,
        signedAt: r.signed_at,
        needsCosign: r.author_role === 'assistant',
        cosignedAt: r.cosigned_at,
        medicaidId: r.medicaid_id ?? null,
        dateOfBirth: r.date_of_birth,
        diagnosisIcd10: r.diagnosis_icd10 ?? null,
        providerNpi: r.provider_npi ?? null,
        providerCredential: r.provider_credential ?? null,
        discipline,
        groupSize: Number(r.group_size),
        model: r.model,
      },
      settings,
    );
    const corrected = [r.voided_at ?? null, amendedAt.get(key) ?? null]
      .filter((t): t is string => t !== null)
      .sort()
      .at(-1);
    const status = billingStatus(decision, priorOf.get(key) ?? null, corrected ?? null, timeZone);
    if (record && status.startsWith('billed:')) continue;
    const kind = exportLineKind(status);
    if (record && kind)
      lines.push({
        sessionId: r.session_id,
        studentId: r.student_id,
        sessionVersion: Number(r.version),
        kind,
        code: decision.code?.code ?? null,
        units: decision.units,
      });
    const billable = decision.notBillable === null;
    out.push({
      status,
      studentId: r.student_id,
      student: `${r.first_name} ${r.last_name}`,
      medicaidId: r.medicaid_id ?? null,
      dateOfBirth: r.date_of_birth,
      diagnosisIcd10: r.diagnosis_icd10 ?? null,
      date: r.session_date,
      begin: r.start_time,
      end: r.end_time,
      minutes: Number(r.minutes),
      code: billable || kind === 'void' ? (decision.code?.code ?? null) : null,
      modifiers: billable || kind === 'void' ? (decision.code?.modifiers.join(' ') ?? '') : '',
      units: billable || kind === 'void' ? decision.units : 0,
      unitRule: settings.unitRule,
      service: discipline,
      groupSize: Number(r.group_size),
      model: r.model,
      setting: r.setting,
      attendance: r.attendance,
      levelOfAssistance: levelOfAssistance(
        (dataOf.get(key) ?? []).map((d) => ({
          promptLevel: d.prompt_level,
          prompted: d.trials_prompted,
          correct: d.trials_correct,
        })),
        promptLevels,
      ),
      provider: r.provider_name,
      providerNpi: r.provider_npi ?? null,
      providerCredential: r.provider_credential ?? null,
      deliveredBy: r.author_name,
      deliveredByCredential: r.author_credential ?? null,
      signedBy: r.signer_name ?? null,
      signedAt: r.signed_at,
      cosignedBy: r.cosigner_name ?? null,
      cosignedAt: r.cosigned_at,
      lateEntryReason: r.late_entry_reason ?? null,
      sessionId: r.session_id,
    });
  }
  return { rows: out, lines };
}

/**
 * The Medicaid billing file (one row per student per session in [from, to], students in scope,
 * narrowed to a school, therapist or student) in keyset batches of `batchSize` rows; each
 * batch's students are audited before its lines leave. Every row says whether it bills and why
 * not. Recorded (`record`), the export enters the history: rows already billed and unchanged
 * are left out, and each batch's lines are written with its audit event, in one transaction
 * that reads the batch after any other export's lines committed, so no row bills twice.
 */
export function billingCsvExport(
  ctx: ExportContext,
  input: BillingExportFilters,
  action: string,
  batchSize = BILLING_BATCH,
): CsvExport {
  const today = todayFor(ctx);
  const districtId = ctx.viewer.districtId;
  const exportId = newId();
  const filter = {
    from: input.from,
    to: input.to,
    schoolId: input.schoolId,
    therapistId: input.therapistId,
    studentId: input.studentId,
  };
  async function* chunks(): AsyncGenerator<string> {
    const settings = billingSettingsOf(await loadDistrictSettings(ctx.db, districtId));
    yield csvRecords([BILLING_CSV_HEADER]);
    let after: BillingKey | null = null;
    for (let batch = 0; ; batch++) {
      const step = async (db: DB) => {
        const loaded = await loadBillingRows(db, ctx.viewer, today, filter, {
          after,
          limit: batchSize,
        });
        const made = billingRowsOf(loaded, settings, today, zoneFor(ctx), input.record);
        const students = [...new Set(loaded.rows.map((r) => r.student_id))];
        if (input.record) {
          if (batch === 0)
            await insertBillingExport(db, {
              districtId,
              id: exportId,
              createdBy: ctx.viewer.id,
              createdAt: ctx.now().toISOString(),
              filters: filter,
            });
          await insertBillingExportLines(db, districtId, exportId, made.lines);
        }
        await recordStudentReads({ ...ctx, db }, action, students);
        return { loaded, made };
      };
      const { loaded, made } = input.record
        ? await writeTransaction(ctx.db, `billing:${districtId}`, step)
        : await step(ctx.db);
      const rows = loaded.rows;
      if (made.rows.length > 0) yield billingCsvLines(made.rows);
      if (rows.length < batchSize) return;
      const last = rows.at(-1)!;
      after = [
        last.session_date,
        last.start_time,
        last.last_name,
        last.first_name,
        last.session_id,
        last.student_id,
      ];
    }
  }
  const name = input.record ? 'billing' : 'billing-preview';
  return { filename: `${name}_${input.from}_${input.to}.csv`, chunks: chunks() };
}
