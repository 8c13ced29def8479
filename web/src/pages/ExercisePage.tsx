import { useEffect, useState } from "react";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { api, ApiError, errorMessage, type Exercise, type Results, type SubmissionStatus } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { ResultsView } from "../components/Results.tsx";
import { Recordings } from "../recordings/Recordings.tsx";
import { Terminal } from "../terminal/Terminal.tsx";

const POLL_MS = 500;

interface Pending {
  id: string;
  status: SubmissionStatus;
}

interface ShownResult {
  result: Results;
  createdAt?: string;
}

/** What the grader has done so far, from the live event stream. */
interface Progress {
  step: string | null;
  done: number;
  passed: number;
  steps: string[];
}

const NO_PROGRESS: Progress = { step: null, done: 0, passed: 0, steps: [] };

function progressText(p: Pending | null, posting: boolean, progress: Progress): string {
  if (!(p?.status === "running" && !posting)) return "Queued…";
  const done = progress.done ? ` ${progress.done} done (${progress.passed} ✓)` : "";
  if (!progress.step) return `Running hidden tests…${done}`;
  return `${progress.step}:${done || " starting"}…`;
}

function formatWhen(iso?: string): string | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toLocaleString();
}

export function ExercisePage({ id }: { id: string }) {
  const [exercise, setExercise] = useState<Exercise | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [workspaceError, setWorkspaceError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [posting, setPosting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [shown, setShown] = useState<ShownResult | null>(null);
  const [tab, setTab] = useState<"results" | "recordings">("results");
  const [progress, setProgress] = useState<Progress>(NO_PROGRESS);

  // Load the exercise, the latest previous submission, and open the workspace.
  useEffect(() => {
    let cancelled = false;
    api.exercise(id).then(
      ({ exercise }) => {
        if (!cancelled) setExercise(exercise);
      },
      (err: unknown) => {
        if (!cancelled) setLoadError(errorMessage(err));
      },
    );
    api.submissions(id).then(
      ({ submissions }) => {
        if (cancelled) return;
        const latest = submissions[0];
        if (!latest) return;
        if (latest.status === "queued" || latest.status === "running") setPending({ id: latest.id, status: latest.status });
        const done = submissions.find((s) => (s.status === "done" || s.status === "error") && s.result);
        if (done?.result) setShown({ result: done.result, createdAt: done.createdAt });
      },
      () => undefined,
    );
    api.openWorkspace(id).then(
      ({ workspace }) => {
        if (!cancelled) setWorkspaceId(workspace.id);
      },
      (err: unknown) => {
        if (!cancelled) setWorkspaceError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [id]);

  // Follow the pending submission live (server-sent events); poll if the stream fails.
  const pendingId = pending?.id ?? null;
  useEffect(() => {
    if (!pendingId) return;
    let cancelled = false;
    let timer = 0;
    let source: EventSource | null = null;
    const finish = (status: SubmissionStatus, result: Results | null, createdAt?: string) => {
      setPending(null);
      setProgress(NO_PROGRESS);
      if (result) setShown({ result, createdAt });
      else setSubmitError(`The submission ended (${status}) without a result.`);
    };
    const tick = async () => {
      try {
        const { submission } = await api.submission(pendingId);
        if (cancelled) return;
        if (submission.status === "done" || submission.status === "error") return finish(submission.status, submission.result, submission.createdAt);
        setPending({ id: pendingId, status: submission.status });
      } catch (err) {
        if (cancelled) return;
        setSubmitError(errorMessage(err));
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          setPending(null);
          return;
        }
      }
      timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    if (typeof EventSource === "function") {
      source = new EventSource(`/api/submissions/${encodeURIComponent(pendingId)}/events`);
      source.addEventListener("status", (e) => {
        const { status } = JSON.parse((e as MessageEvent<string>).data) as { status: SubmissionStatus };
        if (!cancelled) setPending({ id: pendingId, status });
      });
      source.addEventListener("step", (e) => {
        const step = JSON.parse((e as MessageEvent<string>).data) as { name: string; state: string };
        if (cancelled) return;
        setPending({ id: pendingId, status: "running" });
        if (step.state === "running") setProgress((p) => ({ step: step.name, done: 0, passed: 0, steps: p.steps }));
        else setProgress((p) => ({ ...p, steps: [...p.steps, step.name] }));
      });
      source.addEventListener("test", (e) => {
        const test = JSON.parse((e as MessageEvent<string>).data) as { status: string };
        if (!cancelled) setProgress((p) => ({ ...p, done: p.done + 1, passed: p.passed + (test.status === "pass" ? 1 : 0) }));
      });
      source.addEventListener("done", (e) => {
        const { submission } = JSON.parse((e as MessageEvent<string>).data) as { submission: { status: SubmissionStatus; result: Results | null; createdAt?: string } };
        source?.close();
        if (!cancelled) finish(submission.status, submission.result, submission.createdAt);
      });
      source.onerror = () => {
        // The stream broke (proxy, restart): fall back to polling.
        source?.close();
        source = null;
        if (!cancelled) timer = window.setTimeout(() => void tick(), POLL_MS);
      };
    } else {
      timer = window.setTimeout(() => void tick(), POLL_MS);
    }
    return () => {
      cancelled = true;
      source?.close();
      window.clearTimeout(timer);
    };
  }, [pendingId]);

  async function submit() {
    setTab("results");
    setPosting(true);
    setSubmitError(null);
    try {
      const { submission } = await api.submit(id);
      setPending({ id: submission.id, status: submission.status === "done" ? "queued" : submission.status });
    } catch (err) {
      setSubmitError(errorMessage(err));
    } finally {
      setPosting(false);
    }
  }

  if (loadError) {
    return (
      <main className="page">
        <p role="alert" className="alert">
          {loadError}
        </p>
        <p>
          <Link href="/">Back to the catalog</Link>
        </p>
      </main>
    );
  }

  const busy = posting || pending !== null;
  return (
    <main className="exercise-layout">
      <article className="panel instructions" aria-labelledby="exercise-title">
        <p className="crumbs">
          <Link href="/">← All exercises</Link>
        </p>
        {exercise ? (
          <>
            <h1 id="exercise-title">{exercise.title}</h1>
            <p className="meta">
              <span className={`badge difficulty difficulty-${exercise.difficulty}`}>{exercise.difficulty}</span>
              <span>~{exercise.estimatedMinutes} min</span>
              <span>{exercise.maxScore} pts</span>
            </p>
            <div className="markdown">
              {/* No rehype-raw: HTML in an exercise README is shown as text, never rendered. */}
              <Markdown remarkPlugins={[remarkGfm]}>{withoutTitle(exercise.readme)}</Markdown>
            </div>
          </>
        ) : (
          <p className="loading" id="exercise-title">
            Loading exercise…
          </p>
        )}
      </article>
      <div className="work">
        {workspaceError ? (
          <p role="alert" className="alert">
            Could not open the workspace: {workspaceError}
          </p>
        ) : workspaceId ? (
          <Terminal key={workspaceId} workspaceId={workspaceId} />
        ) : (
          <p className="loading terminal-placeholder">Preparing workspace…</p>
        )}
        <div className="panel results-panel">
          <div className="submit-bar">
            <button
              type="button"
              className="btn btn-primary"
              data-testid="submit"
              disabled={busy}
              aria-busy={busy}
              onClick={() => void submit()}
            >
              {busy ? progressText(pending, posting, progress) : "Submit"}
            </button>
            {busy && <span className="spinner" aria-hidden="true" />}
            <span className="spacer" />
            <div className="tabs" role="tablist" aria-label="Results and recordings">
              <button
                type="button"
                role="tab"
                id="tab-results"
                className="tab"
                data-testid="tab-results"
                aria-selected={tab === "results"}
                aria-controls="tabpanel-work"
                onClick={() => setTab("results")}
              >
                Results
              </button>
              <button
                type="button"
                role="tab"
                id="tab-recordings"
                className="tab"
                data-testid="tab-recordings"
                aria-selected={tab === "recordings"}
                aria-controls="tabpanel-work"
                disabled={!workspaceId}
                onClick={() => setTab("recordings")}
              >
                Recordings
              </button>
            </div>
          </div>
          {submitError && (
            <p role="alert" className="alert">
              {submitError}
            </p>
          )}
          <div role="tabpanel" id="tabpanel-work" aria-labelledby={tab === "results" ? "tab-results" : "tab-recordings"}>
            {tab === "recordings" && workspaceId ? (
              <Recordings workspaceId={workspaceId} />
            ) : busy ? null : shown ? (
              <ResultsView result={shown.result} when={formatWhen(shown.createdAt)} />
            ) : (
              <p className="muted">No submissions yet. Run your code in the terminal, then press Submit.</p>
            )}
          </div>
        </div>
      </div>
    </main>
  );
}

/** The page already shows the title; drop the README's own leading `# Title`. */
function withoutTitle(markdown: string): string {
  return markdown.replace(/^\s*# [^\n]*\n/, "");
}
