import { z } from 'zod';
import { csvRecords } from './csv';
import { type AttendanceOutcome, Discipline, Id, IsoDate, labels, SessionModel } from './model';
import { dateIn } from './zoned';

// Medicaid-ready billing (README, "Billing"): the district's code mapping and units rule, what
// makes a student's session billable, and the billing CSV. Pure: the API reads the rows, this
// decides what each one bills.

/**
 * How timed (15-minute) codes turn minutes into units.
 * - `eight_minute`: the 8-minute rule — one unit from 8 minutes, and one more for each further
 *   15 minutes with at least 8 minutes left over (7 → 0, 8 → 1, 22 → 1, 23 → 2).
 * - `whole_units`: only whole 15-minute units count (7 → 0, 8 → 0, 22 → 1, 23 → 1, 30 → 2).
 */
export const unitRules = ['eight_minute', 'whole_units'] as const;
export const UnitRule = z.enum(unitRules);
export type UnitRule = z.infer<typeof UnitRule>;

export const unitRuleLabels: Record<UnitRule, string> = {
  eight_minute: '8-minute rule',
  whole_units: 'whole 15-minute units',
};

/** Units of a timed code for a session's minutes under the district's rule. */
export function billingUnits(minutes: number, rule: UnitRule): number {
  const m = Math.max(0, Math.floor(minutes));
  if (rule === 'whole_units') return Math.floor(m / 15);
  const whole = Math.floor(m / 15);
  return whole + (m % 15 >= 8 ? 1 : 0);
}

/** One row of a district's mapping from a session to a CPT/HCPCS code and modifiers. */
export const BillingCode = z.object({
  discipline: Discipline,
  grouping: z.enum(['individual', 'group', 'any']),
  model: z.union([SessionModel, z.literal('any')]),
  code: z.string().regex(/^[0-9A-Z]{5}$/, 'A CPT/HCPCS code is five letters or digits'),
  modifiers: z.array(z.string().regex(/^[0-9A-Z]{2}$/, 'A modifier is two letters or digits')),
  /** `timed`: 15-minute units by the district's rule; `untimed`: one unit per session. */
  unit: z.enum(['timed', 'untimed']),
});
export type BillingCode = z.infer<typeof BillingCode>;

/**
 * The codes a district starts with. The first row that matches a session wins, so specific
 * rows come before general ones. Consult sessions map to nothing: no direct service, no claim.
 */
export const DEFAULT_BILLING_CODES: readonly BillingCode[] = [
  // Speech: treatment of speech, language, voice, communication (untimed, per session).
  {
    discipline: 'SLP',
    grouping: 'individual',
    model: 'pull_out',
    code: '92507',
    modifiers: ['GN'],
    unit: 'untimed',
  },
  {
    discipline: 'SLP',
    grouping: 'individual',
    model: 'push_in',
    code: '92507',
    modifiers: ['GN'],
    unit: 'untimed',
  },
  {
    discipline: 'SLP',
    grouping: 'group',
    model: 'pull_out',
    code: '92508',
    modifiers: ['GN'],
    unit: 'untimed',
  },
  {
    discipline: 'SLP',
    grouping: 'group',
    model: 'push_in',
    code: '92508',
    modifiers: ['GN'],
    unit: 'untimed',
  },
  // Group OT/PT: therapeutic procedures, group (untimed).
  {
    discipline: 'OT',
    grouping: 'group',
    model: 'pull_out',
    code: '97150',
    modifiers: ['GO'],
    unit: 'untimed',
  },
  {
    discipline: 'OT',
    grouping: 'group',
    model: 'push_in',
    code: '97150',
    modifiers: ['GO'],
    unit: 'untimed',
  },
  {
    discipline: 'PT',
    grouping: 'group',
    model: 'pull_out',
    code: '97150',
    modifiers: ['GP'],
    unit: 'untimed',
  },
  {
    discipline: 'PT',
    grouping: 'group',
    model: 'push_in',
    code: '97150',
    modifiers: ['GP'],
    unit: 'untimed',
  },
  // Individual OT: self-care training in the classroom's routines; therapeutic activities apart.
  {
    discipline: 'OT',
    grouping: 'individual',
    model: 'push_in',
    code: '97535',
    modifiers: ['GO'],
    unit: 'timed',
  },
  {
    discipline: 'OT',
    grouping: 'individual',
    model: 'pull_out',
    code: '97530',
    modifiers: ['GO'],
    unit: 'timed',
  },
  // Individual PT: functional activities in class; therapeutic exercise in the therapy room.
  {
    discipline: 'PT',
    grouping: 'individual',
    model: 'push_in',
    code: '97530',
    modifiers: ['GP'],
    unit: 'timed',
  },
  {
    discipline: 'PT',
    grouping: 'individual',
    model: 'pull_out',
    code: '97110',
    modifiers: ['GP'],
    unit: 'timed',
  },
];

