import { useEffect, useRef, useState } from "react";
import { api, errorMessage, type User } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { navigate } from "../router.ts";
import { cohortsApi, memberships } from "./api.ts";

const signupFields = [
  { name: "displayName", label: "Name", type: "text", autoComplete: "name" },
  { name: "email", label: "Email", type: "email", autoComplete: "username" },
  {
    name: "password",
    label: "Password",
    type: "password",
    autoComplete: "new-password",
    minLength: 10,
    hint: "At least 10 characters.",
  },
];
const loginFields = [
  { name: "email", label: "Email", type: "email", autoComplete: "username" },
  { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
];

/**
 * A cohort's join link (`/join/<code>`, a short code or a one-time invite). Signed out, it
 * signs up or in on the way; then it joins and opens the cohort.
 */
export function JoinPage({
  code,
  user,
  onAuthenticated,
}: {
  code: string;
  user: User | null;
  onAuthenticated: (u: User) => void;
}) {
  const [mode, setMode] = useState<"signup" | "login">("signup");
  const [error, setError] = useState<string | null>(null);
  const tried = useRef(false);

  useEffect(() => {
    if (!user || tried.current) return;
    tried.current = true;
    cohortsApi.join(code).then(
      ({ cohort }) => {
        memberships.dispatchEvent(new Event("changed"));
        navigate(`/cohorts/${cohort.id}`, { replace: true });
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [user, code]);

  if (user) {
    return (
      <main className="page" id="main">
        <h1>Joining the cohort…</h1>
        {error && (
          <p className="alert" role="alert" data-testid="join-error">
            {error}
          </p>
        )}
      </main>
    );
  }
  const toggle = (
    <button type="button" className="btn-link" onClick={() => setMode(mode === "signup" ? "login" : "signup")}>
      {mode === "signup" ? "I already have an account" : "I am new here"}
    </button>
  );
  return mode === "signup" ? (
    <AuthForm
      key="signup"
      title="Join the workshop"
      notice="Create your account to join the cohort."
      fields={signupFields}
      submitLabel="Create account and join"
      onSubmit={async (v) => {
        const { user } = await api.signup({
          email: v.email ?? "",
          displayName: v.displayName ?? "",
          password: v.password ?? "",
        });
        onAuthenticated(user);
      }}
      footer={toggle}
    />
  ) : (
    <AuthForm
      key="login"
      title="Join the workshop"
      notice="Sign in to join the cohort."
      fields={loginFields}
      submitLabel="Sign in and join"
      onSubmit={async (v) => {
        const { user } = await api.login({ email: v.email ?? "", password: v.password ?? "" });
        onAuthenticated(user);
      }}
      footer={toggle}
    />
  );
}
