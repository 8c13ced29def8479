import { exerciseLocked, type AccessRule } from "../access/policy.ts";
import type { Database } from "../db/database.ts";
import { Problem } from "../errors.ts";
import { hasEnded, isUnlocked, type CohortRow, type TrackRow } from "./rows.ts";

/**
 * Pacing, hints and the solution for members, as an access rule. A learner in several
 * cohorts may use an exercise that any of them has unlocked; hints and the solution follow
 * the strictest of those cohorts. Staff (instructors, admins) are never paced.
 */
export function cohortAccessRule(db: Database): AccessRule {
  return ({ user, exerciseId, use }) => {
    if (user.role === "admin" || user.role === "instructor") return undefined;
    const rows = db.all<
      TrackRow & { hints: number; solution: CohortRow["solution"]; ends_at: string | null; name: string }
    >(
      `SELECT t.*, c.hints, c.solution, c.ends_at, c.name FROM cohort_members m
         JOIN cohorts c ON c.id = m.cohort_id AND c.purged_at IS NULL
         JOIN cohort_track t ON t.cohort_id = c.id AND t.exercise_id = ?
        WHERE m.user_id = ?`,
      [exerciseId, user.id],
    );
    if (rows.length === 0) return undefined;
    const open = rows.filter((r) => isUnlocked(r));
    if (open.length === 0)
      return exerciseLocked(`This exercise is locked: ${rows[0]!.name}'s instructor has not unlocked it yet.`);
    if (use === "hints" && open.some((r) => r.hints === 0))
      return new Problem(403, "hints-off", "Hints off", "Hints are turned off in your cohort.");
    if (use === "solution") {
      if (open.some((r) => r.solution === "never"))
        return new Problem(
          403,
          "solution-locked",
          "Solution locked",
          "Your cohort does not show the reference solution.",
        );
      if (open.some((r) => r.solution === "after_end" && !hasEnded(r)))
        return new Problem(
          403,
          "solution-locked",
          "Solution locked",
          "The reference solution unlocks when your cohort ends.",
        );
    }
    return undefined;
  };
}