/** A district's billing settings (the `billing` key of its settings JSON). */
export const BillingSettings = z.object({
  unitRule: UnitRule.default('eight_minute'),
  codes: z
    .array(BillingCode)
    .max(200)
    .default([...DEFAULT_BILLING_CODES]),
});
export type BillingSettings = z.infer<typeof BillingSettings>;

/**
 * Saving the code mapping and units rule from the admin's form: at the version the form loaded,
 * so two admins editing at once cannot overwrite each other unseen.
 */
export const BillingSettingsUpdateInput = z.object({
  expectedVersion: z.number().int().min(0),
  unitRule: UnitRule,
  codes: z.array(BillingCode).max(200, 'At most 200 code rows'),
});
export type BillingSettingsUpdateInput = z.input<typeof BillingSettingsUpdateInput>;

/** Which save of the billing settings a district is at, and who made it (kept beside them). */
export interface BillingSettingsStamp {
  /** 0 until the district first saves its own mapping (the defaults). */
  version: number;
  updatedBy: string | null;
  updatedByName: string | null;
  updatedAt: string | null;
}

/** The version stamp of the billing settings in a district's settings JSON. */
export function billingStampOf(settingsJson: string): BillingSettingsStamp {
  let billing: Record<string, unknown> = {};
  try {
    const b = (JSON.parse(settingsJson) as { billing?: unknown }).billing;
    if (b && typeof b === 'object') billing = b as Record<string, unknown>;
  } catch {
    // A broken settings text reads as never saved.
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    version: Number.isInteger(billing.version) ? (billing.version as number) : 0,
    updatedBy: text(billing.updatedBy),
    updatedByName: text(billing.updatedByName),
    updatedAt: text(billing.updatedAt),
  };
}

/** The billing settings in a district's settings JSON, with the defaults for what is missing. */
export function billingSettingsOf(settingsJson: string): BillingSettings {
  let billing: unknown;
  try {
    billing = (JSON.parse(settingsJson) as { billing?: unknown }).billing;
  } catch {
    billing = undefined;
  }
  const parsed = BillingSettings.safeParse(billing ?? {});
  return parsed.success ? parsed.data : BillingSettings.parse({});
}

export interface BillableSession {
  discipline: string;
  groupSize: number;
  model: string;
}

/** The first code row matching the session's discipline, individual or group, and model. */
export function billingCodeFor(
  codes: readonly BillingCode[],
  session: BillableSession,
): BillingCode | null {
  const grouping = session.groupSize > 1 ? 'group' : 'individual';
  return (
    codes.find(
      (c) =>
        c.discipline === session.discipline &&
        (c.grouping === 'any' || c.grouping === grouping) &&
        (c.model === 'any' || c.model === session.model),
    ) ?? null
  );
}

/** A National Provider Identifier: ten digits whose last is the Luhn check over 80840 + the first nine. */
export function npiProblem(npi: string): string | null {
  if (!/^\d{10}$/.test(npi)) return 'An NPI is 10 digits';
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const check = (10 - (sum % 10)) % 10;
  return check === Number(npi[9]) ? null : 'This NPI’s check digit is wrong: check the number';
}

/** An ICD-10-CM code: a letter, two characters, then optionally a dot and up to four more. */
export const ICD10_PATTERN = /^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$/;

export const StudentBillingInput = z.object({
  studentId: Id,
  medicaidId: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z]{6,20}$/, 'A Medicaid ID is 6 to 20 letters or digits')
    .nullable(),
  diagnosisIcd10: z
    .string()
    .trim()
    .toUpperCase()
    .regex(ICD10_PATTERN, 'Use an ICD-10 code such as F80.0')
    .nullable(),
});
export type StudentBillingInput = z.input<typeof StudentBillingInput>;

export const ProviderBillingInput = z.object({
  staffId: Id,
  npi: z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const problem = npiProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .nullable(),
  credential: z.string().trim().min(2, 'Name the credential, e.g. CCC-SLP').max(40).nullable(),
});
export type ProviderBillingInput = z.input<typeof ProviderBillingInput>;

/** The billing export's filters: a period, and optionally one school, therapist or student. */
export const BillingExportFields = z.object({
  from: IsoDate,
  to: IsoDate,
  schoolId: Id.optional(),
  /** Sessions this therapist or assistant provided or logged. */
  therapistId: Id.optional(),
  studentId: Id.optional(),
  /**
   * Record the export in the history (what a biller sends to Medicaid): rows already billed
   * and unchanged are left out, and the rest are kept as billed. Without it, a preview.
   */
  record: z
    .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
    .optional()
    .transform((v) => v === true || v === '1' || v === 'true'),
});
export const BillingExportInput = BillingExportFields.refine((p) => p.from <= p.to, {
  path: ['to'],
  message: 'The period ends before it starts',
});
export type BillingExportInput = z.input<typeof BillingExportInput>;
export type BillingExportFilters = z.output<typeof BillingExportInput>;

