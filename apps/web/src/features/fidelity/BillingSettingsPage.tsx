import type { RouterOutputs } from '@carryover/api';
import {
  BillingCode,
  BillingSettingsUpdateInput,
  disciplines,
  labels,
  sessionModels,
  type UnitRule,
  unitRuleLabels,
  unitRules,
} from '@carryover/domain';
import { Button, ErrorState, Field, LoadingState, PageHeader } from '@carryover/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { DistrictDate } from '../../components/DistrictDate';
import { SelectField } from '../../components/SelectField';
import { editConflict, issueErrors, userMessage } from '../../lib/errors';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useTRPC } from '../../trpc';

// The admin's billing settings: the district's mapping from a session (discipline, individual
// or group, model) to a CPT/HCPCS code and modifiers, and the rule that turns minutes into
// 15-minute units. The first row that matches a session wins, so rows can be moved. Saved at the
// version the page loaded; the next billing export uses what is saved.

type Settings = RouterOutputs['billing']['settings'];

interface CodeDraft {
  /** A stable key for React while rows are added, moved and removed. */
  key: number;
  discipline: string;
  grouping: string;
  model: string;
  code: string;
  modifiers: string;
  unit: string;
}

let nextKey = 1;
const draftOf = (c: Settings['codes'][number]): CodeDraft => ({
  key: nextKey++,
  discipline: c.discipline,
  grouping: c.grouping,
  model: c.model,
  code: c.code,
  modifiers: c.modifiers.join(' '),
  unit: c.unit,
});

/** A code row as the API takes it: modifiers split on spaces or commas, codes upper-cased. */
const codeOf = (d: CodeDraft) => ({
  discipline: d.discipline,
  grouping: d.grouping,
  model: d.model,
  code: d.code.trim().toUpperCase(),
  modifiers: d.modifiers
    .split(/[\s,]+/)
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean),
  unit: d.unit,
});

const groupingLabels: Record<string, string> = {
  individual: 'Individual',
  group: 'Group',
  any: 'Individual or group',
};

export function BillingSettingsPage() {
  useDocumentTitle('Billing codes');
  const trpc = useTRPC();
  const settings = useQuery(trpc.billing.settings.queryOptions());
  // Kept here: a save moves the version on, which starts a fresh form below.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  return (
    <>
      <PageHeader
        eyebrow={<Link to="/fidelity">Fidelity</Link>}
        title="Billing codes"
        description="The CPT/HCPCS code and modifiers each session bills under, and how minutes become units"
      />
      {settings.isPending ? (
        <LoadingState label="Loading the billing settings" rows={6} />
      ) : settings.isError ? (
        <ErrorState message={userMessage(settings.error)} onRetry={() => void settings.refetch()} />
      ) : (
        // A new version (saved here or by someone else) starts a fresh form.
        <BillingSettingsForm
          key={settings.data.version}
          settings={settings.data}
          savedVersion={savedVersion}
          onSaved={setSavedVersion}
        />
      )}
    </>
  );
}

