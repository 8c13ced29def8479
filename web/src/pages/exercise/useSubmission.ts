import { useCallback, useEffect, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { applyEvent, POSTING, type Progress } from "./progress.ts";
import {
  api,
  ApiError,
  errorMessage,
  newIdempotencyKey,
  type GradingEvent,
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
  const [progress, setProgress] = useState<Progress>(POSTING);

  useEffect(() => {
    let cancelled = false;
    api.submissions(exerciseId).then(
      ({ submissions }) => {
        if (cancelled) return;
        const latest = submissions[0];
        if (!latest) return;
        if (latest.status === "queued" || latest.status === "running") {
          setPending({ id: latest.id, status: latest.status });
          setProgress({ ...POSTING, status: latest.status });
        }
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
      setProgress(POSTING);
      if (result) setShown({ result, createdAt });
      else setSubmitError(`The submission ended (${status}) without a result.`);
    };
    const tick = async () => {
      try {
        const { submission, queue } = await api.submission(pendingId);
        if (cancelled) return;
        if (submission.status === "done" || submission.status === "error")
          return finish(submission.status, submission.result, submission.createdAt);
        setPending({ id: pendingId, status: submission.status });
        setProgress((p) => {
          const next = applyEvent(p, { type: "status", status: submission.status });
          return queue ? applyEvent(next, { type: "queue", ...queue }) : next;
        });
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
      // Each event rendered at once: a burst (a late page replaying what it missed, a busy
      // machine) still shows every count and phase instead of jumping to the result.
      const follow = (e: Event) => {
        const event = JSON.parse((e as MessageEvent<string>).data) as GradingEvent;
        if (cancelled) return;
        flushSync(() => {
          if (event.type === "status" || event.type === "step")
            setPending({ id: pendingId, status: event.type === "status" ? event.status : "running" });
          setProgress((p) => applyEvent(p, event));
        });
      };
      for (const type of ["status", "queue", "step", "test", "phase"] as const) source.addEventListener(type, follow);
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
    setProgress(POSTING);
    setSubmitError(null);
    if (attempt.current?.exerciseId !== exerciseId) attempt.current = { exerciseId, key: newIdempotencyKey() };
    try {
      const { submission } = await api.submit(exerciseId, attempt.current.key);
      attempt.current = null;
      setPending({ id: submission.id, status: submission.status === "done" ? "queued" : submission.status });
      setProgress({ ...POSTING, status: "queued" });
    } catch (err) {
      // A refusal (4xx) made nothing: the next click is a new submission.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) attempt.current = null;
      setSubmitError(errorMessage(err));
    } finally {
      setPosting(false);
    }
  }, [exerciseId]);

  const busy = posting || pending !== null;
  // The button keeps one short label while busy (its width never changes); the progress
  // itself is shown in the results panel.
  return { busy, label: busy ? "Grading…" : "Submit", progress, submit, submitError, shown };
}
