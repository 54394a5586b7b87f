import { labels, type ServiceModel } from '@carryover/domain';
import { Button, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { letterLanguages } from '../../i18n/letter';
import { userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';
import { StudentClaimData } from './ClaimDataForms';
import { ExitForm, TransferForm } from './ExitTransferForms';
import { ServiceForm } from './ServiceForm';
import { StudentForm } from './StudentForm';
import { useOptions } from './studentOptions';

// One student's management page (admins and coordinators): details, services and moves.

/** One student: details, services, moves. */
export function StudentManagePage() {
  const { studentId = '' } = useParams();
  const trpc = useTRPC();
  const options = useOptions();
  const student = useQuery(trpc.students.get.queryOptions({ studentId }));
  const [panel, setPanel] = useState<
    'edit' | 'service' | 'transfer' | `service:${string}` | `exit:${string}` | null
  >(null);
  useDocumentTitle(
    student.data ? `Manage ${student.data.firstName} ${student.data.lastName}` : 'Manage student',
  );
  if (student.isPending || options.isPending)
    return <LoadingState label="Loading the student" rows={4} />;
  if (student.isError) return <ErrorState message={userMessage(student.error)} />;
  if (options.isError) return <ErrorState message={userMessage(options.error)} />;
  const s = student.data;
  const o = options.data;
  const close = () => setPanel(null);
  const homeroomName = (id: string | null) =>
    o.classrooms.find((c) => c.id === id)?.name ?? 'no homeroom';
  return (
    <>
      <PageHeader
        eyebrow={<Link to="/students">Students</Link>}
        title={`${s.firstName} ${s.lastName}`}
        description={`Grade ${s.grade} · ${s.schoolName} · ${s.homeroomName ?? 'no homeroom'}`}
        actions={<Link to={`/students/${s.id}`}>Goals and sessions</Link>}
      />
      <section className="section-card" aria-labelledby="details">
        <div className="section-heading">
          <h2 id="details">Details</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('edit')}
            disabled={panel === 'edit'}
          >
            Edit details
          </Button>
        </div>
        {panel === 'edit' ? (
          <StudentForm options={o} student={s} onDone={close} />
        ) : (
          <p>
            Born {s.dateOfBirth} · IEP from {s.iepStart} · annual review {s.iepAnnualReview} ·
            reevaluation {s.iepReevaluation} · family's language{' '}
            {letterLanguages.find((l) => l.code === s.familyLanguage)?.name ?? s.familyLanguage}
          </p>
        )}
      </section>
      <StudentClaimData studentId={s.id} dateOfBirth={s.dateOfBirth} />
      <section className="section-card" aria-labelledby="services">
        <div className="section-heading">
          <h2 id="services">Services</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('service')}
            disabled={panel === 'service'}
          >
            Add a service
          </Button>
        </div>
        {panel === 'service' && (
          <ServiceForm studentId={s.id} service={null} options={o} onDone={close} />
        )}
        {s.services.length === 0 ? (
          <p className="muted">No services yet.</p>
        ) : (
          <ul className="routine-list">
            {s.services.map((v) => (
              <li key={v.id} className="stack">
                <div className="service-row">
                  <strong>
                    {v.discipline} · {v.minutes} min/{v.per} ·{' '}
                    {labels.model[v.model as ServiceModel] ?? v.model}
                  </strong>
                  <span className="muted">
                    {v.startDate} to {v.endDate} · {v.providerName ?? 'needs a provider'}
                  </span>
                  <Button variant="ghost" size="small" onClick={() => setPanel(`service:${v.id}`)}>
                    Edit<span className="visually-hidden"> {v.discipline} service</span>
                  </Button>
                  <Button variant="ghost" size="small" onClick={() => setPanel(`exit:${v.id}`)}>
                    Exit<span className="visually-hidden"> from the {v.discipline} service</span>
                  </Button>
                </div>
                {panel === `service:${v.id}` && (
                  <ServiceForm studentId={s.id} service={v} options={o} onDone={close} />
                )}
                {panel === `exit:${v.id}` && <ExitForm serviceId={v.id} onDone={close} />}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="section-card" aria-labelledby="moves">
        <div className="section-heading">
          <h2 id="moves">School and homeroom</h2>
          <Button
            variant="secondary"
            size="small"
            onClick={() => setPanel('transfer')}
            disabled={panel === 'transfer'}
          >
            Transfer
          </Button>
        </div>
        {panel === 'transfer' && <TransferForm student={s} options={o} onDone={close} />}
        {s.transfers.length === 0 ? (
          <p className="muted">No transfers.</p>
        ) : (
          <ul>
            {s.transfers.map((t) => (
              <li key={t.id}>
                {t.effectiveOn}: {t.fromSchoolName} ({homeroomName(t.fromHomeroomId)}) →{' '}
                {t.toSchoolName} ({homeroomName(t.toHomeroomId)}) · {t.reason}
                {t.byName ? ` · by ${t.byName}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
