import { type InputHTMLAttributes, useId } from 'react';

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: string;
  /** One message or several (as tRPC's `fieldErrors` gives them). */
  error?: string | string[] | null;
  hint?: string;
  id?: string;
}

export function Field({ label, error, hint, id, className, ...input }: FieldProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const errors = error == null ? [] : Array.isArray(error) ? error : [error];
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = errors.length > 0 ? `${inputId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div
      className={['field', errors.length > 0 ? 'field--invalid' : '', className ?? '']
        .filter(Boolean)
        .join(' ')}
    >
      <label htmlFor={inputId} className="field__label">
        {label}
      </label>
      {hint && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      <input
        id={inputId}
        className="field__input"
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {errorId && (
        <p id={errorId} className="field__error">
          <svg aria-hidden="true" width="14" height="14" viewBox="0 0 16 16">
            <circle cx="8" cy="8" r="7" fill="currentColor" />
            <rect x="7" y="3.5" width="2" height="6" fill="#fff" />
            <rect x="7" y="11" width="2" height="2" fill="#fff" />
          </svg>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
