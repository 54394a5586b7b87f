import type { RouterOutputs } from '@carryover/api';
import type { CaseloadRow, RecordFormat } from '@carryover/domain';
import { Button, EmptyState, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useId, useState } from 'react';
import { useViewer } from '../../auth';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC, useTRPCClient } from '../../trpc';

// The district admin's records desk (FERPA; IDEA §300.613 inspection, §300.614 record of
// access, retention): pick a student, download either file, or delete the record. The
// student list is the admin's caseload (the whole district), searched by name on the server a
// page at a time; the web client sends caseload queries as POST, so no name goes into a URL.

function download(filename: string, contentType: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: `${contentType};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** How many students the picker lists at once; a search narrows the district down. */
const PICKER_PAGE = 200;

function StudentPicker({
  students,
  total,
  filter,
  onFilter,
  selected,
  onChange,
}: {
  students: CaseloadRow[];
  total: number | null;
  filter: string;
  onFilter: (text: string) => void;
  selected: CaseloadRow | null;
  onChange: (student: CaseloadRow | null) => void;
}) {
  const selectId = useId();
  // The chosen student stays listed while a new search runs.
  const shown =
    selected && !students.some((s) => s.studentId === selected.studentId)
      ? [selected, ...students]
      : students;
  return (
    <div className="records-picker">
      <Field
        label="Find a student"
        type="search"
        value={filter}
        onChange={(e) => onFilter(e.target.value)}
        hint={
          total !== null && total > shown.length
            ? `${shown.length} of ${total} students: type a name to narrow the list`
            : `${shown.length} students`
        }
        autoComplete="off"
      />
      <div className="select-field">
        <label htmlFor={selectId} className="field__label">
          Student
        </label>
        <select
          id={selectId}
          value={selected?.studentId ?? ''}
          onChange={(e) => onChange(shown.find((s) => s.studentId === e.target.value) ?? null)}
        >
          <option value="">Choose a student…</option>
          {shown.map((s) => (
            <option key={s.studentId} value={s.studentId}>
              {s.name} · grade {s.grade} · {s.schoolName}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

type Mention = RouterOutputs['admin']['deleteStudent']['mentions'][number];

/**
 * Where other students' notes, narratives and touch-base notes still name a deleted student:
 * the deletion cannot scrub another student's record, so the admin reviews these by hand.
 */
function Mentions({ name, mentions }: { name: string; mentions: Mention[] }) {
  return (
    <section className="section-card" aria-labelledby="mentions-heading">
      <h2 id="mentions-heading">
        {mentions.length === 0
          ? `No other record names ${name}`
          : `${mentions.length} place${mentions.length === 1 ? '' : 's'} in other records name ${name}`}
      </h2>
      {mentions.length > 0 && (
        <>
          <p>
            These notes belong to other students or meetings, so the deletion kept them. Review each
            and edit or amend it where the name should go.
          </p>
          <ul className="records-mentions">
            {mentions.map((m, i) => (
              <li key={i}>
                <strong>{m.where}</strong>
                {m.studentName ? ` of ${m.studentName}` : ''}, {m.date} ({m.matched}): “{m.excerpt}”
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function DeleteStudent({
  student,
  onDeleted,
}: {
  student: CaseloadRow;
  onDeleted: (mentions: Mention[]) => void;
}) {
  const trpc = useTRPC();
  const [confirmName, setConfirmName] = useState('');
  const remove = useMutation(
    trpc.admin.deleteStudent.mutationOptions({ onSuccess: (result) => onDeleted(result.mentions) }),
  );
  const errors = fieldErrors(remove.error);
  const formError = remove.error && !errors.confirmName ? userMessage(remove.error) : null;
  return (
    <section className="section-card records-danger" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete the record</h2>
      <p>
        Removes {student.name} and every row of their record: services, goals, data points, sessions
        attended, notes, reports. The audit trail keeps one event saying the record was deleted, by
        you, now; the student's earlier events lose their link to them. This cannot be undone —
        export both files first if the family or the law needs them kept.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          remove.mutate({ studentId: student.studentId, confirmName });
        }}
      >
        {formError && (
          <p className="form-alert" role="alert">
            {formError}
          </p>
        )}
        <Field
          label="Type the student's full name to confirm"
          type="text"
          value={confirmName}
          onChange={(e) => setConfirmName(e.target.value)}
          error={errors.confirmName}
          autoComplete="off"
          spellCheck={false}
        />
        <Button
          type="submit"
          variant="secondary"
          className="btn--danger"
          busy={remove.isPending}
          disabled={confirmName.trim() === ''}
        >
          Delete {student.name}'s record
        </Button>
      </form>
    </section>
  );
}

export function AdminRecordsPage() {
  useDocumentTitle('Records');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const me = useViewer();
  const isAdmin = me.data?.role === 'admin';
  const [filter, setFilter] = useState('');
  const search = useDeferredValue(filter.trim());
  const students = useQuery({
    ...trpc.caseload.list.queryOptions({ search: search || undefined, limit: PICKER_PAGE }),
    enabled: isAdmin,
    placeholderData: keepPreviousData,
  });
  const [student, setStudent] = useState<CaseloadRow | null>(null);
  const [format, setFormat] = useState<RecordFormat>('csv');
  const [busy, setBusy] = useState<'access' | 'record' | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [mentions, setMentions] = useState<{ name: string; list: Mention[] } | null>(null);

  if (me.data && !isAdmin) {
    return (
      <>
        <PageHeader title="Records" />
        <ErrorState
          title="Only district administrators keep records"
          message="Ask your district administrator for a student's record or record of access."
        />
      </>
    );
  }

  const exportFile = async (what: 'access' | 'record') => {
    if (!student) return;
    setBusy(what);
    setMessage(null);
    try {
      const file =
        what === 'access'
          ? await client.admin.exportAccessRecord.query({ studentId: student.studentId, format })
          : await client.admin.exportStudentRecord.query({ studentId: student.studentId });
      download(file.filename, file.contentType, file.content);
      setMessage({
        kind: 'ok',
        text: `Downloaded ${file.filename}. The export is in the audit trail.`,
      });
    } catch (error) {
      setMessage({ kind: 'error', text: userMessage(error) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader
        title="Records"
        description={
          <p>
            A student's record of access and whole record, as files for a parent's request (FERPA;
            IDEA §300.613 and §300.614). Every download is itself recorded.
          </p>
        }
      />
      {students.isPending ? (
        <LoadingState label="Loading students" rows={3} />
      ) : students.isError ? (
        <ErrorState
          title="Students could not be loaded"
          message={userMessage(students.error)}
          onRetry={() => void students.refetch()}
          retrying={students.isFetching}
        />
      ) : students.data.items.length === 0 && search === '' ? (
        <EmptyState title="No students in your district yet">
          Students appear here once they are added to Carryover.
        </EmptyState>
      ) : (
        <div className="stack records">
          <section className="section-card" aria-labelledby="pick-heading">
            <h2 id="pick-heading">Choose a student</h2>
            <StudentPicker
              students={students.data.items}
              total={students.data.total}
              filter={filter}
              onFilter={setFilter}
              selected={student}
              onChange={(picked) => {
                setStudent(picked);
                setMessage(null);
                setMentions(null);
              }}
            />
          </section>
          {message && (
            <p
              className={message.kind === 'ok' ? 'records-note' : 'form-alert'}
              role={message.kind === 'ok' ? 'status' : 'alert'}
            >
              {message.text}
            </p>
          )}
          {mentions && <Mentions name={mentions.name} mentions={mentions.list} />}
          {student ? (
            <>
              <div className="records-grid">
                <section className="section-card" aria-labelledby="access-heading">
                  <h2 id="access-heading">Record of access</h2>
                  <p>
                    Who opened or changed {student.name}'s record, when, and what they did — refused
                    attempts included (IDEA §300.614).
                  </p>
                  <fieldset className="segmented segmented--cols-2 records-format">
                    <legend className="segmented__legend">File type</legend>
                    <div className="segmented__options">
                      {(['csv', 'json'] as const).map((f) => (
                        <label key={f} className="segmented__option">
                          <input
                            type="radio"
                            name="access-format"
                            value={f}
                            checked={format === f}
                            onChange={() => setFormat(f)}
                          />
                          <span>{f === 'csv' ? 'CSV (spreadsheet)' : 'JSON'}</span>
                        </label>
                      ))}
                    </div>
                  </fieldset>
                  <Button busy={busy === 'access'} onClick={() => void exportFile('access')}>
                    Download record of access
                  </Button>
                </section>
                <section className="section-card" aria-labelledby="record-heading">
                  <h2 id="record-heading">Whole record</h2>
                  <p>
                    Everything Carryover holds about {student.name}, for the family to inspect (IDEA
                    §300.613): one JSON file.
                  </p>
                  <Button busy={busy === 'record'} onClick={() => void exportFile('record')}>
                    Download whole record
                  </Button>
                </section>
              </div>
              <DeleteStudent
                key={student.studentId}
                student={student}
                onDeleted={(found) => {
                  setMessage({ kind: 'ok', text: `${student.name}'s record was deleted.` });
                  setMentions({ name: student.name, list: found });
                  setStudent(null);
                  void queryClient.invalidateQueries({ queryKey: trpc.caseload.list.queryKey() });
                }}
              />
            </>
          ) : (
            <p className="records-hint">Choose a student to export or delete their record.</p>
          )}
        </div>
      )}
    </>
  );
}
