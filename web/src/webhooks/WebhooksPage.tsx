import { useCallback, useEffect, useState, type SubmitEvent } from "react";
import { errorMessage, type User } from "../api.ts";
import "./webhooks.css";
import { Link } from "../components/Link.tsx";
import { webhooksApi, type WebhookDelivery, type WebhookEndpoint, type WebhookEventType } from "./api.ts";

const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }) : "–";

/**
 * Admins connect an ATS or an LMS: receivers with the events they want, the signing secret
 * shown once, a test event, rotation, and each receiver's delivery log with "Send again".
 * An instructor (at /teach/webhooks) sees and manages only their own receivers, which hear
 * only of the cohorts they run; an admin sees everyone's, with whose each is.
 */
export function WebhooksPage({ user }: { user: User }) {
  const admin = user.role === "admin";
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [eventTypes, setEventTypes] = useState<WebhookEventType[]>([]);
  const [secret, setSecret] = useState<{ endpoint: number; value: string } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(() => {
    webhooksApi.list().then(
      (r) => {
        setEndpoints(r.endpoints);
        setEventTypes(r.eventTypes);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  useEffect(load, [load]);

  const act = (done: string, p: Promise<unknown>) => {
    setError(null);
    p.then(
      () => {
        setStatus(done);
        load();
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  };

  return (
    <main className="page admin-page webhooks-page" id="main">
      <p>{admin ? <Link href="/admin">← Users and invites</Link> : <Link href="/teach">← Your cohorts</Link>}</p>
      <h1>Webhooks</h1>
      {!admin && (
        <p data-testid="webhooks-scope">
          Your receivers hear only of the cohorts you run: members joining, raised hands, and your members&apos;
          gradings.
        </p>
      )}
      <p className="muted">
        Signed with <a href="https://www.standardwebhooks.com/">Standard Webhooks</a>: verify each delivery with its
        secret; the same <code>webhook-id</code> comes with every retry.
      </p>
      {error && (
        <p role="alert" className="alert" data-testid="webhooks-error">
          {error}
        </p>
      )}
      <p role="status" className="notice" hidden={!status}>
        {status}
      </p>
      {secret && (
        <div className="secret-once" role="status" data-testid="webhook-secret">
          <p>
            <strong>The signing secret of receiver #{secret.endpoint}</strong> — shown only now; store it with the
            receiver:
          </p>
          <code>{secret.value}</code>{" "}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void navigator.clipboard?.writeText(secret.value)}
          >
            Copy
          </button>{" "}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      <section aria-labelledby="receivers-h">
        <h2 id="receivers-h">Receivers</h2>
        {!endpoints ? (
          <p className="loading">Loading…</p>
        ) : endpoints.length === 0 ? (
          <p className="muted">No receiver yet.</p>
        ) : (
          <table className="data-table" data-testid="webhook-endpoints">
            <thead>
              <tr>
                <th scope="col">Receiver</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((e) => (
                <tr key={e.id} data-endpoint={e.id}>
                  <th scope="row">
                    <span className="webhook-url">{e.url}</span>
                    {e.description && <div className="muted">{e.description}</div>}
                    {admin && (
                      <div className="muted" data-testid="webhook-owner">
                        {e.scopedTo ? `${e.scopedTo.email}'s — their cohorts only` : "the lab's — every event"}
                      </div>
                    )}
                  </th>
                  <td>
                    <ul className="webhook-events">
                      {e.events.map((t) => (
                        <li key={t}>
                          <code>{t}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    {e.enabled ? "on" : `off${e.disabledReason ? ` — ${e.disabledReason}` : ""}`}
                    {e.pending > 0 && <div className="muted">{e.pending} waiting</div>}
                  </td>
                  <td>
                    <div className="webhook-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => act(`A test event is on its way to #${e.id}.`, webhooksApi.test(e.id))}
                      >
                        Send test
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-expanded={open === e.id}
                        onClick={() => setOpen(open === e.id ? null : e.id)}
                      >
                        Deliveries
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() =>
                          act(
                            `Receiver #${e.id} ${e.enabled ? "turned off" : "turned on"}.`,
                            webhooksApi.update(e.id, { enabled: !e.enabled }),
                          )
                        }
                      >
                        {e.enabled ? "Turn off" : "Turn on"}
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          if (!window.confirm(`A new secret for ${e.url}? The old one keeps signing for 24 hours.`))
                            return;
                          setError(null);
                          webhooksApi.rotate(e.id).then(
                            (r) => setSecret({ endpoint: e.id, value: r.secret }),
                            (err: unknown) => setError(errorMessage(err)),
                          );
                        }}
                      >
                        Rotate secret
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          if (!window.confirm(`Remove ${e.url} and its delivery log?`)) return;
                          if (open === e.id) setOpen(null);
                          act(`Receiver #${e.id} removed.`, webhooksApi.remove(e.id));
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {open !== null && <Deliveries key={open} endpoint={open} onError={setError} />}
      </section>
      <NewReceiver
        eventTypes={eventTypes}
        onMade={(endpoint, value) => {
          setSecret({ endpoint, value });
          load();
        }}
        onError={setError}
      />
    </main>
  );
}

function NewReceiver({
  eventTypes,
  onMade,
  onError,
}: {
  eventTypes: WebhookEventType[];
  onMade: (endpoint: number, secret: string) => void;
  onError: (e: string | null) => void;
}) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set());
  const submit = (ev: SubmitEvent<HTMLFormElement>) => {
    ev.preventDefault();
    onError(null);
    webhooksApi.create({ url, events: [...events], ...(description ? { description } : {}) }).then(
      (r) => {
        setUrl("");
        setDescription("");
        setEvents(new Set());
        onMade(r.endpoint.id, r.secret);
      },
      (err: unknown) => onError(errorMessage(err)),
    );
  };
  return (
    <section className="card form-card" aria-labelledby="new-receiver-h">
      <h2 id="new-receiver-h">Add a receiver</h2>
      <form className="webhook-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="webhook-url">URL</label>
          <input
            id="webhook-url"
            type="url"
            required
            maxLength={2000}
            value={url}
            placeholder="https://ats.example/hooks/backlab"
            onChange={(e) => setUrl(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="webhook-description">Description (optional)</label>
          <input
            id="webhook-description"
            maxLength={200}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <fieldset>
          <legend>Events</legend>
          {eventTypes.map((t) => (
            <label key={t} className="webhook-event">
              <input
                type="checkbox"
                name="event"
                value={t}
                checked={events.has(t)}
                onChange={(e) => {
                  const next = new Set(events);
                  if (e.target.checked) next.add(t);
                  else next.delete(t);
                  setEvents(next);
                }}
              />{" "}
              <code>{t}</code>
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit" className="btn btn-primary" disabled={events.size === 0}>
            Add receiver
          </button>{" "}
          {events.size === 0 && <span className="muted">Pick at least one event.</span>}
        </p>
      </form>
    </section>
  );
}

function Deliveries({ endpoint, onError }: { endpoint: number; onError: (e: string | null) => void }) {
  const [rows, setRows] = useState<WebhookDelivery[] | null>(null);
  const load = useCallback(() => {
    webhooksApi.deliveries(endpoint).then(
      (r) => setRows(r.deliveries),
      (err: unknown) => onError(errorMessage(err)),
    );
  }, [endpoint, onError]);
  useEffect(() => {
    load();
    // Deliveries change on their own (retries, answers): the log follows while it is open.
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, [load]);
  return (
    <section aria-labelledby="deliveries-h" data-testid="webhook-deliveries">
      <h3 id="deliveries-h">Delivery log of receiver #{endpoint}</h3>
      {!rows ? (
        <p className="loading">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">Nothing sent yet.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                <th scope="row">
                  <code>{d.eventType}</code>
                  <div className="muted" title="webhook-id">
                    {d.msgId}
                  </div>
                </th>
                <td>
                  {d.status}
                  {d.status === "pending" && d.nextAttemptAt && (
                    <div className="muted">next try {when(d.nextAttemptAt)}</div>
                  )}
                </td>
                <td data-testid="attempts">{d.attempts}</td>
                <td>
                  {d.lastStatus !== null ? `HTTP ${d.lastStatus}` : "–"}
                  {d.lastError && <div className="muted">{d.lastError}</div>}
                </td>
                <td>{when(d.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => {
                      onError(null);
                      webhooksApi.resend(d.id).then(load, (err: unknown) => onError(errorMessage(err)));
                    }}
                  >
                    Send again
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
