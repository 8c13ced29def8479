import { useCallback, useEffect, useState } from "react";
import type { CandidateDetail, SimilarityPair } from "../../../server/contract/assessments.ts";
import { errorMessage, recordingUrl, request } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { DiffView } from "../editor/DiffView.tsx";
import { RecordingPlayer } from "../recordings/RecordingPlayer.tsx";
import { SimilarityList } from "./HirePage.tsx";
import "./assessments.css";

const time = (iso: string) => new Date(iso).toLocaleTimeString();

function describe(e: CandidateDetail["timeline"][number]): string {
  const d = e.detail;
  switch (e.kind) {
    case "paste":
      return `pasted ${String(d.chars)} characters`;
    case "insert":
      return `inserted ${String(d.chars)} characters`;
    case "save":
      return `saved ${String(d.path)}${d.bytes === undefined ? "" : ` (${String(d.bytes)} bytes)`}`;
    case "blur":
      return "left the page";
    case "focus":
      return "came back to the page";
    case "submission":
    case "final-submission":
      return `${e.kind === "final-submission" ? "final submission" : "checked"}${d.score === null || d.score === undefined ? "" : `: ${String(d.score)} / ${String(d.maxScore)}`}`;
    case "command":
      return `$ ${String(d.command)}`;
    case "terminal-open":
      return "opened the terminal";
    case "terminal-closed":
      return `terminal closed${d.reason ? ` (${String(d.reason)})` : ""}`;
    case "extension":
      return `time changed: +${String(d.extraMinutes)} min, ×${String(d.timeFactor)}`;
    case "handed-in":
      return "handed in";
    case "deadline":
      return "time was up: handed in by the server";
    default:
      return e.kind;
  }
}

