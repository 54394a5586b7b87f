import type { Direction, Discipline, GoalDomain, MeasurementType } from '@carryover/domain';
import {
  disciplines,
  GoalTemplateCreateInput,
  goalDomains,
  labels,
  measurementTypes,
  promptLevels,
  promptLevelWords,
  type RoutineName,
  routineNames,
  routineWords,
  searchGoalTemplates,
} from '@carryover/domain';
import { Button, EmptyState, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { SelectField } from '../../components/SelectField';
import { fieldErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The admin's goal bank: the district's own templates beside the built-in ones. Therapists see
// them when they start a goal from the bank; `[Student]` becomes the student's first name.

const measureWords: Record<MeasurementType, string> = {
  percent: 'Percent of trials correct',
  prompt_level: 'Level of prompting',
  frequency: 'Count per session',
  duration: 'Duration (seconds)',
  rubric: 'Rubric score',
};

interface TemplateDraft {
  discipline: Discipline;
  domain: GoalDomain;
  text: string;
  measurementType: MeasurementType;
  baseline: string;
  target: string;
  direction: Direction | '';
  rubricMax: string;
  routines: RoutineName[];
}

const emptyDraft: TemplateDraft = {
  discipline: 'OT',
  domain: 'fine_motor',
  text: '[Student] will ',
  measurementType: 'percent',
  baseline: '',
  target: '',
  direction: '',
  rubricMax: '4',
  routines: [],
};

const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

function inputOf(d: TemplateDraft) {
  return {
    discipline: d.discipline,
    domain: d.domain,
    text: d.text,
    measurementType: d.measurementType,
    baseline: num(d.baseline),
    target: num(d.target),
    direction:
      d.measurementType === 'frequency' || d.measurementType === 'duration'
        ? d.direction || null
        : null,
    rubricMax: d.measurementType === 'rubric' ? num(d.rubricMax) : null,
    routines: d.routines,
  };
}

/** The form's own check, worded as the API words it: the field that is wrong, in plain words. */
function checkDraft(d: TemplateDraft): Record<string, string[]> {
  const parsed = GoalTemplateCreateInput.safeParse(inputOf(d));
  if (parsed.success) return {};
  const out: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}

export function GoalBankPage() {
  useDocumentTitle('Goal bank');
  const trpc = useTRPC();
  const list = useQuery(trpc.goalBank.list.queryOptions());
  const [query, setQuery] = useState('');
  const district = searchGoalTemplates(
    (list.data ?? []).filter((t) => t.source === 'district'),
    { query },
  );
  return (
    <>
      <PageHeader
        title="Goal bank"
        description="Starting points therapists adapt when they write a goal. Add your district's own beside the built-in ones."
      />
      <div className="stack">
        <AddTemplate />
        <section className="section-card" aria-labelledby="district-templates">
          <h2 id="district-templates">District templates</h2>
          {list.isPending ? (
            <LoadingState label="Loading the goal bank" rows={3} />
          ) : list.isError ? (
            <ErrorState message={userMessage(list.error)} onRetry={() => void list.refetch()} />
          ) : (
            <>
              <Field
                label="Search district templates"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
              {district.length === 0 ? (
                <EmptyState title={query ? 'No template matches' : 'No district templates yet'}>
                  <p>{list.data.length} built-in templates are in the bank for every district.</p>
                </EmptyState>
              ) : (
                <ul className="goal-bank">
                  {district.map((t) => (
                    <TemplateCard key={t.id} template={t} />
                  ))}
                </ul>
              )}
            </>
          )}
        </section>
      </div>
    </>
  );
}

function TemplateCard({
  template: t,
}: {
  template: {
    id: string;
    discipline: Discipline;
    domain: GoalDomain;
    text: string;
    measurementType: MeasurementType;
    routines: string[];
    createdByName?: string | null;
  };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.goalBank.remove.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.goalBank.pathKey() }),
    }),
  );
  return (
    <li>
      <p>
        <strong>
          {t.discipline} · {labels.domain[t.domain]}
        </strong>{' '}
        · {measureWords[t.measurementType]}
      </p>
      <p className="small">{t.text}</p>
      <p className="small muted">
        {t.routines.length > 0 ? `At ${t.routines.map(routineWords).join(', ')} · ` : ''}
        Added by {t.createdByName ?? 'a former staff member'}
      </p>
      <Button
        variant="secondary"
        size="small"
        busy={remove.isPending}
        aria-label={`Remove the ${t.discipline} ${labels.domain[t.domain]} template: ${t.text.slice(0, 60)}`}
        onClick={() => remove.mutate({ templateId: t.id })}
      >
        Remove
      </Button>
      {remove.isError && <p className="form-alert">{userMessage(remove.error)}</p>}
    </li>
  );
}

