import { useState } from "react";
import type { User } from "../api.ts";
import { Link } from "./Link.tsx";

interface Props {
  user: User;
  onSignOut: () => Promise<void>;
}

export function Header({ user, onSignOut }: Props) {
  const [busy, setBusy] = useState(false);
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        Backlab
      </Link>
      <nav aria-label="Account" className="account">
        <span className="user-name" data-testid="user-name">
          {user.displayName}
        </span>
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