/** One candidate for a reviewer: scores, hidden tests, code against the starter, timeline with playback, similarity, rubric, decision. Prints as a report. */
export function CandidateReview({ assessmentId, candidateId }: { assessmentId: number; candidateId: number }) {
  const [d, setD] = useState<CandidateDetail | null>(null);
  const [pairs, setPairs] = useState<SimilarityPair[]>([]);
  const [recording, setRecording] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/assessments/${assessmentId}/candidates/${candidateId}`;
  const load = useCallback(() => {
    request<CandidateDetail>("GET", base).then(setD, (e: unknown) => setError(errorMessage(e)));
  }, [base]);
  useEffect(() => {
    load();
    request<{ pairs: SimilarityPair[] }>("GET", `/api/assessments/${assessmentId}/similarity`).then(
      (r) => setPairs(r.pairs),
      () => undefined,
    );
  }, [load, assessmentId]);
  if (!d)
    return (
      <main className="page">{error ? <p className="alert">{error}</p> : <p className="loading">Loading…</p>}</main>
    );
  const c = d.candidate;
  const mine = pairs.filter((p) => p.flagged && (p.left === c.pseudonym || p.right === c.pseudonym));

  const saveRubric = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    const scores = d.criteria
      .map((_, i) => ({
        criterion: i,
        score: Number(f.get(`score-${i}`)),
        note: String(f.get(`note-${i}`) ?? "") || undefined,
      }))
      .filter((s) => s.score >= 1);
    try {
      await request("PUT", `${base}/rubric`, { scores });
      setStatus("Rubric saved.");
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const decide = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    try {
      await request("PUT", `${base}/decision`, { decision: f.get("decision"), comment: f.get("comment") });
      setStatus("Decision recorded.");
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <main className="page hire candidate-report" id="main">
      <p className="no-print">
        <Link href={`/hire/${assessmentId}`}>Back to the board</Link> ·{" "}
        <button type="button" className="link-button" onClick={() => window.print()}>
          Print report
        </button>
      </p>
      <h1>
        {c.pseudonym}
        {c.name ? ` — ${c.name}` : ""}
      </h1>
      <p className="muted">{`${c.status}${c.finishReason === "deadline" ? " (handed in at the deadline)" : ""} · time used ${c.timeUsedMs === null ? "—" : Math.round(c.timeUsedMs / 60_000) + " min"} · extra ${c.extraMinutes} min ×${c.timeFactor}`}</p>
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : null}
      {status ? <p role="status">{status}</p> : null}
      {c.flags.length ? (
        <p>
          {c.flags.map((f) => (
            <span key={f} className="flag">
              {f}
            </span>
          ))}
        </p>
      ) : null}

      <h2>Score</h2>
      <p data-testid="score">{c.score === null ? "Not graded yet" : `${c.score} / ${c.maxScore}`}</p>
      <ul>
        {Object.entries(c.categories).map(([k, s]) => (
          <li key={k}>{`${k}: ${s.score} / ${s.max}`}</li>
        ))}
      </ul>
      {d.finals.map((f) => (
        <section key={f.exerciseId}>
          <h3>{`${f.exerciseId}: hidden tests`}</h3>
          <ul className="tests">
            {f.result?.tests.map((t) => (
              <li key={t.name} className={`test ${t.status}`}>
                {`${t.status === "pass" ? "✓" : "✗"} ${t.name} (${t.points}/${t.max_points}, ${t.category})`}
                {t.message ? <pre>{t.message}</pre> : null}
              </li>
            ))}
          </ul>
          <h3>Code against the starter</h3>
          <p className="muted">{`Snapshot SHA-256 ${f.snapshotHash}`}</p>
          {f.files.map((file) => (
            <details key={file.path} open={f.files.length <= 3}>
              <summary>{`${file.change}: ${file.path}`}</summary>
              <DiffView
                path={file.path}
                mine={file.final ?? ""}
                mineLabel="Final"
                theirs={file.starter ?? ""}
                theirsLabel="Starter"
              />
            </details>
          ))}
        </section>
      ))}

      <h2>Timeline</h2>
      <ol className="timeline" data-testid="timeline">
        {d.timeline.map((e, i) => (
          <li key={i} className={`event ${e.kind}`}>
            <time dateTime={e.at}>{time(e.at)}</time> {describe(e)}
            {e.kind === "terminal-open" && typeof e.detail.recording === "string" ? (
              <button
                type="button"
                className="link-button no-print"
                onClick={() => setRecording(String(e.detail.recording))}
              >
                Play
              </button>
            ) : null}
          </li>
        ))}
      </ol>
      {recording ? (
        <section className="no-print" aria-label="Terminal playback">
          <RecordingPlayer url={recordingUrl(recording)} />
        </section>
      ) : null}

      {mine.length ? (
        <>
          <h2>Similar code</h2>
          <SimilarityList pairs={mine} />
        </>
      ) : null}

      <h2>Rubric</h2>
      <form
        className="rubric no-print"
        onSubmit={(e) => {
          e.preventDefault();
          void saveRubric(e.currentTarget);
        }}
      >
        {d.criteria.map((k, i) => (
          <fieldset key={k.name}>
            <legend>{k.name}</legend>
            {k.description ? <p className="muted">{k.description}</p> : null}
            <label>
              Score (1–5) <input name={`score-${i}`} type="number" min={1} max={5} required />
            </label>
            <label>
              Note <input name={`note-${i}`} maxLength={2000} />
            </label>
          </fieldset>
        ))}
        <button type="submit" className="btn">
          Save my scores
        </button>
      </form>
      <ul>
        {d.rubric.map((r) => (
          <li
            key={`${r.reviewerId}:${r.criterion}`}
          >{`${r.reviewer} — ${d.criteria[r.criterion]?.name ?? r.criterion}: ${r.score}${r.note ? ` (${r.note})` : ""}`}</li>
        ))}
      </ul>

      <h2>Decision</h2>
      {c.decision ? <p data-testid="decision">{`${c.decision}: ${c.decisionComment ?? ""}`}</p> : null}
      <form
        className="decision no-print"
        onSubmit={(e) => {
          e.preventDefault();
          void decide(e.currentTarget);
        }}
      >
        <label>
          Decision
          <select name="decision" defaultValue="hold">
            <option value="advance">advance</option>
            <option value="hold">hold</option>
            <option value="reject">reject</option>
          </select>
        </label>
        <label>
          Comment <input name="comment" required maxLength={2000} />
        </label>
        <button type="submit" className="btn">
          Record decision
        </button>
      </form>
      {d.record ? (
        <>
          <h2>Signed record</h2>
          <pre className="record">{d.record.body}</pre>
          <p className="muted">{`HMAC-SHA256 ${d.record.signature}`}</p>
        </>
      ) : null}
    </main>
  );
}
