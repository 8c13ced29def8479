import { useCallback, useEffect, useState, type SubmitEvent } from "react";
import { api, errorMessage, type ApiToken, type TokenScope } from "../api.ts";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

function state(t: ApiToken): string {
  if (t.revokedAt) return "revoked";
  return Date.parse(t.expiresAt) <= Date.now() ? "expired" : "active";
}

/** Personal API tokens: make one (its secret shown once), see when each was last used, revoke. */
export function ApiTokens() {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api.tokens().then(
      (r) => {
        setTokens(r.tokens);
        setScopes(r.scopes);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  useEffect(load, [load]);

  async function create(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const chosen = data.getAll("scope").map(String);
    setError(null);
    if (chosen.length === 0) {
      setError("Pick at least one scope.");
      return;
    }
    setBusy(true);
    try {
      const name = String(data.get("name") ?? "");
      const made = await api.createToken({ name, scopes: chosen, days: Number(data.get("days")) });
      setSecret({ name, value: made.secret });
      form.reset();
      load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(t: ApiToken) {
    setError(null);
    try {
      await api.revokeToken(t.id);
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <section aria-labelledby="tokens-heading" className="card form-card">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted">
        For scripts and other systems: send <code>Authorization: Bearer &lt;token&gt;</code>. A token does only what its
        scopes name, never more than your role, and expires.
      </p>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {secret && (
        <div className="notice token-secret" role="status">
          <label htmlFor="token-secret">Token “{secret.name}” made. Copy it now: it is not shown again.</label>
          <input id="token-secret" readOnly value={secret.value} onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      {tokens && tokens.length > 0 && (
        <table className="data-table token-list" data-testid="token-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">State or action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-${t.name}`}>
                <th scope="row">
                  {t.name} <code className="muted">{t.prefix}…</code>
                </th>
                <td>{t.scopes.join(", ")}</td>
                <td>{when(t.lastUsedAt)}</td>
                <td>{when(t.expiresAt)}</td>
                <td>
                  {state(t) === "active" ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void revoke(t)}
                      aria-label={`Revoke ${t.name}`}
                    >
                      Revoke
                    </button>
                  ) : (
                    <span className="badge">{state(t)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="token-form" onSubmit={(e) => void create(e)} aria-label="New API token">
        <div className="field">
          <label htmlFor="token-name">Name</label>
          <input id="token-name" name="name" required maxLength={60} placeholder="e.g. LMS grade sync" />
        </div>
        <fieldset className="scope-list">
          <legend>Scopes</legend>
          {scopes.map((s) => (
            <label key={s.name} className="check">
              <input type="checkbox" name="scope" value={s.name} />
              <code>{s.name}</code>
              <span className="muted">{s.summary}</span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="token-days">Expires in</label>
          <select id="token-days" name="days" defaultValue="30">
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">a year</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create token
        </button>
      </form>
    </section>
  );
}
