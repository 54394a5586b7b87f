import {
  getStudentBilling,
  listBillingExports,
  listBillingProviders,
  listSchools,
  loadDistrictSettings,
  recordAuditMany,
  replaceDistrictSettingsIf,
  updateProviderBilling,
  updateStudentBilling,
  writeTransaction,
} from '@carryover/db';
import {
  type BillingExportSummary,
  type BillingSettingsStamp,
  BillingSettingsUpdateInput,
  billingSettingsOf,
  billingStampOf,
  Id,
  ProviderBillingInput,
  StudentBillingInput,
} from '@carryover/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { recordDenied, recordEvent, recordStudentReads } from '../audit';
import { conflictError } from '../conflict';
import { CSV_EXPORT_ROLES } from '../exports/csv';
import { assertStudentInScope } from '../scope';
import { roles } from '../trpc';

// Medicaid-ready billing (README, "Billing"): the claim data kept on students and providers,
// the district's code mapping and units rule, and the history of billing exports. The export
// itself is `sessions.billingCsv` and its streamed route, GET /export/billing.csv.

const STUDENT_BILLING_ROLES = ['therapist', 'coordinator', 'admin'] as const;

export const billingRouter = {
  /** A student's claim data: date of birth, Medicaid ID, ICD-10 diagnosis. */
  student: roles(...STUDENT_BILLING_ROLES)
    .input(z.object({ studentId: Id }))
    .query(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const row = await getStudentBilling(ctx.db, ctx.viewer.districtId, input.studentId);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Student not found' });
      await recordStudentReads(ctx, path, [input.studentId]);
      return {
        studentId: row.id,
        dateOfBirth: row.date_of_birth,
        medicaidId: row.medicaid_id ?? null,
        diagnosisIcd10: row.diagnosis_icd10 ?? null,
      };
    }),

  /** Sets a student's Medicaid ID and ICD-10 diagnosis (from the IEP); audited. */
  updateStudent: roles(...STUDENT_BILLING_ROLES)
    .input(StudentBillingInput)
    .mutation(async ({ ctx, input, path }) => {
      await assertStudentInScope(ctx, input.studentId, path);
      const d = ctx.viewer.districtId;
      await writeTransaction(ctx.db, null, async (trx) => {
        await updateStudentBilling(trx, d, input.studentId, {
          medicaidId: input.medicaidId,
          diagnosisIcd10: input.diagnosisIcd10,
        });
        await recordAuditMany(trx, [
          {
            districtId: d,
            actorId: ctx.viewer.id,
            action: path,
            entity: 'student',
            entityId: input.studentId,
            studentId: input.studentId,
            outcome: 'ok',
            at: ctx.now().toISOString(),
          },
        ]);
      });
      return { ok: true as const };
    }),

  /** Therapists and assistants with their NPI and credential, and the schools (export filters). */
  providers: roles('coordinator', 'admin').query(async ({ ctx }) => ({
    providers: (await listBillingProviders(ctx.db, ctx.viewer.districtId)).map((p) => ({
      id: p.id,
      name: p.name,
      role: p.role,
      discipline: p.discipline,
      npi: p.npi ?? null,
      credential: p.credential ?? null,
    })),
    schools: await listSchools(ctx.db, ctx.viewer.districtId),
  })),

  /** Sets a therapist's or assistant's NPI and credential (admins). */
  updateProvider: roles('admin')
    .input(ProviderBillingInput)
    .mutation(async ({ ctx, input, path }) => {
      const ok = await updateProviderBilling(ctx.db, ctx.viewer.districtId, input.staffId, {
        npi: input.npi,
        credential: input.credential,
      });
      if (!ok)
        throw new TRPCError({ code: 'NOT_FOUND', message: 'No such therapist or assistant' });
      await recordEvent(ctx, { action: path, entity: 'staff_user', entityId: input.staffId }, 'ok');
      return { ok: true as const };
    }),

  /**
   * The district's units rule and code mapping (defaults for what it has not set), with the
   * version the admin's form saves at and who saved it last.
   */
  settings: roles(...CSV_EXPORT_ROLES).query(async ({ ctx }) => {
    const json = await loadDistrictSettings(ctx.db, ctx.viewer.districtId);
    return { ...billingSettingsOf(json), ...billingStampOf(json) };
  }),

  /**
   * Replaces the district's units rule and code mapping (admins) at the version the form
   * loaded: a stale save changes nothing and is told who saved first (CONFLICT); audited. The
   * next billing export uses the new mapping.
   */
  updateSettings: roles('admin')
    .input(BillingSettingsUpdateInput)
    .mutation(async ({ ctx, input, path }) => {
      const d = ctx.viewer.districtId;
      const target = { action: path, entity: 'district', entityId: d };
      const at = ctx.now().toISOString();
      const saved = await writeTransaction(
        ctx.db,
        null,
        async (trx): Promise<{ version: number } | { stale: BillingSettingsStamp }> => {
          const previous = await loadDistrictSettings(trx, d);
          const stamp = billingStampOf(previous);
          if (stamp.version !== input.expectedVersion) return { stale: stamp };
          const settings = JSON.parse(previous) as Record<string, unknown>;
          const before = billingSettingsOf(previous);
          settings.billing = {
            unitRule: input.unitRule,
            codes: input.codes,
            version: stamp.version + 1,
            updatedBy: ctx.viewer.id,
            updatedByName: ctx.viewer.name,
            updatedAt: at,
            updatedFields: [
              ...(before.unitRule !== input.unitRule ? ['unit_rule'] : []),
              ...(JSON.stringify(before.codes) !== JSON.stringify(input.codes) ? ['codes'] : []),
            ],
          };
          const ok = await replaceDistrictSettingsIf(trx, d, previous, JSON.stringify(settings));
          return ok
            ? { version: stamp.version + 1 }
            : { stale: billingStampOf(await loadDistrictSettings(trx, d)) };
        },
      );
      if ('stale' in saved) {
        await recordDenied(ctx, target);
        const previous = await loadDistrictSettings(ctx.db, d);
        const fields = (JSON.parse(previous) as { billing?: { updatedFields?: unknown } }).billing
          ?.updatedFields;
        throw conflictError(ctx, {
          ...saved.stale,
          updatedFields: Array.isArray(fields) ? fields.map(String) : [],
        });
      }
      await recordEvent(ctx, target, 'ok');
      return { ok: true as const, version: saved.version };
    }),

  /**
   * The history of recorded billing exports, newest first, with what each held: coordinators
   * and admins see the district's, therapists and assistants their own.
   */
  exports: roles(...CSV_EXPORT_ROLES).query(async ({ ctx }): Promise<BillingExportSummary[]> => {
    const mine = ctx.viewer.role === 'therapist' || ctx.viewer.role === 'assistant';
    const rows = await listBillingExports(ctx.db, ctx.viewer.districtId, {
      ...(mine ? { createdBy: ctx.viewer.id } : {}),
    });
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      createdBy: r.maker_name,
      filters: JSON.parse(r.filters) as BillingExportSummary['filters'],
      lines: Number(r.lines),
      billed: Number(r.billed),
      rebilled: Number(r.rebilled),
      reversed: Number(r.reversed),
      units: Number(r.units),
    }));
  }),
} satisfies TRPCRouterRecord;