/** What decides whether a student's session bills. */
export interface BillingFacts {
  date: IsoDate;
  today: IsoDate;
  minutes: number;
  attendance: string;
  voidedAt: string | null;
  voidReason: string | null;
  signedAt: string | null;
  /** The session was logged by an assistant: it needs the supervisor's co-signature. */
  needsCosign: boolean;
  cosignedAt: string | null;
  medicaidId: string | null;
  dateOfBirth: string | null;
  diagnosisIcd10: string | null;
  providerNpi: string | null;
  providerCredential: string | null;
  discipline: string;
  groupSize: number;
  model: string;
}

export interface BillingDecision {
  /** Null when billable; else why not, in words ("no Medicaid ID; provider has no NPI"). */
  notBillable: string | null;
  code: BillingCode | null;
  units: number;
}

const DELIVERED = new Set(['delivered', 'makeup']);

/** Whether a student's session bills, with which code and how many units. */
export function billingDecision(facts: BillingFacts, settings: BillingSettings): BillingDecision {
  const code = billingCodeFor(settings.codes, facts);
  const units = code
    ? code.unit === 'untimed'
      ? facts.minutes > 0
        ? 1
        : 0
      : billingUnits(facts.minutes, settings.unitRule)
    : 0;
  const no = (why: string): BillingDecision => ({ notBillable: why, code, units });
  // What the session is comes first: these are never billable, whatever data is added.
  if (facts.voidedAt) return no(`voided${facts.voidReason ? ` (${facts.voidReason})` : ''}`);
  if (facts.date > facts.today) return no('dated in the future');
  if (!DELIVERED.has(facts.attendance)) {
    const reason = labels.attendance[facts.attendance as AttendanceOutcome] ?? facts.attendance;
    return no(`not delivered (${reason.toLowerCase()})`);
  }
  if (!facts.signedAt) return no('the note is not signed');
  if (facts.needsCosign && !facts.cosignedAt) return no('awaiting the supervisor’s co-signature');
  // Then the data a claim needs: every missing piece is named at once.
  const missing: string[] = [];
  if (!facts.medicaidId) missing.push('no Medicaid ID');
  if (!facts.dateOfBirth) missing.push('no date of birth');
  if (!facts.diagnosisIcd10) missing.push('no ICD-10 diagnosis');
  if (!facts.providerNpi) missing.push('the provider has no NPI');
  if (!facts.providerCredential) missing.push('the provider has no credential');
  if (!code) {
    const grouping = facts.groupSize > 1 ? 'group' : 'individual';
    const model = labels.model[facts.model as SessionModel] ?? facts.model;
    missing.push(`no billing code for ${facts.discipline} ${model.toLowerCase()} (${grouping})`);
  } else if (units === 0) {
    missing.push(
      `${facts.minutes} minutes is less than one unit (${unitRuleLabels[settings.unitRule]})`,
    );
  }
  return missing.length > 0 ? no(missing.join('; ')) : { notBillable: null, code, units };
}

export const BILLING_CSV_HEADER = [
  'status',
  'student_id',
  'student',
  'medicaid_id',
  'date_of_birth',
  'diagnosis_icd10',
  'date',
  'begin',
  'end',
  'minutes',
  'code',
  'modifiers',
  'units',
  'unit_rule',
  'service',
  'individual_or_group',
  'group_size',
  'model',
  'setting',
  'attendance',
  'level_of_assistance',
  'provider',
  'provider_npi',
  'provider_credential',
  'delivered_by',
  'delivered_by_credential',
  'signed_by',
  'signed_at',
  'cosigned_by',
  'cosigned_at',
  'late_entry_reason',
  'session_id',
] as const;

export interface BillingRow {
  /**
   * `bill`; `rebill: corrected after the export of <date>`; `reverse: voided after …`;
   * `billed: in the export of <date>` (previews only); `not billable: <reason>`.
   */
  status: string;
  studentId: string;
  student: string;
  medicaidId: string | null;
  dateOfBirth: string | null;
  diagnosisIcd10: string | null;
  date: IsoDate;
  begin: string;
  end: string;
  minutes: number;
  code: string | null;
  modifiers: string;
  units: number;
  unitRule: UnitRule;
  service: string;
  groupSize: number;
  model: string;
  setting: string;
  attendance: string;
  levelOfAssistance: string;
  provider: string;
  providerNpi: string | null;
  providerCredential: string | null;
  deliveredBy: string;
  deliveredByCredential: string | null;
  signedBy: string | null;
  signedAt: string | null;
  cosignedBy: string | null;
  cosignedAt: string | null;
  lateEntryReason: string | null;
  sessionId: string;
}

