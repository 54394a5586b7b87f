import { describe, expect, it } from 'vitest';
import {
  BILLING_CSV_HEADER,
  type BillingFacts,
  BillingSettings,
  billingCodeFor,
  billingCsv,
  billingDecision,
  billingSettingsOf,
  billingStatus,
  billingUnits,
  DEFAULT_BILLING_CODES,
  exportLineKind,
  npiProblem,
  ProviderBillingInput,
  StudentBillingInput,
} from '../src/billing';

const defaults = BillingSettings.parse({});

/** A delivered, signed individual pull-out OT session with every claim field present. */
function facts(over: Partial<BillingFacts> = {}): BillingFacts {
  return {
    date: '2026-03-11',
    today: '2026-03-12',
    minutes: 30,
    attendance: 'delivered',
    voidedAt: null,
    voidReason: null,
    signedAt: '2026-03-11T16:00:00.000Z',
    needsCosign: false,
    cosignedAt: null,
    medicaidId: 'MA12345678',
    dateOfBirth: '2017-05-02',
    diagnosisIcd10: 'F82',
    providerNpi: '1234567893',
    providerCredential: 'OTR/L',
    discipline: 'OT',
    groupSize: 1,
    model: 'pull_out',
    ...over,
  };
}

describe('billing units', () => {
  it('follow the 8-minute rule at 7, 8, 22 and 23 minutes', () => {
    expect([7, 8, 22, 23].map((m) => billingUnits(m, 'eight_minute'))).toEqual([0, 1, 1, 2]);
    expect([0, 15, 30, 37, 38, 52, 53].map((m) => billingUnits(m, 'eight_minute'))).toEqual([
      0, 1, 2, 2, 3, 3, 4,
    ]);
  });

  it('count whole 15-minute units under the whole-units rule', () => {
    expect([7, 8, 22, 23].map((m) => billingUnits(m, 'whole_units'))).toEqual([0, 0, 1, 1]);
    expect([14, 15, 29, 30].map((m) => billingUnits(m, 'whole_units'))).toEqual([0, 1, 1, 2]);
  });

  it('bill timed codes by the rule and untimed codes once per session', () => {
    const ot = billingDecision(facts({ minutes: 23 }), defaults);
    expect(ot.code?.code).toBe('97530');
    expect(ot.units).toBe(2);
    const seven = billingDecision(facts({ minutes: 7 }), defaults);
    expect(seven.notBillable).toBe('7 minutes is less than one unit (8-minute rule)');
    const speech = billingDecision(facts({ minutes: 7, discipline: 'SLP' }), defaults);
    expect(speech.code?.code).toBe('92507');
    expect(speech.units).toBe(1);
    expect(speech.notBillable).toBeNull();
  });
});

describe('billing codes', () => {
  it('ships the common defaults with the therapy modifiers', () => {
    const code = (discipline: string, groupSize: number, model: string) => {
      const c = billingCodeFor(DEFAULT_BILLING_CODES, { discipline, groupSize, model });
      return c ? `${c.code} ${c.modifiers.join(' ')}` : null;
    };
    expect(code('SLP', 1, 'pull_out')).toBe('92507 GN');
    expect(code('SLP', 3, 'push_in')).toBe('92508 GN');
    expect(code('OT', 1, 'pull_out')).toBe('97530 GO');
    expect(code('OT', 1, 'push_in')).toBe('97535 GO');
    expect(code('PT', 1, 'pull_out')).toBe('97110 GP');
    expect(code('OT', 2, 'pull_out')).toBe('97150 GO');
    expect(code('PT', 4, 'push_in')).toBe('97150 GP');
    expect(code('OT', 1, 'consult')).toBeNull();
  });

  it('reads a district mapping, and falls back to the defaults for a broken one', () => {
    const own = billingSettingsOf(
      JSON.stringify({
        timezone: 'America/Chicago',
        billing: {
          unitRule: 'whole_units',
          codes: [
            {
              discipline: 'OT',
              grouping: 'any',
              model: 'any',
              code: 'T1018',
              modifiers: ['GO', 'HM'],
              unit: 'timed',
            },
          ],
        },
      }),
    );
    expect(own.unitRule).toBe('whole_units');
    expect(billingDecision(facts({ minutes: 22 }), own)).toMatchObject({
      notBillable: null,
      units: 1,
      code: { code: 'T1018' },
    });
    expect(billingSettingsOf('{}').codes).toHaveLength(DEFAULT_BILLING_CODES.length);
    expect(billingSettingsOf('{"billing":{"unitRule":"never"}}').unitRule).toBe('eight_minute');
  });
});

describe('what is billable', () => {
  it('bills only signed, delivered sessions, co-signed when an assistant logged them', () => {
    expect(billingDecision(facts(), defaults).notBillable).toBeNull();
    expect(billingDecision(facts({ attendance: 'makeup' }), defaults).notBillable).toBeNull();
    const no = (over: Partial<BillingFacts>) => billingDecision(facts(over), defaults).notBillable;
    expect(no({ signedAt: null })).toBe('the note is not signed');
    expect(no({ needsCosign: true })).toBe('awaiting the supervisor’s co-signature');
    expect(no({ needsCosign: true, cosignedAt: '2026-03-12T10:00:00.000Z' })).toBeNull();
    expect(no({ voidedAt: '2026-03-12T10:00:00.000Z', voidReason: 'Wrong student' })).toBe(
      'voided (Wrong student)',
    );
    expect(no({ date: '2026-03-13' })).toBe('dated in the future');
    expect(no({ attendance: 'student_absent_excused' })).toBe(
      'not delivered (student absent (excused))',
    );
  });

  it('names every missing piece of claim data at once', () => {
    expect(
      billingDecision(
        facts({ medicaidId: null, diagnosisIcd10: null, providerNpi: null, model: 'consult' }),
        defaults,
      ).notBillable,
    ).toBe(
      'no Medicaid ID; no ICD-10 diagnosis; the provider has no NPI; no billing code for OT consult (individual)',
    );
  });
});

