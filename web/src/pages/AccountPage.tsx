import { useCallback, useEffect, useState, type SubmitEvent } from "react";
import { api, errorMessage, LIMITS, type SessionItem, type User } from "../api.ts";
import { ssoRefusal } from "../sso.ts";
import { ApiTokens } from "./ApiTokens.tsx";

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A short name for the browser a session came from ("Firefox on Linux"), from its user agent. */
export function browserName(ua: string | null): string {
  if (!ua) return "Unknown browser";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chromium"
        : /Safari\//.test(ua)
          ? "Safari"
          : ua.split(/[ /]/)[0] || "Unknown browser";
  const os = /Windows/.test(ua)
    ? "Windows"
    : /Mac OS X|Macintosh/.test(ua)
      ? "macOS"
      : /Android/.test(ua)
        ? "Android"
        : /iPhone|iPad/.test(ua)
          ? "iOS"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

/** The signed-in user's account: password, sessions, signing out everywhere. */
export function AccountPage({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  return (
    <main className="page account-page" id="main">
      <h1>Your account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{user.displayName}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd data-testid="account-role">{user.role}</dd>
      </dl>
      <SingleSignOn />
      <PasswordForm />
      <Sessions onSignedOut={onSignedOut} />
      <ApiTokens />
    </main>
  );
}

function PasswordForm() {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const currentPassword = String(data.get("currentPassword") ?? "");
    const newPassword = String(data.get("newPassword") ?? "");
    setError(null);
    setDone(null);
    if (newPassword !== String(data.get("confirmPassword") ?? "")) {
      setError("The new password and its confirmation differ.");
      return;
    }
    setBusy(true);
    try {
      const r = await api.changePassword({ currentPassword, newPassword });
      form.reset();
      const others =
        r.endedSessions === 0
          ? "You had no other sessions."
          : r.endedSessions === 1
            ? "Your other session was signed out."
            : `Your ${r.endedSessions} other sessions were signed out.`;
      setDone(`Password changed. ${others}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="password-heading" className="card form-card">
      <h2 id="password-heading">Change password</h2>
      <form onSubmit={(e) => void submit(e)}>
        {error && (
          <p role="alert" className="alert">
            {error}
          </p>
        )}
        <p role="status" className="notice" hidden={!done}>
          {done}
        </p>
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            maxLength={LIMITS.account.password}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            minLength={LIMITS.account.passwordMin}
            maxLength={LIMITS.account.password}
            required
            aria-describedby="new-password-hint"
          />
          <small id="new-password-hint" className="hint">
            At least {LIMITS.account.passwordMin} characters. Your other sessions are signed out.
          </small>
        </div>
        <div className="field">
          <label htmlFor="confirm-password">Repeat the new password</label>
          <input
            id="confirm-password"
            name="confirmPassword"
            type="password"
            autoComplete="new-password"
            minLength={LIMITS.account.passwordMin}
            maxLength={LIMITS.account.password}
            required
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}

function Sessions({ onSignedOut }: { onSignedOut: () => void }) {
  const [sessions, setSessions] = useState<SessionItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api.sessions().then(
      (r) => setSessions(r.sessions),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  useEffect(load, [load]);

  async function end(id: string) {
    setError(null);
    try {
      await api.endSession(id);
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function everywhere() {
    setBusy(true);
    try {
      await api.logoutEverywhere();
      onSignedOut();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="sessions-heading" className="card form-card">
      <h2 id="sessions-heading">Where you are signed in</h2>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {!sessions && !error && <p className="loading">Loading sessions…</p>}
      {sessions && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  {browserName(s.userAgent)} {s.current && <span className="badge">this browser</span>}
                </th>
                <td>{when(s.createdAt)}</td>
                <td>{when(s.lastSeenAt)}</td>
                <td>
                  {!s.current && (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void end(s.id)}
                      aria-label={`Sign out ${browserName(s.userAgent)}, signed in ${when(s.createdAt)}`}
                    >
                      Sign out
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" className="btn" disabled={busy} onClick={() => void everywhere()}>
          Sign out everywhere
        </button>{" "}
        <span className="muted">Ends every session of this account, this one included.</span>
      </p>
    </section>
  );
}

/** Linking the lab's identity provider to this (password) account, when the lab has one. */
function SingleSignOn() {
  const [sso, setSso] = useState<{ name: string } | null>(null);
  const [error, setError] = useState<string | null>(ssoRefusal);
  useEffect(() => {
    api.authOptions().then(
      (o) => setSso(o.sso),
      () => undefined,
    );
  }, []);
  if (!sso) return null;
  async function link() {
    setError(null);
    try {
      window.location.assign((await api.ssoLink()).url);
    } catch (err) {
      setError(errorMessage(err));
    }
  }
  return (
    <section aria-labelledby="sso-heading" className="card form-card">
      <h2 id="sso-heading">Single sign-on</h2>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      <p>
        <button type="button" className="btn" onClick={() => void link()}>
          Link {sso.name}
        </button>{" "}
        <span className="muted">Then you can sign in with {sso.name} as well as with your password.</span>
      </p>
    </section>
  );
}
