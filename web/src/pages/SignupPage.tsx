import { api, type User } from "../api.ts";
import { AuthForm } from "../components/AuthForm.tsx";
import { Link } from "../components/Link.tsx";

const fields = [
  { name: "email", label: "Email", type: "email", autoComplete: "email" },
  { name: "displayName", label: "Display name", type: "text", autoComplete: "nickname" },
  {
    name: "password",
    label: "Password",
    type: "password",
    autoComplete: "new-password",
    minLength: 10,
    hint: "At least 10 characters.",
  },
];

export function SignupPage({ onAuthenticated }: { onAuthenticated: (u: User) => void }) {
  return (
    <AuthForm
      title="Join the lab"
      fields={fields}
      submitLabel="Create account"
      onSubmit={async (v) => {
        const { user } = await api.signup({
          email: v.email ?? "",
          displayName: v.displayName ?? "",
          password: v.password ?? "",
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
