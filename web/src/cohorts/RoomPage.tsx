import { useEffect, useState, type SubmitEvent } from "react";
import { errorMessage } from "../api.ts";
import { cohortsApi, type CohortDetail, type Hand, type Room, type Takeover } from "./api.ts";
import { CellPanel } from "./CellPanel.tsx";
import { RoomGrid, type Filters } from "./RoomGrid.tsx";
import { useCohortEvents } from "./useCohortEvents.ts";
import "./cohorts.css";

/** The instructor's live room: pacing, join link, broadcast, hand queue, the grid and a cell's detail. */
export function RoomPage({ id }: { id: number }) {
  const [detail, setDetail] = useState<CohortDetail | null>(null);
  const [room, setRoom] = useState<Room | null>(null);
  const [takeovers, setTakeovers] = useState<Map<string, Takeover>>(new Map());
  const [filters, setFilters] = useState<Filters>({ name: "", exercise: "", state: "all", sort: "help" });
  const [open, setOpen] = useState<{ userId: number; exerciseId: string } | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    cohortsApi.detail(id).then(
      (r) => setDetail(r.cohort),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [id]);

  useCohortEvents(cohortsApi.roomEventsUrl(id), (e) => {
    if (e.type === "room") setRoom(e.room);
    else if (e.type === "row")
      setRoom((r) =>
        r
          ? {
              ...r,
              rows: r.rows.some((x) => x.userId === e.row.userId)
                ? r.rows.map((x) => (x.userId === e.row.userId ? e.row : x))
                : [...r.rows, e.row],
            }
          : r,
      );
    else if (e.type === "hands") setRoom((r) => (r ? { ...r, hands: e.hands } : r));
    else if (e.type === "track") {
      setRoom((r) => (r ? { ...r, track: e.track } : r));
      setDetail((d) => (d ? { ...d, track: e.track } : d));
    } else if (e.type === "takeover")
      setTakeovers((m) => new Map(m).set(`${e.takeover.learnerId}:${e.takeover.exerciseId}`, e.takeover));
  });

  const fail = (err: unknown) => setError(errorMessage(err));
  const pace = (exercises: "all" | string[], action: "unlock" | "lock") => {
    setError(null);
    cohortsApi.pace(id, exercises, action).then((r) => setDetail((d) => (d ? { ...d, track: r.track } : d)), fail);
  };
  const send = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(null);
    cohortsApi.broadcast(id, text).then(() => {
      setText("");
      setNotice("Sent to every member.");
    }, fail);
  };
  const act = (h: Hand, action: "acknowledge" | "resolve") => cohortsApi.actOnHand(id, h.id, action).catch(fail);

  if (!detail) {
    return (
      <main className="page" id="main">
        {error ? (
          <p className="alert" role="alert">
            {error}
          </p>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </main>
    );
  }
  const joinUrl = detail.joinCode ? `${window.location.origin}/join/${detail.joinCode}` : null;
  const openRow = open && room?.rows.find((r) => r.userId === open.userId);

  return (
    <main className="page room-page" id="main">
      <div className="page-head">
        <h1>{detail.name}</h1>
        <span className="muted">
          {room?.rows.length ?? detail.members}/{detail.seats} seats{detail.ended ? " · ended" : ""}
        </span>
      </div>
      {error && (
        <p className="alert" role="alert" data-testid="room-error">
          {error}
        </p>
      )}
      <div className="room-top">
        <section className="card" aria-labelledby="join-h">
          <h2 id="join-h">Join link</h2>
          {joinUrl ? (
            <p>
              <code data-testid="join-link">{joinUrl}</code>{" "}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => void navigator.clipboard?.writeText(joinUrl)}
              >
                Copy
              </button>
            </p>
          ) : (
            <p className="muted">Joining by link is off.</p>
          )}
          <p className="export-links">
            Export:{" "}
            <a href={cohortsApi.exportUrl(id, "csv")} download>
              CSV
            </a>{" "}
            ·{" "}
            <a href={cohortsApi.exportUrl(id, "gradebook")} download>
              Gradebook CSV
            </a>{" "}
            ·{" "}
            <a href={cohortsApi.exportUrl(id, "json")} download>
              JSON
            </a>
          </p>
        </section>
        <section className="card" aria-labelledby="pace-h">
          <h2 id="pace-h">Pacing</h2>
          <ol className="pacing-list">
            {detail.track.map((t) => (
              <li key={t.exerciseId} data-exercise={t.exerciseId}>
                <span>{t.title}</span>{" "}
                <span className="badge">
                  {t.unlocked ? "unlocked" : t.unlockAt ? `at ${new Date(t.unlockAt).toLocaleTimeString()}` : "locked"}
                </span>{" "}
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => pace([t.exerciseId], t.unlocked ? "lock" : "unlock")}
                  aria-label={`${t.unlocked ? "Lock" : "Unlock"} ${t.title}`}
                >
                  {t.unlocked ? "Lock" : "Unlock"}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" className="btn btn-small" onClick={() => pace("all", "unlock")}>
            Unlock all
          </button>
        </section>
        <section className="card" aria-labelledby="bc-h">
          <h2 id="bc-h">Broadcast</h2>
          <form onSubmit={send} className="broadcast-form">
            <label htmlFor="bc-text" className="sr-only">
              Message to every member
            </label>
            <input
              id="bc-text"
              value={text}
              maxLength={500}
              required
              onChange={(e) => setText(e.target.value)}
              placeholder="Plain text, up to 500 characters"
            />
            <button type="submit" className="btn btn-primary">
              Send
            </button>
          </form>
          {notice && (
            <p className="muted" role="status">
              {notice}
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="hands-h">
          <h2 id="hands-h">Raised hands</h2>
          {!room?.hands.length ? (
            <p className="muted">Nobody is waiting.</p>
          ) : (
            <ol className="hand-queue" data-testid="hand-queue">
              {room.hands.map((h) => (
                <li key={h.id}>
                  <strong>{h.displayName}</strong> {h.message && <span>“{h.message}”</span>}{" "}
                  <span className="muted">{new Date(h.raisedAt).toLocaleTimeString()}</span>{" "}
                  {!h.acknowledgedAt && (
                    <button type="button" className="btn btn-small" onClick={() => void act(h, "acknowledge")}>
                      Acknowledge
                    </button>
                  )}{" "}
                  <button type="button" className="btn btn-small" onClick={() => void act(h, "resolve")}>
                    Resolve
                  </button>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
      <section aria-labelledby="grid-h">
        <h2 id="grid-h">Live room</h2>
        <div className="room-toolbar">
          <label>
            Name{" "}
            <input
              type="search"
              value={filters.name}
              onChange={(e) => setFilters({ ...filters, name: e.target.value })}
            />
          </label>
          <label>
            Exercise{" "}
            <select value={filters.exercise} onChange={(e) => setFilters({ ...filters, exercise: e.target.value })}>
              <option value="">all</option>
              {detail.track.map((t) => (
                <option key={t.exerciseId} value={t.exerciseId}>
                  {t.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            State{" "}
            <select
              value={filters.state}
              onChange={(e) => setFilters({ ...filters, state: e.target.value as Filters["state"] })}
            >
              <option value="all">all</option>
              <option value="help">needs help</option>
              <option value="in_progress">in progress</option>
              <option value="passed">passed</option>
              <option value="not_started">not started</option>
            </select>
          </label>
          <label>
            Sort{" "}
            <select
              value={filters.sort}
              onChange={(e) => setFilters({ ...filters, sort: e.target.value as Filters["sort"] })}
            >
              <option value="help">needs help first</option>
              <option value="name">name</option>
              <option value="progress">most passed</option>
            </select>
          </label>
        </div>
        {room ? (
          <RoomGrid
            rows={room.rows}
            track={room.track}
            filters={filters}
            selected={open ? `${open.userId}:${open.exerciseId}` : null}
            onOpen={(userId, exerciseId) => setOpen({ userId, exerciseId })}
          />
        ) : (
          <p className="loading">Connecting…</p>
        )}
      </section>
      {open && openRow && (
        <CellPanel
          cohortId={id}
          row={openRow}
          exerciseId={open.exerciseId}
          takeover={takeovers.get(`${open.userId}:${open.exerciseId}`)}
          onClose={() => setOpen(null)}
        />
      )}
    </main>
  );
}
