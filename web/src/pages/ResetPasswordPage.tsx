import { useState } from "react";
import { api, LIMITS } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { Link } from "../components/Link.tsx";

const fields = [
  {
    name: "password",
    label: "New password",
    type: "password",
    autoComplete: "new-password",
    minLength: LIMITS.account.passwordMin,
    maxLength: LIMITS.account.password,
    hint: `At least ${LIMITS.account.passwordMin} characters.`,
  },
];

/**
 * The page behind an admin's one-time password reset link. The token rides in the URL's
 * fragment (never sent to a server) and leaves the address bar once read.
 */
export function ResetPasswordPage() {
  const [token] = useState(() => {
    const t = new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
    return t;
  });
  const [done, setDone] = useState<string | null>(null);
  if (!token || done !== null) {
    return (
      <main className="center-page">
        <div className="card auth-card">
          <h1>
            <span className="brand">Backlab</span> · {done !== null ? "Password set" : "Reset password"}
          </h1>
          {done !== null ? (
            <p role="status" className="notice" data-testid="reset-done">
              The password of {done} is set, and every session of the account has ended. Sign in with the new one.
            </p>
          ) : (
            <p role="alert" className="alert">
              This page needs the whole one-time link an admin gave you. Ask them for a new one if it is lost.
            </p>
          )}
          <p className="auth-footer">
            <Link href="/login">Sign in</Link>
          </p>
        </div>
      </main>
    );
  }
  return (
    <AuthForm
      title="Choose a new password"
      fields={fields}
      submitLabel="Set the password"
      onSubmit={async (v) => {
        const { email } = await api.resetPassword({ token, password: v.password ?? "" });
        setDone(email);
      }}
      footer={<>This link works once. Every browser signed in to the account is signed out.</>}
    />
  );
}
