import { unitRuleLabels } from '@carryover/domain';
import { ErrorState, formatDate, LoadingState } from '@carryover/ui';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useViewer } from '../../auth';
import { DistrictDate } from '../../components/DistrictDate';
import { userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';

// The billing view of the period: what can be claimed, and its CSV.

/**
 * The server's streamed export (GET /export/…, the session cookie signs it): the browser saves the
 * file as it arrives, so even a whole district's CSV is never held in memory on either side.
 */
export function exportHref(file: 'fidelity.csv' | 'billing.csv', params: Record<string, unknown>) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (typeof value === 'string' && value !== '') query.set(key, value);
  return `/export/${file}?${query}`;
}

/**
 * Medicaid billing: a preview of the billing file for the period (every row says whether it
 * bills and why not), narrowed to a school or therapist; coordinators and admins record an
 * export, which enters the history so nothing is billed twice.
 */
export function BillingPanel(props: { from: string; to: string; wide: boolean }) {
  // Folded until asked for: the fidelity table's own requests go first.
  const [open, setOpen] = useState(false);
  return (
    <details
      className="section-card billing-panel"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        <h2 id="billing-heading">Medicaid billing</h2>
      </summary>
      {open && <BillingDetails {...props} />}
    </details>
  );
}

function BillingDetails({ from, to, wide }: { from: string; to: string; wide: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [schoolId, setSchoolId] = useState('');
  const [therapistId, setTherapistId] = useState('');
  const options = useQuery({ ...trpc.billing.providers.queryOptions(), enabled: wide });
  const history = useQuery(trpc.billing.exports.queryOptions());
  const settings = useQuery(trpc.billing.settings.queryOptions());
  const isAdmin = useViewer().data?.role === 'admin';
  const params = { from, to, schoolId, therapistId };
  return (
    <section aria-labelledby="billing-heading">
      <p className="small muted">
        Signed, delivered sessions (co-signed when an assistant logged them) with the student’s
        Medicaid ID, birth date and ICD-10 diagnosis and the provider’s NPI bill; every other row
        says “not billable” and why.
        {settings.data
          ? ` Units: ${unitRuleLabels[settings.data.unitRule]} for timed codes, one per session for untimed ones.`
          : ''}
      </p>
      {isAdmin && (
        <p className="small">
          <Link to="/admin/billing">Billing codes and units rule</Link>
        </p>
      )}
      {wide && (
        <div className="filters">
          <label className="select-field">
            <span className="field__label">School</span>
            <select value={schoolId} onChange={(e) => setSchoolId(e.target.value)}>
              <option value="">All schools</option>
              {options.data?.schools.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label className="select-field">
            <span className="field__label">Therapist</span>
            <select value={therapistId} onChange={(e) => setTherapistId(e.target.value)}>
              <option value="">All therapists</option>
              {options.data?.providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.discipline ?? p.role})
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div className="log-session__actions">
        <a className="btn btn--secondary" href={exportHref('billing.csv', params)} download>
          Billing preview CSV
        </a>
        {wide && (
          <a
            className="btn btn--primary"
            href={exportHref('billing.csv', { ...params, record: '1' })}
            download
            onClick={() => {
              // The file downloads on its own; the history shows it once it is recorded.
              window.setTimeout(
                () =>
                  void queryClient.invalidateQueries({
                    queryKey: trpc.billing.exports.queryKey(),
                  }),
                1500,
              );
            }}
          >
            Record billing export
          </a>
        )}
      </div>
      <h3>Export history</h3>
      {history.isPending ? (
        <LoadingState label="Loading the export history" rows={2} />
      ) : history.isError ? (
        <ErrorState message={userMessage(history.error)} onRetry={() => void history.refetch()} />
      ) : history.data.length === 0 ? (
        <p className="small muted">No billing export recorded yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table billing-history">
            <caption className="visually-hidden">Recorded billing exports</caption>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">Period</th>
                <th scope="col">By</th>
                <th scope="col" className="num">
                  Billed
                </th>
                <th scope="col" className="num">
                  Re-billed
                </th>
                <th scope="col" className="num">
                  Reversed
                </th>
                <th scope="col" className="num">
                  Units
                </th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((h) => (
                <tr key={h.id}>
                  <td>
                    <DistrictDate at={h.createdAt} />
                  </td>
                  <td>
                    {formatDate(h.filters.from)} – {formatDate(h.filters.to)}
                    {h.filters.schoolId || h.filters.therapistId || h.filters.studentId
                      ? ' (filtered)'
                      : ''}
                  </td>
                  <td>{h.createdBy}</td>
                  <td className="num">{h.billed}</td>
                  <td className="num">{h.rebilled}</td>
                  <td className="num">{h.reversed}</td>
                  <td className="num">{h.units}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
