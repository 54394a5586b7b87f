import type { RouterOutputs } from '@carryover/api';
import { csvDocument, IMPORT_ERROR_HEADER, importErrorRecords } from '@carryover/domain';
import { Button, PageHeader } from '@carryover/ui';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { fieldErrors, userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

// The admin's Import page (issue 14, README "Bringing your district in"): upload a zip of
// OneRoster 1.2 CSV (or of services.csv and goals.csv), read the dry run — counts per file,
// conflicts, every error with its file, line, column and value, downloadable as CSV — then
// apply it, all or nothing. The zip travels as base64 in one call (at most 1 MB: a district
// of a few thousand students; larger ones use `carryover import`).

type Report = RouterOutputs['imports']['upload'];
type Kind = 'oneroster' | 'services';

const SHOWN_ERRORS = 200;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ReportView({ report }: { report: Report }) {
  const headline =
    report.outcome === 'applied'
      ? 'Applied: the district now holds these files.'
      : report.outcome === 'dry_run'
        ? 'Dry run: nothing was written. Check the counts, then apply.'
        : `Refused: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}, nothing was written. Fix the files and upload them again.`;
  return (
    <section className="section-card import-report" aria-labelledby="import-report-heading">
      <h2 id="import-report-heading">{headline}</h2>
      <div className="table-scroll">
        <table className="data-table import-counts">
          <caption className="visually-hidden">Rows per file</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Added</th>
              <th scope="col">Updated</th>
              <th scope="col">Deactivated</th>
              <th scope="col">Unchanged</th>
              <th scope="col">Skipped</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(report.counts).map(([file, c]) =>
              c ? (
                <tr key={file}>
                  <th scope="row">{file}</th>
                  <td>{c.added}</td>
                  <td>{c.updated}</td>
                  <td>{c.deactivated}</td>
                  <td>{c.unchanged}</td>
                  <td>{c.skipped}</td>
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      </div>
      {report.conflicts.length > 0 && (
        <>
          <h3>
            {report.conflicts.length} conflict{report.conflicts.length === 1 ? '' : 's'}: these rows
            are left as they are
          </h3>
          <ul>
            {report.conflicts.slice(0, SHOWN_ERRORS).map((c, i) => (
              <li key={i}>
                {c.file}, line {c.line} ({c.sourcedId}): {c.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.errors.length > 0 && (
        <>
          <h3>
            {report.errors.length} error{report.errors.length === 1 ? '' : 's'}
          </h3>
          <Button
            variant="secondary"
            size="small"
            onClick={() =>
              download(
                'import-errors.csv',
                csvDocument(IMPORT_ERROR_HEADER, importErrorRecords(report.errors)),
              )
            }
          >
            Download the errors (CSV)
          </Button>
          <div className="table-scroll">
            <table className="data-table import-errors">
              <caption className="visually-hidden">Errors</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Line</th>
                  <th scope="col">Column</th>
                  <th scope="col">Value</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.slice(0, SHOWN_ERRORS).map((e, i) => (
                  <tr key={i}>
                    <td>{e.file}</td>
                    <td>{e.line}</td>
                    <td>{e.column}</td>
                    <td>{e.value}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {report.errors.length > SHOWN_ERRORS && (
            <p>The first {SHOWN_ERRORS} are shown; the CSV has them all.</p>
          )}
        </>
      )}
    </section>
  );
}

export function ImportPage() {
  useDocumentTitle('Import');
  const trpc = useTRPC();
  const fileId = useId();
  const kindId = useId();
  const [kind, setKind] = useState<Kind>('oneroster');
  const [zip, setZip] = useState<{ name: string; base64: string } | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const upload = useMutation(
    trpc.imports.upload.mutationOptions({ onSuccess: (r) => setReport(r) }),
  );
  const serverFieldError = upload.error ? fieldErrors(upload.error).zipBase64?.[0] : undefined;
  const shownFileError = fileError ?? serverFieldError ?? null;

  const choose = async (file: File | undefined) => {
    setReport(null);
    upload.reset();
    setZip(null);
    setFileError(null);
    if (!file) return;
    if (!file.name.toLowerCase().endsWith('.zip')) {
      setFileError('Choose a .zip file');
      return;
    }
    setZip({ name: file.name, base64: toBase64(new Uint8Array(await file.arrayBuffer())) });
  };
  const send = (dryRun: boolean) => {
    if (!zip) {
      setFileError('Choose a zip file');
      return;
    }
    setReport(null);
    upload.mutate({ kind, zipBase64: zip.base64, dryRun });
  };
  const canApply = report?.outcome === 'dry_run' && report.errors.length === 0;

  return (
    <div className="page">
      <PageHeader
        title="Import"
        description="Bring your district in: a zip of OneRoster 1.2 CSV from your student information system, or of services.csv and goals.csv from your IEP system. A dry run shows what would change; nothing is written until you apply."
      />
      <section className="section-card" aria-labelledby="import-form-heading">
        <h2 id="import-form-heading">Upload</h2>
        <form
          className="import-form"
          onSubmit={(e) => {
            e.preventDefault();
            send(true);
          }}
        >
          <div className="select-field">
            <label htmlFor={kindId} className="field__label">
              What the zip holds
            </label>
            <select
              id={kindId}
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as Kind);
                setReport(null);
              }}
            >
              <option value="oneroster">Rosters: OneRoster 1.2 CSV</option>
              <option value="services">IEP services and goals</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={fileId} className="field__label">
              Zip file
            </label>
            <input
              id={fileId}
              type="file"
              accept=".zip,application/zip"
              aria-invalid={shownFileError ? true : undefined}
              aria-describedby={shownFileError ? `${fileId}-error` : undefined}
              onChange={(e) => void choose(e.target.files?.[0])}
            />
            {shownFileError && (
              <p id={`${fileId}-error`} className="field__error" role="alert">
                {shownFileError}
              </p>
            )}
          </div>
          <div className="import-actions">
            <Button type="submit" busy={upload.isPending && upload.variables?.dryRun === true}>
              Check (dry run)
            </Button>
            <Button
              variant="secondary"
              disabled={!canApply}
              busy={upload.isPending && upload.variables?.dryRun === false}
              onClick={() => send(false)}
            >
              Apply
            </Button>
          </div>
        </form>
        {upload.isPending && (
          <div className="import-progress">
            <label htmlFor={`${fileId}-progress`}>
              {upload.variables?.dryRun ? 'Checking' : 'Applying'} {zip?.name}…
            </label>
            <progress id={`${fileId}-progress`} aria-label="Import progress" />
          </div>
        )}
        {upload.error && !serverFieldError && (
          <p className="form-alert" role="alert">
            {userMessage(upload.error)}
          </p>
        )}
      </section>
      {report && <ReportView report={report} />}
    </div>
  );
}
