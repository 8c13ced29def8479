import { useState, type SubmitEvent, type ReactNode } from "react";
import { errorMessage } from "../api.ts";

interface Field {
  name: string;
  label: string;
  type: string;
  autoComplete: string;
  minLength?: number;
  /** The server's limit for the field (LIMITS in api.ts). */
  maxLength?: number;
  hint?: string;
  /** A value given by the page (an invite bound to an email); `readOnly` keeps it. */
  value?: string;
  readOnly?: boolean;
}

interface Props {
  title: string;
  fields: Field[];
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<void>;
  footer: ReactNode;
  /** Said above the form, e.g. why the user is asked to sign in again. */
  notice?: string | null;
  /** What the form is for, above the fields (an invite's role and email). */
  intro?: ReactNode;
  /** Another way in, shown under the form's button (single sign-on). */
  alternative?: ReactNode;
}

/** Shared centred card form used by the login and signup pages. */
export function AuthForm({ title, fields, submitLabel, onSubmit, footer, notice, intro, alternative }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handle(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const values: Record<string, string> = {};
    for (const f of fields) {
      const v = data.get(f.name);
      values[f.name] = typeof v === "string" ? v : "";
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(values);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <main className="center-page">
      <form className="card auth-card" onSubmit={(e) => void handle(e)}>
        <h1>
          <span className="brand">Backlab</span> · {title}
        </h1>
        {notice && !error && (
          <p role="status" className="notice notice-warn" data-testid="auth-notice">
            {notice}
          </p>
        )}
        {intro}
        {error && (
          <p role="alert" className="alert">
            {error}
          </p>
        )}
        {fields.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={`f-${f.name}`}>{f.label}</label>
            <input
              id={`f-${f.name}`}
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              minLength={f.minLength}
              maxLength={f.maxLength}
              // A new key when the page gives a value: the uncontrolled input takes it.
              key={f.value ?? ""}
              defaultValue={f.value}
              readOnly={f.readOnly}
              aria-describedby={f.hint ? `f-${f.name}-hint` : undefined}
              required
            />
            {f.hint && (
              <small id={`f-${f.name}-hint`} className="hint">
                {f.hint}
              </small>
            )}
          </div>
        ))}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
        {alternative}
        <p className="auth-footer">{footer}</p>
      </form>
    </main>
  );
}
