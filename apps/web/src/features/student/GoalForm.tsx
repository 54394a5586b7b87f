import type {
  Direction,
  Discipline,
  GoalDomain,
  GoalEditView,
  GoalFormContext,
  GoalPhase,
  MeasurementType,
  ServiceModel,
} from '@carryover/domain';
import {
  disciplines,
  fillTemplate,
  GoalCreateInput,
  GoalUpdateInput,
  goalBank,
  goalDomains,
  goalPhases,
  labels,
  measurementTypes,
  promptLevels,
  promptLevelWords,
  searchGoalTemplates,
  serviceModels,
} from '@carryover/domain';
import { Button, Field } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ConflictBanner } from '../../components/ConflictBanner';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useVersionedForm } from '../../lib/useVersionedForm';
import { useTRPC } from '../../trpc';
import {
  type FormState,
  fieldLabels,
  measurementLabel,
  num,
  phaseLabel,
  routineLabel,
  showField,
} from './goalFormState';

// The goal form: measurement, baseline and target, routines, model and phase, with field-level errors.

export function GoalForm({
  context,
  initial,
  goalId,
  original,
}: {
  context: GoalFormContext;
  initial: FormState;
  goalId: string | null;
  original: GoalEditView | null;
}) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const id = useId();
  const form = useVersionedForm(initial, original?.version ?? 0);
  const f = form.draft;
  const setF = form.setDraft;
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [bankDiscipline, setBankDiscipline] = useState<Discipline>(initial.discipline);
  const [bankQuery, setBankQuery] = useState('');
  // The district's templates and the built-in ones, fetched once per discipline and searched
  // here as the user types; the built-in bank alone when the server cannot be reached.
  const bank = useQuery({
    ...trpc.goalBank.list.queryOptions({ discipline: bankDiscipline }),
    enabled: !goalId,
  });
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setF((s) => ({ ...s, [key]: value }));
  const firstName = context.studentName.split(' ')[0] ?? '';
  const studentUrl = `/students/${encodeURIComponent(context.studentId)}`;

  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.student.get.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.caseload.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.goals.get.queryKey() });
    navigate(studentUrl);
  };
  const onError = (e: unknown) => {
    if (form.catchConflict(e)) {
      // Load the newer version: the banner shows it and offers to reapply.
      setFormError(null);
      void queryClient.invalidateQueries({ queryKey: trpc.goals.get.queryKey() });
      return;
    }
    const fields = fieldErrors(e);
    setErrors(fields);
    setFormError(
      Object.keys(fields).length > 0 ? 'Check the fields marked below.' : userMessage(e),
    );
  };
  const create = useMutation(trpc.goals.create.mutationOptions({ onSuccess: done, onError }));
  const update = useMutation(trpc.goals.update.mutationOptions({ onSuccess: done, onError }));
  const modelChanged = original !== null && original.currentModel !== f.currentModel;
  const phaseChanged = original !== null && original.phase !== f.phase;

  function input(f: FormState) {
    return {
      studentId: context.studentId,
      discipline: f.discipline,
      domain: f.domain,
      text: f.text,
      measurementType: f.measurementType,
      baseline: num(f.baseline),
      target: num(f.target),
      direction: f.direction === '' ? null : f.direction,
      rubricMax: f.measurementType === 'rubric' ? num(f.rubricMax) : null,
      masteryRule: {
        consecutiveSessions: num(f.consecutiveSessions),
        minSettings: num(f.minSettings),
        requireClassroom: f.requireClassroom,
      },
      startDate: f.startDate,
      targetDate: f.targetDate,
      phase: f.phase,
      currentModel: f.currentModel,
      routineIds: f.routineIds,
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save(f, form.version);
  }

  function save(f: FormState, version: number) {
    setFormError(null);
    const base = input(f);
    const modelChanged = original !== null && original.currentModel !== f.currentModel;
    const phaseChanged = original !== null && original.phase !== f.phase;
    const payload = goalId
      ? {
          ...base,
          goalId,
          expectedVersion: version,
          modelChangeReason: modelChanged ? f.modelChangeReason : null,
          effectiveDate: modelChanged || phaseChanged ? f.effectiveDate : null,
        }
      : base;
    const parsed = (goalId ? GoalUpdateInput : GoalCreateInput).safeParse(payload);
    if (!parsed.success) {
      const next: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]);
        next[key] = [...(next[key] ?? []), issue.message];
      }
      setErrors(next);
      setFormError('Check the fields marked below.');
      return;
    }
    if (modelChanged && f.modelChangeReason.trim().length < 3) {
      setErrors({ modelChangeReason: ['Say why the model changes (it is kept with the change)'] });
      setFormError('Check the fields marked below.');
      return;
    }
    setErrors({});
    if (goalId) update.mutate(payload as Parameters<typeof update.mutate>[0]);
    else create.mutate(payload as Parameters<typeof create.mutate>[0]);
  }

  const templates = searchGoalTemplates(
    bank.data ?? goalBank.map((t) => ({ ...t, source: 'built_in' as const })),
    { query: bankQuery, discipline: bankDiscipline },
  );
  const valueInput = (key: 'baseline' | 'target', label: string) =>
    f.measurementType === 'prompt_level' ? (
      <SelectField label={label} error={errors[key]}>
        <select value={f[key]} onChange={(e) => set(key, e.target.value)}>
          <option value="">Choose…</option>
          {promptLevels.map((p, i) => (
            <option key={p} value={i}>
              {promptLevelWords[p]}
            </option>
          ))}
        </select>
      </SelectField>
    ) : (
      <Field
        label={label}
        type="number"
        inputMode="decimal"
        step="any"
        value={f[key]}
        onChange={(e) => set(key, e.target.value)}
        error={errors[key]}
        hint={
          f.measurementType === 'percent'
            ? '0–100 %'
            : f.measurementType === 'duration'
              ? 'Seconds'
              : f.measurementType === 'rubric'
                ? `0–${f.rubricMax || '?'}`
                : 'Per session'
        }
      />
    );

  return (
    <form className="stack goal-form" onSubmit={onSubmit} noValidate>
      <ConflictBanner
        form={form}
        labels={fieldLabels}
        show={(value, key) => showField(context, key, value)}
        onReapply={save}
        busy={update.isPending}
      />
      {formError && (
        <p className="form-alert" role="alert">
          {formError}
        </p>
      )}
      {!goalId && (
        <section className="section-card" aria-labelledby={`${id}-bank`}>
          <h2 id={`${id}-bank`}>Start from the goal bank</h2>
          <div className="goal-form__row">
            <SelectField label="Discipline">
              <select
                value={bankDiscipline}
                onChange={(e) => setBankDiscipline(e.target.value as Discipline)}
              >
                {disciplines.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </SelectField>
            <Field
              label="Search the goal bank"
              type="search"
              value={bankQuery}
              onChange={(e) => setBankQuery(e.target.value)}
              placeholder="e.g. lunch, stairs, /s/"
            />
          </div>
          <p className="small muted" role="status">
            {templates.length === 0
              ? `No ${bankDiscipline} templates match “${bankQuery.trim()}”.`
              : `${templates.length} ${bankDiscipline} template${templates.length === 1 ? '' : 's'}`}
          </p>
          <ul className="goal-bank">
            {templates.map((t) => (
              <li key={t.id}>
                <p>
                  <strong>{labels.domain[t.domain]}</strong> · {measurementLabel[t.measurementType]}
                  {t.source === 'district' && (
                    <span className="goal-bank__source"> · District template</span>
                  )}
                </p>
                <p className="small">{fillTemplate(t, firstName)}</p>
                <Button
                  variant="secondary"
                  size="small"
                  aria-label={`Use this template: ${labels.domain[t.domain]}, ${fillTemplate(t, firstName).slice(0, 60)}`}
                  onClick={() => {
                    const routineIds = context.routines
                      .filter((r) => t.routines.includes(r.name))
                      .map((r) => r.id);
                    setF((s) => ({
                      ...s,
                      discipline: t.discipline,
                      domain: t.domain,
                      text: fillTemplate(t, firstName),
                      measurementType: t.measurementType,
                      baseline: String(t.baseline),
                      target: String(t.target),
                      direction: t.direction ?? '',
                      rubricMax: t.rubricMax == null ? s.rubricMax : String(t.rubricMax),
                      routineIds: [...new Set(routineIds)].slice(0, 12),
                    }));
                  }}
                >
                  Use this template
                </Button>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="section-card stack" aria-labelledby={`${id}-goal`}>
        <h2 id={`${id}-goal`}>Goal</h2>
        <div className="goal-form__row">
          <SelectField label="Discipline" error={errors.discipline}>
            <select
              value={f.discipline}
              onChange={(e) => set('discipline', e.target.value as Discipline)}
            >
              {disciplines.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </SelectField>
          <SelectField label="Domain" error={errors.domain}>
            <select value={f.domain} onChange={(e) => set('domain', e.target.value as GoalDomain)}>
              {goalDomains.map((d) => (
                <option key={d} value={d}>
                  {labels.domain[d]}
                </option>
              ))}
            </select>
          </SelectField>
        </div>
        <div className={`field${errors.text ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={`${id}-text`}>
            Goal text
          </label>
          <textarea
            id={`${id}-text`}
            rows={3}
            value={f.text}
            onChange={(e) => set('text', e.target.value)}
            aria-invalid={errors.text ? true : undefined}
            aria-describedby={errors.text ? `${id}-text-error` : undefined}
          />
          {errors.text && (
            <p id={`${id}-text-error`} className="field__error">
              {errors.text.join(' ')}
            </p>
          )}
        </div>
      </section>

      <section className="section-card stack" aria-labelledby={`${id}-measure`}>
        <h2 id={`${id}-measure`}>Measurement</h2>
        <div className="goal-form__row">
          <SelectField label="Measurement type" error={errors.measurementType}>
            <select
              value={f.measurementType}
              onChange={(e) => {
                const type = e.target.value as MeasurementType;
                setF((s) => ({ ...s, measurementType: type, baseline: '', target: '' }));
              }}
            >
              {measurementTypes.map((m) => (
                <option key={m} value={m}>
                  {measurementLabel[m]}
                </option>
              ))}
            </select>
          </SelectField>
          {(f.measurementType === 'frequency' || f.measurementType === 'duration') && (
            <SelectField label="Better when the number goes" error={errors.direction}>
              <select
                value={f.direction}
                onChange={(e) => set('direction', e.target.value as Direction)}
              >
                <option value="">Choose…</option>
                <option value="up">Up (more is better)</option>
                <option value="down">Down (less is better)</option>
              </select>
            </SelectField>
          )}
          {f.measurementType === 'rubric' && (
            <Field
              label="Top of the rubric"
              type="number"
              min={1}
              max={10}
              value={f.rubricMax}
              onChange={(e) => set('rubricMax', e.target.value)}
              error={errors.rubricMax}
            />
          )}
        </div>
        <div className="goal-form__row">
          {valueInput('baseline', 'Baseline')}
          {valueInput('target', 'Target (criterion)')}
        </div>
        <fieldset className="goal-form__fieldset">
          <legend>Mastery rule</legend>
          <div className="goal-form__row">
            <Field
              label="Consecutive sessions at criterion"
              type="number"
              min={1}
              max={10}
              value={f.consecutiveSessions}
              onChange={(e) => set('consecutiveSessions', e.target.value)}
              error={errors.masteryRule}
            />
            <Field
              label="In at least this many settings (without the classroom rule)"
              disabled={f.requireClassroom}
              type="number"
              min={1}
              max={3}
              value={f.minSettings}
              onChange={(e) => set('minSettings', e.target.value)}
            />
          </div>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={f.requireClassroom}
              onChange={(e) => set('requireClassroom', e.target.checked)}
            />
            Including the classroom
          </label>
          <p className="small muted">
            With the classroom required, the criterion must be met in the classroom or one of the
            goal's linked routines and, if the goal has therapy-room data in the last eight weeks,
            there too: classroom or linked-routine data alone (push-in) is enough.
          </p>
        </fieldset>
      </section>

      <section className="section-card stack" aria-labelledby={`${id}-plan`}>
        <h2 id={`${id}-plan`}>Dates, phase and model</h2>
        <div className="goal-form__row">
          <Field
            label="Start date"
            type="date"
            value={f.startDate}
            onChange={(e) => set('startDate', e.target.value)}
            error={errors.startDate}
          />
          <Field
            label="Target date"
            type="date"
            value={f.targetDate}
            onChange={(e) => set('targetDate', e.target.value)}
            error={errors.targetDate}
          />
          <SelectField label="Phase" error={errors.phase}>
            <select value={f.phase} onChange={(e) => set('phase', e.target.value as GoalPhase)}>
              {goalPhases.map((p) => (
                <option key={p} value={p}>
                  {phaseLabel[p]}
                </option>
              ))}
            </select>
          </SelectField>
          <SelectField label="Service model" error={errors.currentModel}>
            <select
              value={f.currentModel}
              onChange={(e) => set('currentModel', e.target.value as ServiceModel)}
            >
              {serviceModels.map((m) => (
                <option key={m} value={m}>
                  {labels.model[m]}
                </option>
              ))}
            </select>
          </SelectField>
        </div>
        {(modelChanged || phaseChanged) && (
          <div className="goal-form__row">
            <Field
              label={modelChanged ? 'The change takes effect on' : 'The phase changes on'}
              type="date"
              value={f.effectiveDate}
              onChange={(e) => set('effectiveDate', e.target.value)}
              error={errors.effectiveDate}
            />
            {modelChanged && (
              <Field
                label={`Why change from ${labels.model[original!.currentModel]} to ${labels.model[f.currentModel]}?`}
                value={f.modelChangeReason}
                maxLength={500}
                onChange={(e) => set('modelChangeReason', e.target.value)}
                error={errors.modelChangeReason}
              />
            )}
          </div>
        )}
      </section>

      <fieldset className="section-card goal-form__fieldset">
        <legend>Classroom routines where this goal is worked on</legend>
        {errors.routineIds && <p className="field__error">{errors.routineIds.join(' ')}</p>}
        {context.routines.length === 0 ? (
          <p className="muted">No routines are set up for this student's classroom.</p>
        ) : (
          <div className="routine-grid">
            {context.routines.map((r) => (
              <label key={r.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={f.routineIds.includes(r.id)}
                  onChange={(e) =>
                    set(
                      'routineIds',
                      e.target.checked
                        ? [...f.routineIds, r.id]
                        : f.routineIds.filter((x) => x !== r.id),
                    )
                  }
                />
                <span>
                  {routineLabel(r.name)}{' '}
                  <span className="muted small">
                    {r.classroom} · {r.startTime}
                  </span>
                </span>
              </label>
            ))}
          </div>
        )}
      </fieldset>

      <div className="report-goal__actions">
        <Button type="submit" busy={create.isPending || update.isPending}>
          {goalId ? 'Save goal' : 'Create goal'}
        </Button>
        <Link className="btn btn--ghost" to={studentUrl}>
          Cancel
        </Link>
      </div>
    </form>
  );
}

function SelectField({
  label,
  error,
  children,
}: {
  label: string;
  error?: string[];
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the select is passed in as children
    <label className={`select-field${error?.length ? ' field--invalid' : ''}`}>
      <span className="field__label">{label}</span>
      {children}
      {error?.length ? <span className="field__error">{error.join(' ')}</span> : null}
    </label>
  );
}
