import { useCallback, useEffect, useState, type SubmitEvent } from "react";
import { api, errorMessage, type AuditEntry } from "../api.ts";

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
const PAGE = "50";

type Filters = { action?: string; actor?: string; targetKind?: string };

const clean = (f: Filters): Record<string, string> =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v === "string" && v.trim() !== "")) as Record<
    string,
    string
  >;

/** The audit log for admins: filter by action (or its prefix), actor or target kind; page back; CSV export. */
export function AuditLog() {
  const [filters, setFilters] = useState<Filters>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback((f: Filters, before?: number) => {
    setError(null);
    api.adminAudit({ ...clean(f), limit: PAGE, ...(before ? { before: String(before) } : {}) }).then(
      (r) => {
        setEntries((old) => (before && old ? [...old, ...r.entries] : r.entries));
        setNext(r.next);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  useEffect(() => load({}), [load]);

  function apply(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const f = {
      action: String(data.get("action") ?? "").trim(),
      actor: String(data.get("actor") ?? "").trim(),
      targetKind: String(data.get("targetKind") ?? "").trim(),
    };
    setFilters(f);
    load(f);
  }

  const csv = `/api/admin/audit/export?${new URLSearchParams({ ...clean(filters), format: "csv" })}`;
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <form className="filters" onSubmit={apply} aria-label="Audit log filters">
        <div className="field">
          <label htmlFor="audit-action">Action or prefix</label>
          <input id="audit-action" name="action" placeholder="e.g. auth.sso or token" maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Actor (user id)</label>
          <input id="audit-actor" name="actor" inputMode="numeric" pattern="[0-9]*" maxLength={10} />
        </div>
        <div className="field">
          <label htmlFor="audit-target">Target kind</label>
          <input id="audit-target" name="targetKind" placeholder="e.g. user" maxLength={40} />
        </div>
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
        <a className="btn" href={csv} download data-testid="audit-csv">
          Export CSV
        </a>
      </form>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {entries && entries.length === 0 && <p className="muted">Nothing matches these filters.</p>}
      {entries && entries.length > 0 && (
        <table className="data-table audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <th scope="row">
                  <code>{e.action}</code>
                </th>
                <td>{e.actorId ?? "—"}</td>
                <td>{e.target ? `${e.target.kind} ${e.target.id}` : "—"}</td>
                <td>{e.ip ?? "—"}</td>
                <td className="audit-details">
                  <code>{JSON.stringify(e.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" className="btn" onClick={() => load(filters, next)}>
          Older entries
        </button>
      )}
    </section>
  );
}
