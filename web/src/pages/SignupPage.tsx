import { useEffect, useState } from "react";
import { api, LIMITS, type User } from "../api.ts";
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
      fields={fields}
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