function AddTemplate() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [d, setD] = useState<TemplateDraft>(emptyDraft);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const set = <K extends keyof TemplateDraft>(key: K, value: TemplateDraft[K]) => {
    setSaved(false);
    setD((s) => ({ ...s, [key]: value }));
  };
  const create = useMutation(
    trpc.goalBank.create.mutationOptions({
      onSuccess: () => {
        setD(emptyDraft);
        setErrors({});
        setSaved(true);
        void queryClient.invalidateQueries({ queryKey: trpc.goalBank.pathKey() });
      },
      onError: (e) => setErrors(fieldErrors(e)),
    }),
  );
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const problems = checkDraft(d);
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    create.mutate(inputOf(d) as GoalTemplateCreateInput);
  };
  const counted = d.measurementType === 'frequency' || d.measurementType === 'duration';
  const valueField = (key: 'baseline' | 'target', label: string) =>
    d.measurementType === 'prompt_level' ? (
      <SelectField
        label={label}
        value={d[key]}
        onChange={(e) => set(key, e.target.value)}
        error={errors[key]}
      >
        <option value="">Choose a level</option>
        {promptLevels.map((level, i) => (
          <option key={level} value={String(i)}>
            {promptLevelWords[level]}
          </option>
        ))}
      </SelectField>
    ) : (
      <Field
        label={label}
        inputMode="decimal"
        value={d[key]}
        onChange={(e) => set(key, e.target.value)}
        error={errors[key]}
      />
    );
  return (
    <section className="section-card" aria-labelledby={`${id}-add`}>
      <h2 id={`${id}-add`}>Add a district template</h2>
      <form className="stack" onSubmit={onSubmit} noValidate>
        <div className="goal-form__row">
          <SelectField
            label="Discipline"
            value={d.discipline}
            onChange={(e) => set('discipline', e.target.value as Discipline)}
            error={errors.discipline}
          >
            {disciplines.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Domain"
            value={d.domain}
            onChange={(e) => set('domain', e.target.value as GoalDomain)}
            error={errors.domain}
          >
            {goalDomains.map((x) => (
              <option key={x} value={x}>
                {labels.domain[x]}
              </option>
            ))}
          </SelectField>
        </div>
        <div className={`field${errors.text ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={`${id}-text`}>
            Goal text
          </label>
          <p className="field__hint" id={`${id}-text-hint`}>
            Write [Student] where the student's first name goes.
          </p>
          <textarea
            id={`${id}-text`}
            rows={3}
            value={d.text}
            onChange={(e) => set('text', e.target.value)}
            aria-invalid={errors.text ? true : undefined}
            aria-describedby={errors.text ? `${id}-text-hint ${id}-text-error` : `${id}-text-hint`}
          />
          {errors.text && (
            <p id={`${id}-text-error`} className="field__error">
              {errors.text.join(' ')}
            </p>
          )}
        </div>
        <div className="goal-form__row">
          <SelectField
            label="Measured as"
            value={d.measurementType}
            onChange={(e) => set('measurementType', e.target.value as MeasurementType)}
            error={errors.measurementType}
          >
            {measurementTypes.map((x) => (
              <option key={x} value={x}>
                {measureWords[x]}
              </option>
            ))}
          </SelectField>
          {valueField('baseline', 'Typical baseline')}
          {valueField('target', 'Target')}
          {counted && (
            <SelectField
              label="The number should go"
              value={d.direction}
              onChange={(e) => set('direction', e.target.value as Direction | '')}
              error={errors.direction}
            >
              <option value="">Choose</option>
              <option value="up">Up</option>
              <option value="down">Down</option>
            </SelectField>
          )}
          {d.measurementType === 'rubric' && (
            <Field
              label="Top of the rubric"
              inputMode="numeric"
              value={d.rubricMax}
              onChange={(e) => set('rubricMax', e.target.value)}
              error={errors.rubricMax}
            />
          )}
        </div>
        <fieldset className="goal-form__fieldset">
          <legend>Routines where push-in practice makes sense</legend>
          {errors.routines && <p className="field__error">{errors.routines.join(' ')}</p>}
          <div className="routine-grid">
            {routineNames.map((r) => (
              <label key={r} className="checkbox">
                <input
                  type="checkbox"
                  checked={d.routines.includes(r)}
                  onChange={(e) =>
                    set(
                      'routines',
                      e.target.checked ? [...d.routines, r] : d.routines.filter((x) => x !== r),
                    )
                  }
                />
                <span>{routineWords(r)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {create.isError && Object.keys(errors).length === 0 && (
          <p className="form-alert" role="alert">
            {userMessage(create.error)}
          </p>
        )}
        {saved && (
          <p className="records-note" role="status">
            Template added. Therapists see it when they start a goal from the bank.
          </p>
        )}
        <span>
          <Button type="submit" busy={create.isPending}>
            Add template
          </Button>
        </span>
      </form>
    </section>
  );
}
