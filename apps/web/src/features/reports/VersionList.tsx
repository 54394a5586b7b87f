import type { ReportView } from '@carryover/domain';
import { Link } from 'react-router';
import { DistrictDate } from '../../components/DistrictDate';

/** Every finalised version, each printable exactly as it was finalised. */
export function VersionList({ report }: { report: ReportView }) {
  const base = `/reports/${encodeURIComponent(report.id)}/print`;
  return (
    <section className="section-card report-versions" aria-label="Finalised versions">
      <h2 className="report-goal__title">Finalised versions</h2>
      <ol>
        {report.versions.map((v) => (
          <li key={v.version}>
            Version {v.version}, finalised on <DistrictDate at={v.finalizedAt} />
            {v.finalizedBy ? ` by ${v.finalizedBy}` : ''}
            {v.amendReason ? ` — amended: ${v.amendReason}` : ''} ·{' '}
            <Link to={`${base}?v=${v.version}`}>Print version {v.version}</Link>
          </li>
        ))}
      </ol>
    </section>
  );
}
