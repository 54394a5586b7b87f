import { type ReactNode, type SelectHTMLAttributes, useId } from 'react';

// A labelled <select> that says what is wrong with it, like Field does for inputs.

export function SelectField({
  label,
  error,
  children,
  ...select
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> & {
  label: string;
  error?: string[] | undefined;
  children: ReactNode;
}) {
  const id = useId();
  const errorId = error && error.length > 0 ? `${id}-error` : undefined;
  return (
    <div className={`select-field${errorId ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={errorId}
        {...select}
      >
        {children}
      </select>
      {errorId && (
        <p id={errorId} className="field__error">
          {error?.join(' ')}
        </p>
      )}
    </div>
  );
}
