import type { Request, Response } from "express";
import type { CohortEvent } from "../contract/cohorts.ts";
import type { Cohorts, Emitted } from "./service.ts";

/**
 * Streams a cohort's events to one listener as server-sent events. `wants` decides what this
 * listener may hear (the room hears everything for instructors, a member only their share).
 */
export function streamCohort(
  cohorts: Cohorts,
  cohortId: number,
  req: Request,
  res: Response,
  wants: (e: Emitted) => boolean,
  first: CohortEvent[],
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  const send = (event: CohortEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  // The snapshot goes first and the listener subscribes in the same tick: nothing falls between.
  for (const e of first) send(e);
  const channel = `cohort:${cohortId}`;
  const listener = (e: Emitted) => {
    if (wants(e)) send(e.event);
  };
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  cohorts.events.on(channel, listener);
  req.on("close", () => {
    clearInterval(heartbeat);
    cohorts.events.off(channel, listener);
    res.end();
  });
}

export function memberHears(userId: number) {
  return (e: Emitted) => e.to === "all" || e.to === "members" || (typeof e.to === "object" && e.to.userId === userId);
}

export const roomHears = (e: Emitted) => e.to === "all" || e.to === "room";
