import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  goalDomains,
  type ParentSummaryKey,
  parentSummary,
  parentSummaryKeys,
  reportStatusCodes,
} from '@carryover/domain';
import { describe, expect, it } from 'vitest';
import {
  letterLanguageFor,
  letterLanguages,
  letterTranslator,
  SOURCE_LANGUAGE,
} from '../src/i18n/letter';

// The parent letter's message catalogues: every message the letter asks for exists in English,
// every shipped language has all of English's keys (a district's partial file falls back), and
// dates and numbers follow the language.

const localesDir = join(import.meta.dirname, '../src/i18n/locales');
const catalogue = (file: string) =>
  JSON.parse(readFileSync(join(localesDir, file), 'utf8')) as Record<string, unknown>;

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('parent letter catalogues', () => {
  const english = catalogue('en.json');
  const englishKeys = keysOf(english).sort();

  it('has an English message for every status, summary sentence and goal area the letter uses', () => {
    const summaryKeys: ParentSummaryKey[] = [
      ...reportStatusCodes.map((c) => `summary.${c}` as const),
      'summary.carryover_gap',
      'summary.carryover_even',
    ];
    const needed = [
      ...reportStatusCodes.map((c) => `status.${c}`),
      ...summaryKeys,
      ...goalDomains.map((d) => `domain.${d}`),
    ];
    for (const key of needed) expect(englishKeys).toContain(key);
  });

  it('ships every language complete: the same keys as English and the same placeholders', () => {
    const files = readdirSync(localesDir).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['en.json', 'es.json']));
    for (const file of files) {
      const messages = catalogue(file);
      expect(keysOf(messages).sort(), file).toEqual(englishKeys);
      for (const key of englishKeys) {
        const get = (c: Record<string, unknown>) =>
          String(key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c));
        expect(placeholders(get(messages)), `${file} ${key}`).toEqual(placeholders(get(english)));
      }
    }
    expect(letterLanguages.map((l) => l.code)).toEqual(
      expect.arrayContaining([SOURCE_LANGUAGE, 'es']),
    );
    expect(letterLanguages[0]?.code).toBe(SOURCE_LANGUAGE);
    expect(letterLanguages.find((l) => l.code === 'es')?.name).toBe('Español');
  });

  it('writes the English summary the report shows, word for word, from the same keys', () => {
    const en = letterTranslator('en');
    for (const statusCode of reportStatusCodes)
      for (const carryoverGap of [null, 0.3, 0.05, -0.15]) {
        const input = {
          firstName: 'Elena',
          targetDate: '2027-02-05',
          statusCode,
          summary: { carryoverGap, sessions: 4 },
        };
        const fromCatalogue = parentSummaryKeys(input)
          .map((k) => en.t(k, { name: 'Elena', date: en.date('2027-02-05') }))
          .join(' ');
        expect(fromCatalogue).toBe(parentSummary(input));
      }
  });

  it('formats dates, percentages and lists the way each language writes them', () => {
    const en = letterTranslator('en');
    const es = letterTranslator('es');
    expect(en.date('2026-11-30')).toBe('November 30, 2026');
    expect(es.date('2026-11-30')).toBe('30 de noviembre de 2026');
    // A calendar day stays that day in any time zone (formatted at noon UTC).
    expect(es.date('2027-01-01T00:00:00.000Z')).toBe('1 de enero de 2027');
    expect(en.percent(0.45)).toBe('45%');
    expect(es.percent(0.45)).toBe('45\u00a0%');
    expect(es.list(['Ana', 'Luis'])).toBe('Ana y Luis');
    expect(es.t('status.sufficient_progress')).toBe('En camino');
    expect(es.t('letter.title', { name: "D'Andre" })).toBe("Cómo le va a D'Andre");
  });

  it('picks the nearest catalogue for a family language without its own', () => {
    expect(letterLanguageFor('es')).toBe('es');
    expect(letterLanguageFor('es-MX')).toBe('es');
    expect(letterLanguageFor('vi')).toBe(SOURCE_LANGUAGE);
    expect(letterLanguageFor(undefined)).toBe(SOURCE_LANGUAGE);
    expect(letterTranslator('es-MX').t('status.mastered')).toBe('Objetivo alcanzado');
  });
});
