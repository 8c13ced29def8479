import { useEffect, useState, type SubmitEvent } from "react";
import { api, errorMessage, type Catalog, type ExerciseSummary } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { navigate } from "../router.ts";
import { cohortsApi, type CohortSummary } from "./api.ts";
import "./cohorts.css";

/** The instructor's cohorts and the form that creates one. */
export function TeachPage() {
  const [cohorts, setCohorts] = useState<CohortSummary[] | null>(null);
  const [exercises, setExercises] = useState<ExerciseSummary[]>([]);
  const [paths, setPaths] = useState<Catalog["paths"]>([]);
  const [track, setTrack] = useState<string[]>([]);
  const [fromPath, setFromPath] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    cohortsApi.list().then(
      (r) => setCohorts(r.cohorts),
      (err: unknown) => setError(errorMessage(err)),
    );
    api.exercises().then(
      (r) => {
        setExercises(r.exercises);
        setPaths(r.paths);
      },
      () => undefined,
    );
  }, []);

  const create = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? "").trim();
    const when = (k: string) => (text(k) ? new Date(text(k)).toISOString() : null);
    setBusy(true);
    setError(null);
    cohortsApi
      .create({
        name: text("name"),
        description: text("description"),
        track,
        seats: Number(text("seats")),
        startsAt: when("startsAt"),
        endsAt: when("endsAt"),
        hints: f.get("hints") === "on",
        solution: text("solution"),
        leaderboard: text("leaderboard"),
        coInstructors: text("coInstructors")
          ? text("coInstructors")
              .split(/[\s,]+/)
              .filter(Boolean)
          : [],
      })
      .then(
        (r) => navigate(`/teach/${r.cohort.id}`),
        (err: unknown) => setError(errorMessage(err)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <main className="page teach-page" id="main">
      <div className="page-head">
        <h1>Cohorts</h1>
        <Link href="/teach/webhooks">Webhooks for your cohorts</Link>
      </div>
      {error && (
        <p className="alert" role="alert" data-testid="teach-error">
          {error}
        </p>
      )}
      <section aria-labelledby="yours-h">
        <h2 id="yours-h">Your cohorts</h2>
        {cohorts === null ? (
          <p className="loading">Loading…</p>
        ) : cohorts.length === 0 ? (
          <p className="muted">None yet: create one below.</p>
        ) : (
          <ul className="cohort-list">
            {cohorts.map((c) => (
              <li key={c.id}>
                <Link href={`/teach/${c.id}`}>{c.name}</Link>{" "}
                <span className="muted">
                  {c.members}/{c.seats} seats{c.ended ? " · ended" : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="new-h" className="card new-cohort">
        <h2 id="new-h">New cohort</h2>
        <form onSubmit={create} className="form-grid">
          <label htmlFor="c-name">Name</label>
          <input id="c-name" name="name" required maxLength={120} />
          <label htmlFor="c-desc">Description</label>
          <textarea id="c-desc" name="description" maxLength={4000} rows={2} />
          <label htmlFor="c-seats">Seats</label>
          <input id="c-seats" name="seats" type="number" min={1} max={1000} defaultValue={30} required />
          <label htmlFor="c-start">Starts</label>
          <input id="c-start" name="startsAt" type="datetime-local" />
          <label htmlFor="c-end">Ends</label>
          <input id="c-end" name="endsAt" type="datetime-local" />
          <label htmlFor="c-hints">Hints</label>
          <span>
            <input id="c-hints" name="hints" type="checkbox" defaultChecked /> shown on request
          </span>
          <label htmlFor="c-solution">Solution</label>
          <select id="c-solution" name="solution" defaultValue="after_pass">
            <option value="after_pass">after a pass</option>
            <option value="after_end">after the cohort ends</option>
            <option value="never">never</option>
          </select>
          <label htmlFor="c-board">Leaderboard</label>
          <select id="c-board" name="leaderboard" defaultValue="off">
            <option value="off">off</option>
            <option value="pseudonyms">with pseudonyms</option>
            <option value="names">with display names</option>
          </select>
          <label htmlFor="c-co">Co-instructors</label>
          <input id="c-co" name="coInstructors" placeholder="emails, comma separated" />
          {paths.length > 0 && (
            <>
              <label htmlFor="c-path">From a learning path</label>
              <span className="track-from-path">
                <select
                  id="c-path"
                  value={fromPath}
                  onChange={(ev) => {
                    const p = paths.find((x) => x.id === ev.target.value);
                    setFromPath(ev.target.value);
                    // The path's exercises, in its order, as the track (untick or add to adjust).
                    if (p) setTrack(p.exercises.filter((id) => exercises.some((e) => e.id === id)));
                  }}
                >
                  <option value="">none: tick exercises below</option>
                  {paths.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.title} ({p.exercises.length})
                    </option>
                  ))}
                </select>{" "}
                <button
                  type="button"
                  className="btn btn-ghost"
                  disabled={track.length === 0}
                  onClick={() => {
                    setTrack([]);
                    setFromPath("");
                  }}
                >
                  Clear the track
                </button>
              </span>
            </>
          )}
          <fieldset className="track-picker">
            <legend>Track (in the order you tick them)</legend>
            {exercises.map((e) => (
              <label key={e.id}>
                <input
                  type="checkbox"
                  name="track"
                  value={e.id}
                  checked={track.includes(e.id)}
                  onChange={(ev) => setTrack((t) => (ev.target.checked ? [...t, e.id] : t.filter((x) => x !== e.id)))}
                />{" "}
                {track.includes(e.id) ? <span className="badge">{track.indexOf(e.id) + 1}</span> : null} {e.title}{" "}
                <span className="muted">({e.area})</span>
              </label>
            ))}
          </fieldset>
          <div />
          <button type="submit" className="btn btn-primary" disabled={busy || track.length === 0}>
            Create cohort
          </button>
        </form>
      </section>
    </main>
  );
}
