import { Button, Field } from '@carryover/ui';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useTRPC } from '../../trpc';
import { ProposalPanel, SolverProgress } from './ProposalPanel';
import { ConflictList } from './SessionEditor';
import { minutesFromInput, weekdayOfIso } from './time';
import { placeOf, studentShort } from './view';

// Auto-schedule on the Schedule page: choose the students (default the whole caseload), let the
// solver propose a week, then accept all of it or the checked placements.

export interface StudentChoice {
  id: string;
  label: string;
}

export function AutoSchedule({
  providerId,
  weekOf,
  students,
  onAccepted,
  onClose,
}: {
  providerId: string;
  weekOf: string;
  students: StudentChoice[];
  onAccepted: (weekOf: string, message: string) => void;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [some, setSome] = useState(false);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [startedAt, setStartedAt] = useState(0);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const [acceptKeys, setAcceptKeys] = useState<string[] | undefined>(undefined);
  const [reason, setReason] = useState('');
  // Conflicts that arose since the proposal: a refused accept names each on the reason field.
  const [refused, setRefused] = useState<string[]>([]);
  const propose = useMutation(trpc.schedule.propose.mutationOptions());
  const accept = useMutation(
    trpc.schedule.accept.mutationOptions({
      onError: (error, sent) => {
        if (!sent.overrideReason) setRefused(fieldErrors(error).overrideReason ?? []);
      },
      onSuccess: (done) => {
        setRefused([]);
        void queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
        const parts = [`${done.created} session${done.created === 1 ? '' : 's'} added`];
        if (done.kept > 0) parts.push(`${done.kept} kept as they were`);
        if (done.ended > 0) parts.push(`${done.ended} earlier ended`);
        onAccepted(done.weekOf, `Proposal accepted: ${parts.join(', ')}.`);
      },
    }),
  );

  const run = () => {
    if (some && chosen.size === 0) {
      setChoiceError('Check at least one student, or plan the whole caseload');
      return;
    }
    setChoiceError(null);
    setStartedAt(Date.now());
    propose.mutate({
      providerId,
      weekOf,
      studentIds: some ? [...chosen] : undefined,
    });
  };

  const proposal = propose.data;
  return (
    <section className="section-card stack schedule-auto" aria-labelledby="auto-heading">
      <h2 id="auto-heading">Auto-schedule</h2>
      {!proposal && !propose.isPending && (
        <>
          <p className="small">
            Proposes a week that meets each service’s minutes, places push-in sessions inside a
            routine linked to the goal, groups compatible students, and keeps your current sessions
            where it can. Nothing changes until you accept.
          </p>
          <fieldset className="stack">
            <legend className="field__label">Plan for</legend>
            <label>
              <input type="radio" name="auto-who" checked={!some} onChange={() => setSome(false)} />{' '}
              The whole caseload
            </label>
            <label>
              <input type="radio" name="auto-who" checked={some} onChange={() => setSome(true)} />{' '}
              Chosen students
            </label>
            {some && (
              <div className="auto-students">
                {students.length === 0 && (
                  <p className="muted">No students on this schedule yet.</p>
                )}
                {students.map((s) => (
                  <label key={s.id}>
                    <input
                      type="checkbox"
                      checked={chosen.has(s.id)}
                      onChange={() =>
                        setChosen((c) => {
                          const next = new Set(c);
                          if (next.has(s.id)) next.delete(s.id);
                          else next.add(s.id);
                          return next;
                        })
                      }
                    />{' '}
                    {s.label}
                  </label>
                ))}
              </div>
            )}
            {choiceError && (
              <p className="field__error" role="alert">
                {choiceError}
              </p>
            )}
          </fieldset>
          {propose.isError && (
            <p className="form-alert" role="alert">
              {userMessage(propose.error)}
            </p>
          )}
          <div className="button-row">
            <Button onClick={run}>Propose a week</Button>
            <Button variant="ghost" onClick={onClose}>
              Close
            </Button>
          </div>
        </>
      )}
      {propose.isPending && <SolverProgress since={startedAt} />}
      {proposal && (
        <>
          <p className="small muted">
            For the week of {proposal.weekOf}. Solved in {proposal.seconds.toFixed(1)} s
            {proposal.gap > 0 ? ` (within ${(proposal.gap * 100).toFixed(1)}% of the best)` : ''}.
          </p>
          <ProposalPanel
            sessions={proposal.placements.map((p) => ({
              key: p.key,
              day: weekdayOfIso(p.weekday),
              start: minutesFromInput(p.startTime) ?? 0,
              end: minutesFromInput(p.endTime) ?? 0,
              model: p.model,
              place: placeOf(p),
              students: p.students.map(studentShort),
              explanations: p.explanations,
            }))}
            unplaced={proposal.unplaced.map((u) => ({
              key: `${u.serviceId}:${u.studentId}`,
              message: u.message,
              minutesShort: u.minutesShort,
            }))}
            accepting={accept.isPending}
            error={accept.isError && refused.length === 0 ? userMessage(accept.error) : null}
            onAccept={(keys) => {
              const chosenKeys = keys.length === proposal.placements.length ? undefined : keys;
              setAcceptKeys(chosenKeys);
              accept.mutate({ proposalId: proposal.proposalId, chosen: chosenKeys });
            }}
            onDiscard={() => {
              propose.reset();
              onClose();
            }}
          />
          {refused.length > 0 && (
            // The week changed since the proposal: its new conflicts, and accepting anyway.
            <form
              className="stack"
              onSubmit={(e) => {
                e.preventDefault();
                accept.mutate({
                  proposalId: proposal.proposalId,
                  chosen: acceptKeys,
                  overrideReason: reason,
                });
              }}
            >
              <ConflictList
                conflicts={refused.map((message) => ({ kind: 'conflict', message }))}
                title="Conflicts since this proposal"
              />
              <Field
                label="Reason to accept anyway"
                hint="Kept with the sessions, for whoever plans next."
                value={reason}
                maxLength={500}
                onChange={(e) => setReason(e.target.value)}
                error={accept.variables?.overrideReason ? refusedReason(accept.error) : undefined}
              />
              <div className="button-row">
                <Button type="submit" variant="primary" busy={accept.isPending}>
                  Accept anyway
                </Button>
              </div>
            </form>
          )}
        </>
      )}
    </section>
  );
}

function refusedReason(error: unknown): string | undefined {
  return fieldErrors(error).overrideReason?.[0];
}
