import { useState } from "react";
import { api, type AdminUser } from "../api.ts";

/**
 * An admin's way to get a user back in on a lab without mail: a one-time password reset
 * link, shown once here to hand over (a newer one replaces it; using it signs the user out
 * everywhere).
 */
export function PasswordResetLink({
  user,
  report,
}: {
  user: AdminUser;
  report: (ok: string | null, err: unknown) => void;
}) {
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function make() {
    setBusy(true);
    try {
      const made = await api.adminPasswordReset(user.id);
      setLink({ url: made.url ?? window.location.origin + made.path, expiresAt: made.reset.expiresAt });
      report(
        `Password reset link for ${user.displayName} made. Copy it now and give it to them: it is shown only once.`,
        null,
      );
    } catch (err) {
      report(null, err);
    } finally {
      setBusy(false);
    }
  }

  if (link)
    return (
      <span className="reset-link">
        <label className="visually-hidden" htmlFor={`reset-link-${user.id}`}>
          Password reset link for {user.displayName}
        </label>
        <input
          id={`reset-link-${user.id}`}
          data-testid="password-reset-link"
          readOnly
          value={link.url}
          onFocus={(e) => e.currentTarget.select()}
        />
        <span className="muted">Works once, until {new Date(link.expiresAt).toLocaleString()}.</span>
      </span>
    );
  return (
    <button
      type="button"
      className="btn btn-small"
      data-testid="password-reset"
      disabled={busy}
      onClick={() => void make()}
    >
      Reset link<span className="visually-hidden"> for the password of {user.displayName}</span>
    </button>
  );
}
