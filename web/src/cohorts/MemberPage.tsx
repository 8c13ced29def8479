import { useEffect, useState, type SubmitEvent } from "react";
import { errorMessage } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { cohortsApi, type LeaderboardRow, type MemberView } from "./api.ts";
import { useCohortEvents } from "./useCohortEvents.ts";
import "./cohorts.css";

/** A member's cohort: the track in order (unlocks appear live), messages, a raised hand, the leaderboard. */
export function MemberPage({ id }: { id: number }) {
  const [view, setView] = useState<MemberView | null>(null);
  const [board, setBoard] = useState<LeaderboardRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState("");

  useEffect(() => {
    cohortsApi.me(id).then(setView, (err: unknown) => setError(errorMessage(err)));
  }, [id]);
  useEffect(() => {
    if (view?.cohort.leaderboard && view.cohort.leaderboard !== "off")
      cohortsApi.leaderboard(id).then(
        (r) => setBoard(r.rows),
        () => setBoard(null),
      );
  }, [id, view?.cohort.leaderboard]);

  useCohortEvents(cohortsApi.eventsUrl(id), (e) => {
    setView((v) => {
      if (!v) return v;
      if (e.type === "track") return { ...v, track: e.track };
      if (e.type === "broadcast")
        return { ...v, broadcasts: [e.broadcast, ...v.broadcasts.filter((b) => b.id !== e.broadcast.id)] };
      if (e.type === "hands") return { ...v, myHand: e.hands[0] ?? null };
      return v;
    });
  });

  if (error) {
    return (
      <main className="page" id="main">
        <p className="alert" role="alert">
          {error}
        </p>
      </main>
    );
  }
  if (!view) return <p className="loading page">Loading…</p>;

  const raise = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    cohortsApi.raiseHand(id, message).then(
      (r) => setView({ ...view, myHand: r.hand }),
      (err: unknown) => setError(errorMessage(err)),
    );
  };

  return (
    <main className="page cohort-page" id="main">
      <div className="page-head">
        <h1>{view.cohort.name}</h1>
      </div>
      {view.cohort.description && <p className="muted">{view.cohort.description}</p>}
      <div className="cohort-columns">
        <section aria-labelledby="track-h">
          <h2 id="track-h">Track</h2>
          <ol className="track-list" data-testid="track">
            {view.track.map((t) => (
              <li
                key={t.exerciseId}
                className={t.unlocked ? "track-open" : "track-locked"}
                data-exercise={t.exerciseId}
                data-unlocked={t.unlocked}
              >
                {t.unlocked && t.inCatalog ? (
                  <Link href={`/exercises/${t.exerciseId}`}>{t.title}</Link>
                ) : (
                  <span>{t.title}</span>
                )}
                <span className="badge">
                  {!t.inCatalog
                    ? "removed"
                    : t.unlocked
                      ? "open"
                      : t.unlockAt
                        ? `opens ${new Date(t.unlockAt).toLocaleTimeString()}`
                        : "locked"}
                </span>
              </li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="help-h">
          <h2 id="help-h">Help</h2>
          {view.myHand ? (
            <div className="hand-raised" data-testid="hand-raised">
              <p>
                Your hand is up{view.myHand.acknowledgedAt ? " — the instructor has seen it" : ""}.
                {view.myHand.message && <> “{view.myHand.message}”</>}
              </p>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => cohortsApi.lowerHand(id).then(() => setView({ ...view, myHand: null }))}
              >
                Lower my hand
              </button>
            </div>
          ) : (
            <form onSubmit={raise} className="hand-form">
              <label htmlFor="hand-msg">What are you stuck on? (optional)</label>
              <input id="hand-msg" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} />
              <button type="submit" className="btn btn-primary">
                Raise hand
              </button>
            </form>
          )}
          <h2>Messages</h2>
          {view.broadcasts.length === 0 ? (
            <p className="muted">No messages yet.</p>
          ) : (
            <ul className="broadcast-list">
              {view.broadcasts.map((b) => (
                <li key={b.id}>
                  <time dateTime={b.createdAt}>{new Date(b.createdAt).toLocaleTimeString()}</time> {b.text}
                </li>
              ))}
            </ul>
          )}
          {board && (
            <>
              <h2>Leaderboard</h2>
              <table className="leaderboard">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{view.cohort.leaderboard === "pseudonyms" ? "Pseudonym" : "Name"}</th>
                    <th scope="col">Passed</th>
                    <th scope="col">Points</th>
                  </tr>
                </thead>
                <tbody>
                  {board.map((r) => (
                    <tr key={r.rank} className={r.you ? "you" : undefined}>
                      <td>{r.rank}</td>
                      <td>
                        {r.name}
                        {r.you ? " (you)" : ""}
                      </td>
                      <td>{r.passed}</td>
                      <td>{r.points}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      </div>
    </main>
  );
}