/** CSV lines (each ending CRLF, no header) for some billing rows: the export streams in batches. */
export function billingCsvLines(rows: readonly BillingRow[]): string {
  return csvRecords(
    rows.map((r) => [
      r.status,
      r.studentId,
      r.student,
      r.medicaidId,
      r.dateOfBirth,
      r.diagnosisIcd10,
      r.date,
      r.begin,
      r.end,
      r.minutes,
      r.code,
      r.modifiers,
      r.units,
      r.unitRule,
      r.service,
      r.groupSize > 1 ? 'group' : 'individual',
      r.groupSize,
      r.model,
      r.setting,
      r.attendance,
      r.levelOfAssistance,
      r.provider,
      r.providerNpi,
      r.providerCredential,
      r.deliveredBy,
      r.deliveredByCredential,
      r.signedBy,
      r.signedAt,
      r.cosignedBy,
      r.cosignedAt,
      r.lateEntryReason,
      r.sessionId,
    ]),
  );
}

export function billingCsv(rows: readonly BillingRow[]): string {
  return csvRecords([BILLING_CSV_HEADER]) + billingCsvLines(rows);
}

/** What an earlier export did with a student's session. */
export interface PriorExport {
  exportedAt: string;
  kind: 'bill' | 'rebill' | 'void';
}

/**
 * The status of a student's session in an export, given the latest earlier export that held it
 * and when it was last corrected (voided, or its note amended). `record` leaves out rows
 * already billed and unchanged (returns null for them).
 */
export function billingStatus(
  decision: BillingDecision,
  prior: PriorExport | null,
  correctedAt: string | null,
  /** The district's zone: an export made at 7 pm in Chicago is dated that day, not UTC's next. */
  timeZone: string,
): string {
  const day = (at: string) => dateIn(new Date(at), timeZone);
  if (!prior) return decision.notBillable ? `not billable: ${decision.notBillable}` : 'bill';
  const changed = correctedAt !== null && correctedAt > prior.exportedAt;
  if (prior.kind === 'void') {
    // Reversed already: billable again only by a correction that made it so (never, for a void).
    return decision.notBillable
      ? `not billable: ${decision.notBillable}`
      : `rebill: corrected after the export of ${day(prior.exportedAt)}`;
  }
  if (decision.notBillable)
    return `reverse: ${decision.notBillable} after the export of ${day(prior.exportedAt)}`;
  if (changed) return `rebill: corrected after the export of ${day(prior.exportedAt)}`;
  return `billed: in the export of ${day(prior.exportedAt)}`;
}

/** The kind of export line a status makes, or null for rows an export does not record. */
export function exportLineKind(status: string): 'bill' | 'rebill' | 'void' | null {
  if (status === 'bill') return 'bill';
  if (status.startsWith('rebill:')) return 'rebill';
  if (status.startsWith('reverse:')) return 'void';
  return null;
}

/** A void: who may, and why. */
export const SessionVoidInput = z.object({
  sessionId: Id,
  reason: z
    .string()
    .trim()
    .min(5, 'Say why the session is voided (at least 5 characters)')
    .max(500, 'Keep the reason under 500 characters'),
});
export type SessionVoidInput = z.input<typeof SessionVoidInput>;

/** Co-sign several sessions at once ("co-sign all checked"). */
export const CosignManyInput = z.object({
  sessionIds: z
    .array(Id)
    .min(1, 'Check at least one session')
    .max(100, 'Co-sign at most 100 sessions at once'),
});
export type CosignManyInput = z.input<typeof CosignManyInput>;

export interface BillingExportSummary {
  id: string;
  createdAt: string;
  createdBy: string;
  filters: {
    from: string;
    to: string;
    schoolId?: string;
    therapistId?: string;
    studentId?: string;
  };
  lines: number;
  billed: number;
  rebilled: number;
  reversed: number;
  units: number;
}

/** A session of an assistant's, waiting for its supervisor's co-signature, with its data. */
export interface CosignQueueItem {
  sessionId: string;
  date: IsoDate;
  startTime: string;
  endTime: string;
  minutes: number;
  model: SessionModel;
  setting: string;
  assistant: string;
  lateEntryReason: string | null;
  students: {
    studentId: string;
    name: string;
    attendance: AttendanceOutcome;
    note: string;
    signedAt: string | null;
    data: { goal: string; value: string }[];
  }[];
}
