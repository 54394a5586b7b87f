import { Button } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { SelectField } from '../../components/SelectField';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import type { Options } from './studentOptions';

/** Current and upcoming services without a provider; choose one and assign. */
export function NeedsProvider({ options }: { options: Options | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const waiting = useQuery(trpc.students.needsProvider.queryOptions());
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const assign = useMutation(
    trpc.students.updateService.mutationOptions({
      onSettled: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.students.needsProvider.queryKey() }),
    }),
  );
  if (!waiting.data || waiting.data.length === 0) return null;
  const errors = fieldErrors(assign.error);
  return (
    <section className="section-card" aria-labelledby="needs-provider">
      <h2 id="needs-provider">Needs a provider</h2>
      {assign.isError && (
        <p className="form-alert" role="alert">
          {errors.providerId?.join(' ') ?? userMessage(assign.error)}
        </p>
      )}
      <ul className="needs-provider">
        {waiting.data.map((w) => (
          <li key={w.serviceId} className="needs-provider__row">
            <span>
              <Link to={`/students/${w.studentId}/manage`}>{w.studentName}</Link>{' '}
              <span className="muted small">
                · {w.schoolName} · {w.discipline} {w.minutes} min/{w.per} · from {w.startDate}
              </span>
            </span>
            <SelectField
              label={`${w.discipline} provider for ${w.studentName}`}
              value={chosen[w.serviceId] ?? ''}
              onChange={(e) => setChosen((c) => ({ ...c, [w.serviceId]: e.target.value }))}
            >
              <option value="">Choose…</option>
              {options?.providers
                .filter((p) => p.discipline === w.discipline)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
            </SelectField>
            <Button
              size="small"
              disabled={!chosen[w.serviceId]}
              busy={assign.isPending && assign.variables?.serviceId === w.serviceId}
              onClick={() =>
                assign.mutate({
                  serviceId: w.serviceId,
                  expectedVersion: w.version,
                  discipline: w.discipline as 'OT',
                  providerId: chosen[w.serviceId] ?? null,
                  minutes: w.minutes,
                  per: w.per as 'week',
                  model: w.model as 'pull_out',
                  startDate: w.startDate,
                  endDate: w.endDate,
                })
              }
            >
              Assign
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
