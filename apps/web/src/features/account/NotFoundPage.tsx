import { PageHeader } from '@carryover/ui';
import { Link } from 'react-router';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <>
      <PageHeader title="Page not found" />
      <div className="section-card">
        <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
        <Link to="/">Go to your home page</Link>
      </div>
    </>
  );
}
