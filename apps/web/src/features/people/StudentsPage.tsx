import { Button, EmptyState, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { SelectField } from '../../components/SelectField';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { NeedsProvider } from './NeedsProvider';
import { StudentForm } from './StudentForm';
import { useOptions } from './studentOptions';

// The Students page (admins: the district; coordinators: their schools): the students a page at
// a time, adding a student, the services waiting for a provider, and one student's management
// page — their details, services (add, edit, exit) and moves to another school or homeroom.

export function StudentsPage() {
  useDocumentTitle('Students');
  const trpc = useTRPC();
  const options = useOptions();
  const [search, setSearch] = useState('');
  const [schoolId, setSchoolId] = useState('');
  const [adding, setAdding] = useState(false);
  const navigate = useNavigate();
  const list = useInfiniteQuery({
    ...trpc.students.list.infiniteQueryOptions(
      { search: search.trim() || undefined, schoolId: schoolId || undefined, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.pages.flatMap((p) => p.students) ?? [];
  return (
    <>
      <PageHeader
        title="Students"
        description="Add and correct students, their services and homerooms; move a student to another school"
        actions={
          <Button onClick={() => setAdding(true)} disabled={adding}>
            Add a student
          </Button>
        }
      />
      {adding && options.data && (
        <section className="section-card">
          <h2>Add a student</h2>
          <StudentForm
            options={options.data}
            student={null}
            onDone={(id) => {
              setAdding(false);
              if (id) navigate(`/students/${id}/manage`);
            }}
          />
        </section>
      )}
      <NeedsProvider options={options.data} />
      <section className="section-card" aria-labelledby="students-list">
        <h2 id="students-list">All students you manage</h2>
        <div className="goal-form__row">
          <Field
            label="Search by name"
            name="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <SelectField
            label="School"
            name="schoolId"
            value={schoolId}
            onChange={(e) => setSchoolId(e.target.value)}
          >
            <option value="">All</option>
            {options.data?.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
        </div>
        {list.isPending && <LoadingState label="Loading students" rows={5} />}
        {list.isError && (
          <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />
        )}
        {list.data && rows.length === 0 && <EmptyState title="No students match" />}
        {rows.length > 0 && (
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Student</th>
                  <th scope="col">Grade</th>
                  <th scope="col">School</th>
                  <th scope="col">Homeroom</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/students/${s.id}/manage`}>
                        {s.lastName}, {s.firstName}
                      </Link>
                    </td>
                    <td>{s.grade}</td>
                    <td>{s.schoolName}</td>
                    <td>{s.homeroomName ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.hasNextPage && (
          <Button
            variant="secondary"
            busy={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            Show more students
          </Button>
        )}
      </section>
    </>
  );
}
