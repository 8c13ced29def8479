import type { Database } from "../db/database.ts";
import { badRequest } from "../errors.ts";
import type { EventType } from "./service.ts";

/** What an instructor's endpoint may subscribe to: events of a cohort (and of its members' gradings). */
export const INSTRUCTOR_EVENTS = [
  "submission.graded",
  "cohort.member.joined",
  "cohort.help.requested",
  "webhook.test",
] as const satisfies readonly EventType[];

/** Who runs a cohort: its owner and its instructors. */
const RUNNERS = `SELECT owner_id AS id FROM cohorts WHERE id = ? UNION SELECT user_id FROM cohort_instructors WHERE cohort_id = ?`;

/**
 * The instructors whose endpoints hear of an event: those who run its cohort (cohort events),
 * or a cohort the graded learner is a member of (submission.graded). Empty for the rest
 * (assessments are the hiring side's, for admins' endpoints only).
 */
export function audienceOf(db: Database, type: EventType, data: Record<string, unknown>): Set<number> {
  const ids = (sql: string, arg: unknown) => new Set(db.all<{ id: number }>(sql, [arg, arg]).map((r) => r.id));
  if ((type === "cohort.member.joined" || type === "cohort.help.requested") && typeof data.cohort_id === "number")
    return ids(RUNNERS, data.cohort_id);
  if (type === "submission.graded" && typeof data.user_id === "number")
    return ids(
      `SELECT c.owner_id AS id FROM cohorts c JOIN cohort_members m ON m.cohort_id = c.id WHERE m.user_id = ?
       UNION SELECT i.user_id FROM cohort_instructors i JOIN cohort_members m ON m.cohort_id = i.cohort_id WHERE m.user_id = ?`,
      data.user_id,
    );
  return new Set();
}

/** Refuses (400) event types an instructor's endpoint may not receive. */
export function forInstructor(events: readonly EventType[]): void {
  const refused = events.filter((e) => !(INSTRUCTOR_EVENTS as readonly string[]).includes(e));
  if (refused.length)
    throw badRequest(
      `An instructor's webhook may receive only ${INSTRUCTOR_EVENTS.join(", ")}, not ${refused.join(", ")}.`,
    );
}
