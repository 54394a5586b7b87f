import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readCsv, readOneRoster, unzipCsvFiles } from '../src/oneroster';

const MANIFEST = [
  'propertyName,value',
  'manifest.version,1.0',
  'oneroster.version,1.2',
  'file.orgs,bulk',
  'file.users,bulk',
  'file.roles,absent',
].join('\n');

const ORGS =
  'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd1,,,Lakeside,district,,\ns1,,,"Elm, North",school,,d1\n';

describe('readCsv', () => {
  it('reads a BOM, CRLF, quoted commas and line breaks, accents and extra columns', () => {
    const text =
      '\uFEFFsourcedId,givenName,extra\r\nu1,"Zoë, ""Zo""",x\r\n\r\nu2,"two\r\nlines",y\r\n';
    const { header, records } = readCsv(text);
    expect(header).toEqual(['sourcedId', 'givenName', 'extra']);
    expect(records).toEqual([
      { line: 2, row: { sourcedId: 'u1', givenName: 'Zoë, "Zo"', extra: 'x' } },
      { line: 4, row: { sourcedId: 'u2', givenName: 'two\r\nlines', extra: 'y' } },
    ]);
  });
});

describe('readOneRoster', () => {
  it('reads the files the manifest lists', () => {
    const users =
      'sourcedId,status,dateLastModified,givenName,familyName,email,grades,primaryOrgSourcedId,notInTheBinding\n' +
      'u1,active,2026-09-01T10:00:00Z,Zoë,Muñoz,,03,s1,whatever\n';
    const bundle = readOneRoster({
      'manifest.csv': MANIFEST,
      'orgs.csv': ORGS,
      'users.csv': users,
    });
    expect(bundle.errors).toEqual([]);
    expect(bundle.modes).toEqual({ 'orgs.csv': 'bulk', 'users.csv': 'bulk' });
    expect(bundle.orgs.map((o) => o.row.name)).toEqual(['Lakeside', 'Elm, North']);
    expect(bundle.users[0]).toMatchObject({
      line: 2,
      row: { givenName: 'Zoë', familyName: 'Muñoz', grades: '03' },
    });
  });

  it('reports each bad row with its file, line, column, value and reason', () => {
    const users =
      'sourcedId,status,dateLastModified,givenName,familyName,email\n' +
      'u1,active,2026-09-01,Ann,Lee,not-an-email\n' +
      'u1,,,Ann,Lee,\n' +
      'u2,gone,,Bo,,\n';
    const sessions =
      'sourcedId,status,dateLastModified,title,type,startDate,endDate\nt1,,,Q1,gradingPeriod,2026-02-30,2026-11-01\n';
    const manifest = `${MANIFEST}\nfile.academicSessions,bulk`;
    const bundle = readOneRoster({
      'manifest.csv': manifest,
      'orgs.csv': ORGS,
      'users.csv': users,
      'academicSessions.csv': sessions,
    });
    expect(bundle.errors).toEqual([
      {
        file: 'academicSessions.csv',
        line: 2,
        column: 'startDate',
        value: '2026-02-30',
        reason: 'must be a real date written YYYY-MM-DD',
      },
      {
        file: 'users.csv',
        line: 2,
        column: 'email',
        value: 'not-an-email',
        reason: 'must be an email address',
      },
      {
        file: 'users.csv',
        line: 3,
        column: 'sourcedId',
        value: 'u1',
        reason: 'duplicate sourcedId: line 2 has it too',
      },
      {
        file: 'users.csv',
        line: 4,
        column: 'status',
        value: 'gone',
        reason: 'must be active or tobedeleted',
      },
      {
        file: 'users.csv',
        line: 4,
        column: 'familyName',
        value: '',
        reason: 'familyName is required',
      },
    ]);
  });

  it('refuses a wrong header, a missing manifest file and delta rows without status', () => {
    const manifest = MANIFEST.replace('file.users,bulk', 'file.users,delta').concat(
      '\nfile.classes,bulk',
    );
    const users = 'sourcedId,status,dateLastModified,givenName,familyName\nu1,,,Ann,Lee\n';
    const bundle = readOneRoster({
      'manifest.csv': manifest,
      'orgs.csv': 'sourcedId,name,kind\nd1,Lakeside,district\n',
      'users.csv': users,
    });
    expect(bundle.errors.map((e) => [e.file, e.line, e.column, e.reason])).toEqual([
      [
        'classes.csv',
        0,
        '',
        'the manifest lists classes.csv (bulk) but the bundle has no such file',
      ],
      ['orgs.csv', 1, 'status', 'the header has no status column'],
      ['orgs.csv', 1, 'dateLastModified', 'the header has no dateLastModified column'],
      ['orgs.csv', 1, 'type', 'the header has no type column'],
      ['users.csv', 2, 'status', 'status is required in a delta file'],
      ['users.csv', 2, 'dateLastModified', 'dateLastModified is required in a delta file'],
    ]);
  });

  it('unzips the CSV files of a zip, inside a folder too', () => {
    const zip = zipSync({
      'export/manifest.csv': strToU8(MANIFEST),
      'export/orgs.csv': strToU8(ORGS),
      'readme.txt': strToU8('x'),
    });
    expect(Object.keys(unzipCsvFiles(zip)).sort()).toEqual(['manifest.csv', 'orgs.csv']);
    expect(unzipCsvFiles(zip)['orgs.csv']).toBe(ORGS);
  });
});
