import { useCallback, useEffect, useState } from "react";
import { api, type AdminApiToken } from "../api.ts";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

function state(t: AdminApiToken): string {
  if (t.revokedAt) return "revoked";
  return Date.parse(t.expiresAt) <= Date.now() ? "expired" : "active";
}

/** Everyone's API tokens on the admin page: whose, what scopes, last use; revoke any at once. */
export function AdminTokens({ report }: { report: (ok: string | null, err: unknown) => void }) {
  const [tokens, setTokens] = useState<AdminApiToken[] | null>(null);
  const [all, setAll] = useState(false);

  const load = useCallback(() => {
    api.adminTokens(all).then(
      (r) => setTokens(r.tokens),
      (err: unknown) => report(null, err),
    );
  }, [all, report]);
  useEffect(load, [load]);

  async function revoke(t: AdminApiToken) {
    try {
      await api.revokeToken(t.id);
      report(`Token “${t.name}” of ${t.owner.email} revoked: it stops working at once.`, null);
      load();
    } catch (err) {
      report(null, err);
    }
  }

  return (
    <section aria-labelledby="admin-tokens-heading">
      <h2 id="admin-tokens-heading">API tokens</h2>
      <p className="muted">
        Everyone&apos;s personal tokens (never their secrets).{" "}
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show revoked and
          expired ones too
        </label>
      </p>
      {tokens && tokens.length === 0 && <p className="muted">No {all ? "" : "live "}tokens.</p>}
      {tokens && tokens.length > 0 && (
        <table className="data-table token-list" data-testid="admin-token-list">
          <thead>
            <tr>
              <th scope="col">Owner</th>
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
              <tr key={t.id} data-testid={`admin-token-${t.id}`}>
                <td>{t.owner.email}</td>
                <th scope="row">
                  {t.name} <code className="muted">{t.prefix}…</code>
                </th>
                <td>{t.scopes.join(", ")}</td>
                <td>
                  {when(t.lastUsedAt)}
                  {t.lastUsedIp && <span className="muted"> from {t.lastUsedIp}</span>}
                </td>
                <td>{when(t.expiresAt)}</td>
                <td>
                  {state(t) === "active" ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void revoke(t)}
                      aria-label={`Revoke ${t.name} of ${t.owner.email}`}
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
    </section>
  );
}
