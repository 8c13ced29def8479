import type { User } from "../accounts/schema.ts";
import { Problem } from "../errors.ts";

/**
 * The one place that decides whether a user may open or use an exercise. Every path that
 * touches an exercise on a learner's behalf (the exercise page and its API, the workspace,
 * the file API, the terminal upgrade, hints, the solution, submissions) asks `check()`;
 * features that restrict access (cohort pacing, assessments scoping candidates) register a
 * rule here instead of adding conditions to each of those paths.
 */

/** What the caller is about to do with the exercise. */
export type ExerciseUse =
  | "view" // read its instructions, list one's submissions
  | "open" // open (create) the workspace
  | "files" // the editor's file API on the workspace
  | "terminal" // attach to the workspace's shell as its owner
  | "submit" // hand the workspace in for grading
  | "hints" // read or reveal hints
  | "solution"; // read the reference solution

export type AccessRequest = { user: User; exerciseId: string; use: ExerciseUse };

/**
 * A rule answers `undefined` (no objection) or the Problem that refuses. Rules only ever
 * refuse: the first refusal wins, so registering a rule can never widen anyone's access.
 */
export type AccessRule = (req: AccessRequest) => Problem | undefined;

export class AccessPolicy {
  private rules = new Map<string, AccessRule>();

  /** Adds (or, under the same name, replaces) a rule; a feature registers one per concern. */
  register(name: string, rule: AccessRule): void {
    this.rules.set(name, rule);
  }

  /** The refusal for this request, if any rule objects. */
  refusal(req: AccessRequest): Problem | undefined {
    for (const rule of this.rules.values()) {
      const p = rule(req);
      if (p) return p;
    }
    return undefined;
  }

  allows(user: User, exerciseId: string, use: ExerciseUse): boolean {
    return !this.refusal({ user, exerciseId, use });
  }

  /** Throws the refusal (a Problem the error handler turns into problem+json). */
  check(user: User, exerciseId: string, use: ExerciseUse): void {
    const p = this.refusal({ user, exerciseId, use });
    if (p) throw p;
  }
}

/** The refusal a paced cohort gives for an exercise its instructor has not unlocked yet. */
export function exerciseLocked(detail: string): Problem {
  return new Problem(403, "exercise-locked", "Exercise locked", detail);
}
