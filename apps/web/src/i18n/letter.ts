import i18next, { type TFunction } from 'i18next';

// The parent letter's message catalogues: one JSON file per language in ./locales, named by its
// language tag (en.json, es.json, es-MX.json…). A district adds a language by adding a file with
// the same keys as en.json; a key it leaves out falls back to English (and es-MX to es).
const catalogues = import.meta.glob<Record<string, unknown>>('./locales/*.json', {
  eager: true,
  import: 'default',
});

const resources = Object.fromEntries(
  Object.entries(catalogues).map(([file, messages]) => [
    file.replace(/^.*\/([^/]+)\.json$/, '$1'),
    { translation: messages },
  ]),
);

/** The language the therapists write in: notes and goals in it are printed as written. */
export const SOURCE_LANGUAGE = 'en';

/** Languages with a catalogue, each named in itself (for the family-language picker). */
export const letterLanguages: { code: string; name: string }[] = Object.entries(resources)
  .map(([code, r]) => ({
    code,
    name: String((r.translation.language as { name?: string } | undefined)?.name ?? code),
  }))
  .sort((a, b) => (a.code === SOURCE_LANGUAGE ? -1 : b.code === SOURCE_LANGUAGE ? 1 : 0));

/** The catalogue to use for a family language: the tag, its base language, or English. */
export function letterLanguageFor(tag: string | null | undefined): string {
  if (tag && tag in resources) return tag;
  const base = tag?.split('-')[0];
  if (base && base in resources) return base;
  return SOURCE_LANGUAGE;
}

export interface LetterTranslator {
  /** The catalogue's language tag (what the letter is printed in). */
  language: string;
  t: TFunction;
  /** An ISO date (YYYY-MM-DD) the way the language writes it, e.g. "30 de noviembre de 2026". */
  date: (iso: string) => string;
  /** A share (0–1) as a percentage in the language's style, e.g. "45 %" in Spanish. */
  percent: (share: number) => string;
  /** Names joined the language's way: "Ana and Luis", "Ana y Luis". */
  list: (items: string[]) => string;
}

const translators = new Map<string, LetterTranslator>();

/** A translator for the family's language, from the catalogues (i18next) and Intl. */
export function letterTranslator(tag: string | null | undefined): LetterTranslator {
  const language = letterLanguageFor(tag);
  const cached = translators.get(language);
  if (cached) return cached;
  const instance = i18next.createInstance();
  void instance.init({
    lng: language,
    fallbackLng: language.includes('-')
      ? [language.split('-')[0] ?? SOURCE_LANGUAGE, SOURCE_LANGUAGE]
      : [SOURCE_LANGUAGE],
    resources,
    initAsync: false,
    // React escapes what it renders; escaping here too would print "&#39;" for an apostrophe.
    interpolation: { escapeValue: false },
    returnEmptyString: true,
  });
  // Dates are calendar days: format them at noon UTC, so no time zone moves them a day.
  const dates = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
  const percents = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 });
  const lists = new Intl.ListFormat(language, { style: 'long', type: 'conjunction' });
  const translator: LetterTranslator = {
    language,
    t: instance.t.bind(instance) as TFunction,
    date: (iso) => dates.format(new Date(`${iso.slice(0, 10)}T12:00:00Z`)),
    percent: (share) => percents.format(share),
    list: (items) => lists.format(items),
  };
  translators.set(language, translator);
  return translator;
}