function BillingSettingsForm({
  settings,
  savedVersion,
  onSaved,
}: {
  settings: Settings;
  savedVersion: number | null;
  onSaved: (version: number) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [unitRule, setUnitRule] = useState<UnitRule>(settings.unitRule);
  const [rows, setRows] = useState<CodeDraft[]>(() => settings.codes.map(draftOf));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const reload = () =>
    void queryClient.invalidateQueries({ queryKey: trpc.billing.settings.queryKey() });
  const save = useMutation(
    trpc.billing.updateSettings.mutationOptions({
      onSuccess: (r) => {
        onSaved(r.version);
        reload();
      },
    }),
  );
  const conflict = editConflict(save.error);
  const setRow = (i: number, key: keyof Omit<CodeDraft, 'key'>, value: string) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [key]: value } : r)));
  const move = (i: number, by: -1 | 1) =>
    setRows((rs) => {
      const next = [...rs];
      const [row] = next.splice(i, 1);
      next.splice(i + by, 0, row!);
      return next;
    });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = {
      expectedVersion: settings.version,
      unitRule,
      codes: rows.map(codeOf),
    };
    // Each row is checked on its own so every wrong field is named, then the whole.
    const rowErrors: Record<string, string[]> = {};
    rows.forEach((r, i) => {
      const parsed = BillingCode.safeParse(codeOf(r));
      if (!parsed.success)
        for (const [key, list] of Object.entries(issueErrors(parsed.error.issues)))
          rowErrors[`codes.${i}.${key}`] = list;
    });
    const whole = BillingSettingsUpdateInput.safeParse(input);
    if (Object.keys(rowErrors).length > 0 || !whole.success) {
      setErrors(whole.success ? rowErrors : { ...issueErrors(whole.error.issues), ...rowErrors });
      return;
    }
    setErrors({});
    save.mutate(whole.data);
  };
  const errorCount = Object.keys(errors).length;
  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Billing codes">
      <section className="section-card" aria-labelledby="units-heading">
        <h2 id="units-heading">Units</h2>
        <p className="small muted">
          The 8-minute rule bills one unit from 8 minutes and one more for each further 15 with at
          least 8 left over; whole units bill only full 15 minutes.
        </p>
        <SelectField
          label="Units rule for timed (15-minute) codes"
          name="unitRule"
          value={unitRule}
          onChange={(e) => setUnitRule(e.target.value as UnitRule)}
        >
          {unitRules.map((r) => (
            <option key={r} value={r}>
              {unitRuleLabels[r]}
            </option>
          ))}
        </SelectField>
      </section>
      <section className="section-card" aria-labelledby="codes-heading">
        <h2 id="codes-heading">Code mapping</h2>
        <p className="small muted">
          A session bills under the first row that matches its discipline, group size and model.
          Sessions no row matches are listed as “not billable: no billing code”. A code is five
          letters or digits (CPT/HCPCS, such as 92507); modifiers are separated by spaces (GN, GO,
          GP). A timed code bills 15-minute units by the units rule; a per-session code one unit.
        </p>
        <ol className="billing-codes">
          {rows.map((r, i) => {
            const err = (key: string) => errors[`codes.${i}.${key}`];
            const name = `Row ${i + 1}`;
            return (
              <li key={r.key} className="billing-code">
                <fieldset>
                  <legend>
                    {name}: {r.discipline} ·{' '}
                    {groupingLabels[r.grouping]?.toLowerCase() ?? r.grouping} ·{' '}
                    {r.model === 'any' ? 'any model' : labels.model[r.model as 'push_in']}
                  </legend>
                  <div className="billing-code__fields">
                    <SelectField
                      label="Discipline"
                      name={`codes.${i}.discipline`}
                      value={r.discipline}
                      onChange={(e) => setRow(i, 'discipline', e.target.value)}
                      error={err('discipline')}
                    >
                      {disciplines.map((d) => (
                        <option key={d} value={d}>
                          {d}
                        </option>
                      ))}
                    </SelectField>
                    <SelectField
                      label="Individual or group"
                      name={`codes.${i}.grouping`}
                      value={r.grouping}
                      onChange={(e) => setRow(i, 'grouping', e.target.value)}
                      error={err('grouping')}
                    >
                      {Object.entries(groupingLabels).map(([value, label]) => (
                        <option key={value} value={value}>
                          {label}
                        </option>
                      ))}
                    </SelectField>
                    <SelectField
                      label="Model"
                      name={`codes.${i}.model`}
                      value={r.model}
                      onChange={(e) => setRow(i, 'model', e.target.value)}
                      error={err('model')}
                    >
                      <option value="any">Any model</option>
                      {sessionModels.map((m) => (
                        <option key={m} value={m}>
                          {labels.model[m]}
                        </option>
                      ))}
                    </SelectField>
                    <Field
                      label="Code"
                      name={`codes.${i}.code`}
                      autoComplete="off"
                      value={r.code}
                      onChange={(e) => setRow(i, 'code', e.target.value)}
                      error={err('code')}
                    />
                    <Field
                      label="Modifiers"
                      name={`codes.${i}.modifiers`}
                      autoComplete="off"
                      value={r.modifiers}
                      onChange={(e) => setRow(i, 'modifiers', e.target.value)}
                      error={
                        Object.entries(errors)
                          .filter(([k]) => k.startsWith(`codes.${i}.modifiers`))
                          .flatMap(([, v]) => v)[0]
                      }
                    />
                    <SelectField
                      label="Units"
                      name={`codes.${i}.unit`}
                      value={r.unit}
                      onChange={(e) => setRow(i, 'unit', e.target.value)}
                      error={err('unit')}
                    >
                      <option value="timed">Timed</option>
                      <option value="untimed">Per session</option>
                    </SelectField>
                  </div>
                  <div className="billing-code__actions">
                    <Button
                      variant="ghost"
                      size="small"
                      type="button"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      Move up<span className="visually-hidden"> {name}</span>
                    </Button>
                    <Button
                      variant="ghost"
                      size="small"
                      type="button"
                      disabled={i === rows.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      Move down<span className="visually-hidden"> {name}</span>
                    </Button>
                    <Button
                      variant="ghost"
                      size="small"
                      type="button"
                      onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                    >
                      Remove<span className="visually-hidden"> {name}</span>
                    </Button>
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ol>
        <Button
          variant="secondary"
          type="button"
          onClick={() =>
            setRows((rs) => [
              ...rs,
              {
                key: nextKey++,
                discipline: 'SLP',
                grouping: 'individual',
                model: 'any',
                code: '',
                modifiers: '',
                unit: 'untimed',
              },
            ])
          }
        >
          Add a code row
        </Button>
      </section>
      {errorCount > 0 && (
        <div className="form-alert" role="alert">
          Check the fields marked below{errors.codes ? `: ${errors.codes.join(' ')}` : ''}.
        </div>
      )}
      {conflict ? (
        <div className="form-alert" role="alert">
          {conflict.message}{' '}
          <Button variant="secondary" size="small" type="button" onClick={reload}>
            Load the saved version
          </Button>
        </div>
      ) : save.isError ? (
        <div className="form-alert" role="alert">
          {userMessage(save.error)}
        </div>
      ) : null}
      <div className="log-session__actions">
        <Button type="submit" busy={save.isPending}>
          Save billing codes
        </Button>
        <span role="status" className="small">
          {savedVersion !== null && savedVersion === settings.version
            ? `Saved as version ${savedVersion}.`
            : ''}
        </span>
      </div>
      <p className="small muted">
        {settings.version === 0 ? (
          'The shipped defaults: not yet saved by your district.'
        ) : (
          <>
            Version {settings.version}
            {settings.updatedByName ? `, saved by ${settings.updatedByName}` : ''}
            {settings.updatedAt ? (
              <>
                {' '}
                on <DistrictDate at={settings.updatedAt} withTime />
              </>
            ) : null}
            .
          </>
        )}
      </p>
    </form>
  );
}
