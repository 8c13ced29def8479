import { useCallback, useEffect, useRef, useState } from "react";
import { flushSync } from "react-dom";
import {
  api,
  ApiError,
  errorMessage,
  newIdempotencyKey,
  type GradingEventOf,
  type Results,
  type SubmissionStatus,
} from "../../api.ts";

const POLL_MS = 500;

interface Pending {
  id: number;
  status: SubmissionStatus;
}

export interface ShownResult {
  result: Results;
  createdAt?: string;
}

/** What the grader has done so far, from the live event stream. */
export interface Progress {
  step: string | null;
  done: number;
  passed: number;
  steps: string[];
}

const NO_PROGRESS: Progress = { step: null, done: 0, passed: 0, steps: [] };

export function progressText(p: Pending | null, posting: boolean, progress: Progress): string {
  if (!(p?.status === "running" && !posting)) return "Queued…";
  const done = progress.done ? ` ${progress.done} done (${progress.passed} ✓)` : "";
  if (!progress.step) return `Running hidden tests…${done}`;
  return `${progress.step}:${done || " starting"}…`;
}

/**
 * Submitting an exercise and following the grading live: the latest earlier result on load,
 * then server-sent events (each step, each test) for a pending submission, polling if the
 * stream breaks.
 */
export function useSubmission(exerciseId: string) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [posting, setPosting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [shown, setShown] = useState<ShownResult | null>(null);
  const [progress, setProgress] = useState<Progress>(NO_PROGRESS);

  useEffect(() => {
    let cancelled = false;
    api.submissions(exerciseId).then(
      ({ submissions }) => {
        if (cancelled) return;
        const latest = submissions[0];
        if (!latest) return;
        if (latest.status === "queued" || latest.status === "running")
          setPending({ id: latest.id, status: latest.status });
        const done = submissions.find((s) => (s.status === "done" || s.status === "error") && s.result);
        if (done?.result) setShown({ result: done.result, createdAt: done.createdAt });
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [exerciseId]);

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
        if (submission.status === "done" || submission.status === "error")
          return finish(submission.status, submission.result, submission.createdAt);
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
        const { status } = JSON.parse((e as MessageEvent<string>).data) as GradingEventOf<"status">;
        if (!cancelled) setPending({ id: pendingId, status });
      });
      source.addEventListener("step", (e) => {
        const step = JSON.parse((e as MessageEvent<string>).data) as GradingEventOf<"step">;
        if (cancelled) return;
        setPending({ id: pendingId, status: "running" });
        if (step.state === "running") setProgress((p) => ({ step: step.name, done: 0, passed: 0, steps: p.steps }));
        else setProgress((p) => ({ ...p, steps: [...p.steps, step.name] }));
      });
      source.addEventListener("test", (e) => {
        const test = JSON.parse((e as MessageEvent<string>).data) as GradingEventOf<"test">;
        // Rendered at once, event by event: a burst (a late page replaying what it missed, a
        // busy machine) still shows every count instead of jumping to the result.
        if (!cancelled)
          flushSync(() =>
            setProgress((p) => ({ ...p, done: p.done + 1, passed: p.passed + (test.status === "pass" ? 1 : 0) })),
          );
      });
      source.addEventListener("done", (e) => {
        const { submission } = JSON.parse((e as MessageEvent<string>).data) as GradingEventOf<"done">;
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

  // One key per submission the learner means to make. A submit whose answer never came (the
  // connection dropped, a 5xx) may have been made: the next click sends the same key and the
  // lab answers with that submission instead of grading the workspace twice.
  const attempt = useRef<{ exerciseId: string; key: string } | null>(null);
  const submit = useCallback(async () => {
    setPosting(true);
    setSubmitError(null);
    if (attempt.current?.exerciseId !== exerciseId) attempt.current = { exerciseId, key: newIdempotencyKey() };
    try {
      const { submission } = await api.submit(exerciseId, attempt.current.key);
      attempt.current = null;
      setPending({ id: submission.id, status: submission.status === "done" ? "queued" : submission.status });
    } catch (err) {
      // A refusal (4xx) made nothing: the next click is a new submission.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) attempt.current = null;
      setSubmitError(errorMessage(err));
    } finally {
      setPosting(false);
    }
  }, [exerciseId]);

  const busy = posting || pending !== null;
  return { busy, label: busy ? progressText(pending, posting, progress) : "Submit", submit, submitError, shown };
}
