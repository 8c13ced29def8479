import { useEffect, useState } from "react";
import { errorMessage } from "../api.ts";
import { Recordings } from "../recordings/Recordings.tsx";
import { Terminal } from "../terminal/Terminal.tsx";
import { cohortsApi, type RoomRow, type Takeover } from "./api.ts";

type Cell = Awaited<ReturnType<typeof cohortsApi.cell>>;

/** One learner × exercise: latest results, code read-only, the live terminal (observe or take-over), recordings. */
export function CellPanel({
  cohortId,
  row,
  exerciseId,
  takeover,
  onClose,
}: {
  cohortId: number;
  row: RoomRow;
  exerciseId: string;
  takeover: Takeover | undefined;
  onClose: () => void;
}) {
  const [cell, setCell] = useState<Cell | null>(null);
  const [file, setFile] = useState<{ path: string; content: string } | null>(null);
  const [tab, setTab] = useState<"results" | "code" | "terminal" | "recordings">("results");
  const [error, setError] = useState<string | null>(null);
  const live = row.cells.find((c) => c.exerciseId === exerciseId)?.terminalLive ?? false;
  const here = row.cells.find((c) => c.exerciseId === exerciseId);
  // Asked again whenever the latest submission changes or is graded.
  const latest = `${here?.latestSubmissionId}:${here?.latestStatus}`;

  useEffect(() => {
    cohortsApi.cell(cohortId, row.userId, exerciseId).then(setCell, (err: unknown) => setError(errorMessage(err)));
  }, [cohortId, row.userId, exerciseId, latest]);

  const openFile = (path: string) =>
    cohortsApi.file(cohortId, row.userId, exerciseId, path).then(
      (r) => setFile(r.file),
      (err: unknown) => setError(errorMessage(err)),
    );
  const active = takeover?.state === "active";

  return (
    <section className="card cell-panel" aria-label={`${row.displayName} on ${exerciseId}`} data-testid="cell-panel">
      <div className="cell-panel-head">
        <h2>
          {row.displayName} · {exerciseId}
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <div role="tablist" aria-label="Cell views" className="tabs">
        {(["results", "code", "terminal", "recordings"] as const).map((t) => (
          <button
            key={t}
            role="tab"
            type="button"
            aria-selected={tab === t}
            className={`tab${tab === t ? " active" : ""}`}
            onClick={() => setTab(t)}
          >
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {tab === "results" &&
        (cell?.submissions.length ? (
          <ol className="cell-subs">
            {cell.submissions.map((s) => (
              <li key={s.id}>
                <strong>
                  #{s.id} {s.result ? `${s.result.status} ${s.result.score}/${s.result.max_score}` : s.status}
                </strong>{" "}
                <span className="muted">{new Date(s.createdAt).toLocaleTimeString()}</span>
                {s.result && (
                  <ul>
                    {s.result.tests
                      .filter((t) => t.status !== "pass")
                      .slice(0, 8)
                      .map((t) => (
                        <li key={t.name} className="failing-test">
                          ✗ {t.name}
                        </li>
                      ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">No submissions yet.</p>
        ))}
      {tab === "code" && (
        <div className="cell-code">
          <ul className="file-list">
            {cell?.files
              .filter((f) => f.type === "file")
              .map((f) => (
                <li key={f.path}>
                  <button type="button" className="btn-link" onClick={() => void openFile(f.path)}>
                    {f.path}
                  </button>
                </li>
              ))}
          </ul>
          {file && (
            <pre className="code-view" aria-label={`${file.path} (read-only)`}>
              {file.content}
            </pre>
          )}
        </div>
      )}
      {tab === "terminal" && cell && (
        <div className="cell-terminal">
          <p className="takeover-controls">
            {active ? (
              <>
                <span className="badge">taking over</span>{" "}
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => void cohortsApi.endTakeover(cohortId, takeover.id)}
                >
                  End take-over
                </button>
              </>
            ) : takeover?.state === "requested" ? (
              <span className="muted">Waiting for {row.displayName} to accept…</span>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                disabled={!live}
                onClick={() =>
                  cohortsApi
                    .requestTakeover(cohortId, row.userId, exerciseId)
                    .catch((err: unknown) => setError(errorMessage(err)))
                }
              >
                Ask to take over
              </button>
            )}
            {takeover?.state === "declined" && <span className="muted"> {row.displayName} declined.</span>}
          </p>
          {live ? (
            <Terminal
              key={active ? "takeover" : "observe"}
              workspaceId={String(cell.workspaceId)}
              observe={!active}
              takeover={active}
            />
          ) : (
            <p className="muted">No live terminal right now.</p>
          )}
        </div>
      )}
      {tab === "recordings" && cell && <Recordings workspaceId={String(cell.workspaceId)} />}
    </section>
  );
}
