import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import type { CandidateState, TimelineEventIn } from "../../../server/contract/assessments.ts";
import { errorMessage, request, type Submission } from "../api.ts";
import { Terminal } from "../terminal/Terminal.tsx";
import "./assessments.css";

const WorkspaceEditor = lazy(() => import("../editor/WorkspaceEditor.tsx"));

/** A paste or typed insertion at least this long goes into the reviewer's timeline. */
const LARGE_INSERT = 100;

/**
 * Everything a candidate sees: the welcome page (rules, time, what is graded, Start), then
 * the working view with the server's countdown, and the end. The clock is the server's: the
 * page only keeps the offset between its own clock and the server's last answer.
 */
export function CandidatePage({ onSignOut }: { onSignOut: () => void }) {
  const [state, setState] = useState<CandidateState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const offset = useRef(0);

  const load = useCallback(async (method: "GET" | "POST" = "GET", path = "/api/candidate/assessment") => {
    const sent = Date.now();
    try {
      const s = await request<CandidateState>(method, path, method === "POST" ? {} : undefined);
      offset.current = Date.parse(s.serverNow) - (sent + Date.now()) / 2;
      setState(s);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    void load();
    // Extensions and the end arrive with the next answer.
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [load]);

  if (!state)
    return (
      <main className="center-page">
        {error ? (
          <p className="alert" role="alert">
            {error}
          </p>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </main>
    );
  const c = state.candidate;
  return (
    <div className="app candidate-app">
      <header className="candidate-bar">
        <strong>{state.assessment.title}</strong>
        <span className="muted">Candidate {c.pseudonym}</span>
        {c.status === "started" && c.deadline ? (
          <Countdown deadline={c.deadline} offset={offset} onEnd={() => void load()} base={c.baseDeadline} />
        ) : null}
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : null}
      {c.status === "invited" || c.status === "expired" ? (
        <Welcome state={state} onStart={() => void load("POST", "/api/candidate/start")} />
      ) : c.status === "started" ? (
        <Working
          state={state}
          onHandIn={() => void load("POST", "/api/candidate/hand-in")}
          onChange={() => void load()}
        />
      ) : (
        <Done state={state} />
      )}
    </div>
  );
}

function minutes(n: number): string {
  return n === 1 ? "1 minute" : `${n} minutes`;
}

function Welcome({ state, onStart }: { state: CandidateState; onStart: () => void }) {
  const a = state.assessment;
  const [busy, setBusy] = useState(false);
  const feedback =
    a.visibility === "full"
      ? "the full results of each check"
      : a.visibility === "test-names"
        ? "which hidden tests pass (names only)"
        : "no results";
  return (
    <main className="page welcome" id="main">
      <h1>{a.title}</h1>
      <p className="lead">
        You have <strong>{minutes(a.durationMinutes)}</strong> once you press Start. The clock runs on the server and
        does not pause: closing the tab or losing the connection does not stop it.
      </p>
      <h2>Rules</h2>
      <ul>
        <li>
          The assessment can be started until {new Date(a.closesAt).toLocaleString()}; work ends at that time at the
          latest.
        </li>
        <li>
          You may check your work{" "}
          {a.feedbackSubmissions === 0
            ? "no times"
            : a.feedbackSubmissions === 1
              ? "once"
              : `${a.feedbackSubmissions} times`}{" "}
          per exercise and will see {feedback}.
        </li>
        <li>{a.hintsAllowed ? "Hints are available." : "Hints are not available."} The reference solution is not.</li>
        <li>
          When the time is up your work is handed in as it is and graded; the editor becomes read-only and the terminal
          closes.
        </li>
        <li>Your saves, pastes (their size), leaving the page and terminal sessions are recorded for the reviewers.</li>
      </ul>
      <h2>What is graded</h2>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Exercise</th>
            <th scope="col">Points</th>
            <th scope="col">Graded on</th>
          </tr>
        </thead>
        <tbody>
          {a.exercises.map((x) => (
            <tr key={x.id}>
              <td>{x.title}</td>
              <td>{x.maxScore}</td>
              <td>{x.categories.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            onStart();
          }}
        >
          Start the assessment
        </button>
      </p>
    </main>
  );
}

/** mm:ss left, from the server's deadline and clock; warns at 10 and 2 minutes. */
function Countdown({
  deadline,
  base,
  offset,
  onEnd,
}: {
  deadline: string;
  base: string | null;
  offset: React.RefObject<number>;
  onEnd: () => void;
}) {
  const [now, setNow] = useState(() => Date.now() + offset.current);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() + offset.current), 250);
    return () => clearInterval(t);
  }, [offset]);
  const left = Math.max(0, Date.parse(deadline) - now);
  const ended = left === 0;
  useEffect(() => {
    if (ended) onEnd();
  }, [ended, onEnd]);
  const s = Math.ceil(left / 1000);
  const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const level = left <= 2 * 60_000 ? "urgent" : left <= 10 * 60_000 ? "warn" : "";
  const extended =
    base && base !== deadline
      ? ` (extended by ${Math.round((Date.parse(deadline) - Date.parse(base)) / 60_000)} min)`
      : "";
  return (
    <span className={`countdown ${level}`} data-testid="countdown">
      <span aria-hidden="true">{text}</span>
      <span className="visually-hidden">{`${Math.floor(s / 60)} minutes ${s % 60} seconds left`}</span>
      {extended ? <span className="muted">{extended}</span> : null}
      {level ? (
        <span role="alert" className="countdown-warning">
          {left <= 2 * 60_000 ? "Less than 2 minutes left" : "Less than 10 minutes left"}
        </span>
      ) : null}
    </span>
  );
}

function Working({ state, onHandIn, onChange }: { state: CandidateState; onHandIn: () => void; onChange: () => void }) {
  const exercises = state.assessment.exercises;
  const [current, setCurrent] = useState(exercises[0]!.id);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [readme, setReadme] = useState("");
  const [check, setCheck] = useState<Submission | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queue = useRef<TimelineEventIn[]>([]);
  const dirty = useRef<string[]>([]);
  /** A file that stops being dirty was saved (the editor reloads only clean buffers). */
  const onDirtyChange = useCallback(
    (files: { path: string }[]) => {
      const paths = files.map((f) => f.path);
      for (const p of dirty.current)
        if (!paths.includes(p) && queue.current.length < 50)
          queue.current.push({ kind: "save", exerciseId: current, path: p });
      dirty.current = paths;
    },
    [current],
  );

  useEffect(() => {
    let live = true;
    setWorkspaceId(null);
    void request<{ workspace: { id: number } }>("POST", `/api/exercises/${current}/workspace`, {}).then(
      (r) => live && setWorkspaceId(String(r.workspace.id)),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    void request<{ exercise: { readme: string } }>("GET", `/api/exercises/${current}`).then(
      (r) => live && setReadme(r.exercise.readme),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [current]);

  // What the reviewers' timeline shows: pastes and large insertions (sizes only), focus.
  useEffect(() => {
    const push = (e: TimelineEventIn) => {
      if (queue.current.length < 50) queue.current.push(e);
    };
    const onPaste = (e: ClipboardEvent) =>
      push({ kind: "paste", exerciseId: current, chars: e.clipboardData?.getData("text").length ?? 0 });
    const onInput = (e: Event) => {
      const data = (e as InputEvent).data;
      if ((e as InputEvent).inputType === "insertText" && data && data.length >= LARGE_INSERT)
        push({ kind: "insert", exerciseId: current, path: "editor", chars: data.length });
    };
    const onBlur = () => push({ kind: "blur" });
    const onFocus = () => push({ kind: "focus" });
    document.addEventListener("paste", onPaste, true);
    document.addEventListener("beforeinput", onInput, true);
    window.addEventListener("blur", onBlur);
    window.addEventListener("focus", onFocus);
    const flush = setInterval(() => {
      const events = queue.current.splice(0, 50);
      if (events.length) void request("POST", "/api/candidate/events", { events }).catch(() => undefined);
    }, 2000);
    return () => {
      document.removeEventListener("paste", onPaste, true);
      document.removeEventListener("beforeinput", onInput, true);
      window.removeEventListener("blur", onBlur);
      window.removeEventListener("focus", onFocus);
      clearInterval(flush);
    };
  }, [current]);

  const left = exercises.find((x) => x.id === current)?.feedbackLeft ?? 0;
  const runCheck = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await request<{ submission: { id: number } }>("POST", `/api/exercises/${current}/submissions`, {});
      onChange();
      for (let i = 0; i < 600; i++) {
        const s = await request<{ submission: Submission }>("GET", `/api/submissions/${r.submission.id}`);
        setCheck(s.submission);
        if (s.submission.status === "done" || s.submission.status === "error") break;
        await new Promise((res) => setTimeout(res, 1000));
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="candidate-work" id="main">
      <section className="candidate-brief">
        {exercises.length > 1 ? (
          <div role="tablist" aria-label="Exercises" className="tabs">
            {exercises.map((x) => (
              <button
                key={x.id}
                role="tab"
                type="button"
                aria-selected={x.id === current}
                onClick={() => setCurrent(x.id)}
              >
                {x.title}
              </button>
            ))}
          </div>
        ) : null}
        <div className="markdown">
          <Markdown remarkPlugins={[remarkGfm]}>{readme}</Markdown>
        </div>
        <div className="candidate-actions">
          <button type="button" className="btn" disabled={busy || left === 0} onClick={() => void runCheck()}>
            Check my work ({left} left)
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => {
              if (window.confirm("Hand in now? Your work can no longer change afterwards.")) onHandIn();
            }}
          >
            Hand in
          </button>
        </div>
        {error ? (
          <p className="alert" role="alert">
            {error}
          </p>
        ) : null}
        {check ? <CheckResult submission={check} /> : null}
      </section>
      <section className="candidate-editor" aria-label="Editor">
        {workspaceId ? (
          <Suspense fallback={<p className="loading">Loading the editor…</p>}>
            <WorkspaceEditor
              workspaceId={workspaceId}
              treeShare={0.25}
              onTreeShare={() => undefined}
              compare={null}
              onCloseCompare={() => undefined}
              onDirtyChange={onDirtyChange}
            />
          </Suspense>
        ) : (
          <p className="loading">Preparing your workspace…</p>
        )}
      </section>
      <section className="candidate-terminal" aria-label="Terminal">
        {workspaceId ? <Terminal key={workspaceId} workspaceId={workspaceId} /> : null}
      </section>
    </main>
  );
}

function CheckResult({ submission }: { submission: Submission }) {
  if (submission.status === "queued" || submission.status === "running") return <p className="muted">Checking…</p>;
  const r = submission.result;
  if (!r) return <p className="muted">Checked. This assessment shows no results while you work.</p>;
  return (
    <div className="check-result" data-testid="check-result">
      <p>
        <strong>
          {r.score} / {r.max_score}
        </strong>
      </p>
      <ul>
        {r.tests.map((t) => (
          <li key={t.name} className={`test ${t.status}`}>
            {t.status === "pass" ? "✓" : "✗"} {t.name}
            {t.message ? <pre>{t.message}</pre> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Done({ state }: { state: CandidateState }) {
  const c = state.candidate;
  return (
    <main className="page welcome" id="main">
      <h1>Handed in</h1>
      <p className="lead" data-testid="handed-in">
        {c.finishReason === "deadline" ? "The time was up" : "You handed in"} at{" "}
        {c.finishedAt ? new Date(c.finishedAt).toLocaleTimeString() : ""}. Your work is graded and goes to the
        reviewers; nothing can change any more. Thank you.
      </p>
    </main>
  );
}
