import { useEffect, useState } from "react";
import { api, errorMessage, recordingUrl, type Recording } from "../api.ts";
import { RecordingPlayer } from "./RecordingPlayer.tsx";

function toDate(v: string | number | null): Date | null {
  if (v === null) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function describe(r: Recording): { when: string; details: string; live: boolean } {
  const start = toDate(r.startedAt);
  const end = toDate(r.endedAt);
  const when = start ? start.toLocaleString() : String(r.startedAt);
  const length = start && end ? formatDuration(end.getTime() - start.getTime()) : null;
  const details = [length, formatBytes(r.bytes), r.endReason].filter(Boolean).join(" · ");
  return { when, details, live: r.endedAt === null };
}

/** The workspace's terminal recordings, newest first, with a player for the chosen one. */
export function Recordings({ workspaceId }: { workspaceId: string }) {
  const [list, setList] = useState<Recording[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState<Recording | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api.recordings(workspaceId).then(
      ({ recordings }) => {
        if (cancelled) return;
        setList(recordings);
        setError(null);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [workspaceId, reload]);

  return (
    <section className="recordings" aria-labelledby="recordings-title" data-testid="recordings">
      <div className="recordings-head">
        <h2 id="recordings-title">Recordings</h2>
        <span className="muted">Every terminal session is recorded.</span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </div>

      {playing && (
        <div className="recording-stage">
          <div className="recording-stage-head">
            <strong>{describe(playing).when}</strong>
            <span className="spacer" />
            <button
              type="button"
              className="btn btn-small"
              aria-label="Close the player"
              onClick={() => setPlaying(null)}
            >
              Close
            </button>
          </div>
          <RecordingPlayer key={String(playing.id)} url={recordingUrl(playing.id)} />
        </div>
      )}

      {error ? (
        <p role="alert" className="alert">
          {error}
        </p>
      ) : list === null ? (
        <p className="loading">Loading recordings…</p>
      ) : list.length === 0 ? (
        <p className="muted">No recordings yet. Open the terminal and they will appear here.</p>
      ) : (
        <ul className="recording-list">
          {list.map((r) => {
            const d = describe(r);
            const current = playing !== null && String(playing.id) === String(r.id);
            return (
              <li key={String(r.id)} className="recording" data-testid="recording" data-id={String(r.id)}>
                <span className="recording-when">{d.when}</span>
                <span className="muted">{d.details}</span>
                {d.live && <span className="badge">in progress</span>}
                {r.truncated && (
                  <span
                    className="badge status-error"
                    title="The recording reached its size limit; the rest was not kept."
                  >
                    truncated
                  </span>
                )}
                <span className="spacer" />
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="recording-play"
                  aria-pressed={current}
                  aria-label={`Play the recording of ${d.when}`}
                  onClick={() => setPlaying(r)}
                >
                  Play
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
