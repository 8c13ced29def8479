import { useEffect, useState } from "react";
import { api, LIMITS, type User } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { Link } from "../components/Link.tsx";
import { ssoRefusal } from "../sso.ts";

const fields = [
  { name: "email", label: "Email", type: "email", autoComplete: "username", maxLength: LIMITS.account.email },
  {
    name: "password",
    label: "Password",
    type: "password",
    autoComplete: "current-password",
    maxLength: LIMITS.account.password,
  },
];

export function LoginPage({ onAuthenticated, notice }: { onAuthenticated: (u: User) => void; notice?: string | null }) {
  const [forgot, setForgot] = useState(false);
  const [sso, setSso] = useState<{ name: string } | null>(null);
  const [passwords, setPasswords] = useState(true);
  const [refusal] = useState(ssoRefusal);
  useEffect(() => {
    let cancelled = false;
    api.authOptions().then(
      (o) => {
        if (cancelled) return;
        setSso(o.sso);
        setPasswords(o.passwords);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, []);
  const next = new URLSearchParams(window.location.search).get("next") ?? "/";
  const ssoButton = sso && (
    <a
      className="btn btn-sso"
      href={`/api/auth/sso/start?next=${encodeURIComponent(/^\/(?![/\\])/.test(next) ? next : "/")}`}
      data-testid="sso-sign-in"
    >
      Sign in with {sso.name}
    </a>
  );
  const refused = refusal && (
    <p role="alert" className="alert" data-testid="sso-refusal">
      {refusal}
    </p>
  );
  if (!passwords && sso)
    return (
      <main className="center-page">
        <div className="card auth-card">
          <h1>
            <span className="brand">Backlab</span> · Welcome back
          </h1>
          {refused}
          {ssoButton}
        </div>
      </main>
    );
  return (
    <AuthForm
      // A refused sign-in through the provider says why at the top, where a notice goes.
      notice={refusal ?? notice}
      title="Welcome back"
      fields={fields}
      submitLabel="Sign in"
      onSubmit={async (v) => {
        const { user } = await api.login({ email: v.email ?? "", password: v.password ?? "" });
        onAuthenticated(user);
      }}
      alternative={
        sso && (
          <>
            <div className="auth-or" aria-hidden="true">
              or
            </div>
            {ssoButton}
          </>
        )
      }
      footer={
        <>
          New here? <Link href="/signup">Create an account</Link>
          {" · "}
          <button
            type="button"
            className="linklike"
            data-testid="forgot-password"
            aria-expanded={forgot}
            aria-controls="forgot-password-help"
            onClick={() => setForgot(!forgot)}
          >
            Forgot password?
          </button>
          {forgot && (
            <span className="forgot-help" id="forgot-password-help" data-testid="forgot-password-help" role="note">
              This lab sends no email, so it cannot mail you a link. Ask an admin of this lab: on the Admin page they
              make a one-time password reset link for your account and hand it to you. It works once, for 24 hours.
            </span>
          )}
        </>
      }
    />
  );
}
