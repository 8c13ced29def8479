import { useEffect, useState } from "react";
import { api, errorMessage, LIMITS, type InvitePreview, type User } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { Link } from "../components/Link.tsx";

const fields = [
  { name: "email", label: "Email", type: "email", autoComplete: "email", maxLength: LIMITS.account.email },
  {
    name: "displayName",
    label: "Display name",
    type: "text",
    autoComplete: "nickname",
    maxLength: LIMITS.account.displayName,
  },
  {
    name: "password",
    label: "Password",
    type: "password",
    autoComplete: "new-password",
    minLength: LIMITS.account.passwordMin,
    maxLength: LIMITS.account.password,
    hint: `At least ${LIMITS.account.passwordMin} characters.`,
  },
];

/** The invite token from an invite link (`/signup#invite=…`), read once; the fragment never reaches a server. */
function readInvite(): string | undefined {
  const m = /^#invite=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  return m?.[1];
}

export function SignupPage({ onAuthenticated }: { onAuthenticated: (u: User) => void }) {
  const [invite] = useState(readInvite);
  const [mode, setMode] = useState<"open" | "invite" | undefined>(undefined);
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);

  // What the invite is for, before anyone types: its role and, if bound, its email.
  useEffect(() => {
    if (!invite) return;
    let cancelled = false;
    api.invitePreview(invite).then(
      ({ invite: p }) => !cancelled && setPreview(p),
      (err: unknown) => !cancelled && setPreviewError(errorMessage(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [invite]);

  useEffect(() => {
    let cancelled = false;
    api.authOptions().then(
      (o) => {
        if (!cancelled) setMode(o.signup);
      },
      () => {
        if (!cancelled) setMode("open");
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  if (mode === "invite" && !invite) {
    return (
      <main className="center-page">
        <div className="card auth-card">
          <h1>
            <span className="brand">Backlab</span> · Join the lab
          </h1>
          <p role="status">Sign-up on this lab is by invitation. Ask an admin for an invite link.</p>
          <p className="auth-footer">
            Already have an account? <Link href="/login">Sign in</Link>
          </p>
        </div>
      </main>
    );
  }
  return (
    <AuthForm
      title={invite ? "Accept your invite" : "Join the lab"}
      intro={invite && <InviteIntro preview={preview} error={previewError} />}
      fields={
        preview?.email
          ? fields.map((f) =>
              f.name === "email"
                ? { ...f, value: preview.email ?? "", readOnly: true, hint: "The invite is for this email." }
                : f,
            )
          : fields
      }
      submitLabel="Create account"
      onSubmit={async (v) => {
        const { user } = await api.signup({
          email: v.email ?? "",
          displayName: v.displayName ?? "",
          password: v.password ?? "",
          ...(invite ? { invite } : {}),
        });
        onAuthenticated(user);
      }}
      footer={
        <>
          Already have an account? <Link href="/login">Sign in</Link>
        </>
      }
    />
  );
}

const article = (role: string) => (/^[aeiou]/.test(role) ? "an" : "a");

/** The invite's role and bound email, said before the form (issue 13: the page showed neither). */
function InviteIntro({ preview, error }: { preview: InvitePreview | null; error: string | null }) {
  if (error)
    return (
      <p role="alert" className="alert" data-testid="invite-intro">
        {error}
      </p>
    );
  if (!preview) return <p className="muted loading">Reading the invite…</p>;
  return (
    <p className="notice" data-testid="invite-intro">
      You are invited as {article(preview.role)} <strong data-testid="invite-role">{preview.role}</strong>
      {preview.email ? (
        <>
          , for <strong data-testid="invite-email">{preview.email}</strong>
        </>
      ) : null}
      . The link works once, until {new Date(preview.expiresAt).toLocaleDateString()}.
    </p>
  );
}