describe('export history', () => {
  const billable = billingDecision(facts(), defaults);
  const voided = billingDecision(facts({ voidedAt: '2026-03-20T10:00:00.000Z' }), defaults);
  const prior = { exportedAt: '2026-03-15T10:00:00.000Z', kind: 'bill' as const };

  it('bills a row once, re-bills it after a correction and reverses it after a void', () => {
    expect(billingStatus(billable, null, null, 'UTC')).toBe('bill');
    expect(billingStatus(billable, prior, null, 'UTC')).toBe('billed: in the export of 2026-03-15');
    expect(billingStatus(billable, prior, '2026-03-14T00:00:00.000Z', 'UTC')).toBe(
      'billed: in the export of 2026-03-15',
    );
    expect(billingStatus(billable, prior, '2026-03-16T00:00:00.000Z', 'UTC')).toBe(
      'rebill: corrected after the export of 2026-03-15',
    );
    expect(billingStatus(voided, prior, '2026-03-20T10:00:00.000Z', 'UTC')).toMatch(
      /^reverse: voided after the export of 2026-03-15$/,
    );
    expect(
      billingStatus(voided, { ...prior, kind: 'void' }, '2026-03-20T10:00:00.000Z', 'UTC'),
    ).toMatch(/^not billable: voided/);
    expect(exportLineKind('bill')).toBe('bill');
    expect(exportLineKind('rebill: corrected after the export of 2026-03-15')).toBe('rebill');
    expect(exportLineKind('reverse: voided after the export of 2026-03-15')).toBe('void');
    expect(exportLineKind('billed: in the export of 2026-03-15')).toBeNull();
    expect(exportLineKind('not billable: dated in the future')).toBeNull();
  });

  it('dates an earlier export in the district’s day, not UTC’s', () => {
    // 7 pm on Mar 15 in Chicago is already Mar 16 in UTC.
    const evening = { exportedAt: '2026-03-16T00:00:00.000Z', kind: 'bill' as const };
    expect(billingStatus(billable, evening, null, 'America/Chicago')).toBe(
      'billed: in the export of 2026-03-15',
    );
    expect(billingStatus(billable, evening, null, 'UTC')).toBe(
      'billed: in the export of 2026-03-16',
    );
  });
});

describe('claim data', () => {
  it('checks an NPI’s Luhn digit and an ICD-10 code’s shape', () => {
    expect(npiProblem('1234567893')).toBeNull();
    expect(npiProblem('1234567890')).toMatch(/check digit/);
    expect(npiProblem('12345')).toBe('An NPI is 10 digits');
    const npi = ProviderBillingInput.safeParse({
      staffId: 's',
      npi: '1234567890',
      credential: 'OTR/L',
    });
    expect(npi.success).toBe(false);
    expect(npi.error?.issues[0]?.path).toEqual(['npi']);
    expect(
      StudentBillingInput.parse({
        studentId: 's',
        medicaidId: 'MA1234567',
        diagnosisIcd10: 'f80.0',
      }).diagnosisIcd10,
    ).toBe('F80.0');
    const bad = StudentBillingInput.safeParse({
      studentId: 's',
      medicaidId: '12',
      diagnosisIcd10: 'speech',
    });
    expect(bad.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['medicaidId', 'A Medicaid ID is 6 to 20 letters or digits'],
      ['diagnosisIcd10', 'Use an ICD-10 code such as F80.0'],
    ]);
  });
});

describe('CSV', () => {
  it('writes the billing header and one line per row through the one writer', () => {
    const csv = billingCsv([
      {
        status: 'bill',
        studentId: 's1',
        student: 'Ava Lopez',
        medicaidId: 'MA12345678',
        dateOfBirth: '2017-05-02',
        diagnosisIcd10: 'F80.0',
        date: '2026-03-11',
        begin: '10:00',
        end: '10:30',
        minutes: 30,
        code: '92508',
        modifiers: 'GN',
        units: 1,
        unitRule: 'eight_minute',
        service: 'SLP',
        groupSize: 2,
        model: 'push_in',
        setting: 'classroom',
        attendance: 'delivered',
        levelOfAssistance: 'verbal',
        provider: 'Sam Speech',
        providerNpi: '1234567893',
        providerCredential: 'CCC-SLP',
        deliveredBy: 'Sam Speech',
        deliveredByCredential: 'CCC-SLP',
        signedBy: 'Sam Speech',
        signedAt: '2026-03-11T15:00:00.000Z',
        cosignedBy: null,
        cosignedAt: null,
        lateEntryReason: null,
        sessionId: 'x1',
      },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(BILLING_CSV_HEADER.map((h) => `"${h}"`).join(','));
    expect(lines[1]).toBe(
      '"bill","s1","Ava Lopez","MA12345678","2017-05-02","F80.0","2026-03-11","10:00","10:30","30","92508","GN","1","eight_minute","SLP","group","2","push_in","classroom","delivered","verbal","Sam Speech","1234567893","CCC-SLP","Sam Speech","CCC-SLP","Sam Speech","2026-03-11T15:00:00.000Z","","","","x1"',
    );
  });
});
