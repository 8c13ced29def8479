import { useState } from "react";
import type { User } from "../api.ts";
import { usePath } from "../router.ts";
import { Link } from "./Link.tsx";
import { ThemeToggle } from "./ThemeToggle.tsx";

interface Props {
  user: User;
  onSignOut: () => Promise<void>;
}

export function Header({ user, onSignOut }: Props) {
  const [busy, setBusy] = useState(false);
  const path = usePath();
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        Backlab
      </Link>
      <nav aria-label="Main" className="main-nav">
        <NavLink href="/">Exercises</NavLink>
        <NavLink href="/progress">Progress</NavLink>
        {(user.role === "instructor" || user.role === "admin") && <NavLink href="/teach">Cohorts</NavLink>}
        {(user.role === "instructor" || user.role === "admin") && <NavLink href="/hire">Assessments</NavLink>}
        {user.role === "admin" && <NavLink href="/admin">Admin</NavLink>}
      </nav>
      <nav aria-label="Account" className="account">
        <ThemeToggle />
        <Link
          href="/account"
          className="user-name"
          data-testid="user-name"
          aria-current={path === "/account" ? "page" : undefined}
          title="Your account"
        >
          {user.displayName}
        </Link>
        <button
          type="button"
          className="btn btn-ghost"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onSignOut().finally(() => {
              setBusy(false);
            });
          }}
        >
          Sign out
        </button>
      </nav>
    </header>
  );
}

/** A header link that says which page is open (aria-current), for sighted and screen-reader users alike. */
function NavLink({ href, children }: { href: string; children: string }) {
  const path = usePath();
  const current =
    href === "/" ? path === "/" || path.startsWith("/exercises/") : path === href || path.startsWith(`${href}/`);
  return (
    <Link href={href} className="nav-link" aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}
