import { useState } from "react";
import { api, LIMITS, type User } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { Link } from "../components/Link.tsx";

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
  return (
    <AuthForm
      notice={notice}
      title="Welcome back"
      fields={fields}
      submitLabel="Sign in"
      onSubmit={async (v) => {
        const { user } = await api.login({ email: v.email ?? "", password: v.password ?? "" });
        onAuthenticated(user);
      }}
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
