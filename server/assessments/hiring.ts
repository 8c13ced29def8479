import type { AccessPolicy, AccessRequest } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { notFound, Problem } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { Grading } from "../grading/service.ts";
import type { Logger } from "../logger.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { Candidates, type CandidateRow } from "./candidates.ts";
import { AssessmentClock } from "./clock.ts";
import { Assessments } from "./service.ts";

type Deps = {
  db: Database;
  catalog: Catalog;
  workspaces: Workspaces;
  grading: Grading;
  log: Logger;
  policy: AccessPolicy;
};

/**
 * The assessments feature, composed once per lab: definitions, candidates and their clock,
 * and the access rule that confines a candidate to their own assessment.
 */
export class Hiring {
  readonly assessments: Assessments;
  readonly candidates: Candidates;
  readonly clock: AssessmentClock;

  constructor(private deps: Deps) {
    this.assessments = new Assessments(deps.db, deps.catalog);
    this.candidates = new Candidates(deps.db, this.assessments);
    this.clock = new AssessmentClock({ ...deps, assessments: this.assessments, candidates: this.candidates });
    deps.policy.register("assessments", (req) => this.refusal(req));
    deps.policy.registerFeedback("assessments", (user) =>
      user.role === "candidate" ? (this.assessmentOf(user)?.visibility ?? "nothing") : undefined,
    );
  }

  exercise(id: string) {
    return this.deps.catalog.exercises.get(id);
  }

  snapshotDir(submissionId: number): string {
    return this.deps.grading.snapshotDir(submissionId);
  }

  /** The candidate row of a candidate account (undefined for anyone else, or once revoked). */
  candidateOf(user: User): CandidateRow | undefined {
    if (user.role !== "candidate") return undefined;
    const c = this.candidates.forUser(user.id);
    return c && !c.revoked_at ? c : undefined;
  }

  private assessmentOf(user: User) {
    const c = this.candidateOf(user);
    return c ? this.assessments.get(c.assessment_id) : undefined;
  }

  /**
   * A candidate reaches only the exercises of their assessment, only once started, writes
   * only until the deadline, hints only when the assessment allows them, and never the
   * reference solution. Other users are not this rule's business.
   */
  private refusal({ user, exerciseId, use }: AccessRequest): Problem | undefined {
    if (user.role !== "candidate") return undefined;
    const c = this.candidateOf(user);
    const a = c ? this.assessments.get(c.assessment_id) : undefined;
    if (!c || !a || !a.exercises.some((x) => x.id === exerciseId)) return notFound(`The exercise "${exerciseId}"`);
    if (!c.started_at)
      return new Problem(409, "not-started", "Not started", "Press Start on the assessment's welcome page first.");
    switch (use) {
      case "solution":
        return notFound("The solution");
      case "hints":
        return a.hintsAllowed ? undefined : notFound("Hints");
      case "view":
      case "open":
      case "files":
        return undefined;
      case "edit":
        return this.clock.writeRefusal(c);
      case "terminal":
        return this.clock.terminalRefusal(c);
      case "submit": {
        const refused = this.clock.writeRefusal(c);
        if (refused) return refused;
        const used = this.feedbackUsed(user.id, exerciseId);
        if (used >= a.feedbackSubmissions)
          return new Problem(
            409,
            "no-feedback-left",
            "No feedback submissions left",
            `This assessment gives ${a.feedbackSubmissions} feedback submission(s) per exercise; hand in when you are done.`,
          );
        return undefined;
      }
    }
  }

  feedbackUsed(userId: number, exerciseId: string): number {
    return this.deps.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM submissions s WHERE s.user_id = ? AND s.exercise_id = ? AND s.id NOT IN (SELECT submission_id FROM assessment_finals)",
      [userId, exerciseId],
    )!.n;
  }
}
