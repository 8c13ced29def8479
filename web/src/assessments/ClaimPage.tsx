import { useEffect, useState } from "react";
import { errorMessage, request, type User } from "../api.ts";

/** /take/<token>: claims the invite (single use) and signs the candidate in to their assessment. */
export function ClaimPage({ token, onAuthenticated }: { token: string; onAuthenticated: (u: User) => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request<{ user: User }>("POST", "/api/assessment-invites/claim", { token }).then(
      (r) => {
        window.history.replaceState(null, "", "/assessment");
        onAuthenticated(r.user);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [token, onAuthenticated]);
  return (
    <main className="center-page" id="main">
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : (
        <p className="loading">Opening your assessment…</p>
      )}
    </main>
  );
}
