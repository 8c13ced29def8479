import { useMemo } from "react";
import type { HelpSignal, RoomRow, TrackItem } from "./api.ts";

export type Filters = {
  name: string;
  exercise: string;
  state: "all" | "help" | "passed" | "in_progress" | "not_started";
  sort: "name" | "help" | "progress";
};

export function signalText(s: HelpSignal): string {
  switch (s.kind) {
    case "hand":
      return `raised hand${s.message ? `: “${s.message}”` : ""}`;
    case "failed_in_row":
      return `${s.count} failed submissions in a row (${s.exerciseId})`;
    case "same_test_failing":
      return `“${s.test}” failed ${s.count} times (${s.exerciseId})`;
    case "idle":
      return `idle ${s.minutes} min with ${s.exerciseId} open`;
  }
}

const passedCount = (r: RoomRow) => r.cells.filter((c) => c.status === "passed").length;

/** Learner × exercise, filtered and sorted as the toolbar says; a cell is a button that opens its detail. */
export function RoomGrid({
  rows,
  track,
  filters,
  onOpen,
  selected,
}: {
  rows: RoomRow[];
  track: TrackItem[];
  filters: Filters;
  onOpen: (userId: number, exerciseId: string) => void;
  selected: string | null;
}) {
  const shown = useMemo(() => {
    const name = filters.name.trim().toLowerCase();
    const out = rows.filter((r) => {
      if (name && !r.displayName.toLowerCase().includes(name) && !r.email.toLowerCase().includes(name)) return false;
      const cells = filters.exercise ? r.cells.filter((c) => c.exerciseId === filters.exercise) : r.cells;
      if (filters.state === "help")
        return r.needsHelp.some((s) => !filters.exercise || s.kind === "hand" || s.exerciseId === filters.exercise);
      if (filters.state !== "all") return cells.some((c) => c.status === filters.state);
      return true;
    });
    const byName = (a: RoomRow, b: RoomRow) => a.displayName.localeCompare(b.displayName);
    if (filters.sort === "help") out.sort((a, b) => b.needsHelp.length - a.needsHelp.length || byName(a, b));
    else if (filters.sort === "progress") out.sort((a, b) => passedCount(b) - passedCount(a) || byName(a, b));
    else out.sort(byName);
    return out;
  }, [rows, filters]);
  const columns = filters.exercise ? track.filter((t) => t.exerciseId === filters.exercise) : track;

  return (
    <div className="room-grid-wrap">
      <table className="room-grid" data-testid="room-grid">
        <thead>
          <tr>
            <th scope="col">Learner</th>
            {columns.map((t) => (
              <th scope="col" key={t.exerciseId} title={t.exerciseId}>
                {t.title}
                {!t.unlocked && <span className="muted"> (locked)</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={columns.length + 1} className="muted">
                {rows.length === 0 ? "Nobody has joined yet." : "No learner matches the filters."}
              </td>
            </tr>
          )}
          {shown.map((r) => (
            <tr key={r.userId} data-learner={r.displayName} className={r.needsHelp.length ? "needs-help" : undefined}>
              <th scope="row">
                <span className="learner-name">{r.displayName}</span>
                {r.needsHelp.length > 0 && (
                  <ul className="help-signals" aria-label={`${r.displayName} needs help`}>
                    {r.needsHelp.map((s, i) => (
                      <li key={i} className={`signal signal-${s.kind}`}>
                        {signalText(s)}
                      </li>
                    ))}
                  </ul>
                )}
              </th>
              {columns.map((t) => {
                const c = r.cells.find((x) => x.exerciseId === t.exerciseId)!;
                const key = `${r.userId}:${t.exerciseId}`;
                return (
                  <td
                    key={t.exerciseId}
                    className={`cell cell-${c.status}`}
                    data-exercise={t.exerciseId}
                    data-latest={c.latestStatus ?? undefined}
                  >
                    <button
                      type="button"
                      className={`cell-btn${selected === key ? " selected" : ""}`}
                      aria-pressed={selected === key}
                      disabled={!c.workspaceId}
                      aria-label={`${r.displayName}, ${t.title}: ${c.status.replace("_", " ")}`}
                      onClick={() => onOpen(r.userId, t.exerciseId)}
                    >
                      <span className="cell-status">
                        {c.status === "passed" ? "✓ passed" : c.status === "in_progress" ? "in progress" : "—"}
                        {(c.latestStatus === "queued" || c.latestStatus === "running") && " · grading…"}
                      </span>
                      {c.attempts > 0 && (
                        <span className="cell-score" data-testid="cell-score">
                          {c.best ?? 0}/{c.maxScore} · {c.attempts} {c.attempts === 1 ? "try" : "tries"}
                        </span>
                      )}
                      {c.lastActivityAt && (
                        <span className="cell-when">
                          {new Date(c.lastActivityAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
                        </span>
                      )}
                      {c.terminalLive && <span className="cell-live">● live</span>}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
