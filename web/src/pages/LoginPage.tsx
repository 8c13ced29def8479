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
        </>
      }
    />
  );
}
