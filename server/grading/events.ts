import type { Request, Response } from "express";
import type { Grading, Submission, SubmissionEvent } from "./service.ts";

const HEARTBEAT_MS = 15_000;

/**
 * A submission's grading progress as server-sent events: its status, then (while it is being
 * graded) every step and test reported so far and live ones, and `done` with the submission.
 * The stream ends after `done`; a page that connects after the end gets status and done at once.
 */
export function streamSubmission(
  grading: Grading,
  id: number,
  userId: number,
  req: Request,
  res: Response,
  /** What the caller may see: an assessment hides messages or everything, and then per-test progress too. */
  view: { shown: (s: Submission) => Submission; live: boolean } = { shown: (s) => s, live: true },
): void {
  const current = view.shown(grading.get(id, userId));
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  const send = (event: SubmissionEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  send({ type: "status", status: current.status });
  if (current.status === "done" || current.status === "error") {
    send({ type: "done", submission: current });
    res.end();
    return;
  }
  const position = current.status === "queued" ? grading.queuePosition(id) : null;
  if (position) send({ type: "queue", ...position });
  // Replayed and subscribed in the same tick: no event can fall in between.
  if (view.live) for (const past of grading.progressOf(id)) send(past);
  const channel = `sub:${id}`;
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  const listener = (event: SubmissionEvent) => {
    if (event.type === "done") send({ type: "done", submission: view.shown(event.submission) });
    // The queue's position tells nothing about the code; the live steps do (an assessment may hide them).
    else if (view.live || event.type === "status" || event.type === "queue") send(event);
    if (event.type === "done") stop();
  };
  const stop = () => {
    clearInterval(heartbeat);
    grading.events.off(channel, listener);
    res.end();
  };
  grading.events.on(channel, listener);
  req.on("close", stop);
}
