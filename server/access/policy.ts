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
  | "files" // the editor's file API on the workspace (reading)
  | "edit" // changing the workspace's files through the file API (asked after "files")
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

/** How much of a submission's results its author sees: everything, test names only, or nothing. */
export type FeedbackLevel = "full" | "test-names" | "nothing";
const LEVELS: FeedbackLevel[] = ["full", "test-names", "nothing"];

export class AccessPolicy {
  private rules = new Map<string, AccessRule>();
  private feedbackRules = new Map<string, (user: User, exerciseId: string) => FeedbackLevel | undefined>();

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

  /** Adds a rule that narrows what a user sees of their own results (assessments). */
  registerFeedback(name: string, rule: (user: User, exerciseId: string) => FeedbackLevel | undefined): void {
    this.feedbackRules.set(name, rule);
  }

  /** The narrowest feedback any rule allows (full when none objects). */
  feedback(user: User, exerciseId: string): FeedbackLevel {
    let level = 0;
    for (const rule of this.feedbackRules.values())
      level = Math.max(level, LEVELS.indexOf(rule(user, exerciseId) ?? "full"));
    return LEVELS[level]!;
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
