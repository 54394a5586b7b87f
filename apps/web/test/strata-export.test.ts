import { describe, expect, it } from 'vitest';
import { strataOfOneComputation } from '../src/features/outcomes/outcomeFormat';

// The strata CSV joins the report's strata with the strata by school, which come from another
// procedure. Both must come from one computation: a refresh landing between the two reads would
// otherwise put two computations' rows in one file.

type Figures = { computedAt: string; schoolStrata: number; rows: string };

/** A server whose figures are replaced after `refreshAfter` reads of the school strata. */
function server(refreshAfter: number) {
  let current = 'older';
  let schoolReads = 0;
  const reads: string[] = [];
  return {
    reads,
    fetchReport: async (): Promise<Figures> => {
      reads.push(`report:${current}`);
      return { computedAt: current, schoolStrata: 2, rows: current };
    },
    fetchSchoolStrata: async (fresh: boolean) => {
      if (++schoolReads > refreshAfter) current = 'newer';
      reads.push(`schools:${current}${fresh ? ':fresh' : ''}`);
      return { computedAt: current, strata: [`${current} school 1`, `${current} school 2`] };
    },
  };
}

describe('the strata export reads one computation', () => {
  it('uses the report on screen when the school strata are of the same figures', async () => {
    const s = server(Number.POSITIVE_INFINITY);
    const shown = await s.fetchReport();
    const out = await strataOfOneComputation(shown, s.fetchReport, s.fetchSchoolStrata);
    expect(out.report).toBe(shown);
    expect(out.bySchool).toEqual(['older school 1', 'older school 2']);
    expect(s.reads).toEqual(['report:older', 'schools:older']);
  });

  it('asks for the report again when fresher figures landed, and exports those', async () => {
    const s = server(0);
    const shown = await s.fetchReport();
    const out = await strataOfOneComputation(shown, s.fetchReport, s.fetchSchoolStrata);
    expect(out.report.rows).toBe('newer');
    expect(out.bySchool).toEqual(['newer school 1', 'newer school 2']);
    expect(s.reads).toEqual([
      'report:older',
      'schools:newer',
      'report:newer',
      'schools:newer:fresh',
    ]);
  });

  it('reads no school strata when the report has none', async () => {
    const s = server(Number.POSITIVE_INFINITY);
    const out = await strataOfOneComputation(
      { computedAt: 'older', schoolStrata: 0, rows: 'older' },
      s.fetchReport,
      s.fetchSchoolStrata,
    );
    expect(out.bySchool).toEqual([]);
    expect(s.reads).toEqual([]);
  });

  it('gives up rather than mix figures that keep changing', async () => {
    let n = 0;
    const report = async () => ({ computedAt: `r${n}`, schoolStrata: 1 });
    const schools = async () => ({ computedAt: `s${++n}`, strata: ['x'] });
    await expect(strataOfOneComputation(await report(), report, schools)).rejects.toThrow(
      /changed while the CSV was prepared/,
    );
  });
});
