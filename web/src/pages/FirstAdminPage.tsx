import { useState } from "react";
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

/**
 * The page behind the one-time link the lab prints at its first start. The token rides in
 * the URL's fragment, which browsers never send to a server; it is dropped from the address
 * bar as soon as the page has read it.
 */
export function FirstAdminPage({ onAuthenticated }: { onAuthenticated: (u: User) => void }) {
  const [token] = useState(() => {
    const t = window.location.hash.slice(1);
    if (t) window.history.replaceState(null, "", window.location.pathname);
    return t;
  });
  if (!token) {
    return (
      <main className="center-page">
        <div className="card auth-card">
          <h1>
            <span className="brand">Backlab</span> · First admin
          </h1>
          <p role="alert" className="alert">
            This page needs the one-time link the lab printed when it started. Copy the whole link from the lab&apos;s
            log (restarting the lab prints a new one while there is no admin).
          </p>
          <p className="auth-footer">
            Have an account? <Link href="/login">Sign in</Link>
          </p>
        </div>
      </main>
    );
  }
  return (
    <AuthForm
      title="Create the first admin"
      fields={fields}
      submitLabel="Create admin account"
      onSubmit={async (v) => {
        const { user } = await api.firstAdmin({
          token,
          email: v.email ?? "",
          displayName: v.displayName ?? "",
          password: v.password ?? "",
        });
        onAuthenticated(user);
      }}
      footer={<>This link works once. The account you make here manages users and roles.</>}
    />
  );
}
