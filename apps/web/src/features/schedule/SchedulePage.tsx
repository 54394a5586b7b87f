import { addDays, weekStart } from '@carryover/domain';
import { Button, ErrorState, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDistrictToday, useViewer } from '../../auth';
import { SelectField } from '../../components/SelectField';
import { editConflict, errorCode, fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { usePhoneWidth } from '../../lib/usePhoneWidth';
import { useTRPC, useTRPCClient } from '../../trpc';
import { AutoSchedule } from './AutoSchedule';
import { CalendarFeed } from './CalendarFeed';
import { DayList } from './DayList';
import { SessionEditor, type ShownConflict } from './SessionEditor';
import { formatWeek, timeInputValue } from './time';
import { gridDays, gridItem, logHref, studentShort } from './view';
import { type Placement, WeekGrid } from './WeekGrid';
import { WeekSettings } from './WeekSettings';
import './schedule.css';

// The Schedule page: a therapist's (or assistant's) week. Coordinators and admins choose whose.
// A move — dragged, or typed in the edit form — is checked against the schedule's rules first;
// without conflicts it is saved at once, with conflicts it waits beside the session until
// saved anyway with a reason (kept) or undone.

type ApplyTo = 'series' | 'occurrence';

interface Draft {
  key: string;
  to: Placement;
  conflicts: ShownConflict[] | null;
}

/** The Monday of the address's `week` (any day of it), or of today's week when it is not a date. */
function weekOfParam(week: string | null, today: string): string {
  try {
    return weekStart(week && /^\d{4}-\d{2}-\d{2}$/.test(week) ? week : today);
  } catch {
    return weekStart(today);
  }
}

export function SchedulePage() {
  useDocumentTitle('Schedule');
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const me = useViewer();
  const today = useDistrictToday();
  const phone = usePhoneWidth();
  const [params, setParams] = useSearchParams();
  const weekOf = weekOfParam(params.get('week'), today);
  const providerParam = params.get('therapist') ?? undefined;

  const week = useQuery(trpc.schedule.week.queryOptions({ weekOf, providerId: providerParam }));
  const closures = useQuery(
    trpc.schedule.closures.queryOptions({ from: weekOf, to: addDays(weekOf, 4) }),
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [applyTo, setApplyTo] = useState<ApplyTo>('series');
  const [status, setStatus] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saveFields, setSaveFields] = useState<Record<string, string[]>>({});
  const [checking, setChecking] = useState(false);
  const [autoOpen, setAutoOpen] = useState(false);
  const [phoneDay, setPhoneDay] = useState<number | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.schedule.pathKey() });
  const save = useMutation(trpc.schedule.save.mutationOptions());
  const cancel = useMutation(
    trpc.schedule.cancelOccurrence.mutationOptions({
      onSuccess: () => {
        setStatus('This week’s session is cancelled; its minutes are owed as missed.');
        void refresh();
      },
    }),
  );
  const restore = useMutation(
    trpc.schedule.restoreOccurrence.mutationOptions({
      onSuccess: () => {
        setStatus('The session takes place again as planned.');
        void refresh();
      },
    }),
  );

  const setWeek = (date: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.set('week', date);
        return next;
      },
      { replace: true },
    );
  const setProvider = (id: string) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.set('therapist', id);
      return next;
    });

  const header = (
    <PageHeader
      title="Schedule"
      description={
        phone
          ? 'Your planned sessions day by day. Open a session to move it, change its length or cancel it.'
          : 'Your planned sessions week by week. Drag a session to move it, drag its lower edge to change its length, or open it to edit.'
      }
    />
  );
  if (week.isPending) {
    return (
      <>
        {header}
        <LoadingState label="Loading the week" rows={6} />
      </>
    );
  }
  if (week.isError) {
    return (
      <>
        {header}
        <ErrorState
          title="The schedule could not be loaded"
          message={userMessage(week.error)}
          onRetry={() => void week.refetch()}
          retrying={week.isFetching}
        />
      </>
    );
  }
  const data = week.data;
  const occurrences = data.occurrences;
  const days = gridDays(data.days, occurrences, closures.data ?? [], data.schoolDays);
  const items = occurrences.map((o) =>
    gridItem(o, draft?.key === o.key || (save.isPending && selected === o.key)),
  );
  const shownItems = draft
    ? items.map((i) =>
        i.id === draft.key ? { ...i, ...draft.to, conflicts: draft.conflicts?.length ?? 0 } : i,
      )
    : items;
  const selectedOccurrence = occurrences.find((o) => o.key === selected) ?? null;
  const selectedItem = shownItems.find((i) => i.id === selected) ?? null;
  const originalItem = items.find((i) => i.id === selected) ?? null;
  const provider = data.provider;
  const choosesProvider = me.data?.role === 'coordinator' || me.data?.role === 'admin';
  const ownSchedule = provider?.id === me.data?.id;

  const saveInput = (key: string, to: Placement, mode: ApplyTo, overrideReason: string | null) => {
    const o = occurrences.find((x) => x.key === key);
    if (!o) return null;
    const reason = overrideReason ?? undefined;
    const minutes = to.end - to.start;
    if (mode === 'occurrence' || o.status === 'moved') {
      return {
        kind: 'occurrence' as const,
        sessionId: o.sessionId,
        expectedVersion: o.version,
        occurrenceDate: o.originalDate,
        date: data.days[to.day] ?? o.date,
        startTime: timeInputValue(to.start),
        minutes,
        overrideReason: reason,
      };
    }
    return {
      kind: 'series' as const,
      sessionId: o.sessionId,
      expectedVersion: o.version,
      providerId: o.providerId,
      weekday: to.day + 1,
      startTime: timeInputValue(to.start),
      minutes,
      model: o.model,
      schoolId: o.school.id,
      classroomId: o.classroom?.id ?? null,
      routineId: o.routine?.id ?? null,
      room: o.model === 'pull_out' ? o.room : null,
      studentIds: o.students.map((s) => s.id),
      overrideReason: reason,
    };
  };

  /** Checks a move against the rules; saves it at once when nothing conflicts. */
  const tryMove = async (key: string, to: Placement, overrideReason: string | null) => {
    const input = saveInput(key, to, applyTo, overrideReason);
    if (!input) return;
    setSelected(key);
    setSaveError(null);
    setSaveFields({});
    setStatus(null);
    try {
      if (!overrideReason) {
        setDraft({ key, to, conflicts: null });
        setChecking(true);
        const { conflicts } = await client.schedule.check.query(input);
        setChecking(false);
        if (conflicts.length > 0) {
          setDraft({ key, to, conflicts });
          return;
        }
      }
      await save.mutateAsync(input);
      setDraft(null);
      setStatus(
        overrideReason
          ? 'Saved with its conflicts; your reason is kept with the session.'
          : 'Saved. No conflicts.',
      );
      await refresh();
    } catch (error) {
      setChecking(false);
      const stale = editConflict(error);
      if (stale) {
        setDraft(null);
        setSaveError(`${stale.message} The week is reloaded; try the change again.`);
        await refresh();
        return;
      }
      // Something changed between the check and the save: the refusal names each conflict on
      // the reason field; show them as a check would.
      const refused = fieldErrors(error).overrideReason ?? [];
      if (refused.length > 0 && !overrideReason) {
        setDraft({ key, to, conflicts: refused.map((message) => ({ kind: 'conflict', message })) });
        return;
      }
      setSaveFields(fieldErrors(error));
      setSaveError(
        errorCode(error) === 'BAD_REQUEST' && Object.keys(fieldErrors(error)).length > 0
          ? 'The change could not be saved: see the fields below.'
          : userMessage(error),
      );
    }
  };

  const students = new Map<string, string>();
  for (const o of occurrences)
    for (const s of o.students) if (!students.has(s.id)) students.set(s.id, studentShort(s));

  const draftHere = draft && draft.key === selected ? draft : null;
  const editor =
    selectedItem && selectedOccurrence && originalItem ? (
      <SessionEditor
        // A new drop starts the form afresh at the dropped place.
        key={`${selectedItem.id}:${draftHere ? `${draftHere.to.day}-${draftHere.to.start}-${draftHere.to.end}` : 'saved'}`}
        item={originalItem}
        saved={{
          conflicts: selectedOccurrence.conflicts,
          overrideReason: selectedOccurrence.overrideReason,
        }}
        days={days}
        draft={draftHere?.to ?? null}
        conflicts={draftHere?.conflicts ?? null}
        checking={checking}
        saving={save.isPending}
        error={saveError}
        fieldErrors={saveFields}
        applyTo={selectedOccurrence.status === 'moved' ? 'occurrence' : applyTo}
        onApplyTo={selectedOccurrence.status === 'moved' ? null : setApplyTo}
        logHref={
          selectedOccurrence.date === today && !selectedItem.cancelled && ownSchedule
            ? logHref({
                studentIds: selectedOccurrence.students.map((s) => s.id),
                model: selectedOccurrence.model,
                routineId: selectedOccurrence.routine?.id ?? null,
                startTime: selectedOccurrence.startTime,
                endTime: selectedOccurrence.endTime,
              })
            : null
        }
        onSave={(to, reason) => void tryMove(selectedItem.id, to, reason)}
        onUndo={() => {
          setDraft(null);
          setSaveError(null);
          setStatus('The move is undone.');
        }}
        onCancelOccurrence={(reason, note) =>
          cancel.mutate({
            sessionId: selectedOccurrence.sessionId,
            date: selectedOccurrence.originalDate,
            reason,
            note,
          })
        }
        cancelling={cancel.isPending}
        cancelError={cancel.isError ? userMessage(cancel.error) : null}
        cancelFieldErrors={cancel.isError ? fieldErrors(cancel.error) : {}}
        onRestore={
          selectedOccurrence.status === 'cancelled' || selectedOccurrence.status === 'moved'
            ? () =>
                restore.mutate({
                  sessionId: selectedOccurrence.sessionId,
                  date: selectedOccurrence.originalDate,
                })
            : null
        }
        restoring={restore.isPending}
        onClose={() => {
          setSelected(null);
          setDraft(null);
          setSaveError(null);
        }}
      />
    ) : null;

  const phoneDayShown = phoneDay ?? days.find((d) => d.date === today)?.day ?? days[0]?.day ?? 0;

  return (
    <>
      {header}
      <div className="schedule-toolbar">
        {choosesProvider && data.providers.length > 0 && (
          <SelectField
            label="Therapist"
            value={provider?.id ?? ''}
            onChange={(e) => {
              setSelected(null);
              setDraft(null);
              setProvider(e.target.value);
            }}
          >
            {data.providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.discipline ? ` (${p.discipline})` : ''}
              </option>
            ))}
          </SelectField>
        )}
        <nav className="schedule-toolbar__week" aria-label="Week">
          <Button variant="secondary" size="small" onClick={() => setWeek(addDays(weekOf, -7))}>
            ‹ Previous week
          </Button>
          <strong aria-live="polite">{formatWeek(data.weekOf)}</strong>
          <Button variant="secondary" size="small" onClick={() => setWeek(addDays(weekOf, 7))}>
            Next week ›
          </Button>
          {weekStart(today) !== data.weekOf && (
            <Button variant="ghost" size="small" onClick={() => setWeek(today)}>
              This week
            </Button>
          )}
        </nav>
        {provider && (
          <Button onClick={() => setAutoOpen(true)} disabled={autoOpen}>
            Auto-schedule
          </Button>
        )}
      </div>
      {status && (
        <p className="saved-note schedule-status" role="status">
          {status}
        </p>
      )}
      {provider && autoOpen && (
        <AutoSchedule
          providerId={provider.id}
          weekOf={data.weekOf}
          students={[...students.entries()].map(([id, label]) => ({ id, label }))}
          onAccepted={(acceptedWeek, message) => {
            setAutoOpen(false);
            setStatus(message);
            setWeek(acceptedWeek);
          }}
          onClose={() => setAutoOpen(false)}
        />
      )}
      {!provider ? (
        <p>No schedules to show: nobody on your team plans sessions yet.</p>
      ) : (
        <div className={`schedule-layout${editor ? ' schedule-layout--aside' : ''}`}>
          <div className="stack">
            <p className="small muted">
              {provider.name}’s week.{' '}
              {occurrences.length === 0
                ? 'Nothing is planned yet: try Auto-schedule.'
                : `${occurrences.filter((o) => o.status === 'planned' || o.status === 'moved').length} sessions take place.`}
            </p>
            {phone ? (
              <DayList
                days={days}
                items={shownItems}
                day={phoneDayShown as 0 | 1 | 2 | 3 | 4}
                onDay={setPhoneDay}
                selectedId={selected}
                onSelect={(id) => {
                  setSelected(id);
                  setDraft(null);
                }}
              />
            ) : (
              <WeekGrid
                days={days}
                today={today}
                items={shownItems}
                selectedId={selected}
                onSelect={(id) => {
                  setSelected(id);
                  if (draft?.key !== id) setDraft(null);
                }}
                onMove={(id, to) => void tryMove(id, to, null)}
              />
            )}
          </div>
          {editor}
        </div>
      )}
      {(provider || choosesProvider) && (
        <div style={{ marginTop: 'var(--space-5)' }}>
          <WeekSettings
            providerId={provider?.id ?? null}
            weekOf={data.weekOf}
            admin={me.data?.role === 'admin'}
          />
        </div>
      )}
      {ownSchedule && (me.data?.role === 'therapist' || me.data?.role === 'assistant') && (
        <div style={{ marginTop: 'var(--space-5)' }}>
          <CalendarFeed />
        </div>
      )}
    </>
  );
}
