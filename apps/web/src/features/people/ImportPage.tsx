import type { RouterOutputs } from '@carryover/api';
import { csvDocument, IMPORT_ERROR_HEADER, importErrorRecords } from '@carryover/domain';
import { Button, PageHeader } from '@carryover/ui';
import { useEffect, useId, useRef, useState } from 'react';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

// The admin's Import page (issue 14, README "Bringing your district in"): upload a zip of
// OneRoster 1.2 CSV (or of services.csv and goals.csv), read the dry run — counts per file,
// conflicts, every error with its file, line, column and value, downloadable as CSV — then
// apply it, all or nothing. The zip goes as the body of POST /import/run (up to 100 MB, a real
// district's export), whose answer streams progress lines — the upload, then each file's rows
// as they are checked and written — and then the report, so the page shows a real progress bar.

type Report = RouterOutputs['imports']['upload'];
type Kind = 'oneroster' | 'services';
interface Progress {
  step: string;
  file?: string;
  done: number;
  total: number;
}

const SHOWN_ERRORS = 200;
/** The server's cap on the import route (IMPORT_UPLOAD_MAX_BYTES). */
const MAX_ZIP_BYTES = 100 * 1024 * 1024;
const WRITE_STEPS: Record<string, string> = {
  schools: 'Writing schools',
  staff: 'Writing staff',
  classrooms: 'Writing classrooms',
  students: 'Writing students',
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** What the bar is doing, in words: "Checking users.csv: 1,500 of 25,000 rows". */
function progressWords(p: Progress): string {
  const rows = `${p.done.toLocaleString()} of ${p.total.toLocaleString()} rows`;
  if (p.step === 'upload') return `Uploading: ${mb(p.done)} of ${mb(p.total)}`;
  if (p.step === 'check') return `Checking ${p.file}: ${rows}`;
  if (p.step === 'write') return `Writing ${p.file}: ${rows}`;
  if (p.step === 'read') return 'Reading the zip';
  if (p.step === 'compare') return 'Comparing with the district';
  if (p.step === 'done') return 'Finishing';
  return `${WRITE_STEPS[p.step] ?? p.step}: ${rows}`;
}

type RunOutcome = { report: Report } | { error: string; fieldError?: string };

/**
 * Sends the zip and follows the answer's progress lines. XMLHttpRequest, not fetch: it reports
 * the upload's own progress, and its partial responseText carries the stream as it comes.
 */
function runImport(
  zip: File,
  kind: Kind,
  dryRun: boolean,
  onProgress: (p: Progress) => void,
): { done: Promise<RunOutcome>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<RunOutcome>((resolve) => {
    let read = 0;
    let outcome: RunOutcome | null = null;
    const readLines = () => {
      const text = xhr.responseText;
      let end = text.indexOf('\n', read);
      while (end !== -1) {
        const line = text.slice(read, end);
        read = end + 1;
        end = text.indexOf('\n', read);
        if (!line) continue;
        const message = JSON.parse(line) as
          | ({ type: 'progress' } & Progress)
          | { type: 'report'; report: Report }
          | { type: 'error'; message: string; fieldErrors?: Record<string, string[]> };
        if (message.type === 'progress') onProgress(message);
        else if (message.type === 'report') outcome = { report: message.report };
        else outcome = { error: message.message, fieldError: message.fieldErrors?.zip?.[0] };
      }
    };
    xhr.open('POST', `/import/run?kind=${kind}&dryRun=${dryRun}`);
    xhr.setRequestHeader('Content-Type', 'application/zip');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress({ step: 'upload', done: e.loaded, total: e.total });
    };
    xhr.onprogress = () => {
      if (xhr.status === 200) readLines();
    };
    xhr.onload = () => {
      if (xhr.status === 200) {
        readLines();
        resolve(outcome ?? { error: 'The import stopped before its report. Try again.' });
        return;
      }
      let message = `The import was refused (${xhr.status}).`;
      let fieldError: string | undefined;
      try {
        const body = JSON.parse(xhr.responseText) as {
          error?: { message?: string; fieldErrors?: Record<string, string[]> | null };
        };
        message = body.error?.message ?? message;
        fieldError = body.error?.fieldErrors?.zip?.[0];
      } catch {}
      if (xhr.status === 401) message = 'Your session ended: sign in again.';
      resolve({ error: message, fieldError });
    };
    xhr.onerror = () =>
      resolve({
        error:
          'The connection was lost. An apply finishes or rolls back whole on the server: check the same zip again (a dry run) to see whether it went in.',
      });
    xhr.onabort = () => resolve({ error: 'Stopped.' });
    xhr.send(zip);
  });
  return { done, abort: () => xhr.abort() };
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
  const fileId = useId();
  const kindId = useId();
  const [kind, setKind] = useState<Kind>('oneroster');
  const [zip, setZip] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [running, setRunning] = useState<{ dryRun: boolean; progress: Progress | null } | null>(
    null,
  );
  /** Each file's latest count, checked or written, in the order the files came; kept after. */
  const [files, setFiles] = useState<Progress[]>([]);
  const [runError, setRunError] = useState<string | null>(null);
  const abortRef = useRef<(() => void) | null>(null);
  // Leaving the page stops following the import (the server finishes it all the same).
  useEffect(() => () => abortRef.current?.(), []);

  const choose = (file: File | undefined) => {
    setReport(null);
    setFiles([]);
    setRunError(null);
    setZip(null);
    setFileError(null);
    if (!file) return;
    if (!file.name.toLowerCase().endsWith('.zip')) {
      setFileError('Choose a .zip file');
      return;
    }
    if (file.size > MAX_ZIP_BYTES) {
      setFileError(
        `The zip is ${mb(file.size)}: the page takes at most ${mb(MAX_ZIP_BYTES)} (use \`carryover import\`)`,
      );
      return;
    }
    setZip(file);
  };
  const send = async (dryRun: boolean) => {
    if (!zip) {
      setFileError('Choose a zip file');
      return;
    }
    if (running) return;
    setReport(null);
    setRunError(null);
    setRunning({ dryRun, progress: null });
    setFiles([]);
    const run = runImport(zip, kind, dryRun, (progress) => {
      setRunning((r) => (r ? { ...r, progress } : r));
      const { file } = progress;
      if (file)
        setFiles((list) => {
          const at = list.findIndex((f) => f.file === file);
          return at === -1 ? [...list, progress] : list.with(at, progress);
        });
    });
    abortRef.current = run.abort;
    const outcome = await run.done;
    abortRef.current = null;
    setRunning(null);
    if ('report' in outcome) setReport(outcome.report);
    else if (outcome.fieldError) setFileError(outcome.fieldError);
    else setRunError(outcome.error);
  };
  const canApply = report?.outcome === 'dry_run' && report.errors.length === 0;
  const progress = running?.progress;
  const determinate = progress && progress.total > 0 && progress.step !== 'done';

  return (
    <div className="page">
      <PageHeader
        title="Import"
        description="Bring your district in: a zip of OneRoster 1.2 CSV from your student information system, or of services.csv and goals.csv from your IEP system (a Carryover export holds both). A dry run shows what would change; nothing is written until you apply."
      />
      <section className="section-card" aria-labelledby="import-form-heading">
        <h2 id="import-form-heading">Upload</h2>
        <form
          className="import-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send(true);
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
              Zip file (up to 100 MB)
            </label>
            <input
              id={fileId}
              type="file"
              accept=".zip,application/zip"
              aria-invalid={fileError ? true : undefined}
              aria-describedby={fileError ? `${fileId}-error` : undefined}
              onChange={(e) => choose(e.target.files?.[0])}
            />
            {fileError && (
              <p id={`${fileId}-error`} className="field__error" role="alert">
                {fileError}
              </p>
            )}
          </div>
          <div className="import-actions">
            <Button type="submit" busy={running?.dryRun === true} disabled={running !== null}>
              Check (dry run)
            </Button>
            <Button
              variant="secondary"
              disabled={!canApply || running !== null}
              busy={running?.dryRun === false}
              onClick={() => void send(false)}
            >
              Apply
            </Button>
          </div>
        </form>
        {running && (
          <div className="import-progress">
            <p className="import-progress__title">
              {running.dryRun ? 'Checking' : 'Applying'} {zip?.name}
            </p>
            <progress
              id={`${fileId}-progress`}
              aria-label="Import progress"
              aria-describedby={`${fileId}-progress-words`}
              {...(determinate ? { value: progress.done, max: progress.total } : {})}
            />
            <p
              id={`${fileId}-progress-words`}
              className="import-progress__words"
              aria-live="polite"
            >
              {progress ? progressWords(progress) : 'Starting…'}
            </p>
          </div>
        )}
        {files.length > 0 && (
          <ul className="import-progress__files" aria-label="Rows so far, per file">
            {files.map((f) => (
              <li key={f.file}>
                {f.file}: {f.done.toLocaleString()} of {f.total.toLocaleString()}{' '}
                {f.step === 'write' ? 'new rows written' : 'rows checked'}
              </li>
            ))}
          </ul>
        )}
        {runError && (
          <p className="form-alert" role="alert">
            {runError}
          </p>
        )}
      </section>
      {report && <ReportView report={report} />}
    </div>
  );
}
