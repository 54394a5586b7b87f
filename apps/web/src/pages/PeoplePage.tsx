import { labels, type Role } from '@carryover/domain';
import { Button, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useViewer } from '../auth';
import { userMessage } from '../lib/errors';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTRPC } from '../trpc';

// The admin's People list: who has an account, their role, whether two-step sign-in is on;
// deactivating someone ends every session of theirs at once.

export function PeoplePage() {
  useDocumentTitle('People');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useViewer();
  const users = useQuery(trpc.admin.users.queryOptions());
  const setActive = useMutation(
    trpc.admin.setUserActive.mutationOptions({
      onSettled: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.admin.users.queryKey() }),
    }),
  );
  return (
    <>
      <PageHeader title="People" description="Staff accounts of your district" />
      {setActive.isError && (
        <div className="form-alert" role="alert">
          {userMessage(setActive.error)}
        </div>
      )}
      {users.isPending && <LoadingState label="Loading people" rows={4} />}
      {users.isError && <ErrorState title="Could not load" message={userMessage(users.error)} />}
      {users.data && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Two-step</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{labels.role[u.role as Role] ?? u.role}</td>
                <td>{u.mfaEnrolled ? 'On' : 'Off'}</td>
                <td>{u.active ? 'Active' : 'Deactivated'}</td>
                <td>
                  {u.id !== me.data?.id && (
                    <Button
                      variant="secondary"
                      busy={setActive.isPending && setActive.variables?.userId === u.id}
                      onClick={() => setActive.mutate({ userId: u.id, active: !u.active })}
                    >
                      {u.active ? `Deactivate ${u.name}` : `Reactivate ${u.name}`}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
