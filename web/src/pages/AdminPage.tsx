import { useCallback, useEffect, useState, type SubmitEvent } from "react";
import { PasswordResetLink } from "./PasswordResetLink.tsx";
import { api, errorMessage, LIMITS, ROLES, type AdminUser, type Invite, type User } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { AdminTokens } from "./AdminTokens.tsx";
import { AuditLog } from "./AuditLog.tsx";

const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "never";

/** Admins manage accounts: roles, disabling (which signs the user out everywhere), invites. */
export function AdminPage({ user }: { user: User }) {
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const report = useCallback((ok: string | null, err: unknown) => {
    setStatus(ok);
    setError(err ? errorMessage(err) : null);
  }, []);

  return (
    <main className="page admin-page" id="main">
      <h1>Users and invites</h1>
      <p>
        <Link href="/admin/webhooks">Webhooks</Link> — connect an ATS or an LMS to the lab's events
      </p>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      <p role="status" className="notice" data-testid="admin-status" hidden={!status}>
        {status}
      </p>
      <Users me={user} report={report} />
      <Invites report={report} />
      <AdminTokens report={report} />
      <AuditLog />
    </main>
  );
}

type Report = (ok: string | null, err: unknown) => void;

type Change = { role?: string; disabled?: boolean };

/**
 * The changes that are asked about first: making or unmaking an admin (all power over the
 * lab) and disabling (signs the person out everywhere at once). Others apply at once.
 */
function question(u: AdminUser, c: Change): { text: string; action: string } | null {
  if (c.disabled === true)
    return {
      text: `Disable ${u.displayName} (${u.email})? They are signed out everywhere at once and cannot sign in until enabled again; their work is kept.`,
      action: `Disable ${u.displayName}`,
    };
  if (c.role === "admin")
    return {
      text: `Make ${u.displayName} (${u.email}) an admin? An admin can change every account, role and invite on this lab.`,
      action: "Make admin",
    };
  if (c.role && u.role === "admin")
    return { text: `Take admin rights from ${u.displayName} and make them ${c.role}?`, action: `Make ${c.role}` };
  return null;
}

function Users({ me, report }: { me: User; report: Report }) {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [asking, setAsking] = useState<{ user: AdminUser; change: Change; text: string; action: string } | null>(null);

  const load = useCallback(() => {
    api.adminUsers().then(
      (r) => setUsers(r.users),
      (err: unknown) => report(null, err),
    );
  }, [report]);
  useEffect(load, [load]);

  function request(u: AdminUser, c: Change) {
    const q = question(u, c);
    if (q) setAsking({ user: u, change: c, ...q });
    else void change(u, c);
  }

  async function change(u: AdminUser, c: Change) {
    setAsking(null);
    try {
      const { user } = await api.adminUpdateUser(u.id, c);
      setUsers((list) => list?.map((x) => (x.id === user.id ? user : x)) ?? null);
      report(
        c.role
          ? `${user.displayName} is now ${user.role}.`
          : `${user.displayName} is ${user.disabled ? "disabled and signed out everywhere" : "enabled"}.`,
        null,
      );
    } catch (err) {
      report(null, err);
      load();
    }
  }

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      {!users && <p className="loading">Loading users…</p>}
      {asking && (
        <div
          className="notice notice-warn admin-confirm"
          role="alertdialog"
          aria-labelledby="admin-confirm-text"
          data-testid="admin-confirm"
          onKeyDown={(e) => e.key === "Escape" && setAsking(null)}
        >
          <p id="admin-confirm-text">{asking.text}</p>
          <div className="admin-confirm-buttons">
            <button
              type="button"
              className="btn btn-small btn-primary"
              data-testid="admin-confirm-yes"
              autoFocus
              onClick={() => void change(asking.user, asking.change)}
            >
              {asking.action}
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid="admin-confirm-no"
              onClick={() => setAsking(null)}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {users && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Last active</th>
              <th scope="col">State</th>
              <th scope="col">Password</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.id === me.id;
              return (
                <tr key={u.id} data-testid={`user-${u.email}`}>
                  <th scope="row">
                    <Link href={`/users/${u.id}/progress`} title={`${u.displayName}'s progress`}>
                      {u.displayName}
                    </Link>
                  </th>
                  <td>{u.email}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                      Role of {u.displayName}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      value={u.role}
                      disabled={self}
                      title={self ? "Another admin can change your role" : undefined}
                      onChange={(e) => request(u, { role: e.target.value })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{when(u.lastSeenAt)}</td>
                  <td>
                    {u.disabled && <span className="badge status-fail">disabled</span>}{" "}
                    {!self && (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => request(u, { disabled: !u.disabled })}
                      >
                        {u.disabled ? "Enable" : "Disable"}
                        <span className="visually-hidden"> {u.displayName}</span>
                      </button>
                    )}
                  </td>
                  <td>{!self && <PasswordResetLink user={u} report={report} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Invites({ report }: { report: Report }) {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api.adminInvites().then(
      (r) => setInvites(r.invites),
      (err: unknown) => report(null, err),
    );
  }, [report]);
  useEffect(load, [load]);

  async function create(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    setBusy(true);
    try {
      const made = await api.adminCreateInvite({
        role: String(data.get("role")),
        days: Number(data.get("days")),
        ...(email ? { email } : {}),
      });
      setLink(made.url ?? window.location.origin + made.path);
      report(
        `Invite for ${/^[aeiou]/.test(made.invite.role) ? "an" : "a"} ${made.invite.role} made. Copy the link now: it is shown only once.`,
        null,
      );
      load();
    } catch (err) {
      report(null, err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: number) {
    try {
      await api.adminRevokeInvite(id);
      report("Invite revoked.", null);
      load();
    } catch (err) {
      report(null, err);
    }
  }

  return (
    <section aria-labelledby="invites-heading">
      <h2 id="invites-heading">Invites</h2>
      <form className="filters" onSubmit={(e) => void create(e)}>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="learner">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field filter-search">
          <label htmlFor="invite-email">Only for this email (optional)</label>
          <input id="invite-email" name="email" type="email" autoComplete="off" maxLength={LIMITS.account.email} />
        </div>
        <div className="field">
          <label htmlFor="invite-days">Valid for (days)</label>
          <input id="invite-days" name="days" type="number" min={1} max={90} defaultValue={7} required />
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Make invite link
        </button>
      </form>
      {link && (
        <div className="field invite-link">
          <label htmlFor="invite-link">New invite link (single use)</label>
          <input id="invite-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      {invites && invites.length === 0 && <p className="muted">No open invites.</p>}
      {invites && invites.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">For</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invites.map((i) => (
              <tr key={i.id}>
                <th scope="row">{i.role}</th>
                <td>{i.email ?? "anyone with the link"}</td>
                <td>{when(i.expiresAt)}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => void revoke(i.id)}>
                    Revoke<span className="visually-hidden"> the {i.role} invite</span>
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
