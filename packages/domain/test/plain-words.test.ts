import { describe, expect, it } from 'vitest';
import {
  type ComparisonReport,
  compareModels,
  comparisonSummary,
  type ModelComparison,
  strataCsv,
} from '../src/compare/index';
import { realisticDistrict } from './realistic-district';

// The Outcomes page's opening words and its strata CSV, on a seeded synthetic district.

const report = compareModels(realisticDistrict({ students: 150, seed: 5, effect: 0.01 }), {
  seed: 5,
  replicates: 200,
  strataOutcomes: ['classroom', 'therapy_room'],
});

function withClassroom(c: Partial<ModelComparison['pushInMinusPullOut']>): ComparisonReport {
  const base = report.classroom;
  const estimate = (value: number) => ({ ...base.byModel.push_in, estimate: value });
  return {
    ...report,
    classroom: {
      byModel: { ...base.byModel, push_in: estimate(0.031), pull_out: estimate(0.018) },
      pushInMinusPullOut: {
        estimate: 0.013,
        low: 0.004,
        high: 0.022,
        p: 0.01,
        claimed: true,
        insufficient: false,
        ...c,
      },
    },
  };
}

describe('comparison in plain words', () => {
  it('opens with what was found in each setting, then what the figures cannot say', () => {
    const words = comparisonSummary(report);
    expect(words).toHaveLength(3);
    expect(words[0]).toMatch(/^In the classroom, /);
    expect(words[1]).toMatch(/^In the therapy room, /);
    expect(words[2]).toContain('Models were not assigned at random');
    expect(words.join(' ')).not.toMatch(/NaN|undefined|null|push_in|pull_out/);
  });

  it('says which model was faster only when the interval says so', () => {
    expect(comparisonSummary(withClassroom({}))[0]).toBe(
      'In the classroom, goals served by push-in closed about 3.1% of the gap to their target each week, and goals served by pull-out about 1.8%. Push-in was faster by about 1.3 points a week, more than chance alone would explain.',
    );
    expect(comparisonSummary(withClassroom({ claimed: false, low: -0.002 }))[0]).toContain(
      'no clear difference',
    );
    expect(comparisonSummary(withClassroom({ estimate: null, insufficient: true }))[0]).toContain(
      'Too few therapists',
    );
  });
});

describe('strata CSV', () => {
  it('has human labels and rates rounded to a tenth of a point', () => {
    const lines = strataCsv(report, (id) => `School ${id}`)
      .replaceAll('"', '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(
      /^Grouped by,Group,Setting of the data,Students,Goals,Episodes,Episodes left out,Enough data,Push-in: % of gap closed per week,/,
    );
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(['Discipline and domain', 'Grade band', 'School']).toContain(row[0]);
      expect(['Classroom', 'Therapy room']).toContain(row[2]);
      expect(['Yes', 'No']).toContain(row[7]);
      // Rates and intervals: at most one decimal.
      for (const cell of row.slice(8))
        if (cell !== '' && !/^(Yes|No)$/.test(cell)) expect(cell).toMatch(/^-?\d+(\.\d)?$/);
    }
    expect(rows.some((r) => /^(OT|SLP|PT) · [A-Z]/.test(r[1]!))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/discipline_domain|push_in|therapy_room|self_care/);
  });
});
